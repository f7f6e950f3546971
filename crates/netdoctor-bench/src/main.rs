//! `ndbench`: generate synthetic clusters and measure netdoctor on them.
//!
//! ```text
//! ndbench gen --pods 100000 [--namespaces 100] [--per-workload 10] [--policies 5000] [--yaml] [--lean] -o FILE
//! ndbench gen-excepts [--namespaces 10] [--deployments 10] [--policies 20] [--excepts 1000] -o FILE
//! ndbench parse-value FILE     # baseline: serde_json::from_str::<Value> (JSON only)
//! ndbench load FILE [--doctor] # netdoctor: read + Cluster::build (+ every rule)
//! ```
//! Each measuring command prints one JSON line: wall time and the process's peak resident
//! memory (VmHWM), so every figure comes from a fresh process. `bench/run.sh` drives it;
//! `bench/scale.sh` generates the inputs of issue 18 and times the `netdoctor` commands on them.

mod gen;

use netdoctor_core::model::{BuildOptions, Cluster};
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn arg_value(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

fn usage() -> ! {
    eprintln!("usage: ndbench gen --pods N [--namespaces N] [--per-workload N] [--policies N] [--yaml] [--lean] -o FILE | gen-excepts [--namespaces N] [--deployments N] [--policies N] [--excepts N] -o FILE | parse-value FILE | load FILE [--doctor]");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |name: &str, default: usize| -> usize {
        arg_value(&args, name)
            .map(|v| v.parse().unwrap_or_else(|_| usage()))
            .unwrap_or(default)
    };
    match args.first().map(String::as_str) {
        Some("gen") => {
            let spec = gen::Spec {
                pods: num("--pods", 10_000),
                namespaces: num("--namespaces", 100),
                pods_per_workload: num("--per-workload", 10).max(1),
                policies: num("--policies", 5_000),
                lean: args.iter().any(|a| a == "--lean"),
            };
            let yaml = args.iter().any(|a| a == "--yaml");
            write_file(&args, |out| gen::write(&spec, yaml, out));
        }
        Some("gen-excepts") => {
            let (ns, deployments) = (num("--namespaces", 10), num("--deployments", 10));
            let (policies, excepts) = (num("--policies", 20), num("--excepts", 1000));
            write_file(&args, |out| {
                gen::write_excepts(ns.max(1), deployments, policies, excepts, out)
            });
        }
        Some("parse-value") => {
            let path = args.get(1).unwrap_or_else(|| usage());
            let text = read(path);
            let start = Instant::now();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                eprintln!("{path}: {e}");
                std::process::exit(2)
            });
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let items = v["items"].as_array().map_or(0, Vec::len);
            report(
                "serde_json::Value",
                path,
                text.len(),
                ms,
                &format!("\"items\":{items}"),
            );
        }
        Some("load") => {
            let path = args.get(1).unwrap_or_else(|| usage());
            let text = read(path);
            let start = Instant::now();
            let loaded = netdoctor_core::load::load_text(path, &text);
            let load_ms = start.elapsed().as_secs_f64() * 1e3;
            let cluster = Cluster::build(loaded, &BuildOptions::default());
            let build_ms = start.elapsed().as_secs_f64() * 1e3;
            let mut extra = format!(
                "\"load_ms\":{load_ms:.1},\"pods\":{},\"policies\":{},\"services\":{}",
                cluster.pods().len(),
                cluster.policies().len(),
                cluster.services().len()
            );
            if args.iter().any(|a| a == "--doctor") {
                let findings = netdoctor_core::rules::run(&cluster, &Default::default());
                extra.push_str(&format!(
                    ",\"build_ms\":{build_ms:.1},\"findings\":{}",
                    findings.len()
                ));
            }
            let ms = start.elapsed().as_secs_f64() * 1e3;
            let op = if args.iter().any(|a| a == "--doctor") {
                "load+build+doctor"
            } else {
                "load+build"
            };
            report(op, path, text.len(), ms, &extra);
            drop(cluster);
        }
        _ => usage(),
    }
}

fn write_file(
    args: &[String],
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) {
    let path = arg_value(args, "-o").unwrap_or_else(|| usage());
    let file = std::fs::File::create(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2)
    });
    let mut out = std::io::BufWriter::new(file);
    if let Err(e) = f(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
        eprintln!("{path}: {e}");
        std::process::exit(2);
    }
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2)
    })
}

fn report(op: &str, path: &str, bytes: usize, ms: f64, extra: &str) {
    println!(
        "{{\"op\":\"{op}\",\"file\":\"{path}\",\"file_mib\":{:.1},\"ms\":{ms:.1},\"peak_rss_mib\":{:.1},{extra}}}",
        bytes as f64 / 1048576.0,
        peak_rss_mib()
    );
}
