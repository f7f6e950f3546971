//! ClusterNetworkPolicy (v1alpha2) verdicts against the upstream conformance suite of
//! kubernetes-sigs/network-policy-api (manifests and provenance in
//! `tests/fixtures/network-policy-api/`). Each expectation is one `PokeServer` call of the
//! upstream Go test: client pod, server pod, protocol, port, whether it connects.

use netdoctor_core::load::load_text;
use netdoctor_core::model::{BuildOptions, Cluster, Protocol};
use netdoctor_core::sim::netpol::{Endpoint, Engine};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/network-policy-api/"
);

fn cluster(extra: &[&str], edit: impl Fn(String) -> String) -> Cluster {
    let mut text = std::fs::read_to_string(format!("{DIR}manifests.yaml")).expect("manifests");
    for f in extra {
        text.push_str("\n---\n");
        text.push_str(&edit(
            std::fs::read_to_string(format!("{DIR}{f}")).expect("policy file"),
        ));
    }
    let loaded = load_text("conformance.yaml", &text);
    let c = Cluster::build(loaded, &BuildOptions::default());
    assert!(c.invalid().is_empty(), "{:?}", c.invalid());
    c
}

fn pod(c: &Cluster, house: &str, name: &str) -> usize {
    let ns = format!("network-policy-conformance-{house}");
    c.pods()
        .iter()
        .position(|p| p.namespace == ns && p.name == name)
        .unwrap_or_else(|| panic!("pod {ns}/{name}"))
}

/// (client house, client pod, server house, server pod, protocol, port, connects)
type Poke = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Protocol,
    u16,
    bool,
);

fn run(c: &Cluster, pokes: &[Poke]) {
    let engine = Engine::new(c);
    for &(ch, cp, sh, sp, proto, port, want) in pokes {
        let v = engine.check(
            Endpoint::Pod(pod(c, ch, cp)),
            Endpoint::Pod(pod(c, sh, sp)),
            port,
            proto,
        );
        assert_eq!(
            v.allowed, want,
            "{ch}/{cp} -> {sh}/{sp} {proto} {port}\n{:#?}\n{:#?}",
            v.egress.explanation, v.ingress.explanation
        );
    }
}

use Protocol::Tcp;

/// `CNPAdminTierPriorityField`: the Deny at priority 50 wins over the Pass at 60.
#[test]
fn admin_tier_priority_field() {
    let c = cluster(&["standard-priority-field.yaml"], |s| s);
    run(
        &c,
        &[
            (
                "slytherin",
                "draco-malfoy-0",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                80,
                false,
            ),
            (
                "slytherin",
                "draco-malfoy-1",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                8080,
                false,
            ),
            (
                "gryffindor",
                "harry-potter-0",
                "slytherin",
                "draco-malfoy-0",
                Tcp,
                80,
                false,
            ),
            (
                "gryffindor",
                "harry-potter-1",
                "slytherin",
                "draco-malfoy-0",
                Tcp,
                8080,
                false,
            ),
        ],
    );
}

/// The same test after its patch of priority 60 to 40: the Pass now comes first and the
/// Baseline-tier `Accept` decides.
#[test]
fn admin_tier_priority_field_after_patch() {
    let c = cluster(&["standard-priority-field.yaml"], |s| {
        s.replace("priority: 60 #", "priority: 40 #")
    });
    run(
        &c,
        &[
            (
                "slytherin",
                "draco-malfoy-0",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                80,
                true,
            ),
            (
                "slytherin",
                "draco-malfoy-1",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                8080,
                true,
            ),
            (
                "gryffindor",
                "harry-potter-0",
                "slytherin",
                "draco-malfoy-0",
                Tcp,
                80,
                true,
            ),
            (
                "gryffindor",
                "harry-potter-1",
                "slytherin",
                "draco-malfoy-0",
                Tcp,
                8080,
                true,
            ),
        ],
    );
}

/// `CNPAdminTierIngressTCP`, the subtests that run on the policy as written.
#[test]
fn admin_tier_ingress_tcp() {
    let c = cluster(&["standard-ingress-tcp-rules.yaml"], |s| s);
    run(
        &c,
        &[
            (
                "ravenclaw",
                "luna-lovegood-0",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                80,
                true,
            ),
            (
                "ravenclaw",
                "luna-lovegood-1",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                8080,
                true,
            ),
            (
                "hufflepuff",
                "cedric-diggory-0",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                80,
                true,
            ),
            (
                "hufflepuff",
                "cedric-diggory-1",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                8080,
                false,
            ),
            (
                "slytherin",
                "draco-malfoy-0",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                80,
                false,
            ),
            (
                "slytherin",
                "draco-malfoy-1",
                "gryffindor",
                "harry-potter-0",
                Tcp,
                8080,
                true,
            ),
        ],
    );
}
