//! Text → API objects. Splits YAML streams into documents; reports every document it cannot
//! read (with file, document index, line and reason) and keeps going with the others. No
//! I/O: the binary reads files, directories and stdin (`netdoctor/src/files.rs`) and hands
//! over their text.

pub mod api;
pub mod corefile;
pub mod gateway_api;
mod item_lines;
mod items;
mod object;
mod scope;
mod yaml_list;

pub use object::{ApiObject, WorkloadKind, LIVE_SNAPSHOT_ANNOTATION};
pub use scope::NamespaceScope;

use items::{Capture, ItemContext, ItemError, LineCounter, Sink};
use serde::de::DeserializeSeed;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Where an object came from, for messages that point back at the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: Arc<str>,
    /// 1-based index of the document in the file.
    pub document: usize,
    /// 1-based line where the document starts.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Loaded {
    pub object: ApiObject,
    pub origin: Origin,
}

/// A document that could not be read (INP001).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub file: String,
    pub document: usize,
    /// 1-based line of the problem, or of the document start when the parser gave none.
    pub line: usize,
    pub reason: String,
}

/// Everything read from the inputs.
#[derive(Debug, Clone, Default)]
pub struct LoadResult {
    pub objects: Vec<Loaded>,
    pub unreadable: Vec<Unreadable>,
    /// Kinds netdoctor does not use, with how many objects of each were skipped.
    pub skipped_kinds: BTreeMap<String, usize>,
    /// The first `MAX_SKIPPED_OBJECTS` skipped objects by name (kind, namespace, name).
    pub skipped_objects: Vec<SkippedObject>,
    pub files_read: usize,
    /// The input is a snapshot of a live read (`netdoctor snapshot` without `-f`).
    pub live: bool,
}

/// An object of a kind netdoctor does not use, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedObject {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// Most skipped objects kept by name: enough for every custom resource of a real cluster,
/// bounded against an input of millions.
pub const MAX_SKIPPED_OBJECTS: usize = 10_000;

impl LoadResult {
    pub fn merge(&mut self, other: LoadResult) {
        // The first file's objects are taken as they are, not copied one by one.
        if self.objects.is_empty() {
            self.objects = other.objects;
        } else {
            self.objects.extend(other.objects);
        }
        let room = MAX_SKIPPED_OBJECTS.saturating_sub(self.skipped_objects.len());
        self.skipped_objects
            .extend(other.skipped_objects.into_iter().take(room));
        self.unreadable.extend(other.unreadable);
        for (k, n) in other.skipped_kinds {
            *self.skipped_kinds.entry(k).or_default() += n;
        }
        self.files_read += other.files_read;
        self.live |= other.live;
    }

