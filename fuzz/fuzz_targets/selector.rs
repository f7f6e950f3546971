//! Label selectors (matchLabels, matchExpressions), built and matched, and read through the
//! loader. Run: `cd fuzz && cargo +nightly fuzz run selector`
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netdoctor_core::fuzz::selector(data));
