//! The HTML report (`doctor -o html`, `policy map -o html`): self-contained, escaped, its data
//! consistent with `policy map -o json`, and — in a real headless Chromium — rendering the
//! graph with no script error and showing a workload's flows when it is clicked.
//!
//! The browser tests skip with a message when Chromium is missing, unless CI is set (then
//! they fail). Screenshots are kept under target/tmp/html-report/ for a person to look at.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn netdoctor(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const SEED: &str = "examples/seed-cluster";

fn artifacts() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&d).expect("artifact dir");
    d
}

/// The JSON of the `<script type="application/json" id="report-data">` block.
fn data_block(html: &str) -> Value {
    let start_tag = "<script type=\"application/json\" id=\"report-data\">";
    let a = html.find(start_tag).expect("data block") + start_tag.len();
    let b = a + html[a..].find("</script>").expect("end of data block");
    serde_json::from_str(&html[a..b]).expect("data block is JSON")
}

/// (src, dst, conn) of `policy map -o json`.
fn map_connections(files: &str) -> Vec<(String, String, String)> {
    let (code, out, err) = netdoctor(&["policy", "map", "-f", files, "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    v["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|c| {
            (
                c["src"].as_str().unwrap_or_default().to_string(),
                c["dst"].as_str().unwrap_or_default().to_string(),
                c["conn"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The graph's flows by node names, decoded from the data block's compact form
/// (`graph.flows`: per node, who reaches it as runs `[start, len, conn]` over source nodes;
/// a node's own entry is not a flow), in the map's order: by source, then destination name.
fn graph_edges(data: &Value) -> Vec<(String, String, String)> {
    let nodes = data["graph"]["nodes"].as_array().expect("nodes");
    let flows = &data["graph"]["flows"];
    let num = |v: &Value| v.as_u64().expect("number") as usize;
    let name = |i: usize| nodes[i]["name"].as_str().expect("name").to_string();
    let conns: Vec<&str> = flows["conns"]
        .as_array()
        .expect("conns")
        .iter()
        .map(|c| c.as_str().expect("conn"))
        .collect();
    let columns = flows["columns"].as_array().expect("columns");
    let mut out = Vec::new();
    for (d, c) in flows["column_of"]
        .as_array()
        .expect("column_of")
        .iter()
        .enumerate()
    {
        let runs: Vec<usize> = columns[num(c)]
            .as_array()
            .expect("runs")
            .iter()
            .map(num)
            .collect();
        for r in runs.chunks_exact(3) {
            for s in (r[0]..r[0] + r[1]).filter(|&s| s != d) {
                out.push((name(s), name(d), conns[r[2]].to_string()));
            }
        }
    }
    out.sort_by(|a, b| (a.0.as_bytes(), a.1.as_bytes()).cmp(&(b.0.as_bytes(), b.1.as_bytes())));
    assert_eq!(
        flows["total"],
        out.len(),
        "the total counts the decoded flows"
    );
    out
}

fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    let lower = html.to_ascii_lowercase();
    for needle in [
        "src=\"",
        "<img",
        "<object",
        "<embed",
        "<video",
        "<audio",
        "href=\"http",
        "href=\"//",
        "@import",
        "@font-face",
        "<link",
        "<iframe",
        "fetch(",
        "xmlhttprequest",
    ] {
        assert!(!lower.contains(needle), "the page must not load {needle:?}");
    }
    // CSS references stay inside the page (`url(#arrow)`).
    for (i, _) in lower.match_indices("url(") {
        assert!(
            lower[i + 4..].starts_with('#'),
            "external url(): {}",
            &html[i..(i + 40).min(html.len())]
        );
    }
    // Exactly the three scripts the renderer writes: error capture, data, code.
    assert_eq!(lower.matches("<script").count(), 3);
}

#[test]
fn doctor_html_is_self_contained_and_matches_the_policy_map() {
    let (code, html, err) = netdoctor(&["doctor", "-f", SEED, "-o", "html"]);
    assert_eq!(code, 1, "the seed has errors: {err}");
    assert_self_contained(&html);
    let data = data_block(&html);
    // Summary and findings match `doctor -o json`.
    let (_, json, _) = netdoctor(&["doctor", "-f", SEED, "-o", "json"]);
    let doc: Value = serde_json::from_str(&json).expect("json");
    let sum = &data["findings"]["summary"];
    assert_eq!(sum["by_severity"], doc["summary"]);
    let n = doc["findings"].as_array().expect("findings").len();
    assert_eq!(sum["total"], n);
    let areas: Vec<&str> = sum["by_area"]
        .as_array()
        .expect("areas")
        .iter()
        .filter_map(|a| a["area"].as_str())
        .collect();
    assert_eq!(&areas[..7], ["SVC", "DNS", "NP", "ANP", "ING", "GW", "INP"]);
    for f in doc["findings"].as_array().expect("findings") {
        let msg = f["message"].as_str().expect("message");
        let escaped = msg
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert!(html.contains(&escaped), "finding not shown: {msg}");
    }
    // The graph holds exactly the policy map's flows.
    let mut map = map_connections(SEED);
    let mut edges = graph_edges(&data);
    map.sort();
    edges.sort();
    assert_eq!(edges, map);
    assert_eq!(html.matches("<path class=\"edge").count(), map.len());
    // Every workload is a node, isolated or not; prometheus's egress is isolated.
    let nodes = data["graph"]["nodes"].as_array().expect("nodes");
    let prom = nodes
        .iter()
        .find(|n| n["name"] == "monitoring/prometheus[Deployment]")
        .expect("prometheus node");
    assert_eq!(
        prom["egress_isolated_by"][0],
        "monitoring/default-deny-egress"
    );
    assert!(prom["findings"].as_array().is_some_and(|f| !f.is_empty()));
}

#[test]
fn policy_map_html_uses_the_same_renderer() {
    let (code, html, err) = netdoctor(&["policy", "map", "-f", SEED, "-o", "html"]);
    assert_eq!(code, 0, "{err}");
    assert_self_contained(&html);
    let data = data_block(&html);
    assert!(data.get("findings").is_none());
    let mut map = map_connections(SEED);
    let mut edges = graph_edges(&data);
    map.sort();
    edges.sort();
    assert_eq!(edges, map);
    // The flows table lists every connection for readers without JS.
    assert_eq!(html.matches("<tr><td>").count(), map.len());
}

/// A hand-made cluster whose names try to break out of the markup and the data block.
const HOSTILE: &str = r#"apiVersion: v1
kind: Namespace
metadata: {name: "evil</script><script>window.__pwned=1</script>"}
---
apiVersion: v1
kind: Pod
metadata:
  name: "x\"><img src=x onerror=alert(1)>"
  namespace: "evil</script><script>window.__pwned=1</script>"
  labels: {app: "<b>&amp;"}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
status: {phase: Running, podIP: 10.9.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: "db-<!--", namespace: "evil</script><script>window.__pwned=1</script>", labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 5432}]}]}
status: {phase: Running, podIP: 10.9.0.2}
---
apiVersion: v1
kind: Service
metadata: {name: "svc'\"<>&", namespace: "evil</script><script>window.__pwned=1</script>"}
spec: {selector: {app: nothing}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: "db</script>", namespace: "evil</script><script>window.__pwned=1</script>"}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress, Egress]
"#;

