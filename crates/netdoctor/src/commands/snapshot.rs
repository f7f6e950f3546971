//! `netdoctor snapshot`: what was read, as one List document that `-f` reads back.

use crate::cli::SnapshotArgs;
use crate::output::{emit, to_json, to_yaml, OutputFormat};
use crate::{CliError, CmdResult};
use netdoctor_core::load;

pub fn run(args: SnapshotArgs, format: OutputFormat, _verbose: bool) -> CmdResult {
    if args.input.files.is_empty() {
        return Err(CliError::unreachable(
            "reading a live cluster is not available in this build; snapshot needs -f",
        ));
    }
    let loaded = load::load_paths(&args.input.files).map_err(|e| CliError::usage(e.to_string()))?;
    // Secrets carry no data here: the loader never reads `data`/`stringData`.
    let items: Vec<serde_json::Value> = loaded.objects.iter().map(|o| o.object.to_json()).collect();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
    let text = match format {
        OutputFormat::Table | OutputFormat::Json => to_json(&list)?,
        OutputFormat::Yaml => to_yaml(&list)?,
        other => return Err(other.unsupported("snapshot")),
    };
    emit(&text)?;
    Ok(crate::exit::OK)
}
