//! End-to-end: the real binary reading a fake Kubernetes API server (HTTPS with a test CA,
//! bearer token, pagination) on 127.0.0.1, compared with the same objects read with -f.

use netdoctor_live::cluster::fake::{
    objects_from_text, FakeApiServer, Hostile, RunningServer, TestPki,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netdoctor-e2e-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary without any kubeconfig from the environment.
fn netdoctor(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netdoctor"));
    cmd.args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env("HOME", "/nonexistent-home");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}

struct Fake {
    server: RunningServer,
    kubeconfig: PathBuf,
    dir: PathBuf,
    _runtime: tokio::runtime::Runtime,
}

impl Fake {
    fn kc(&self) -> &str {
        self.kubeconfig.to_str().unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut all = args.to_vec();
        all.extend(["--kubeconfig", self.kc()]);
        netdoctor(&all, &[])
    }
}

fn start(
    name: &str,
    objects: Vec<Value>,
    configure: impl FnOnce(FakeApiServer) -> FakeApiServer,
) -> Fake {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let pki = TestPki::generate().unwrap();
    let server = configure(FakeApiServer::new(objects).page_cap(7))
        .tls(&pki)
        .token("e2e-token");
    let server = runtime.block_on(server.start()).unwrap();
    let dir = temp_dir(name);
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        server.kubeconfig(Some(&pki.ca_pem), Some("e2e-token"), Some("production")),
    )
    .unwrap();
    Fake {
        server,
        kubeconfig,
        dir,
        _runtime: runtime,
    }
}

fn example_objects(name: &str) -> Vec<Value> {
    let text =
        std::fs::read_to_string(repo().join(format!("examples/{name}/cluster.yaml"))).unwrap();
    objects_from_text(&text).unwrap()
}

fn findings_without_inp003(v: &Value) -> Vec<Value> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] != "INP003" && !LIVE_ONLY.contains(&f["code"].as_str().unwrap_or("")))
        .cloned()
        .collect()
}

/// Rules that by design run only on live state (`Cluster::live`: status fields are
/// current): ING003 ingress-no-address.
const LIVE_ONLY: &[&str] = &["ING003"];

/// Snapshot items comparable with a file's: minus what a live read does not fetch (the type
/// of Secrets other than TLS ones, ConfigMap data outside kube-system).
fn normalized_items(snapshot: &Value) -> Vec<String> {
    let mut items: Vec<String> = snapshot["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let mut i = i.clone();
            if i["kind"] == "Secret" && i["type"] != "kubernetes.io/tls" {
                i.as_object_mut().map(|m| m.remove("type"));
            }
            if i["kind"] == "ConfigMap" && i["metadata"]["namespace"] != "kube-system" {
                i.as_object_mut().map(|m| m.remove("data"));
            }
            i.to_string()
        })
        .collect();
    items.sort();
    items
}

#[test]
fn live_findings_and_snapshot_equal_those_from_files() {
    for name in ["seed-cluster", "healthy-cluster"] {
        let fake = start(name, example_objects(name), |s| s);
        let file = format!("examples/{name}/cluster.yaml");

        let live = fake.run(&["doctor", "-A", "-o", "json"]);
        let from_file = netdoctor(&["doctor", "-f", &file, "-o", "json"], &[]);
        assert_eq!(
            live.status.code(),
            from_file.status.code(),
            "{}",
            stderr(&live)
        );
        let live_json = json_out(&live);
        assert_eq!(
            findings_without_inp003(&live_json),
            findings_without_inp003(&json_out(&from_file)),
            "{name}"
        );
        let live_only = live_json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| LIVE_ONLY.contains(&f["code"].as_str().unwrap_or("")))
            .count();
        if name == "seed-cluster" {
            // legacy-ingress has no address, which only a live read may conclude from.
            assert_eq!(live_only, 1);
        }

        // The live snapshot holds the same objects, and -f reads it back to the same findings.
        let snap = fake.run(&["snapshot", "-A"]);
        assert_eq!(snap.status.code(), Some(0), "{}", stderr(&snap));
        let file_snap = netdoctor(&["snapshot", "-f", &file], &[]);
        assert_eq!(
            normalized_items(&json_out(&snap)),
            normalized_items(&json_out(&file_snap)),
            "{name}"
        );
        let snap_path = fake.dir.join("snapshot.json");
        std::fs::write(&snap_path, &snap.stdout).unwrap();
        let again = netdoctor(
            &["doctor", "-f", snap_path.to_str().unwrap(), "-o", "json"],
            &[],
        );
        assert_eq!(again.status.code(), live.status.code());
        // The snapshot carries the live marker: even the live-only checks (ING003) agree.
        let all_but_inp003 = |v: &Value| -> Vec<Value> {
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["code"] != "INP003")
                .cloned()
                .collect()
        };
        assert_eq!(
            all_but_inp003(&json_out(&again)),
            all_but_inp003(&live_json)
        );
        // Pages were followed.
        assert!(fake
            .server
            .requests()
            .iter()
            .any(|r| r.param("continue").is_some()));
    }
}

