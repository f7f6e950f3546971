//! Issue 20: netdoctor used the way kubectl users type commands. Short forms with -n, the
//! common flags before or after the command, the plugin name, completions, the man page,
//! "did you mean", tables and help pages.

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

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SEED: &str = "examples/seed-cluster";

/// `doctor -n NS KIND/NAME` says exactly what `doctor NS/KIND/NAME` says, for every short
/// form kubectl users type (and long, plural and grouped names).
#[test]
fn kubectl_short_forms_with_namespace() {
    let cases: &[(&str, &str, &str)] = &[
        ("production", "svc/payments", "production/service/payments"),
        (
            "production",
            "service/payments",
            "production/service/payments",
        ),
        (
            "production",
            "services/payments",
            "production/service/payments",
        ),
        (
            "production",
            "deploy/web-frontend",
            "production/deployment/web-frontend",
        ),
        (
            "production",
            "deployment.apps/web-frontend",
            "production/deployment/web-frontend",
        ),
        ("production", "po/debug-shell", "production/debug-shell"),
        ("production", "pod/debug-shell", "production/debug-shell"),
        ("production", "debug-shell", "production/debug-shell"),
        (
            "production",
            "sts/postgres",
            "production/statefulset/postgres",
        ),
        (
            "production",
            "ing/shop-ingress",
            "production/ingress/shop-ingress",
        ),
        (
            "production",
            "netpol/default-deny-ingress",
            "production/networkpolicy/default-deny-ingress",
        ),
        (
            "production",
            "httproute/shop-route",
            "production/httproute/shop-route",
        ),
        (
            "gateway-system",
            "gtw/public-gateway",
            "gateway-system/gateway/public-gateway",
        ),
        (
            "production",
            "rs/web-frontend-7c9d8f5b6d",
            "production/replicaset/web-frontend-7c9d8f5b6d",
        ),
    ];
    for (ns, short, long) in cases {
        let a = netdoctor(&["doctor", "-f", SEED, "-n", ns, short, "-o", "json"]);
        let b = netdoctor(&["doctor", "-f", SEED, "-n", ns, long, "-o", "json"]);
        assert!(
            a.status.code() == Some(0) || a.status.code() == Some(1),
            "doctor -n {ns} {short}: {}",
            err(&a)
        );
        assert_eq!(a.status.code(), b.status.code(), "{short}");
        assert_eq!(
            out(&a),
            out(&b),
            "doctor -n {ns} {short} differs from {long}"
        );
    }
    // The short form is about the object: its own finding is there.
    let v: serde_json::Value = serde_json::from_slice(
        &netdoctor(&[
            "doctor",
            "-f",
            SEED,
            "-n",
            "production",
            "svc/payments",
            "-o",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "SVC001" && f["object"]["name"] == "payments"));
    // A DaemonSet, which the seed has none of.
    let dir = tempdir("ds");
    std::fs::write(
        dir.join("ds.yaml"),
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: infra}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: a, image: a}]}\n",
    )
    .unwrap();
    let f = dir.to_string_lossy().to_string();
    let a = netdoctor(&["doctor", "-f", &f, "-n", "infra", "ds/agent", "-o", "json"]);
    let b = netdoctor(&["doctor", "-f", &f, "infra/daemonset/agent", "-o", "json"]);
    assert_eq!(a.status.code(), Some(0), "{}", err(&a));
    assert_eq!(out(&a), out(&b));
}

