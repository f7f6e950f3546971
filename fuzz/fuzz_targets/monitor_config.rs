//! The monitor's config parser (and the probes it builds) must never panic, whatever the
//! text: a config or an error. Run: `cd fuzz && cargo +nightly fuzz run monitor_config`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netdoctor_live::monitor::config::parse;
use netdoctor_live::probe::dns::ResolvConf;

fuzz_target!(|data: &[u8]| {
    // The agent reads at most 1 MiB of UTF-8; lossy conversion keeps every input useful.
    let text = String::from_utf8_lossy(data);
    let _ = parse(&text, &|| {
        Ok(ResolvConf::parse(
            "nameserver 10.96.0.10\nsearch ns.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n",
        ))
    });
});
