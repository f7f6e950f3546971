//! NetworkPolicy CIDRs (ipBlock cidr/except) and ports (port, endPort, protocol) validated
//! by the model builder. Run: `cd fuzz && cargo +nightly fuzz run netpol`
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netdoctor_core::fuzz::netpol(data));
