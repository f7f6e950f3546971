//! The report's compact flows (`report::graph(..).flows`, what the HTML page decodes) hold
//! exactly the lines of `connectivity_map`: same source, destination and connection string
//! (`(unknown)` marked as `policy map` marks it), on the examples, every fixture and every
//! scenario of the netpol-analyzer corpus; and the counts read from the runs (total, per
//! node, per namespace pair) are those of the lines.

mod common;

use common::load_paths;
use netdoctor_core::model::{BuildOptions, Cluster};
use netdoctor_core::report::graph;
use netdoctor_core::sim::netpol::{compact_map, connectivity_map, Engine, MapOptions, MapUnknown};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Line = (String, String, String);

/// The lines of the map as the page must show them.
fn expected(engine: &Engine<'_>, options: &MapOptions) -> Vec<Line> {
    let unknown = MapUnknown::new(engine);
    connectivity_map(engine, options)
        .into_iter()
        .map(|c| {
            let conn = if unknown.reasons(&c.src, &c.dst).is_empty() {
                c.conn.to_string()
            } else {
                format!("{} (unknown)", c.conn)
            };
            (c.src, c.dst, conn)
        })
        .collect()
}

/// Compares the graph's flows with the map's lines; returns what differs.
fn check(engine: &Engine<'_>, scope: &[String]) -> Result<usize, String> {
    let options = MapOptions {
        namespaces: scope.to_vec(),
        ..MapOptions::default()
    };
    let want = expected(engine, &options);
    let g = graph(engine, &compact_map(engine, &options), scope, None);
    let mut got: Vec<Line> = Vec::new();
    g.flows.each(|s, d, c| {
        got.push((
            g.nodes[s].name.clone(),
            g.nodes[d].name.clone(),
            g.flows.conns[c as usize].clone(),
        ))
    });
    got.sort_by(|a, b| (a.0.as_bytes(), a.1.as_bytes()).cmp(&(b.0.as_bytes(), b.1.as_bytes())));
    if got != want {
        let missing: Vec<&Line> = want.iter().filter(|l| !got.contains(l)).take(5).collect();
        let extra: Vec<&Line> = got.iter().filter(|l| !want.contains(l)).take(5).collect();
        return Err(format!(
            "{} flows, {} lines; missing {missing:?}; extra {extra:?}",
            got.len(),
            want.len()
        ));
    }
    if g.flows.total != want.len() {
        return Err(format!("total {} for {} lines", g.flows.total, want.len()));
    }
    // Counts from the runs against counts from the lines.
    let index: BTreeMap<&str, usize> = g
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let mut deg = vec![(0usize, 0usize); g.nodes.len()];
    let mut pairs: BTreeMap<(usize, usize), (usize, usize)> = BTreeMap::new();
    for (s, d, c) in &want {
        let (s, d) = (index[s.as_str()], index[d.as_str()]);
        deg[d].0 += 1;
        deg[s].1 += 1;
        let p = pairs
            .entry((g.nodes[s].group, g.nodes[d].group))
            .or_default();
        p.0 += 1;
        p.1 += usize::from(c == "All Connections");
    }
    if g.flows.degrees() != deg {
        return Err("degrees differ".into());
    }
    let group_of: Vec<usize> = g.nodes.iter().map(|n| n.group).collect();
    if g.flows.group_pairs(&group_of) != pairs {
        return Err("namespace pairs differ".into());
    }
    Ok(want.len())
}

fn check_cluster(
    what: &str,
    cluster: &Cluster,
    host_network_as_pods: bool,
    failures: &mut Vec<String>,
) -> usize {
    let mut engine = Engine::new(cluster);
    engine.host_network_as_pods = host_network_as_pods;
    let mut scopes: Vec<Vec<String>> = vec![Vec::new()];
    if let Some(ns) = cluster.namespaces().first() {
        scopes.push(vec![ns.name.clone()]);
    }
    let mut lines = 0;
    for scope in scopes {
        match check(&engine, &scope) {
            Ok(n) => lines += n,
            Err(e) => failures.push(format!("{what} (scope {scope:?}): {e}")),
        }
    }
    lines
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(p);
        }
    }
}

fn build(paths: &[PathBuf]) -> Option<Cluster> {
    let loaded = load_paths(paths).ok()?;
    Some(Cluster::build(loaded, &BuildOptions::default()))
}

#[test]
fn compact_flows_are_the_map_on_examples_and_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    let mut inputs = 0;
    let mut lines = 0;
    for ex in ["seed-cluster", "healthy-cluster"] {
        let c = common::example(ex);
        lines += check_cluster(ex, &c, false, &mut failures);
        inputs += 1;
    }
    let mut files = Vec::new();
    yaml_files(&root.join("tests/fixtures"), &mut files);
    for f in files {
        let Some(c) = build(std::slice::from_ref(&f)) else {
            continue;
        };
        if c.pods().is_empty() {
            continue;
        }
        lines += check_cluster(&f.display().to_string(), &c, false, &mut failures);
        inputs += 1;
    }
    assert!(inputs > 20, "{inputs} inputs");
    assert!(lines > 100, "{lines} lines");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every scenario folder of the corpus (`shared/conformance/netpol-analyzer/tests/*`), read
/// as the conformance test reads it.
#[test]
fn compact_flows_are_the_map_on_the_connlist_corpus() {
    let Some(corpus) = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(3)
        .map(|a| a.join("shared/conformance/netpol-analyzer"))
        .find(|p| p.join("index.json").exists())
    else {
        eprintln!("conformance corpus not found next to the repository; skipped");
        return;
    };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus.join("tests"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.is_dir());
    dirs.sort();
    let mut failures = Vec::new();
    let mut inputs = 0;
    for d in dirs {
        let Some(c) = build(std::slice::from_ref(&d)) else {
            continue;
        };
        if c.pods().is_empty() {
            continue;
        }
        check_cluster(&d.display().to_string(), &c, true, &mut failures);
        inputs += 1;
    }
    eprintln!("{inputs} corpus scenarios compared");
    assert!(inputs > 50, "{inputs} scenarios");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