fn write_hostile(dir: &Path) -> PathBuf {
    let p = dir.join("hostile.yaml");
    std::fs::write(&p, HOSTILE).expect("write");
    p
}

#[test]
fn names_from_the_cluster_are_escaped_everywhere() {
    let dir = artifacts();
    let file = write_hostile(&dir);
    let (_, html, err) = netdoctor(&["doctor", "-f", file.to_str().expect("path"), "-o", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{err}");
    assert_self_contained(&html);
    assert!(!html.contains("<script>window.__pwned"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("<b>&amp;"));
    let data = data_block(&html);
    let names: Vec<&str> = data["graph"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.contains("<img src=x onerror=alert(1)>")),
        "the data block keeps the names intact: {names:?}"
    );
}

/// The structure of the seed's report that does not change with wording: the summary, which
/// findings sit under which object, the groups and nodes with their marks, and the flows.
#[test]
fn seed_report_structure_snapshot() {
    let (_, html, _) = netdoctor(&["doctor", "-f", SEED, "-o", "html"]);
    let data = data_block(&html);
    let mut out = String::new();
    let sum = &data["findings"]["summary"];
    out.push_str(&format!("summary: {}\n", sum["by_severity"]));
    for a in sum["by_area"].as_array().expect("areas") {
        out.push_str(&format!(
            "  {} error={} warning={} info={}\n",
            a["area"].as_str().unwrap_or_default(),
            a["error"],
            a["warning"],
            a["info"]
        ));
    }
    out.push_str("findings:\n");
    for ns in data["findings"]["namespaces"].as_array().expect("ns") {
        out.push_str(&format!(
            "  {} (worst {}, {})\n",
            ns["namespace"].as_str().unwrap_or("<cluster>"),
            ns["worst"].as_str().unwrap_or_default(),
            ns["count"]
        ));
        for o in ns["objects"].as_array().expect("objects") {
            let codes: Vec<String> = o["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}",
                        f["id"].as_str().unwrap_or_default(),
                        f["code"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            out.push_str(&format!(
                "    {} [{}]\n",
                o["display"].as_str().unwrap_or_default(),
                codes.join(", ")
            ));
        }
    }
    let g = &data["graph"];
    out.push_str(&format!("graph: {} x {}\n", g["width"], g["height"]));
    let nodes = g["nodes"].as_array().expect("nodes");
    for grp in g["groups"].as_array().expect("groups") {
        out.push_str(&format!(
            "  group {} at ({}, {}) {}x{}\n",
            grp["name"].as_str().unwrap_or_default(),
            grp["x"],
            grp["y"],
            grp["w"],
            grp["h"]
        ));
        for i in grp["nodes"].as_array().expect("members") {
            let n = &nodes[i.as_u64().unwrap_or_default() as usize];
            let mut marks = Vec::new();
            for (k, label) in [
                ("ingress_isolated_by", "ingress isolated by"),
                ("egress_isolated_by", "egress isolated by"),
            ] {
                if let Some(v) = n[k].as_array() {
                    let ps: Vec<&str> = v.iter().filter_map(Value::as_str).collect();
                    marks.push(format!("{label} {}", ps.join(",")));
                }
            }
            if let Some(f) = n["findings"].as_array() {
                let ids: Vec<&str> = f.iter().filter_map(Value::as_str).collect();
                marks.push(format!(
                    "findings {} (worst {})",
                    ids.join(","),
                    n["worst"].as_str().unwrap_or_default()
                ));
            }
            out.push_str(&format!(
                "    {} \"{}\" {} at ({}, {}){}{}\n",
                n["name"].as_str().unwrap_or_default(),
                n["label"].as_str().unwrap_or_default(),
                n["kind"].as_str().unwrap_or_default(),
                n["x"],
                n["y"],
                if marks.is_empty() { "" } else { ": " },
                marks.join("; ")
            ));
        }
    }
    out.push_str("edges:\n");
    for (s, d, c) in graph_edges(&data) {
        out.push_str(&format!("  {s} => {d} : {c}\n"));
    }
    insta::assert_snapshot!("seed_report_structure", out);
}

// ---------------------------------------------------------------------------------------
// In a real browser.

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Chromium, or None after saying why the browser test is skipped (a failure under CI).
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None => {
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
            assert!(
                !ci,
                "{test}: Chromium is not installed, and CI is set: .ci/run must install the `chromium` package"
            );
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("SKIPPED {test}: Chromium is not installed (apt-get install chromium); with CI=true this fails\n").as_bytes(),
            );
            None
        }
    }
}

/// Runs headless Chromium on `url` with `extra` arguments; stdout and stderr.
fn run_chromium(browser: &Path, profile: &Path, extra: &[&str], url: &str) -> (String, String) {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--force-color-profile=srgb",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads so a full pipe cannot stall the browser.
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t1 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut so, &mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut se, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within 120 s on {url}");
            }
        }
    }
    (t1.join().unwrap_or_default(), t2.join().unwrap_or_default())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// What the page's `#selftest` wrote into the DOM, and the script errors it caught.
