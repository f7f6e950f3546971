//! `probe batch`: what one ephemeral container runs for `verify`: several probes in turn,
//! one JSON report each, in order; a probe that cannot start is an `{"error": …}` in its
//! place. Loopback only.

use netdoctor_live::inpod::{parse_reports, InPodError, PodRef, ProbeCommand};
use std::net::TcpListener;
use std::process::Command;

fn probe(args: &[&str]) -> ProbeCommand {
    ProbeCommand {
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn a_batch_prints_one_report_per_probe_in_order() {
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let open_port = open.local_addr().unwrap().port();
    let closed_port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let probes = [
        probe(&[
            "tcp",
            &format!("127.0.0.1:{open_port}"),
            "--count",
            "2",
            "--interval",
            "0s",
        ]),
        probe(&["tcp", &format!("127.0.0.1:{closed_port}"), "--count", "1"]),
        probe(&["tcp", "no-port-here", "--count", "1"]),
        probe(&["tcp", "127.0.0.1:1", "--from", "ns/pod"]),
    ];
    let batch = ProbeCommand::batch(&probes);
    let o = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(batch.argv())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let pod = PodRef::new("ns", "p");
    let r = parse_reports(&pod, &out, probes.len());
    let ok = r[0].as_ref().unwrap();
    assert_eq!((ok.ok, ok.count, ok.from.as_deref()), (2, 2, Some("ns/p")));
    let refused = r[1].as_ref().unwrap();
    assert_eq!((refused.ok, refused.errors.refused), (0, 1));
    assert!(
        matches!(&r[2], Err(InPodError::Failed { .. })),
        "{:?}",
        r[2]
    );
    // No in-pod probe from inside a batch.
    assert!(
        matches!(&r[3], Err(InPodError::Failed { .. })),
        "{:?}",
        r[3]
    );
}