#[test]
fn trace_and_policy_take_short_forms() {
    let a = netdoctor(&[
        "trace",
        "-n",
        "monitoring",
        "--from",
        "deploy/prometheus",
        "--to",
        "api-service.production:8080",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    let b = netdoctor(&[
        "trace",
        "--from",
        "monitoring/deployment/prometheus",
        "--to",
        "api-service.production:8080",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    assert_eq!(a.status.code(), Some(1), "{}", err(&a));
    assert_eq!(out(&a), out(&b));
    let a = netdoctor(&[
        "policy",
        "check",
        "-n",
        "production",
        "--from",
        "deploy/web-frontend",
        "--to",
        "svc/api-service",
        "--port",
        "8080",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    let b = netdoctor(&[
        "policy",
        "check",
        "--from",
        "production/deployment/web-frontend",
        "--to",
        "production/service/api-service",
        "--port",
        "8080",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    assert!(a.status.code().is_some_and(|c| c < 2), "{}", err(&a));
    assert_eq!(
        out(&a)
            .replace("deploy/web-frontend", "production/deployment/web-frontend")
            .replace("svc/api-service", "production/service/api-service"),
        out(&b)
    );
    let a = netdoctor(&[
        "dns",
        "resolve",
        "api-service",
        "-n",
        "production",
        "--from",
        "deploy/web-frontend",
        "-f",
        SEED,
        "-o",
        "json",
    ]);
    assert_eq!(a.status.code(), Some(0), "{}", err(&a));
}

/// -f, -n, -A, -o, -v, --context and --kubeconfig before the command mean what they mean
/// after it.
#[test]
fn common_flags_before_or_after_the_command() {
    let after = netdoctor(&["doctor", "-f", SEED, "-n", "production", "-o", "json"]);
    let before = netdoctor(&["-f", SEED, "-n", "production", "-o", "json", "doctor"]);
    let mixed = netdoctor(&["-n", "production", "doctor", "-o", "json", "-f", SEED]);
    assert_eq!(after.status.code(), Some(1));
    assert_eq!(out(&after), out(&before));
    assert_eq!(out(&after), out(&mixed));
    let all = netdoctor(&["-A", "-f", SEED, "-o", "json", "doctor"]);
    assert_eq!(
        out(&all),
        out(&netdoctor(&["doctor", "-f", SEED, "-o", "json"]))
    );
    let verbose = netdoctor(&["-v", "-f", SEED, "doctor", "-o", "json"]);
    assert!(err(&verbose).contains("file(s)"), "{}", err(&verbose));
    // The live flags are accepted before the command too (the kubeconfig is missing here).
    let live = netdoctor(&[
        "--kubeconfig",
        "/nonexistent/kubeconfig",
        "--context",
        "x",
        "doctor",
    ]);
    assert!(
        !err(&live).contains("unexpected argument"),
        "{}",
        err(&live)
    );
    assert!(
        err(&live).contains("/nonexistent/kubeconfig"),
        "{}",
        err(&live)
    );
    // A command that reads no cluster says so rather than ignoring the option.
    for args in [
        &["rules", "-f", SEED][..],
        &["-n", "x", "explain", "SVC001"][..],
        &["probe", "tcp", "127.0.0.1:1", "-A"][..],
    ] {
        let o = netdoctor(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            err(&o).contains("reads no cluster"),
            "{args:?}: {}",
            err(&o)
        );
    }
    // -n and -A still exclude each other wherever they are.
    let both = netdoctor(&["-n", "production", "doctor", "-A", "-f", SEED]);
    assert_eq!(both.status.code(), Some(2));
}

/// Run as `kubectl-netdoctor` (what krew installs), usage reads `kubectl netdoctor`.
#[test]
fn plugin_name_in_usage() {
    let dir = tempdir("plugin");
    let plugin = dir.join("kubectl-netdoctor");
    std::fs::copy(env!("CARGO_BIN_EXE_netdoctor"), &plugin).unwrap();
    let run = |args: &[&str]| Command::new(&plugin).args(args).output().unwrap();
    let help = run(&["--help"]);
    assert!(
        out(&help).contains("Usage: kubectl netdoctor [OPTIONS] <COMMAND>"),
        "{}",
        out(&help)
    );
    let help = run(&["doctor", "--help"]);
    assert!(
        out(&help).contains("Usage: kubectl netdoctor doctor"),
        "{}",
        out(&help)
    );
    let bad = run(&["doctor", "--bogus"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        err(&bad).contains("kubectl netdoctor doctor"),
        "{}",
        err(&bad)
    );
    // Under its own name, its own name.
    let help = netdoctor(&["--help"]);
    assert!(out(&help).contains("Usage: netdoctor [OPTIONS] <COMMAND>"));
}

#[test]
fn completion_scripts_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _netdoctor"),
        ("zsh", "#compdef netdoctor"),
        ("fish", "complete -c netdoctor"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = netdoctor(&["completion", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", err(&o));
        let script = out(&o);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for sub in ["doctor", "trace", "completion"] {
            assert!(script.contains(sub), "{shell}: {sub} missing");
        }
    }
    assert_eq!(netdoctor(&["completion", "tcsh"]).status.code(), Some(2));
}

/// A real bash sources the script and completes `netdoctor doc<TAB>` and `netdoctor
/// completion <TAB>`.
#[test]
fn bash_loads_the_completion_and_completes_a_subcommand() {
    let dir = tempdir("bash");
    let script = dir.join("netdoctor.bash");
    std::fs::write(&script, netdoctor(&["completion", "bash"]).stdout).unwrap();
    let complete = |line: &str| {
        let words: Vec<&str> = line.split(' ').collect();
        let program = format!(
            "set -e\nsource {script:?}\nCOMP_WORDS=({words})\nCOMP_CWORD={cword}\nCOMP_LINE={line:?}\nCOMP_POINT=${{#COMP_LINE}}\n_netdoctor netdoctor {cur:?} {prev:?}\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            words = words.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>().join(" "),
            cword = words.len() - 1,
            cur = words[words.len() - 1],
            prev = words[words.len() - 2],
        );
        let o = Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(o.status.success(), "bash: {}", err(&o));
        out(&o).lines().map(str::to_string).collect::<Vec<_>>()
    };
    assert_eq!(complete("netdoctor doc"), vec!["doctor"]);
    let shells = complete("netdoctor completion ");
    for s in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.iter().any(|c| c == s), "{shells:?}");
    }
    assert!(complete("netdoctor doctor --kube").contains(&"--kubeconfig".to_string()));
}

/// `netdoctor man` renders: with `man -l` (man-db) or groff, which `.ci/run` installs.
#[test]
fn man_page_renders() {
    let o = netdoctor(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let page = out(&o);
    assert!(page.contains(".TH netdoctor 1"), "{page}");
    let dir = tempdir("man");
    let file = dir.join("netdoctor.1");
    std::fs::write(&file, &page).unwrap();
    let rendered = Command::new("man")
        .arg("-l")
        .arg(&file)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .or_else(|| {
            Command::new("groff")
                .args(["-man", "-Tutf8"])
                .arg(&file)
                .output()
                .ok()
                .filter(|o| o.status.success())
        });
    let Some(rendered) = rendered else {
        assert!(
            std::env::var("CI").is_err(),
            "neither man nor groff on CI: .ci/run must install man-db and groff"
        );
        eprintln!("SKIPPED: neither `man` nor `groff` is installed");
        return;
    };
    // groff may embolden with backspaces.
    let text: String = String::from_utf8_lossy(&rendered.stdout)
        .split('\u{8}')
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\u{8}");
    let plain = strip_overstrike(&text);
    for want in [
        "NAME",
        "SYNOPSIS",
        "netdoctor",
        "doctor",
        "--namespace",
        "completion",
    ] {
        assert!(
            plain.contains(want),
            "rendered page lacks {want:?}:\n{plain}"
        );
    }
}

/// `man --dir` writes one page per command, each a valid page.
#[test]
fn man_pages_per_command() {
    let dir = tempdir("mandir");
    let o = netdoctor(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    for page in [
        "netdoctor.1",
        "netdoctor-doctor.1",
        "netdoctor-trace.1",
        "netdoctor-dns-resolve.1",
        "netdoctor-policy-map.1",
        "netdoctor-completion.1",
    ] {
        let text =
            std::fs::read_to_string(dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        let title = page.trim_end_matches(".1");
        assert!(text.contains(&format!(".TH {title} 1")), "{page}");
    }
    let doctor = std::fs::read_to_string(dir.join("netdoctor-doctor.1")).unwrap();
    assert!(doctor.contains("Examples:") && doctor.contains("svc/payments"));
}

/// `a\bab\bb` (groff's bold) as `ab`.
fn strip_overstrike(s: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        out.push(c);
    }
    out.into_iter().collect()
}

/// One "did you mean" everywhere: object names, namespaces, kinds, rule codes, targets.
#[test]
fn did_you_mean_everywhere() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["doctor", "production/service/paymnts", "-f", SEED],
            "did you mean payments?",
        ),
        (
            &["doctor", "production/deployment/web-frontnd", "-f", SEED],
            "did you mean web-frontend?",
        ),
        (
            &["doctor", "-n", "production", "svc/paymnts", "-f", SEED],
            "did you mean payments?",
        ),
        (
            &["doctor", "prodution/service/payments", "-f", SEED],
            "did you mean production?",
        ),
        (
            &["doctor", "production/servce/payments", "-f", SEED],
            "did you mean service",
        ),
        (
            &["doctor", "production/ingress/shop-ingres", "-f", SEED],
            "did you mean shop-ingress?",
        ),
        (
            &[
                "trace",
                "--from",
                "production/deployment/web-frontnd",
                "--to",
                "api-service:8080",
                "-f",
                SEED,
            ],
            "did you mean web-frontend?",
        ),
        (&["explain", "SVC01"], "did you mean SVC001"),
        (
            &["explain", "service-selects-no-pod"],
            "did you mean service-selects-no-pods",
        ),
    ];
    for (args, want) in cases {
        let o = netdoctor(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", out(&o));
        assert!(err(&o).contains(want), "{args:?}: {}", err(&o));
    }
    let o = netdoctor(&[
        "trace",
        "--from",
        "production/deployment/web-frontend",
        "--to",
        "api-servce:8080",
        "-f",
        SEED,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("did you mean api-service?"), "{}", out(&o));
    // Names that do not resolve, and a Gateway that does not exist: the same answer.
    let o = netdoctor(&[
        "dns",
        "resolve",
        "api-servce",
        "-n",
        "production",
        "--from",
        "deploy/web-frontend",
        "-f",
        SEED,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("did you mean api-service?"), "{}", out(&o));
    let o = netdoctor(&[
        "ingress",
        "route",
        "http://www.example.com/",
        "--gateway",
        "gateway-system/public-gatway",
        "-f",
        SEED,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("did you mean gateway-system/public-gateway?"),
        "{}",
        out(&o)
    );
}

/// `rules` is a table: a header row, and each column starts at the same place on every line,
/// in colour too (padding is computed on the visible text).
#[test]
fn rules_is_a_table() {
    let o = netdoctor(&["rules"]);
    let text = out(&o);
    let lines: Vec<&str> = text.lines().collect();
    let header = lines[0];
    assert!(header.starts_with("CODE"), "{header}");
    let col = |h: &str| {
        header
            .find(h)
            .unwrap_or_else(|| panic!("no {h} in {header}"))
    };
    let (sev, name, when) = (col("SEVERITY"), col("NAME"), col("FIRES WHEN"));
    let rows: Vec<&&str> = lines[1..].iter().filter(|l| !l.starts_with(' ')).collect();
    assert!(rows.len() > 20);
    for l in rows {
        let sp = |i: usize| l.as_bytes().get(i - 1) == Some(&b' ') && l.as_bytes()[i] != b' ';
        assert!(sp(sev) && sp(name) && sp(when), "misaligned: {l:?}");
    }
    // With colour forced (what a terminal gets) the visible text is the same.
    let coloured = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .arg("rules")
        .env("CLICOLOR_FORCE", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let coloured = out(&coloured);
    assert!(coloured.contains('\u{1b}'), "no colour with CLICOLOR_FORCE");
    assert_eq!(strip_ansi(&coloured), text);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Every help page has examples and lists only its own output formats.
#[test]
fn help_pages_have_examples_and_their_own_formats() {
    let pages: &[(&[&str], &[&str], &[&str])] = &[
        (&["doctor"], &["html"], &["dot", "csv"]),
        (&["rules"], &["md"], &["html", "dot", "csv"]),
        (&["explain"], &["json"], &["html", "dot"]),
        (&["trace"], &["md"], &["html", "dot"]),
        (&["policy", "map"], &["dot", "csv", "txt", "html"], &[]),
        (&["policy", "check"], &["json"], &["dot", "csv"]),
        (&["dns", "resolve"], &["json"], &["dot", "html"]),
        (&["dns", "check"], &["json"], &["dot", "html"]),
        (&["ingress", "route"], &["json"], &["dot", "html"]),
        (&["snapshot"], &["yaml"], &["table,", "dot", "html"]),
        (&["alerts"], &["yaml"], &["dot", "html"]),
        (&["probe", "tcp"], &["json"], &["dot", "html"]),
        (&["monitor"], &[], &["dot", "html"]),
        (&["completion"], &[], &[]),
        (&["dns"], &[], &[]),
        (&["policy"], &[], &[]),
        (&["ingress"], &[], &[]),
        (&["probe"], &["json"], &["dot", "html"]),
        (&[], &[], &[]),
    ];
    for (cmd, has, lacks) in pages {
        let mut args = cmd.to_vec();
        args.push("--help");
        let o = netdoctor(&args);
        assert_eq!(o.status.code(), Some(0), "{cmd:?}");
        let text = out(&o);
        assert!(
            text.contains("Examples:\n  "),
            "{cmd:?} has no examples:\n{text}"
        );
        let formats = text
            .lines()
            .find(|l| l.starts_with("Output formats (-o):"))
            .unwrap_or("");
        for f in *has {
            assert!(formats.contains(f), "{cmd:?}: {f} missing from {formats:?}");
        }
        for f in *lacks {
            assert!(!formats.contains(f), "{cmd:?}: {f} listed in {formats:?}");
        }
        // No list of all eight formats anywhere on the page.
        assert!(
            !text.contains("table, json, yaml, md, html, txt, csv, dot]"),
            "{cmd:?}"
        );
    }
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "netdoctor-kubectl-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