struct PageResult {
    selftest: Value,
    errors: Vec<String>,
    ready: bool,
}

fn open_page(browser: &Path, html_path: &Path, profile: &Path) -> PageResult {
    let url = format!("file://{}#selftest", html_path.display());
    let (dom, stderr) = run_chromium(browser, profile, &["--dump-dom"], &url);
    let tag = dom
        .find("<pre id=\"selftest\"")
        .expect("selftest element in the DOM");
    let a = tag + dom[tag..].find('>').expect("tag end") + 1;
    let b = a + dom[a..].find("</pre>").expect("selftest end");
    let selftest: Value = serde_json::from_str(&unescape(&dom[a..b]))
        .unwrap_or_else(|e| panic!("self-test result is not JSON ({e}): {}", &dom[a..b]));
    let mut errors = Vec::new();
    if let Some(i) = dom.find("<ol id=\"js-errors\"") {
        let end = i + dom[i..].find("</ol>").unwrap_or(0);
        for li in dom[i..end].split("<li>").skip(1) {
            errors.push(unescape(li.split("</li>").next().unwrap_or_default()));
        }
    }
    if !dom.contains("data-errors=\"0\"") {
        errors.push("the load handler did not report 0 errors".into());
    }
    for line in stderr.lines() {
        if line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("Error")) {
            errors.push(line.to_string());
        }
    }
    PageResult {
        selftest,
        errors,
        ready: dom.contains("data-ready=\"1\""),
    }
}