#[test]
fn forbidden_kind_is_inp003_and_the_rest_is_checked() {
    let fake = start("forbidden", example_objects("seed-cluster"), |s| {
        s.forbid("networkpolicies")
    });
    let live = fake.run(&["doctor", "-A", "-o", "json"]);
    assert_ne!(live.status.code(), Some(3), "{}", stderr(&live));
    let v = json_out(&live);
    let inp003: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "INP003")
        .collect();
    assert_eq!(inp003.len(), 1, "{v}");
    assert_eq!(inp003[0]["object"]["name"], "NetworkPolicy");
    assert!(
        stderr(&live).contains("listing NetworkPolicy forbidden"),
        "{}",
        stderr(&live)
    );
    // Gateway API is not installed there: not a finding, not a warning.
    assert!(!stderr(&live).contains("Gateway"));
    // Same findings as the objects that were readable, read back from the snapshot.
    let snap = fake.run(&["snapshot", "-A"]);
    let snap_path = fake.dir.join("snapshot.json");
    std::fs::write(&snap_path, &snap.stdout).unwrap();
    let again = netdoctor(
        &["doctor", "-f", snap_path.to_str().unwrap(), "-o", "json"],
        &[],
    );
    assert_eq!(
        findings_without_inp003(&json_out(&again)),
        findings_without_inp003(&v)
    );
}

#[test]
fn secret_data_never_reaches_the_snapshot() {
    let value = "dG9wLXNlY3JldC1wYXNzd29yZA==";
    let mut objects = example_objects("seed-cluster");
    objects.push(json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db-password", "namespace": "production", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration":
                format!("{{\"apiVersion\":\"v1\",\"data\":{{\"password\":\"{value}\"}},\"kind\":\"Secret\"}}")}},
        "data": {"password": value}, "stringData": {"plain": "hunter2"}}));
    let fake = start("secret", objects, |s| s);
    for format in ["json", "yaml"] {
        let snap = fake.run(&["snapshot", "-A", "-o", format]);
        assert_eq!(snap.status.code(), Some(0), "{}", stderr(&snap));
        let text = String::from_utf8_lossy(&snap.stdout);
        assert!(text.contains("db-password"));
        assert!(
            !text.contains(value),
            "secret value in the {format} snapshot"
        );
        assert!(!text.contains("hunter2"));
        assert!(!text.contains("last-applied-configuration"));
    }
    // The data never crossed the wire: Secrets were only listed as metadata.
    let secrets: Vec<_> = fake
        .server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/secrets"))
        .collect();
    assert!(!secrets.is_empty() && secrets.iter().all(|r| r.is_metadata_only()));
}

#[test]
fn slow_kind_times_out_and_is_reported() {
    let fake = start("slow", example_objects("healthy-cluster"), |s| {
        s.slow("services", std::time::Duration::from_secs(3))
    });
    let o = fake.run(&["doctor", "-A", "-o", "json", "--request-timeout", "300ms"]);
    assert_ne!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("listing Service failed: no complete answer within 300ms (tried 2 times)"),
        "{}",
        stderr(&o)
    );
    let v = json_out(&o);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "INP003" && f["object"]["name"] == "Service"));
}

