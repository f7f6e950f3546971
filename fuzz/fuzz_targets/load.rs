//! The loader (JSON, YAML, List items), the model builder and the rules must never panic,
//! whatever the bytes. Run: `cd fuzz && cargo +nightly fuzz run load`
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netdoctor_core::fuzz::load(data));
