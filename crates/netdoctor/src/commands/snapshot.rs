//! `netdoctor snapshot`: what was read, as one List document that `-f` reads back.

use crate::cli::SnapshotArgs;
use crate::output::{emit, to_json, to_yaml, OutputFormat};
use crate::CmdResult;
use serde::ser::{Serialize, SerializeMap, Serializer};

pub fn run(args: SnapshotArgs, format: OutputFormat, verbose: bool) -> CmdResult {
    // Files or a live cluster. Secrets carry no data: the loader never reads
    // `data`/`stringData`, and a live read lists Secrets through the metadata-only API.
    let loaded = args.input.load(verbose)?;
    let text = match format {
        // Written item by item, never as one value tree of the whole cluster: the same text
        // as serialising the List value (keys in the same sorted order).
        OutputFormat::Table | OutputFormat::Json => to_json(&Snapshot {
            objects: &loaded.result.objects,
            live: loaded.live,
        })?,
        OutputFormat::Yaml => {
            let items: Vec<serde_json::Value> = loaded
                .result
                .objects
                .iter()
                .map(|o| o.object.to_json())
                .collect();
            let mut list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
            if loaded.live {
                list["metadata"] = live_metadata();
            }
            to_yaml(&list)?
        }
        other => return Err(other.unsupported("snapshot")),
    };
    emit(crate::output::OutputFormat::Json, &text)?;
    // The process ends now: freeing every object one by one would only delay it.
    std::mem::forget(loaded);
    std::mem::forget(text);
    Ok(crate::exit::OK)
}

/// Status fields of a live read are current (Cluster::live); the marker lets a loader that
/// honours it read the snapshot back as live state.
fn live_metadata() -> serde_json::Value {
    serde_json::json!({"annotations": {netdoctor_core::load::LIVE_SNAPSHOT_ANNOTATION: "true"}})
}

/// The snapshot List: `apiVersion`, `items`, `kind` and (live) `metadata`, in the order a
/// `serde_json::Value` map keeps them (sorted).
struct Snapshot<'a> {
    objects: &'a [netdoctor_core::load::Loaded],
    live: bool,
}

struct Items<'a>(&'a [netdoctor_core::load::Loaded]);

impl Serialize for Items<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|o| o.object.to_json()))
    }
}

impl Serialize for Snapshot<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(if self.live { 4 } else { 3 }))?;
        m.serialize_entry("apiVersion", "v1")?;
        m.serialize_entry("items", &Items(self.objects))?;
        m.serialize_entry("kind", "List")?;
        if self.live {
            m.serialize_entry("metadata", &live_metadata())?;
        }
        m.end()
    }
}
