//! A pod's dnsPolicy/dnsConfig as kubelet composes its resolv.conf (`resolv_conf`), the
//! resolver's search-list expansion and the model's answer for a name must never panic and
//! stay bounded. Input fields, one per line: dnsPolicy, hostNetwork, nameservers,
//! searches, options, name. Run: `cd fuzz && cargo +nightly fuzz run pod_dns`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| netdoctor_core::fuzz::pod_dns(data));
