//! The DNS probe's response handling over any bytes from the wire: decoded and classified
//! (rcode, answers, failure such as CNAME only), never a panic.
//! Input: the first byte picks the question type, the rest is the message.
//! Run: `cd fuzz && cargo +nightly fuzz run dns_response`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    netdoctor_live::probe::dns::fuzz_dns_response(data);
});
