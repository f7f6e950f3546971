//! resolv.conf text as the DNS probe reads it (`ResolvConf::parse`), and the search-list
//! expansion of a name for glibc and musl, must never panic; the candidates stay bounded.
//! Input: the name on the first line, the resolv.conf after it.
//! Run: `cd fuzz && cargo +nightly fuzz run resolv_conf`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        netdoctor_live::probe::dns::fuzz_resolv_conf(text);
    }
});
