//! The loader and the model builder must never panic, whatever the bytes.
//! Run: `cargo install cargo-fuzz && cd fuzz && cargo fuzz run -s none load`
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdoctor_core::load::load_text;
use netdoctor_core::model::{BuildOptions, Cluster};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let loaded = load_text("fuzz", &text);
    let cluster = Cluster::build(loaded, &BuildOptions::default());
    let _ = netdoctor_core::rules::run(&cluster, &Default::default());
});
