//! Outputs for CI: SARIF for code scanning, JUnit XML for test reporters, and the
//! suppression config every gate reads.

pub mod junit;
pub mod sarif;
mod schema;

use crate::CliError;
use netdoctor_core::rules::Suppressions;
use std::path::{Path, PathBuf};

/// The config file looked for in the working directory when `--config` is not given.
pub const DEFAULT_CONFIG: &str = ".netdoctor.yaml";

/// Reads the suppression config: `--config FILE` (which must exist), else
/// `.netdoctor.yaml` in the working directory when there is one.
pub fn read_config(given: Option<&Path>) -> Result<Option<Suppressions>, CliError> {
    let path: PathBuf = match given {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from(DEFAULT_CONFIG);
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| CliError::usage(format!("{name}: cannot read the config: {e}")))?;
    Suppressions::parse(&name, &text)
        .map(Some)
        .map_err(CliError::usage)
}