fn screenshot(browser: &Path, html_path: &Path, profile: &Path, png: &Path) {
    let _ = std::fs::remove_file(png);
    let url = format!("file://{}#graph,selftest", html_path.display());
    run_chromium(
        browser,
        profile,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1400,1000",
        ],
        &url,
    );
    let len = std::fs::metadata(png).map(|m| m.len()).unwrap_or(0);
    assert!(
        len > 10_000,
        "screenshot {} is missing or blank",
        png.display()
    );
    eprintln!("screenshot: {}", png.display());
}

/// Checks the self-test against the policy map: counts, the clicked node's flows, and the
/// collapse, filter and search interactions.
fn check_selftest(r: &PageResult, map: &[(String, String, String)], what: &str) {
    assert!(r.errors.is_empty(), "{what}: script errors: {:?}", r.errors);
    assert!(r.ready, "{what}: the page's script did not run to the end");
    let t = &r.selftest;
    let names: BTreeSet<&str> = map
        .iter()
        .flat_map(|(s, d, _)| [s.as_str(), d.as_str()])
        .collect();
    // Above the renderer's limit (4000) no flow is drawn up front; a click draws the
    // clicked workload's flows.
    let drawn = if map.len() > 4000 { 0 } else { map.len() };
    assert_eq!(t["edges"], drawn, "{what}: {t}");
    assert_eq!(t["data_edges"], map.len(), "{what}: {t}");
    assert_eq!(t["degree_sum"], map.len(), "{what}: {t}");
    assert_eq!(t["nodes"], t["data_nodes"], "{what}: {t}");
    assert!(
        t["nodes"].as_u64().unwrap_or(0) as usize >= names.len(),
        "{what}: every endpoint of the map is a node: {t}"
    );
    let clicked = t["clicked"].as_str().expect("a node was clicked");
    assert_eq!(t["panel"]["title"], clicked);
    assert_eq!(t["panel"]["hidden"], false);
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut inc: BTreeMap<String, String> = BTreeMap::new();
    for (s, d, c) in map {
        if s == clicked {
            out.insert(d.clone(), c.clone());
        }
        if d == clicked {
            inc.insert(s.clone(), c.clone());
        }
    }
    let listed = |k: &str| -> Vec<String> {
        t["panel"][k]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect()
    };
    let expect_out: Vec<String> = out.iter().map(|(d, c)| format!("{d} {c}")).collect();
    let expect_in: Vec<String> = inc.iter().map(|(s, c)| format!("{s} {c}")).collect();
    assert_eq!(listed("can_reach"), expect_out, "{what}: can reach");
    assert_eq!(
        listed("reachable_from"),
        expect_in,
        "{what}: reachable from"
    );
    assert_eq!(
        t["panel"]["highlighted_edges"],
        out.len() + inc.len(),
        "{what}"
    );
    let total = t["data_nodes"].as_u64().unwrap_or(0);
    assert!(t["collapsed_visible"].as_u64().unwrap_or(total) < total);
    assert!(t["filtered_visible"].as_u64().unwrap_or(total) < total);
    assert_eq!(t["restored_visible"], total);
    assert!(t["search_hits"].as_u64().unwrap_or(0) >= 1);
}

