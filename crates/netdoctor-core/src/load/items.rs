//! One bad item does not drop its List: every item of a List (and every element of a JSON
//! array) is first captured whole — as its raw text when the input is JSON, as a JSON value
//! when it is YAML — and then read on its own. An item that cannot be read becomes an
//! `ItemError` naming its path (`items[3].spec.containers[0].ports[0].containerPort`) and
//! the object (`Pod web/api`); the other items are read as usual.
//!
//! Duplicate keys: `kubectl` validates strictly by default (`--validate=strict`, server-side
//! field validation), which rejects a field given twice in JSON as in YAML. The YAML parser
//! already rejects them; `check_json_duplicates` does the same for JSON (whose decoder alone
//! would keep one of the values silently), so both formats are judged the same way.

use super::object::{ApiObject, ObjectsSeed};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// An item (or a JSON document) that could not be read.
#[derive(Debug, Clone)]
pub(crate) struct ItemError {
    /// Byte offset of the problem in the file's text, when known (JSON).
    pub offset: Option<usize>,
    pub reason: String,
}

/// How the items of a List are captured before they are read one by one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Capture<'t> {
    /// The deserializer reads JSON from this text (the whole file): items are captured as
    /// raw text slices of it, so their position in the file is known.
    Json(&'t str, &'t super::NamespaceScope),
    /// Any other deserializer (YAML, a buffered value): items are captured as JSON values.
    Buffered,
}

/// A List item without a `kind`, kept until the List's own kind is known.
pub(crate) struct Pending {
    pub path: String,
    pub value: serde_json::Value,
    /// Byte offset of the item in its file (JSON), for its object's line.
    pub offset: Option<usize>,
}

/// Where the objects and errors of one document go.
pub(crate) struct Sink<'a> {
    pub out: &'a mut Vec<ApiObject>,
    pub errors: &'a mut Vec<ItemError>,
}

/// `items[3]`, `items[3].items[0]`, `[2]`.
pub(crate) fn child_path(parent: &str, field: &str, index: usize) -> String {
    match (parent.is_empty(), field.is_empty()) {
        (true, _) => format!("{field}[{index}]"),
        (false, true) => format!("{parent}[{index}]"),
        (false, false) => format!("{parent}.{field}[{index}]"),
    }
}

/// Reads the elements of a sequence one by one (`field` is `items` for a List, empty for
/// a top-level JSON array); an element that cannot be read is an error, not the end.
pub(crate) fn read_seq<'de, S: SeqAccess<'de>>(
    mut seq: S,
    sink: Sink<'_>,
    capture: Capture<'_>,
    item: ItemContext<'_, '_>,
    field: &str,
) -> Result<(), S::Error> {
    let ItemContext {
        path: parent,
        default_kind,
        mut pending,
    } = item;
    if let Capture::Json(text, scope) = capture {
        let mut raws: Vec<&'de str> = Vec::new();
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            raws.push(raw.get());
        }
        let ctx = ItemContext {
            path: parent,
            default_kind,
            pending: pending.as_deref_mut(),
        };
        read_json_items(&raws, (text, scope), sink, ctx, field);
        return Ok(());
    }
    // Any other capture: each element is buffered as a value, then read.
    let mut index = 0;
    while let Some(value) = seq.next_element::<serde_json::Value>()? {
        let path = child_path(parent, field, index);
        let ctx = ItemContext {
            path: &path,
            default_kind,
            pending: pending.as_deref_mut(),
        };
        let sink = Sink {
            out: &mut *sink.out,
            errors: &mut *sink.errors,
        };
        read_value_item(&value, sink, ctx);
        index += 1;
    }
    Ok(())
}

/// Below this many items a List is read on one thread.
const PARALLEL_ITEMS: usize = 256;

