//! Fixtures on disk for the unit tests, read as the binary reads `-f`: with the binary's own
//! reader, included here because core does no I/O itself.

#[allow(dead_code)]
#[path = "../../../../netdoctor/src/files.rs"]
mod reader;

use crate::load::{load_bytes, LoadResult};
use reader::FilesError;
use std::path::PathBuf;

pub(crate) fn load_paths(paths: &[PathBuf]) -> Result<LoadResult, FilesError> {
    let mut result = LoadResult::default();
    reader::read_each(paths, |name, bytes| result.merge(load_bytes(name, bytes)))?;
    Ok(result)
}
