//! The krew plugin manifest (`plugins/netdoctor.yaml`): the fields krew requires, every
//! platform netdoctor is released for, URIs and version in step with the crate, the binary
//! named as kubectl expects a plugin (`kubectl-netdoctor`).

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn krew_manifest_fields_and_platforms() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins/netdoctor.yaml");
    let text = std::fs::read_to_string(&path).expect("plugins/netdoctor.yaml");
    let m: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    assert_eq!(
        m["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(m["kind"], "Plugin");
    assert_eq!(m["metadata"]["name"], "netdoctor");
    let spec = &m["spec"];
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        spec["version"],
        version.as_str(),
        "spec.version follows the crate"
    );
    for field in ["homepage", "shortDescription", "description"] {
        let v = spec[field].as_str().unwrap_or("");
        assert!(!v.trim().is_empty(), "spec.{field} is required");
    }
    assert!(spec["homepage"].as_str().unwrap().starts_with("https://"));
    assert!(spec["shortDescription"].as_str().unwrap().len() <= 80);
    let mut platforms = BTreeSet::new();
    for p in spec["platforms"].as_array().expect("platforms") {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        assert!(platforms.insert((os, arch)), "{os}/{arch} twice");
        let uri = p["uri"].as_str().unwrap();
        assert!(uri.starts_with("https://"), "{uri}");
        assert!(
            uri.contains(&format!("/download/{version}/netdoctor-{version}-")),
            "{uri}"
        );
        let triple_arch = match arch {
            "amd64" => "x86_64",
            "arm64" => "aarch64",
            other => panic!("arch {other}"),
        };
        let triple_os = match os {
            "linux" => "linux",
            "darwin" => "apple-darwin",
            "windows" => "windows",
            other => panic!("os {other}"),
        };
        assert!(
            uri.contains(triple_arch) && uri.contains(triple_os),
            "{uri} is not {os}/{arch}"
        );
        assert!(uri.ends_with(".tar.gz"));
        let sha = p["sha256"].as_str().unwrap();
        assert!(
            sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "sha256 {sha:?}"
        );
        let bin = p["bin"].as_str().unwrap();
        let want = if os == "windows" {
            "kubectl-netdoctor.exe"
        } else {
            "kubectl-netdoctor"
        };
        assert_eq!(bin, want, "kubectl finds plugins by this name");
        let files: Vec<&str> = p["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["from"].as_str().unwrap())
            .collect();
        assert!(
            files.contains(&bin),
            "{os}/{arch}: the binary is not installed"
        );
        assert!(files.contains(&"LICENSE"));
    }
    for want in [
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("darwin", "amd64"),
        ("darwin", "arm64"),
        ("windows", "amd64"),
    ] {
        assert!(platforms.contains(&want), "no platform {want:?}");
    }
}

/// The Dockerfile builds for the architecture BuildKit asks for (TARGETARCH), amd64 and
/// arm64, not for a hard-coded one.
#[test]
fn dockerfile_target_architecture_is_a_build_argument() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Dockerfile"))
            .unwrap();
    assert!(text.contains("ARG TARGETARCH"));
    assert!(text.contains("arm64|aarch64) arch=aarch64"));
    assert!(text.contains("amd64|x86_64) arch=x86_64"));
    assert!(
        !text.contains("x86_64-unknown-linux-musl"),
        "a hard-coded target triple"
    );
}