#[test]
fn reports_render_in_headless_chromium() {
    let Some(browser) = browser_or_skip("reports_render_in_headless_chromium") else {
        return;
    };
    let dir = artifacts();
    let profile = dir.join("chromium-profile");
    let map = map_connections(SEED);

    let (_, html, _) = netdoctor(&["doctor", "-f", SEED, "-o", "html"]);
    let doctor_html = dir.join("seed-doctor.html");
    std::fs::write(&doctor_html, &html).expect("write");
    let r = open_page(&browser, &doctor_html, &profile);
    check_selftest(&r, &map, "doctor -o html");
    screenshot(
        &browser,
        &doctor_html,
        &profile,
        &dir.join("seed-doctor-graph.png"),
    );

    let (_, html, _) = netdoctor(&["policy", "map", "-f", SEED, "-o", "html"]);
    let map_html = dir.join("seed-policy-map.html");
    std::fs::write(&map_html, &html).expect("write");
    let r = open_page(&browser, &map_html, &profile);
    check_selftest(&r, &map, "policy map -o html");

    // `doctor NS/KIND/NAME -o html` opens on that workload.
    let (_, html, _) = netdoctor(&[
        "doctor",
        "production/deployment/api-service",
        "-f",
        SEED,
        "-o",
        "html",
    ]);
    let one_html = dir.join("seed-doctor-api-service.html");
    std::fs::write(&one_html, &html).expect("write");
    let r = open_page(&browser, &one_html, &profile);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.selftest["opened_on"], "production/api-service[Deployment]",
        "{}",
        r.selftest
    );

    // Hostile names: nothing injected runs, the page still works.
    let hostile = write_hostile(&dir);
    let hostile = hostile.to_str().expect("path");
    let (_, html, _) = netdoctor(&["doctor", "-f", hostile, "-o", "html"]);
    let hostile_html = dir.join("hostile-doctor.html");
    std::fs::write(&hostile_html, &html).expect("write");
    let r = open_page(&browser, &hostile_html, &profile);
    assert!(r.errors.is_empty(), "hostile: {:?}", r.errors);
    assert!(r.ready);
    assert_eq!(r.selftest["nodes"], r.selftest["data_nodes"]);
}

