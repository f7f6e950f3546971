use super::*;
use crate::load::load_text;
use crate::model::BuildOptions;

const LAB: &str = include_str!("../../../../netdoctor/tests/fixtures/verify/lab.yaml");

fn lab() -> Cluster {
    Cluster::build(load_text("lab.yaml", LAB), &BuildOptions::default())
}

fn find<'a>(checks: &'a [Check], from: &str, probe: &Probe) -> &'a Check {
    checks
        .iter()
        .find(|c| c.from == from && &c.probe == probe)
        .unwrap_or_else(|| panic!("no check {from} {probe:?} in {checks:#?}"))
}

fn tcp(t: &str) -> Probe {
    Probe::Tcp { target: t.into() }
}

#[test]
fn the_model_predicts_every_path_of_the_lab() {
    let c = lab();
    let server = c.pod_index("lab", "server").unwrap();
    let (checks, dropped) = plan(&c, &[server], &PlanOptions::default());
    assert_eq!(dropped, 0);
    // Services of the namespace the server does not back, with their names resolved.
    let web = find(&checks, "lab/server", &Probe::Dns { name: "web".into() });
    assert_eq!(
        web.expect,
        Expectation::Resolves {
            answers: vec!["10.250.7.11".into()]
        }
    );
    assert_eq!(
        find(&checks, "lab/server", &tcp("web:80")).expect,
        Expectation::Connects
    );
    // Who should and should not reach the server.
    let ok = find(&checks, "lab/client", &tcp("10.250.7.12:9090"));
    assert_eq!(ok.expect, Expectation::Connects);
    assert_eq!(ok.same_node, Some(true));
    assert_eq!(ok.to_pod.as_deref(), Some("lab/server"));
    let denied = find(&checks, "lab/blocked", &tcp("10.250.7.12:8080"));
    assert!(
        matches!(&denied.expect, Expectation::Denied { by } if by.contains("server-from-client")),
        "{denied:?}"
    );
    assert_eq!(denied.same_node, Some(false));
}

#[test]
fn max_probes_bounds_the_plan() {
    let c = lab();
    let server = c.pod_index("lab", "server").unwrap();
    let opts = PlanOptions {
        max_probes: 3,
        ..PlanOptions::default()
    };
    let (checks, dropped) = plan(&c, &[server], &opts);
    assert_eq!(checks.len(), 3);
    assert!(dropped > 0);
}

fn check(expect: Expectation, probe: Probe, same_node: Option<bool>) -> Check {
    Check {
        from: "lab/client".into(),
        from_pod: 0,
        probe,
        expect,
        why: String::new(),
        to_pod: None,
        same_node,
    }
}

#[test]
fn each_contradiction_class() {
    let t = Thresholds::default();
    let conn = check(Expectation::Connects, tcp("10.0.0.1:80"), Some(true));
    let m = |ok, timeout, refused| Measured {
        count: 3,
        ok,
        timeout,
        refused,
        connect_ms: (ok > 0).then_some(1.0),
        ..Measured::default()
    };
    let class = |c: &Check, m: &Measured| compare(c, m, &t).map(|x| x.class);
    assert_eq!(class(&conn, &m(3, 0, 0)), None);
    assert_eq!(
        class(&conn, &m(0, 3, 0)),
        Some(ContradictionClass::AllowedButTimeout)
    );
    assert_eq!(
        class(&conn, &m(0, 0, 3)),
        Some(ContradictionClass::AllowedButFails)
    );
    let slow = Measured {
        connect_ms: Some(6.0),
        ..m(3, 0, 0)
    };
    assert_eq!(
        class(&conn, &slow),
        Some(ContradictionClass::SlowerThanThreshold)
    );
    // 6 ms is fine across nodes (20 ms).
    let across = check(Expectation::Connects, tcp("10.0.0.1:80"), Some(false));
    assert_eq!(class(&across, &slow), None);

    let denied = check(
        Expectation::Denied { by: "p".into() },
        tcp("10.0.0.1:80"),
        None,
    );
    assert_eq!(class(&denied, &m(0, 3, 0)), None);
    assert_eq!(
        class(&denied, &m(3, 0, 0)),
        Some(ContradictionClass::DeniedButConnects)
    );
    assert_eq!(
        class(&denied, &m(0, 0, 3)),
        Some(ContradictionClass::DeniedButConnects)
    );

    let dns = check(
        Expectation::Resolves {
            answers: vec!["10.0.0.1".into()],
        },
        Probe::Dns { name: "a".into() },
        None,
    );
    let answered = |a: &str, ms: f64| Measured {
        count: 3,
        ok: 3,
        answers: vec![a.into()],
        dns_ms: Some(ms),
        ..Measured::default()
    };
    assert_eq!(class(&dns, &answered("10.0.0.1", 2.0)), None);
    assert_eq!(
        class(&dns, &answered("10.0.0.2", 2.0)),
        Some(ContradictionClass::ResolvesDifferently)
    );
    assert_eq!(
        class(&dns, &answered("10.0.0.1", 150.0)),
        Some(ContradictionClass::SlowerThanThreshold)
    );
    let nx = Measured {
        count: 3,
        nxdomain: 3,
        ..Measured::default()
    };
    assert_eq!(
        class(&dns, &nx),
        Some(ContradictionClass::ResolvesDifferently)
    );
}
