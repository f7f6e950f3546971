//! The loader alone (JSON, YAML, List items, per-item recovery) must never panic, whatever
//! the bytes; and reading only one namespace (what `policy check` does on files) keeps exactly
//! the objects of the full read in that namespace. Faster than `load`, which also builds the
//! model and runs every rule. Run: `cd fuzz && cargo +nightly fuzz run load_only`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netdoctor_core::fuzz::load_only(data));