    /// Nothing could be read at all (every document broken, or no input).
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

/// Parses one file's bytes: text as `load_text` does; a file that is not UTF-8 is one
/// unreadable document.
pub fn load_bytes(file: &str, bytes: &[u8]) -> LoadResult {
    load_bytes_in(file, bytes, &NamespaceScope::all())
}

/// `load_bytes`, keeping only the objects `scope` keeps.
pub fn load_bytes_in(file: &str, bytes: &[u8], scope: &NamespaceScope) -> LoadResult {
    match std::str::from_utf8(bytes) {
        Ok(text) => load_text_in(file, text, scope),
        Err(_) => LoadResult {
            files_read: 1,
            unreadable: vec![Unreadable {
                file: file.to_string(),
                document: 1,
                line: 1,
                reason: "the file is not UTF-8 text".into(),
            }],
            ..LoadResult::default()
        },
    }
}

/// An input that was skipped before its text was read (not a regular file, too large, a
/// symbolic link loop, …): one unreadable entry naming the path and the reason.
pub fn skipped_input(file: &str, reason: &str) -> LoadResult {
    LoadResult {
        unreadable: vec![Unreadable {
            file: file.to_string(),
            document: 1,
            line: 1,
            reason: reason.to_string(),
        }],
        ..LoadResult::default()
    }
}

/// Parses one file's text: JSON when it starts with `{` or `[`, otherwise a YAML stream.
pub fn load_text(file: &str, text: &str) -> LoadResult {
    load_text_in(file, text, &NamespaceScope::all())
}

/// `load_text`, keeping only the objects `scope` keeps: the items of a JSON List in other
/// namespaces are skipped before they are read (so they are not checked either); objects
/// of every other form are read, then dropped.
pub fn load_text_in(file: &str, text: &str, scope: &NamespaceScope) -> LoadResult {
    let file: Arc<str> = Arc::from(file);
    let mut result = LoadResult {
        files_read: 1,
        ..LoadResult::default()
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let trimmed = text.trim_start();
    // A line starting with `---` cannot occur in JSON (strings hold no raw newline), so a
    // stream whose first document is a flow mapping (`{...}\n---\n{...}`) is YAML.
    let yaml_separated = text.lines().any(|l| l.starts_with("---"));
    if (trimmed.starts_with('{') || trimmed.starts_with('[')) && !yaml_separated {
        load_json(&file, text, scope, &mut result);
    } else {
        for doc in split_yaml_documents(text) {
            load_yaml_document(&file, &doc, &mut result);
        }
    }
    if !scope.is_all() {
        result.objects.retain(|o| {
            let namespace = o.object.metadata().and_then(|m| m.namespace.as_deref());
            scope.keeps(namespace)
        });
    }
    result
}

/// Adds what one document gave: its objects, and its items that could not be read (each
/// an unreadable entry of its own, at its line when known).
fn push_objects(
    result: &mut LoadResult,
    objects: Vec<ApiObject>,
    errors: Vec<ItemError>,
    origin: Origin,
    lines: Option<&mut LineCounter<'_>>,
    list_items: &[item_lines::ItemLine],
) {
    let mut lines = lines;
    let first_object = result.objects.len();
    let first_line = origin.line;
    for e in errors {
        let line = match (e.offset, lines.as_deref_mut()) {
            (Some(offset), Some(lines)) => lines.line_of(offset),
            _ => origin.line,
        };
        result.unreadable.push(Unreadable {
            file: origin.file.to_string(),
            document: origin.document,
            line,
            reason: e.reason,
        });
    }
    result.objects.reserve(objects.len());
    for object in objects {
        if let ApiObject::Other {
            kind,
            name,
            namespace,
            ..
        } = object
        {
            if kind == object::LIVE_MARKER_KIND {
                result.live = true;
                continue;
            }
            *result.skipped_kinds.entry(kind.clone()).or_default() += 1;
            if let Some(name) = name {
                if result.skipped_objects.len() < MAX_SKIPPED_OBJECTS {
                    result.skipped_objects.push(SkippedObject {
                        kind,
                        namespace,
                        name,
                    });
                }
            }
            continue;
        }
        let mut origin = origin.clone();
        let offset = object.metadata().and_then(|m| m.source_offset);
        if let (Some(offset), Some(lines)) = (offset, lines.as_deref_mut()) {
            origin.line = lines.line_of(offset);
        }
        result.objects.push(Loaded { object, origin });
    }
    item_lines::assign(&mut result.objects[first_object..], list_items, first_line);
}

/// A JSON file may hold one object, an array of objects, or several objects one after the
/// other (what `kubectl get … -o json` piped together gives). Each document is captured
/// whole first, so one that cannot be read does not stop the others; only a syntax error
/// ends the stream (what follows it cannot be trusted).
fn load_json(file: &Arc<str>, text: &str, scope: &NamespaceScope, result: &mut LoadResult) {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    let mut lines = LineCounter::new(text);
    let mut document = 0;
    loop {
        let offset = stream.byte_offset();
        let Some(next) = stream.next() else { break };
        document += 1;
        let raw = match next {
            Ok(raw) => raw.get(),
            Err(e) => {
                result.unreadable.push(Unreadable {
                    file: file.to_string(),
                    document,
                    line: e.line().max(1),
                    reason: items::strip_position(&e.to_string()),
                });
                break;
            }
        };
        let start = raw.as_ptr() as usize - text.as_ptr() as usize;
        let origin = Origin {
            file: file.clone(),
            document,
            line: lines.line_of(start.max(offset)),
        };
        let (mut objects, mut errors) = (Vec::new(), Vec::new());
        let read = match items::check_json_duplicates(raw, true) {
            Err((at, dup)) if at.is_empty() => Err((0, dup)),
            Err((at, dup)) => Err((0, format!("{at}: {dup}"))),
            Ok(()) => {
                let mut de = serde_json::Deserializer::from_str(raw);
                ArrayOrObjects {
                    sink: Sink {
                        out: &mut objects,
                        errors: &mut errors,
                    },
                    text,
                    scope,
                }
                .deserialize(&mut de)
                .and_then(|()| de.end())
                .map_err(|e| {
                    let reason = items::strip_position(&e.to_string());
                    (e.line(), items::json_document_reason(raw, reason))
                })
            }
        };
        match read {
            // Each List item's object gets its line from its item's offset.
            Ok(()) => push_objects(result, objects, errors, origin, Some(&mut lines), &[]),
            Err((line, reason)) => result.unreadable.push(Unreadable {
                file: file.to_string(),
                document,
                line: origin.line + line.max(1) - 1,
                reason,
            }),
        }
    }
}

/// The objects of one JSON value (an object, a List, or an array of objects).
struct ArrayOrObjects<'a, 't> {
    sink: Sink<'a>,
    /// The file's text, which the deserializer reads a slice of.
    text: &'t str,
    scope: &'t NamespaceScope,
}

impl<'de> DeserializeSeed<'de> for ArrayOrObjects<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for ArrayOrObjects<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Kubernetes object or an array of objects")
    }
    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, seq: S) -> Result<(), S::Error> {
        let item = ItemContext {
            path: "",
            default_kind: None,
            pending: None,
        };
        items::read_seq(
            seq,
            self.sink,
            Capture::Json(self.text, self.scope),
            item,
            "",
        )
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        serde::de::Visitor::visit_map(
            object::ObjectsSeed {
                sink: self.sink,
                capture: Capture::Json(self.text, self.scope),
                item: ItemContext {
                    path: "",
                    default_kind: None,
                    pending: None,
                },
            },
            map,
        )
    }
}

