//! Issue 17: hostile `-f` inputs (items 2, 8 and 9). Every run is bounded in time: a run
//! that does not finish within `LIMIT` is killed and the test fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);
const SECRET_VALUE: &str = "c3VwZXItc2VjcmV0LXZhbHVl";

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netdoctor"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("netdoctor {args:?} did not finish within {LIMIT:?}");
        }
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netdoctor-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const GOOD: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: good}\n";

fn leaky_secret() -> String {
    format!(
        "apiVersion: v1\nkind: Secret\ntype: Opaque\nmetadata:\n  name: db\n  namespace: good\n  annotations:\n    kapp.k14s.io/original: '{{\"data\":{{\"password\":\"{SECRET_VALUE}\"}}}}'\n    kubectl.kubernetes.io/last-applied-configuration: '{{\"data\":{{\"password\":\"{SECRET_VALUE}\"}}}}'\n    example.com/backup: {SECRET_VALUE}\ndata:\n  password: {SECRET_VALUE}\n"
    )
}

#[test]
fn snapshot_never_prints_secret_data_kept_in_annotations() {
    let dir = temp_dir("secret");
    let file = dir.join("s.yaml");
    std::fs::write(&file, format!("{GOOD}---\n{}", leaky_secret())).unwrap();
    let f = file.to_str().unwrap();
    for format in ["json", "yaml"] {
        let o = run(&["snapshot", "-f", f, "-o", format], None);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let out = text(&o.stdout);
        assert!(out.contains("db"), "{out}");
        assert!(!out.contains(SECRET_VALUE), "{format}: {out}");
        assert!(!out.contains("kapp.k14s.io"), "{format}: {out}");
    }
    // The same from stdin, and read back from a snapshot.
    let o = run(
        &["snapshot", "-f", "-", "-o", "json"],
        Some(leaky_secret().as_bytes()),
    );
    assert!(!text(&o.stdout).contains(SECRET_VALUE));
}

#[test]
fn a_list_with_one_bad_item_is_analysed_and_the_item_reported() {
    let dir = temp_dir("list");
    let file = dir.join("list.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Namespace, metadata: {name: good}}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: bad, namespace: good}\n  spec:\n    containers:\n    - name: c\n      ports:\n      - containerPort: abc\n- {apiVersion: v1, kind: Service, metadata: {name: web, namespace: good}, spec: {ports: [{port: 80}]}}\n",
    )
    .unwrap();
    let o = run(
        &["snapshot", "-f", file.to_str().unwrap(), "-o", "json"],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2), "{v}");
    let o = run(
        &["doctor", "-f", file.to_str().unwrap(), "-o", "json"],
        None,
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("items[1].spec.containers[0].ports[0].containerPort"),
        "{out}"
    );
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success());
}

#[test]
fn a_fifo_in_a_directory_is_skipped_not_waited_on() {
    let dir = temp_dir("fifo");
    std::fs::write(dir.join("a.yaml"), GOOD).unwrap();
    mkfifo(&dir.join("pipe.yaml"));
    let o = run(&["doctor", "-f", dir.to_str().unwrap(), "-o", "json"], None);
    let out = text(&o.stdout);
    assert_ne!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        out.contains("pipe.yaml") && out.contains("not a regular file"),
        "{out}"
    );
}

#[test]
fn symlink_loops_are_skipped_with_a_finding() {
    let dir = temp_dir("loops");
    std::fs::write(dir.join("a.yaml"), GOOD).unwrap();
    std::os::unix::fs::symlink("loop.yaml", dir.join("loop.yaml")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("again")).unwrap();
    let o = run(&["doctor", "-f", dir.to_str().unwrap(), "-o", "json"], None);
    let out = text(&o.stdout);
    assert_ne!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(out.contains("loop.yaml"), "{out}");
    // The directory is read once, not again through `again`.
    let o = run(
        &["snapshot", "-f", dir.to_str().unwrap(), "-o", "json"],
        None,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1), "{v}");
}

#[test]
fn endless_devices_are_bounded_by_the_file_size_limit() {
    let o = run(
        &["doctor", "-f", "/dev/zero", "--max-file-size", "1MiB"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("/dev/zero") && err.contains("1048576"),
        "{err}"
    );
}

#[test]
fn the_total_input_is_bounded_too() {
    let dir = temp_dir("total");
    std::fs::write(dir.join("a.yaml"), GOOD).unwrap();
    std::fs::write(dir.join("b.yaml"), GOOD.replace("good", "other")).unwrap();
    let limit = (GOOD.len() + 5).to_string();
    let o = run(
        &[
            "doctor",
            "-f",
            dir.to_str().unwrap(),
            "--max-input-size",
            &limit,
            "-o",
            "json",
        ],
        None,
    );
    let out = text(&o.stdout);
    assert!(
        out.contains("b.yaml") && out.contains("--max-input-size"),
        "{out}"
    );
}
