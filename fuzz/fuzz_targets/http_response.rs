//! The HTTP probe's response handling (status line, headers, body framing, the 200-399 rule)
//! over raw server bytes must never panic nor hang: a status or a failure.
//! Run: `cd fuzz && cargo +nightly fuzz run http_response`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdoctor_live::probe::http::response_outcome;

fuzz_target!(|data: &[u8]| {
    let s = response_outcome(data);
    assert!(s.status.is_some() || s.failure.is_some());
});