/// One YAML document of a stream: its text and where it starts.
#[derive(Debug, PartialEq, Eq)]
pub struct YamlDocument<'a> {
    pub index: usize,
    /// 1-based line of the document's first line in the file.
    pub first_line: usize,
    pub text: &'a str,
}

/// Splits a YAML stream at document markers (`---` or `...` at column 0), so that a syntax
/// error in one document does not stop the others from being read: the YAML parser itself
/// gives up on the whole stream after a syntax error.
pub fn split_yaml_documents<'a>(text: &'a str) -> Vec<YamlDocument<'a>> {
    let mut docs = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1usize;
    let mut offset = 0usize;
    // Documents are numbered as a reader counts them in the file: every segment between
    // markers, except an empty one before a leading `---`.
    let mut index = 0usize;
    let mut push = |docs: &mut Vec<YamlDocument<'a>>, from: usize, to: usize, first_line: usize| {
        let body = &text[from..to];
        let has_content = body.lines().any(|l| {
            !l.trim().is_empty() && !l.trim_start().starts_with('#') && !l.starts_with('%')
        });
        if has_content || from > 0 {
            index += 1;
        }
        if has_content {
            docs.push(YamlDocument {
                index,
                first_line,
                text: body,
            });
        }
    };
    for (line_no, line) in (1usize..).zip(text.split_inclusive('\n')) {
        let content = line.trim_end_matches(['\n', '\r']);
        let is_start =
            content == "---" || content.starts_with("--- ") || content.starts_with("---\t");
        let is_end = content == "..." || content.starts_with("... ");
        if is_start || is_end {
            push(&mut docs, start, offset, start_line);
            if is_start && content.len() > 3 {
                // `--- value` starts a document with content on the marker line.
                start = offset + 3;
                start_line = line_no;
            } else {
                start = offset + line.len();
                start_line = line_no + 1;
            }
        }
        offset += line.len();
    }
    push(&mut docs, start, text.len(), start_line);
    docs
}

fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    // Cluster dumps are large and come from the user's own disk: lift the size caps, keep
    // the depth and alias caps that stop a hostile document from exhausting the stack.
    budget.max_reader_input_bytes = None;
    budget.max_events = usize::MAX;
    budget.max_nodes = usize::MAX;
    budget.max_documents = usize::MAX;
    budget.max_total_scalar_bytes = usize::MAX;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.legacy_octal_numbers = true;
    // YAML 1.2 booleans only: a namespace or label value `n`, `y`, `on` or `no` is text
    // (the Norway problem), also when a document is buffered before its `kind`.
    options.strict_booleans = true;
    options
}

