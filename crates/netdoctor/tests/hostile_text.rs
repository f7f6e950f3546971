//! Hostile text in the input (issue 17, items 1 and 6), through the real binary: a Corefile
//! nesting bomb is a finding, not a crash; control sequences, bidi overrides and raw HTML
//! from object fields never reach the terminal or the Markdown as they are.

use std::path::PathBuf;
use std::process::{Command, Output};

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile_text");
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn netdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// 35,000 nested braces (105 KB, far below the 1 MiB ConfigMap limit) once overflowed the
/// parser's stack: the process died of SIGABRT in `doctor`, `dns` and `trace`.
#[test]
fn corefile_nesting_bomb_is_a_finding() {
    let n = 35_000;
    let corefile = format!(".:53 {{\n{}{}}}\n", "{\n".repeat(n), "}\n".repeat(n));
    let cm = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": corefile},
    });
    let file = dir().join("corefile-bomb.json");
    std::fs::write(&file, serde_json::to_vec(&cm).expect("json")).expect("write");
    let f = file.to_str().expect("path");
    for args in [
        vec!["doctor", "-f", f],
        vec!["dns", "check", "-f", f],
        vec![
            "trace",
            "--from",
            "10.0.0.1",
            "--to",
            "kubernetes:443",
            "-f",
            f,
        ],
    ] {
        let o = netdoctor(&args);
        assert!(
            o.status.code().is_some(),
            "{args:?} ended by a signal: {:?}\n{}",
            o.status,
            String::from_utf8_lossy(&o.stderr)
        );
        if args[0] != "trace" {
            let out = stdout(&o);
            assert!(out.contains("DNS003"), "{args:?}: {out}");
            assert!(out.contains("nested more than 16 levels deep"), "{out}");
        }
    }
}

const EVIL: &str = r#"{"apiVersion":"v1","kind":"List","items":[
 {"apiVersion":"v1","kind":"Service","metadata":{"name":"web\u001b[2J","namespace":"default"},
  "spec":{"selector":{"app":"none"},"ports":[{"port":80}]}},
 {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"evil","namespace":"default",
  "annotations":{"kubernetes.io/ingress.class":"<script>alert(1)</script>"}},
  "spec":{"rules":[{"host":"evil.example.com","http":{"paths":[{
   "path":"/x\u001b]0;pwned\u0007\u202e<script>alert(2)</script>","pathType":"ImplementationSpecific",
   "backend":{"service":{"name":"web\u001b[2J","port":{"number":80}}}}]}}]}}
]}"#;

fn assert_no_controls(what: &str, out: &str) {
    assert!(!out.contains('\x1b'), "{what}: raw ESC in {out}");
    assert!(!out.contains('\x07'), "{what}: raw BEL in {out}");
    assert!(
        !out.contains('\u{202e}'),
        "{what}: raw bidi override in {out}"
    );
}

#[test]
fn control_sequences_and_html_from_fields_are_escaped() {
    let file = dir().join("evil.json");
    std::fs::write(&file, EVIL).expect("write");
    let f = file.to_str().expect("path");
    let url = "http://evil.example.com/x";
    for (args, md) in [
        (vec!["doctor", "-f", f], false),
        (vec!["doctor", "-f", f, "-o", "txt"], false),
        (vec!["doctor", "-f", f, "-o", "md"], true),
        (
            vec!["doctor", "default/service/web\x1b[2J", "-f", f, "-o", "md"],
            true,
        ),
        (vec!["ingress", "route", url, "-f", f], false),
        (vec!["ingress", "route", url, "-f", f, "-o", "md"], true),
        (
            vec!["trace", "--from", "203.0.113.7", "--to", url, "-f", f],
            false,
        ),
        (
            vec![
                "trace",
                "--from",
                "203.0.113.7",
                "--to",
                url,
                "-f",
                f,
                "-o",
                "md",
            ],
            true,
        ),
    ] {
        let o = netdoctor(&args);
        let out = stdout(&o);
        assert!(o.status.code().is_some(), "{args:?}");
        assert_no_controls(&format!("{args:?}"), &out);
        assert!(
            out.contains("\\x1b]0;pwned\\x07") || out.contains("web\\x1b[2J"),
            "{args:?}: the escaped text is shown: {out}"
        );
        if md {
            assert!(!out.contains("<script>"), "{args:?}: raw HTML in {out}");
            assert!(out.contains("&lt;script&gt;"), "{args:?}: {out}");
        }
    }
    // JSON keeps the value (escaped the JSON way) and writes no raw bidi or C1 character.
    let o = netdoctor(&["doctor", "-f", f, "-o", "json"]);
    let out = stdout(&o);
    assert_no_controls("json", &out);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert!(v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|x| x["message"]
            .as_str()
            .is_some_and(|m| m.contains("\u{202e}<script>"))));
}

/// YAML output keeps every value (YAML reads the escapes back) and writes no raw control,
/// bidi or C1 character: the emitter itself counts bidi overrides printable.
#[test]
fn yaml_output_escapes_bidi_and_controls_losslessly() {
    let file = dir().join("evil-yaml.json");
    std::fs::write(&file, EVIL).expect("write");
    let f = file.to_str().expect("path");
    for args in [
        vec!["doctor", "-f", f, "-o", "yaml"],
        vec!["snapshot", "-f", f, "-o", "yaml"],
    ] {
        let o = netdoctor(&args);
        let out = stdout(&o);
        assert_no_controls(&format!("{args:?}"), &out);
        let yaml: serde_json::Value = serde_saphyr::from_str(&out).expect("YAML reads back");
        let json = netdoctor(&[args[0], "-f", f, "-o", "json"]);
        let json: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
        let has_path = |v: &serde_json::Value| v.to_string().contains("\u{202e}<script>");
        assert!(has_path(&yaml), "{args:?}: the value survives: {out}");
        assert!(has_path(&json), "{args:?}");
    }
}