#[test]
fn unreachable_or_all_forbidden_exits_3() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = temp_dir("unreachable");
    let kc = dir.join("kubeconfig");
    std::fs::write(
        &kc,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{port}\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\ncurrent-context: c\nusers:\n- name: u\n  user: {{token: x}}\n"),
    )
    .unwrap();
    let o = netdoctor(&["doctor", "--kubeconfig", kc.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(err.contains(&format!("https://127.0.0.1:{port}")), "{err}");
    assert!(err.contains("Connection refused"), "{err}");

    let fake = start(
        "all-forbidden",
        example_objects("healthy-cluster"),
        |mut s| {
            for k in netdoctor_live::cluster::KINDS {
                s = s.forbid(k.resource);
            }
            s
        },
    );
    let o = fake.run(&["doctor", "-A"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("was forbidden"), "{}", stderr(&o));

    // No kubeconfig anywhere and not in a pod.
    let o = netdoctor(&["doctor"], &[]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("no kubeconfig found"), "{}", stderr(&o));
    // A --kubeconfig that does not exist is a usage error naming the file.
    let o = netdoctor(&["doctor", "--kubeconfig", "/nonexistent/kc"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/kc"));
}

#[test]
fn kubeconfig_from_env_merged_and_home_and_default_scope() {
    let fake = start("env", example_objects("seed-cluster"), |s| s);
    // Split the kubeconfig in two: clusters and users in one file, contexts in the other.
    let text = std::fs::read_to_string(&fake.kubeconfig).unwrap();
    let (head, contexts) = text.split_at(text.find("contexts:").unwrap());
    let (contexts, users) = contexts.split_at(contexts.find("users:").unwrap());
    let a = fake.dir.join("a.yaml");
    let b = fake.dir.join("b.yaml");
    std::fs::write(&a, format!("{head}{users}")).unwrap();
    std::fs::write(&b, format!("apiVersion: v1\nkind: Config\n{contexts}")).unwrap();
    let missing = fake.dir.join("missing.yaml");
    let joined = std::env::join_paths([&a, &missing, &b]).unwrap();
    let o = netdoctor(
        &["doctor", "-o", "json", "-v"],
        &[("KUBECONFIG", Path::new(&joined))],
    );
    assert_ne!(o.status.code(), Some(3), "{}", stderr(&o));
    // Default scope: the context's namespace, plus cluster DNS and the ingress controller.
    assert!(
        stderr(&o).contains("namespaces: production, kube-system, ingress-nginx"),
        "{}",
        stderr(&o)
    );
    for f in json_out(&o)["findings"].as_array().unwrap() {
        let ns = &f["object"]["namespace"];
        assert!(ns.is_null() || ns == "production", "{f}");
    }

    // ~/.kube/config
    let home = fake.dir.join("home");
    std::fs::create_dir_all(home.join(".kube")).unwrap();
    std::fs::copy(&fake.kubeconfig, home.join(".kube/config")).unwrap();
    let o = netdoctor(&["snapshot", "-n", "monitoring"], &[("HOME", &home)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let snap = json_out(&o);
    let namespaces: std::collections::BTreeSet<&str> = snap["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["metadata"]["namespace"].as_str())
        .collect();
    assert!(
        namespaces.contains("monitoring") && !namespaces.contains("production"),
        "{namespaces:?}"
    );

    // An object named on the command line is read in its own namespace.
    let o = fake.run(&["doctor", "monitoring/deployment/prometheus"]);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_ne!(o.status.code(), Some(3), "{}", stderr(&o));
}

/// Issue 17 items 7 and 10: a server error is INP003 with its status, not "forbidden", and
/// the server's message reaches stderr and the finding cut and without control characters.
#[test]
fn server_error_is_inp003_with_its_status_and_a_safe_message() {
    let message = format!("boom \u{1b}]0;pwned\u{7}\u{1b}[2J{}", "A".repeat(5000));
    let fake = start("hostile-500", example_objects("healthy-cluster"), |s| {
        s.hostile("services", Hostile::Status(500, message))
    });
    let o = fake.run(&["doctor", "-A", "-o", "json"]);
    assert_ne!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    assert!(
        err.contains(
            "listing Service failed: HTTP 500 Internal Server Error: boom \\u{1b}]0;pwned"
        ),
        "{err}"
    );
    assert!(err.len() < 2000, "{} bytes of stderr", err.len());
    let v = json_out(&o);
    let inp003: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "INP003")
        .collect();
    assert_eq!(inp003.len(), 1, "{v}");
    let text = inp003[0].to_string();
    assert!(text.contains("listing Service failed: HTTP 500"), "{text}");
    assert!(
        !text.contains("forbidden") && !text.contains("rbac"),
        "{text}"
    );
}

/// Issue 17 item 3: `--max-pages` bounds a list that never ends.
#[test]
fn endless_pagination_stops_at_max_pages() {
    let fake = start("hostile-pages", example_objects("healthy-cluster"), |s| {
        s.hostile("services", Hostile::EndlessPages)
    });
    let o = fake.run(&["doctor", "-A", "-o", "json", "--max-pages", "30"]);
    assert_ne!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("listing Service failed: the list did not end after 30 pages"),
        "{}",
        stderr(&o)
    );
    let pages = fake
        .server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/services")
        .count();
    assert_eq!(pages, 30);
}

/// Issue 16 item 4, live: the reader lists the policy kinds of other projects (Cilium,
/// Calico, Istio), so a verdict on a pod they select is unknown from a live cluster as
/// from files; a Calico NetworkPolicy is never taken for the Kubernetes kind.
#[test]
fn foreign_policy_kinds_are_read_live_and_make_verdicts_unknown() {
    let fixtures = repo().join("crates/netdoctor/tests/fixtures/foreign_policy");
    let mut objects = Vec::new();
    for name in [
        "starwars.yaml",
        "cilium-rule1.yaml",
        "calico-same-name.yaml",
    ] {
        let text = std::fs::read_to_string(fixtures.join(name)).unwrap();
        objects.extend(objects_from_text(&text).unwrap());
    }
    // The fixture's Cilium policy has no namespace (applied with `-n default`).
    for o in &mut objects {
        if o["kind"] == "CiliumNetworkPolicy" {
            o["metadata"]["namespace"] = "default".into();
        }
    }
    let fake = start("foreign", objects, |s| s);
    let check = fake.run(&[
        "policy",
        "check",
        "-A",
        "--from",
        "default/xwing",
        "--to",
        "default/service/deathstar",
        "--port",
        "80",
        "-o",
        "json",
    ]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let v = json_out(&check);
    assert_eq!(v["verdict"], "unknown", "{v}");
    assert!(v["unknown_reasons"]
        .to_string()
        .contains("CiliumNetworkPolicy default/rule1"));
    let requests: Vec<String> = fake
        .server
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    for path in [
        "/apis/cilium.io/v2/ciliumnetworkpolicies",
        "/apis/crd.projectcalico.org/v1/networkpolicies",
        "/apis/security.istio.io/v1/authorizationpolicies",
    ] {
        assert!(
            requests.iter().any(|r| r == path),
            "{path} not listed: {requests:?}"
        );
    }
    // Calico's allow-web is a foreign policy (NP007), not a second Kubernetes one.
    let doctor = fake.run(&["doctor", "-A", "-o", "json"]);
    let v = json_out(&doctor);
    let findings = v["findings"].as_array().expect("findings");
    assert!(findings.iter().any(|f| f["code"] == "NP007"
        && f["message"]
            .as_str()
            .is_some_and(|m| m.contains("allow-web"))));
    assert!(!findings.iter().any(|f| f["code"] == "INP002"), "{v}");
}

/// `diff` with the live cluster as the base (`diff -f NEW` without --base): the files are the
/// served objects with one NetworkPolicy line changed, and the diff shows exactly that change.
#[test]
fn diff_of_the_live_cluster_against_files_shows_the_one_change() {
    let fake = start("diff-live", example_objects("seed-cluster"), |s| s);
    let text = std::fs::read_to_string(repo().join("examples/seed-cluster/cluster.yaml")).unwrap();
    let mut lines: Vec<&str> = text.split('\n').collect();
    assert_eq!(
        lines[5533], "      - port: 8080",
        "examples changed: update the test"
    );
    lines[5533] = "      - port: 9090";
    let new = fake.dir.join("cluster-new.yaml");
    std::fs::write(&new, lines.join("\n")).unwrap();
    let same = fake.dir.join("cluster-same.yaml");
    std::fs::write(&same, &text).unwrap();

    let out = fake.run(&["diff", "-A", "-f", new.to_str().unwrap(), "-o", "txt"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Connectivity diff:\n\
         diff-type: changed, source: production/web-frontend[Deployment], destination: production/api-service[Deployment], ref1: TCP 8080, ref2: TCP 9090\n"
    );
    let out = fake.run(&["diff", "-A", "-f", same.to_str().unwrap(), "-o", "json"]);
    let v = json_out(&out);
    assert_eq!(v["base"], json!(["live cluster"]));
    assert_eq!(v["connections"], json!([]), "{v}");
}

#[test]
fn a_namespace_the_cluster_does_not_have_is_exit_2_and_live_sarif_is_logical() {
    let fake = start("ns-gate", example_objects("seed-cluster"), |s| s);
    for args in [
        vec!["doctor", "-n", "prodution"],
        vec!["policy", "map", "-n", "prodution"],
    ] {
        let o = fake.run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.contains("namespace \"prodution\" does not exist")
                && err.contains("cannot be read"),
            "{err}"
        );
        assert!(o.stdout.is_empty());
    }
    // The namespace it has is read as before.
    let o = fake.run(&["doctor", "-n", "production", "-o", "json"]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    // Live findings have a logical location only, and inputs name the cluster.
    let o = fake.run(&["doctor", "-n", "production", "-o", "sarif"]);
    let log = json_out(&o);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(r["locations"][0]["physicalLocation"].is_null(), "{r}");
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
    }
    let v = json_out(&fake.run(&["doctor", "-n", "production", "-o", "json"]));
    assert!(
        v["inputs"][0]
            .as_str()
            .unwrap()
            .starts_with("cluster https://"),
        "{v}"
    );
}

/// Issue 20: a live read scoped to the kubeconfig context's namespace says so on stderr (-n,
/// -A and a namespaced object need no note); `svc/NAME` without -n is in that namespace, as
/// kubectl reads it; the common flags work before the command on a live read too.
#[test]
fn live_scope_from_the_context_is_said() {
    let fake = start("scope", example_objects("seed-cluster"), |s| s);
    let o = fake.run(&["doctor", "-o", "json"]);
    assert!(
        stderr(&o)
            .contains("reading namespace \"production\" only (the namespace of kubeconfig context"),
        "{}",
        stderr(&o)
    );
    for args in [
        &["-A", "doctor", "-o", "json"][..],
        &["-n", "monitoring", "doctor", "-o", "json"][..],
        &["doctor", "monitoring/deployment/prometheus", "-o", "json"][..],
    ] {
        let o = fake.run(args);
        assert!(
            o.status.code().is_some_and(|c| c < 2),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(
            !stderr(&o).contains("reading namespace"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    let o = fake.run(&["doctor", "svc/payments", "-o", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(json_out(&o)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "SVC001" && f["object"]["namespace"] == "production"));
    let o = netdoctor(
        &[
            "--kubeconfig",
            fake.kc(),
            "-n",
            "monitoring",
            "trace",
            "--from",
            "deploy/prometheus",
            "--to",
            "api-service.production:8080",
            "-o",
            "json",
        ],
        &[],
    );
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    assert_eq!(json_out(&o)["reachable"], false);
}
