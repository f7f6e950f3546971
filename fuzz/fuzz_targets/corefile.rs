//! The Corefile parser and the plugin extraction over any text must never panic, overflow the
//! stack nor take more than linear time: a Corefile and its problems.
//! Run: `cd fuzz && cargo +nightly fuzz run corefile`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        netdoctor_core::load::corefile::fuzz_entry(text);
    }
});