/// A generated cluster of 30 namespaces × 12 workloads, each namespace default-deny with
/// tier-to-tier rules, to check the page stays usable at hundreds of workloads.
fn big_cluster() -> String {
    let mut s = String::new();
    let tiers = ["web", "api", "worker", "db"];
    for ns in 0..30 {
        let n = format!("team-{ns:02}");
        s.push_str(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}, labels: {{kubernetes.io/metadata.name: {n}}}}}\n---\n"
        ));
        for w in 0..12 {
            let tier = tiers[w % 4];
            s.push_str(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {tier}-{w}-abc-x1\n  namespace: {n}\n  labels: {{app: {tier}-{w}, tier: {tier}}}\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: {tier}-{w}-abc, uid: u{ns}-{w}, controller: true}}]\nspec: {{containers: [{{name: c, image: x, ports: [{{containerPort: 8080}}]}}]}}\nstatus: {{phase: Running, podIP: 10.{}.{}.{}}}\n---\n",
                20 + ns / 200,
                ns % 200,
                w + 1
            ));
        }
        s.push_str(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: default-deny, namespace: {n}}}\nspec: {{podSelector: {{}}, policyTypes: [Ingress]}}\n---\n"
        ));
        for (from, to) in [("web", "api"), ("api", "worker"), ("worker", "db")] {
            s.push_str(&format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {from}-to-{to}, namespace: {n}}}\nspec:\n  podSelector: {{matchLabels: {{tier: {to}}}}}\n  ingress:\n  - from: [{{podSelector: {{matchLabels: {{tier: {from}}}}}}}]\n    ports: [{{port: 8080}}]\n---\n"
            ));
        }
    }
    s
}

#[test]
fn hundreds_of_workloads_stay_usable_in_chromium() {
    let dir = artifacts();
    let file = dir.join("big.yaml");
    std::fs::write(&file, big_cluster()).expect("write");
    let file = file.to_str().expect("path");
    let (code, html, err) = netdoctor(&["policy", "map", "-f", file, "-o", "html"]);
    assert_eq!(code, 0, "{err}");
    let data = data_block(&html);
    let nodes = data["graph"]["nodes"].as_array().expect("nodes").len();
    assert!(nodes >= 360, "{nodes}");
    let Some(browser) = browser_or_skip("hundreds_of_workloads_stay_usable_in_chromium") else {
        return;
    };
    let page = dir.join("big-policy-map.html");
    std::fs::write(&page, &html).expect("write");
    let map = map_connections(file);
    let profile = dir.join("chromium-profile-big");
    let started = Instant::now();
    let r = open_page(&browser, &page, &profile);
    eprintln!(
        "{nodes} nodes, {} flows: page opened and self-tested in {:?}",
        map.len(),
        started.elapsed()
    );
    check_selftest(&r, &map, "big policy map");
    screenshot(
        &browser,
        &page,
        &profile,
        &dir.join("big-policy-map-graph.png"),
    );
}

/// Without any policy every workload reaches every other: more flows than the page draws up
/// front, so a click draws the clicked workload's flows.
#[test]
fn too_many_flows_are_drawn_on_click() {
    let dir = artifacts();
    let mut yaml = String::new();
    for w in 0..70 {
        let ns = if w % 2 == 0 { "alpha" } else { "beta" };
        yaml.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: app-{w}, namespace: {ns}, labels: {{app: app-{w}}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\nstatus: {{phase: Running, podIP: 10.30.0.{}}}\n---\n",
            w + 1
        ));
    }
    let file = dir.join("open.yaml");
    std::fs::write(&file, yaml).expect("write");
    let file = file.to_str().expect("path");
    let map = map_connections(file);
    assert!(map.len() > 4000, "{}", map.len());
    let (code, html, err) = netdoctor(&["policy", "map", "-f", file, "-o", "html"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(html.matches("<path class=\"edge").count(), 0);
    assert!(html.contains("too many to draw at once"));
    let Some(browser) = browser_or_skip("too_many_flows_are_drawn_on_click") else {
        return;
    };
    let page = dir.join("open-policy-map.html");
    std::fs::write(&page, &html).expect("write");
    let r = open_page(&browser, &page, &dir.join("chromium-profile-open"));
    check_selftest(&r, &map, "open cluster policy map");
}

/// 20 namespaces × 10 workloads: the first 10 namespaces open, the others admitting only
/// `tier: web` workloads (of any namespace) on TCP 8080. More flows than the flows section
/// lists one by one, with columns of several kinds.
fn mixed_cluster() -> String {
    let mut s = String::new();
    for ns in 0..20 {
        let n = format!("ns-{ns:02}");
        s.push_str(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}, labels: {{kubernetes.io/metadata.name: {n}}}}}\n---\n"
        ));
        for w in 0..10 {
            let tier = if w % 4 == 0 { "web" } else { "app" };
            s.push_str(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: w{w}, namespace: {n}, labels: {{app: w{w}, tier: {tier}}}}}\nspec: {{containers: [{{name: c, image: x, ports: [{{containerPort: 8080}}]}}]}}\nstatus: {{phase: Running, podIP: 10.40.{ns}.{}}}\n---\n",
                w + 1
            ));
        }
        if ns >= 10 {
            s.push_str(&format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: web-only, namespace: {n}}}\nspec:\n  podSelector: {{}}\n  ingress:\n  - from: [{{namespaceSelector: {{}}, podSelector: {{matchLabels: {{tier: web}}}}}}]\n    ports: [{{port: 8080}}]\n---\n"
            ));
        }
    }
    s
}