fn load_yaml_document(file: &Arc<str>, doc: &YamlDocument<'_>, result: &mut LoadResult) {
    let origin = Origin {
        file: file.clone(),
        document: doc.index,
        line: doc.first_line,
    };
    match parse_yaml_objects(doc.text, "", None) {
        Ok((objects, errors)) => push_objects(
            result,
            objects,
            errors,
            origin,
            None,
            &item_lines::yaml_items(doc.text),
        ),
        Err(e) => {
            let error = yaml_unreadable(file, doc.index, doc.first_line, &e);
            if !recover_list_items(file, doc, error.clone(), result) {
                result.unreadable.push(error);
            }
        }
    }
}

/// The objects of one YAML text (`path` names it inside its List, `default_kind` is the
/// kind of a typed List's items), or the parser's error.
fn parse_yaml_objects(
    text: &str,
    path: &str,
    default_kind: Option<&str>,
) -> Result<(Vec<ApiObject>, Vec<ItemError>), serde_saphyr::Error> {
    let (mut objects, mut errors) = (Vec::new(), Vec::new());
    serde_saphyr::with_deserializer_from_str_with_options(text, yaml_options(), |de| {
        object::ObjectsSeed {
            sink: Sink {
                out: &mut objects,
                errors: &mut errors,
            },
            capture: Capture::Buffered,
            item: ItemContext {
                path,
                default_kind,
                pending: None,
            },
        }
        .deserialize(de)
    })?;
    Ok((objects, errors))
}

/// A YAML syntax error as an unreadable entry, at its line in the file.
fn yaml_unreadable(
    file: &Arc<str>,
    document: usize,
    first_line: usize,
    e: &serde_saphyr::Error,
) -> Unreadable {
    let line = e
        .location()
        .map(|l| l.line() as usize)
        .filter(|&l| l > 0)
        .map(|l| first_line + l - 1)
        .unwrap_or(first_line);
    Unreadable {
        file: file.to_string(),
        document,
        line,
        reason: one_line_reason(&e.without_snippet().to_string()),
    }
}

/// A List document the parser rejected, read item by item (`yaml_list`): the items that
/// parse are kept, each broken one is unreadable under its own path and line. When every
/// item parses, the error lies outside `items` and `error` is reported as well. False when
/// the document is not a List in kubectl's layout (nothing was added).
fn recover_list_items(
    file: &Arc<str>,
    doc: &YamlDocument<'_>,
    error: Unreadable,
    result: &mut LoadResult,
) -> bool {
    let Some(list) = yaml_list::split_list_items(doc.text) else {
        return false;
    };
    let mut item_failed = false;
    for item in &list.items {
        let line = doc.first_line + item.line;
        let path = items::child_path("", "items", item.index);
        let origin = Origin {
            file: file.clone(),
            document: doc.index,
            line,
        };
        match parse_yaml_objects(&item.text, &path, list.default_kind.as_deref()) {
            // Each item was read on its own: its origin is already its entry's line.
            Ok((objects, errors)) => push_objects(result, objects, errors, origin, None, &[]),
            Err(e) => {
                item_failed = true;
                let mut unreadable = yaml_unreadable(file, doc.index, line, &e);
                unreadable.reason = format!("{path}: {}", unreadable.reason);
                result.unreadable.push(unreadable);
            }
        }
    }
    if !item_failed {
        result.unreadable.push(error);
    }
    true
}

/// The parser's message without its position suffix and on one line.
fn one_line_reason(msg: &str) -> String {
    let first = msg
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(msg)
        .trim();
    let cut = first
        .find(" at line ")
        .map(|i| &first[..i])
        .unwrap_or(first);
    cut.trim_end_matches(['.', ':']).to_string()
}

#[cfg(test)]
mod tests;

/// Fixtures on disk, read as the binary reads `-f` (for the unit tests of every module).
#[cfg(test)]
pub(crate) use tests::files::load_paths;
