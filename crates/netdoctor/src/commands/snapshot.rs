//! `netdoctor snapshot`: what was read, as one List document that `-f` reads back.

use crate::cli::SnapshotArgs;
use crate::output::{emit, to_json, to_yaml, OutputFormat};
use crate::CmdResult;

pub fn run(args: SnapshotArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    // Files or a live cluster. Secrets carry no data: the loader never reads
    // `data`/`stringData`, and a live read lists Secrets through the metadata-only API.
    let loaded = args.input.load(verbose)?;
    let items: Vec<serde_json::Value> = loaded
        .result
        .objects
        .iter()
        .map(|o| o.object.to_json())
        .collect();
    let mut list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    if loaded.live {
        // Status fields of a live read are current (Cluster::live); the marker lets a
        // loader that honours it read the snapshot back as live state.
        list["metadata"] = serde_json::json!({"annotations": {netdoctor_core::load::LIVE_SNAPSHOT_ANNOTATION: "true"}});
    }
    let text = match format {
        OutputFormat::Table | OutputFormat::Json => to_json(&list)?,
        OutputFormat::Yaml => to_yaml(&list)?,
        other => return Err(other.unsupported("snapshot")),
    };
    emit(crate::output::OutputFormat::Json, &text)?;
    Ok(crate::exit::OK)
}
