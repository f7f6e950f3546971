//! A YAML `List` whose text has a syntax error: the YAML parser gives up on the whole
//! document, which would drop every item for one broken line. `kubectl get -o yaml` prints a
//! List as a top-level `items:` block sequence, one item per `- ` entry; cut at those entries,
//! each item is parsed on its own, so only the broken one is lost (and named).
//!
//! Only that layout is recovered: `items:` at column 0, entries all at one indentation.
//! Anything else keeps the parser's error for the whole document. Entries are recognised as
//! `item_lines` recognises them (one scan rule for both).

use super::item_lines::{indent, is_entry};

/// One entry of the `items:` sequence, as a document of its own.
pub(super) struct ItemText {
    /// 0-based position in `items`.
    pub index: usize,
    /// 0-based line of the entry's `- ` within the document.
    pub line: usize,
    /// The entry with its `- ` and indentation removed.
    pub text: String,
}

/// The items of a List document, and the item kind its `kind: XList` implies.
pub(super) struct ListText {
    pub items: Vec<ItemText>,
    pub default_kind: Option<String>,
}

/// Cuts a List document's `items:` block into its entries; `None` when the document has no
/// top-level `items:` block sequence.
pub(super) fn split_list_items(doc: &str) -> Option<ListText> {
    let lines: Vec<&str> = doc.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == "items:" || l.starts_with("items: #"))?;
    let first_entry = (start + 1..lines.len()).find(|&i| !is_blank(lines[i]))?;
    let at = indent(lines[first_entry]);
    if !is_entry(lines[first_entry], at) {
        return None;
    }
    let mut items: Vec<ItemText> = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for (i, line) in lines.iter().enumerate().skip(first_entry) {
        if is_entry(line, at) {
            if let Some((at, body)) = current.take() {
                items.push(item(items.len(), at, body));
            }
            current = Some((i, vec![strip_entry(line, at)]));
        } else if is_blank(line) || indent(line) > at {
            if let Some((_, body)) = current.as_mut() {
                body.push(dedent(line, at + 2));
            }
        } else {
            break;
        }
    }
    if let Some((at, body)) = current {
        items.push(item(items.len(), at, body));
    }
    Some(ListText {
        items,
        default_kind: list_item_kind(&lines),
    })
}

fn item(index: usize, line: usize, body: Vec<String>) -> ItemText {
    ItemText {
        index,
        line,
        text: body.join("\n"),
    }
}

/// `kind: PodList` at column 0 → `Pod`; a plain `List` implies nothing.
fn list_item_kind(lines: &[&str]) -> Option<String> {
    lines.iter().find_map(|l| {
        let kind = l.strip_prefix("kind:")?.trim().trim_matches(['"', '\'']);
        kind.strip_suffix("List")
            .filter(|k| !k.is_empty())
            .map(str::to_string)
    })
}

fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The entry's first line without its `- `, its content kept at the column it had.
fn strip_entry(line: &str, at: usize) -> String {
    line.get(at + 2..).unwrap_or("").to_string()
}

/// A continuation line moved left by the entry's content column (never past its content).
fn dedent(line: &str, by: usize) -> String {
    let cut = indent(line).min(by);
    line[cut..].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_layout_is_cut_per_item() {
        let doc = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n\n- kind: Service\n  metadata: {name: b\nkind: ServiceList\nmetadata: {}\n";
        let list = split_list_items(doc).expect("a list");
        assert_eq!(list.items.len(), 2);
        assert_eq!(list.items[0].line, 2);
        assert_eq!(
            list.items[0].text,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n"
        );
        assert_eq!(list.items[1].line, 7);
        assert_eq!(list.default_kind.as_deref(), Some("Service"));
    }

    #[test]
    fn indented_entries_and_non_lists() {
        let doc = "kind: List\nitems:\n  - kind: Pod\n    metadata: {name: p}\n  - kind: Pod\n";
        let list = split_list_items(doc).expect("a list");
        assert_eq!(list.items.len(), 2);
        assert_eq!(list.items[0].text, "kind: Pod\nmetadata: {name: p}");
        assert_eq!(list.default_kind, None);
        assert!(split_list_items("kind: Pod\nmetadata: {}\n").is_none());
        assert!(split_list_items("items: []\n").is_none());
    }
}