/// Reads the captured JSON items of a sequence, in two halves on two threads when there are
/// many (each item is read on its own, so this only changes the time): the objects, errors
/// and pending items come out in the items' order, as read one after the other.
fn read_json_items(
    raws: &[&str],
    (text, scope): (&str, &super::NamespaceScope),
    sink: Sink<'_>,
    item: ItemContext<'_, '_>,
    field: &str,
) {
    let ItemContext {
        path: parent,
        default_kind,
        pending,
    } = item;
    // A top-level JSON array has nowhere for items without a kind to wait: they are errors.
    let can_wait = pending.is_some();
    let read_range = |first: usize, part: &[&str]| {
        let (mut out, mut errors, mut waiting) = (Vec::new(), Vec::new(), Vec::new());
        for (i, raw) in part.iter().enumerate() {
            if !scope.keeps_json(raw) {
                continue;
            }
            let path = child_path(parent, field, first + i);
            let ctx = ItemContext {
                path: &path,
                default_kind,
                pending: if can_wait { Some(&mut waiting) } else { None },
            };
            let sink = Sink {
                out: &mut out,
                errors: &mut errors,
            };
            read_json_item(raw, (text, scope), sink, ctx);
        }
        (out, errors, waiting)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let parts = if threads > 1 && raws.len() >= PARALLEL_ITEMS {
        let mid = raws.len() / 2;
        let (a, b) = raws.split_at(mid);
        std::thread::scope(|scope| {
            let second = scope.spawn(|| read_range(mid, b));
            let first = read_range(0, a);
            match second.join() {
                Ok(second) => vec![first, second],
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    } else {
        vec![read_range(0, raws)]
    };
    let mut pending = pending;
    sink.out.reserve(parts.iter().map(|p| p.0.len()).sum());
    for (mut out, mut errors, mut waiting) in parts {
        sink.out.append(&mut out);
        sink.errors.append(&mut errors);
        if let Some(p) = pending.as_deref_mut() {
            p.append(&mut waiting);
        }
    }
}

/// What an item is read with: its own path, the kind of a typed List, and where items without
/// a kind wait.
pub(crate) struct ItemContext<'p, 'q> {
    pub path: &'p str,
    pub default_kind: Option<&'p str>,
    pub pending: Option<&'q mut Vec<Pending>>,
}

/// Byte offset of `part` inside `text`, when it is a slice of it.
fn offset_in(part: &str, text: &str) -> Option<usize> {
    let (p, t) = (part.as_ptr() as usize, text.as_ptr() as usize);
    (p >= t && p + part.len() <= t + text.len()).then(|| p - t)
}

/// Reads one item given as JSON text (a slice of `text`, the file).
pub(crate) fn read_json_item(
    raw: &str,
    (text, scope): (&str, &super::NamespaceScope),
    sink: Sink<'_>,
    mut item: ItemContext<'_, '_>,
) {
    let start = offset_in(raw, text);
    let waiting = item.pending.as_ref().map_or(0, |p| p.len());
    if let Err((at, dup)) = check_json_duplicates(raw, false) {
        sink.errors.push(ItemError {
            offset: start,
            reason: item_reason(&join(item.path, &at), &dup, identity(&parse_value(raw))),
        });
        return;
    }
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let mut de = serde_json::Deserializer::from_str(raw);
    let read = ObjectsSeed {
        sink: Sink {
            out: &mut out,
            errors: &mut errors,
        },
        capture: Capture::Json(text, scope),
        item: ItemContext {
            path: item.path,
            default_kind: item.default_kind,
            pending: item.pending.as_deref_mut(),
        },
    }
    .deserialize(&mut de)
    .and_then(|()| de.end());
    match read {
        Ok(()) => {
            // An item without a kind waits for its List's: it keeps its offset meanwhile.
            if let Some(pending) = item.pending {
                for p in pending.iter_mut().skip(waiting) {
                    p.offset = p.offset.or(start);
                }
            }
            if let Some(start) = start {
                // The objects of a List nested in this item keep their own items' offsets.
                for meta in out.iter_mut().filter_map(ApiObject::metadata_mut) {
                    meta.source_offset.get_or_insert(start);
                }
            }
            sink.out.append(&mut out);
            sink.errors.append(&mut errors);
        }
        Err(e) => {
            // Read it again, tracking the path, to say where the problem is.
            let value = parse_value(raw);
            let inner = traced_path(&value, item.default_kind);
            let reason = strip_position(&e.to_string());
            let offset = start.map(|s| s + offset_of_line(raw, e.line()));
            sink.errors.push(ItemError {
                offset,
                reason: item_reason(&join(item.path, &inner), &reason, identity(&value)),
            });
        }
    }
}

/// Reads one item given as a JSON value (captured from YAML, or buffered).
pub(crate) fn read_value_item(
    value: &serde_json::Value,
    sink: Sink<'_>,
    item: ItemContext<'_, '_>,
) {
    let (mut out, mut errors) = (Vec::new(), Vec::new());
    let read = ObjectsSeed {
        sink: Sink {
            out: &mut out,
            errors: &mut errors,
        },
        capture: Capture::Buffered,
        item: ItemContext {
            path: item.path,
            default_kind: item.default_kind,
            pending: item.pending,
        },
    }
    .deserialize(value);
    match read {
        Ok(()) => {
            sink.out.append(&mut out);
            sink.errors.append(&mut errors);
        }
        Err(e) => {
            let inner = traced_path(value, item.default_kind);
            sink.errors.push(ItemError {
                offset: None,
                reason: item_reason(
                    &join(item.path, &inner),
                    &strip_position(&e.to_string()),
                    identity(value),
                ),
            });
        }
    }
}

/// The path inside an item at which reading it fails (empty when at its top). Read from a
/// value, whose keys come in order (`apiVersion`, `kind`, `metadata`, `spec`), with the
/// kind of a typed List added when the item has none: so the item is read in place, not
/// buffered, and the path reaches the field.
fn traced_path(value: &serde_json::Value, default_kind: Option<&str>) -> String {
    let with_kind;
    let value = match (value, default_kind) {
        (serde_json::Value::Object(map), Some(kind)) if !map.contains_key("kind") => {
            let mut map = map.clone();
            map.insert("kind".into(), kind.into());
            with_kind = serde_json::Value::Object(map);
            &with_kind
        }
        _ => value,
    };
    let mut track = serde_path_to_error::Track::new();
    let (mut out, mut errors, mut pending) = (Vec::new(), Vec::new(), Vec::new());
    let _ = ObjectsSeed {
        sink: Sink {
            out: &mut out,
            errors: &mut errors,
        },
        capture: Capture::Buffered,
        item: ItemContext {
            path: "",
            default_kind,
            pending: Some(&mut pending),
        },
    }
    .deserialize(serde_path_to_error::Deserializer::new(value, &mut track));
    let path = track.path().to_string();
    if path == "." {
        String::new()
    } else {
        path
    }
}

/// `path: reason` for a JSON document that could not be read (its syntax is valid: the
/// path is where a field has the wrong type).
pub(crate) fn json_document_reason(raw: &str, reason: String) -> String {
    let inner = traced_path(&parse_value(raw), None);
    if inner.is_empty() {
        reason
    } else {
        format!("{inner}: {reason}")
    }
}

fn join(parent: &str, inner: &str) -> String {
    match (parent.is_empty(), inner.is_empty()) {
        (_, true) => parent.to_string(),
        (true, false) => inner.to_string(),
        (false, false) if inner.starts_with('[') => format!("{parent}{inner}"),
        (false, false) => format!("{parent}.{inner}"),
    }
}

fn parse_value(raw: &str) -> serde_json::Value {
    serde_json::from_str(raw).unwrap_or(serde_json::Value::Null)
}

/// `Pod web/api`, from what an unreadable item says of itself.
fn identity(v: &serde_json::Value) -> Option<String> {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(|x| x.as_str())
            .filter(|x| !x.is_empty())
    };
    let name = s("/metadata/name")?;
    let kind = s("/kind").unwrap_or("object");
    Some(match s("/metadata/namespace") {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    })
}

fn item_reason(path: &str, reason: &str, who: Option<String>) -> String {
    let mut out = String::new();
    if !path.is_empty() {
        out.push_str(path);
        out.push_str(": ");
    }
    out.push_str(reason);
    if let Some(who) = who {
        out.push_str(&format!(" ({who})"));
    }
    out
}

/// The parser's message without its ` at line L column C` suffix.
pub(crate) fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Byte offset of the start of 1-based `line` in `text` (0 for line 0 or 1).
fn offset_of_line(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map(|(i, _)| i + 1)
        .unwrap_or(0)
}

/// Counts lines forward through a text, for offsets given in increasing order (linear in
/// the text however many offsets are asked for).
pub(crate) struct LineCounter<'t> {
    text: &'t [u8],
    pos: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    /// 1-based line of `offset`.
    pub(crate) fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.pos {
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.text[self.pos..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.pos = offset;
        self.line
    }
}

/// Fails on a JSON object that has a key twice: `(path of the object, message)`. With
/// `items_apart`, the elements of a top-level array and of a top-level `items` are not
/// looked at: they are items, checked one by one when they are read.
pub(crate) fn check_json_duplicates(raw: &str, items_apart: bool) -> Result<(), (String, String)> {
    let mut found = None;
    let mut de = serde_json::Deserializer::from_str(raw);
    let walked = Walk {
        found: &mut found,
        top: items_apart,
    }
    .deserialize(&mut de);
    match (walked, found) {
        (_, Some(dup)) => Err((render_path(&dup.path), dup.message)),
        (Err(e), None) => Err((String::new(), strip_position(&e.to_string()))),
        (Ok(()), None) => Ok(()),
    }
}

enum Segment {
    Key(String),
    Index(usize),
}

/// A duplicate key, with the path to its object, innermost segment first (the path is
/// built only on the way out of an error, so reading costs no allocation per key).
struct Duplicate {
    path: Vec<Segment>,
    message: String,
}

fn render_path(reversed: &[Segment]) -> String {
    let mut out = String::new();
    for s in reversed.iter().rev() {
        match s {
            Segment::Key(k) if out.is_empty() => out.push_str(k),
            Segment::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

struct Walk<'p> {
    found: &'p mut Option<Duplicate>,
    /// At the top of a document whose items are checked on their own.
    top: bool,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        if self.top {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        for i in 0usize.. {
            let next = seq.next_element_seed(Walk {
                found: &mut *self.found,
                top: false,
            });
            match next {
                Ok(Some(())) => {}
                Ok(None) => break,
                Err(e) => {
                    if let Some(d) = self.found.as_mut() {
                        d.path.push(Segment::Index(i));
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut keys: Vec<Cow<'de, str>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            // A linear scan for the usual few keys; a set past that.
            let dup = if seen.is_empty() && keys.len() < 16 {
                keys.contains(&key)
            } else {
                if seen.is_empty() {
                    seen.extend(keys.drain(..));
                }
                !seen.insert(key.clone())
            };
            if dup {
                *self.found = Some(Duplicate {
                    path: Vec::new(),
                    message: format!("duplicate key `{key}`"),
                });
                return Err(de::Error::custom("duplicate key"));
            }
            if self.top && key == "items" {
                map.next_value::<de::IgnoredAny>()?;
                keys.push(key);
                continue;
            }
            if let Err(e) = map.next_value_seed(Walk {
                found: &mut *self.found,
                top: false,
            }) {
                if let Some(d) = self.found.as_mut() {
                    d.path.push(Segment::Key(key.into_owned()));
                }
                return Err(e);
            }
            if seen.is_empty() {
                keys.push(key);
            }
        }
        Ok(())
    }
}