/// The group (namespace, or the outside group) of a connlist name.
fn group_of(name: &str) -> &str {
    match name.split_once('/') {
        Some((ns, _)) if !name.ends_with("[External]") => ns,
        _ => "external peers",
    }
}

/// Above the row limit the page lists namespace pairs, summed from the compact form: the
/// sums are the map's, the page says how the flows are stored, and a click in Chromium lists
/// exactly the clicked workload's flows of the map.
#[test]
fn flows_beyond_the_row_limit_are_summed_and_decoded_on_click() {
    let dir = artifacts();
    let file = dir.join("mixed.yaml");
    std::fs::write(&file, mixed_cluster()).expect("write");
    let file = file.to_str().expect("path");
    let map = map_connections(file);
    assert!(map.len() > 20_000, "{}", map.len());
    let (code, html, err) = netdoctor(&["policy", "map", "-f", file, "-o", "html"]);
    assert_eq!(code, 0, "{err}");
    let data = data_block(&html);
    let mut edges = graph_edges(&data);
    let mut sorted = map.clone();
    sorted.sort();
    edges.sort();
    assert_eq!(edges, sorted);
    // Far fewer shared columns than workloads, and no flow written out.
    let columns = data["graph"]["flows"]["columns"]
        .as_array()
        .expect("columns");
    assert!(columns.len() < 50, "{} columns", columns.len());
    assert!(html.len() < 400_000, "{} bytes", html.len());
    assert!(
        html.contains("id=\"flows-stored\""),
        "the page says how flows are kept"
    );
    assert!(html.contains(&format!(
        "{} flows are too many to list one by one",
        map.len()
    )));
    let mut want: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for (s, d, c) in &map {
        let e = want
            .entry((group_of(s).to_string(), group_of(d).to_string()))
            .or_default();
        e.0 += 1;
        e.1 += usize::from(c == "All Connections");
    }
    let mut got: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
    for row in html.split("<tr class=\"ns\">").skip(1) {
        let cells: Vec<&str> = row
            .split("<td>")
            .skip(1)
            .map(|c| c.split("</td>").next().unwrap_or_default())
            .collect();
        let num = |i: usize| cells[i].parse::<usize>().expect("a count");
        got.insert(
            (cells[0].to_string(), cells[1].to_string()),
            (num(2), num(3)),
        );
    }
    assert_eq!(got, want);
    let Some(browser) =
        browser_or_skip("flows_beyond_the_row_limit_are_summed_and_decoded_on_click")
    else {
        return;
    };
    let page = dir.join("mixed-policy-map.html");
    std::fs::write(&page, &html).expect("write");
    let r = open_page(&browser, &page, &dir.join("chromium-profile-mixed"));
    check_selftest(&r, &map, "mixed policy map");
}
