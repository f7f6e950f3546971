//! `doctor NS/service/NAME` and `doctor NS/POD`: the Service report, the pod's Services, and
//! the docs/interface.md JSON fields.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn netdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&o.stdout)))
}

fn doctor_json(object: &str) -> (Option<i32>, serde_json::Value) {
    let o = netdoctor(&[
        "doctor",
        object,
        "-f",
        "examples/seed-cluster",
        "-o",
        "json",
    ]);
    (o.status.code(), json(&o))
}

#[test]
fn service_report_json_keeps_the_interface_fields() {
    let (code, v) = doctor_json("production/service/inventory");
    assert_eq!(code, Some(1));
    assert!(v["summary"]["error"].as_u64().unwrap() >= 1);
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"SVC005"), "{codes:?}");
    let svc = &v["service"];
    assert_eq!(svc["selector"], "app=inventory");
    assert_eq!(svc["pods"][0]["ready"], true);
    assert!(svc["pods"][0]["ports"][0]["target_port"].is_null());
    assert!(svc["pods"][0]["ports"][0]["error"]
        .as_str()
        .unwrap()
        .contains("http-grpc"));
    assert_eq!(
        svc["endpoints"]["ports"][0]["backends"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn service_report_lists_pods_with_readiness_and_resolved_ports() {
    let (_, v) = doctor_json("production/service/api-service");
    let pods = v["service"]["pods"].as_array().unwrap();
    assert_eq!(pods.len(), 3);
    assert_eq!(pods.iter().filter(|p| p["ready"] == true).count(), 2);
    assert!(pods.iter().all(|p| p["ports"][0]["target_port"] == 8080));
    let not_ready = pods.iter().find(|p| p["ready"] == false).unwrap();
    assert!(not_ready["status"]
        .as_str()
        .unwrap()
        .contains("readiness probe"));
    let o = netdoctor(&[
        "doctor",
        "production/service/api-service",
        "-f",
        "examples/seed-cluster",
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("3 selected, 2 ready"), "{text}");
    assert!(text.contains("SVC004"), "{text}");
}

#[test]
fn pod_report_says_which_services_select_it_and_why_it_gets_no_traffic() {
    let (_, v) = doctor_json("production/api-service-6c9f8b7d54-lk8zb");
    assert!(v["findings"].is_array() && v["summary"].is_object());
    let svc = &v["services"][0];
    assert_eq!(svc["service"], "production/api-service");
    assert_eq!(svc["in_endpoints"], true);
    assert_eq!(svc["ready"], false);
    assert!(svc["why_not"].as_str().unwrap().contains("readiness probe"));

    // A pod that no Service selects, with the Service that misses it by one label.
    let (code, v) = doctor_json("production/payments-58f7b9c6d8-8jvpf");
    assert_eq!(code, Some(1));
    assert_eq!(v["services"].as_array().unwrap().len(), 0);
    assert_eq!(v["near_miss_services"][0]["service"], "production/payments");
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "SVC001"));
}

#[test]
fn kubernetes_service_reads_its_slice() {
    let (code, v) = doctor_json("default/service/kubernetes");
    assert_eq!(code, Some(0));
    assert_eq!(v["service"]["endpoints"]["source"], "slices");
    assert_eq!(
        v["service"]["endpoints"]["ports"][0]["backends"][0]["ip"],
        "10.0.0.10"
    );
}
