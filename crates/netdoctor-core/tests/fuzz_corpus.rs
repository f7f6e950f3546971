//! CI smoke run of the fuzz targets (`/fuzz`): each target's entry function over its
//! committed corpus (`fuzz/corpus/<target>/`), with stable Rust.

use std::path::Path;

fn run_corpus(target: &str, entry: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.unwrap().path();
        if path.is_file() {
            entry(&std::fs::read(&path).unwrap());
            n += 1;
        }
    }
    assert!(n > 0, "empty corpus {}", dir.display());
}

#[test]
fn load_corpus() {
    run_corpus("load", netdoctor_core::fuzz::load);
    // The loader-only target shares the loader's seeds.
    run_corpus("load", netdoctor_core::fuzz::load_only);
}

#[test]
fn selector_corpus() {
    run_corpus("selector", netdoctor_core::fuzz::selector);
}

#[test]
fn netpol_corpus() {
    run_corpus("netpol", netdoctor_core::fuzz::netpol);
}

#[test]
fn pod_dns_corpus() {
    run_corpus("pod_dns", netdoctor_core::fuzz::pod_dns);
}
