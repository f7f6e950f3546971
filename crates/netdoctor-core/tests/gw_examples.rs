//! GW findings and Gateway routes on the example clusters: the seed shows each Gateway API
//! fault (o–r in examples/README.md), the healthy cluster none; route snapshots.

mod common;

use common::{example, findings_of_area, render};
use netdoctor_core::rules::{self, Area, RunOptions};
use netdoctor_core::sim::gateway::{route, GwRouteOptions};
use netdoctor_core::sim::http::HttpRequest;
use netdoctor_core::sim::ingress::Symptom;

#[test]
fn seed_cluster_shows_every_gateway_fault() {
    let cluster = example("seed-cluster");
    let found = findings_of_area(&cluster, Area::Gw);
    let mut got: Vec<(String, String)> = found
        .iter()
        .map(|f| (f.code.clone(), f.object.to_string()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("GW003".into(), "monitoring/httproute/grafana-route".into()),
            ("GW005".into(), "production/httproute/metrics-route".into()),
            ("GW006".into(), "production/httproute/shop-route".into()),
            ("GW007".into(), "production/httproute/checkout-route".into()),
        ]
    );
    insta::assert_snapshot!("seed_gw_findings", render(&found));
}

#[test]
fn healthy_cluster_has_no_finding_at_all() {
    let cluster = example("healthy-cluster");
    assert_eq!(cluster.gateways().len(), 1);
    assert_eq!(cluster.routes().len(), 1);
    let all = rules::run(&cluster, &RunOptions::default());
    assert!(all.is_empty(), "{}", render(&all));
}

#[test]
fn seed_routes() {
    let cluster = example("seed-cluster");
    let cases = [
        ("www-api", "https://www.example.com/api/users", Symptom::Ok),
        ("www-root", "http://www.example.com/", Symptom::Ok),
        (
            "checkout-503",
            "http://checkout.example.com/cart",
            Symptom::Http503,
        ),
        (
            "metrics-500",
            "http://metrics.example.com/",
            Symptom::Http500,
        ),
        (
            "grafana-404",
            "https://grafana.example.com/",
            Symptom::Http404,
        ),
        ("shop-404", "http://shop.example.org/", Symptom::Http404),
        (
            "no-listener",
            "http://www.example.com:8443/",
            Symptom::ConnectionRefused,
        ),
    ];
    for (name, url, want) in cases {
        let req = HttpRequest::parse(url).expect("url");
        let r = route(
            &cluster,
            &req,
            &GwRouteOptions {
                gateway: Some(("gateway-system".into(), "public-gateway".into())),
            },
        )
        .expect("gateway given");
        assert_eq!(r.symptom, want, "{name}: {r:#?}");
        insta::assert_json_snapshot!(format!("seed_route_{name}"), r.to_route());
    }
}
