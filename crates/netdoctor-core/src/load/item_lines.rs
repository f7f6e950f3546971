//! The line each item of a List starts at, so that an object read from a List points at its
//! own item (`items[3]` at line 120), not at the List's first line. Found after the document
//! is read, by a scan of the YAML text for the entries of the top-level `items:` sequence;
//! each object is then matched, in order, to the next item with its kind and name. An object
//! no item matches keeps the document's line. (A JSON List item's object carries its item's
//! byte offset from the read itself: `ObjectMeta::source_offset`.)

use super::{ApiObject, Loaded};

/// One item of a List: its 1-based line in the document, its `kind` and its `metadata.name`
/// when they could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemLine {
    pub line: usize,
    pub kind: Option<String>,
    pub name: Option<String>,
}

/// Spaces before a line's content (also `yaml_list`'s).
pub(super) fn indent(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

/// A block-sequence entry (`- ` or a lone `-`) at exactly `at` spaces.
pub(super) fn is_entry(l: &str, at: usize) -> bool {
    indent(l) == at && {
        let rest = &l[at..];
        rest == "-" || rest.starts_with("- ")
    }
}

fn unquote(v: &str) -> &str {
    let v = v.split(" #").next().unwrap_or(v).trim();
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(v)
}

/// The entries of the block sequence under a top-level `items:` key of a YAML document
/// (empty when there is none, or it is written in flow style).
pub(crate) fn yaml_items(text: &str) -> Vec<ItemLine> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines.iter().position(|l| {
        l.strip_prefix("items:")
            .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
    }) else {
        return Vec::new();
    };
    let content = |l: &&str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let Some(first) = (start + 1..lines.len()).find(|&i| content(&lines[i])) else {
        return Vec::new();
    };
    let at = indent(lines[first]);
    if !is_entry(lines[first], at) {
        return Vec::new();
    }
    let mut items: Vec<ItemLine> = Vec::new();
    // Keys of an item are at the column after `- `.
    let key_col = at + 2;
    for (i, l) in lines.iter().enumerate().skip(first) {
        if !content(l) {
            continue;
        }
        if is_entry(l, at) {
            items.push(ItemLine {
                line: i + 1,
                kind: None,
                name: None,
            });
        } else if indent(l) < at || (at == 0 && indent(l) == 0) {
            break;
        }
        let Some(item) = items.last_mut() else { break };
        // The item's own keys: on the entry's line after `- `, or at the key column.
        let key = if is_entry(l, at) {
            l[at + 1..].trim_start()
        } else if indent(l) == key_col {
            &l[key_col..]
        } else {
            ""
        };
        if let Some(v) = key.strip_prefix("kind:") {
            item.kind.get_or_insert_with(|| unquote(v).to_string());
        }
        // `name:` of the item's metadata: the first one two columns deeper.
        if indent(l) == key_col + 2 && item.name.is_none() {
            if let Some(v) = l.trim_start().strip_prefix("name:") {
                item.name = Some(unquote(v).to_string());
            }
        }
    }
    items
}

fn identity(object: &ApiObject) -> (String, Option<String>) {
    (
        object.kind().to_string(),
        object.metadata().and_then(|m| m.name.clone()),
    )
}

/// Gives each object of `objects` (those one document gave, in order) the line of its item:
/// `first_line` is the line the document starts at in the file.
pub(crate) fn assign(objects: &mut [Loaded], items: &[ItemLine], first_line: usize) {
    if items.is_empty() {
        return;
    }
    let mut next = 0;
    for o in objects {
        let (kind, name) = identity(&o.object);
        let found = items[next..].iter().position(|i| {
            i.kind.as_deref().is_none_or(|k| k == kind)
                && name.is_some()
                && i.name.as_deref() == name.as_deref()
        });
        if let Some(j) = found {
            o.origin.line = first_line + items[next + j].line - 1;
            next += j + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_entries_of_a_yaml_list() {
        let text = "apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: a\n    labels:\n      name: nope\n  spec:\n    ports:\n    - name: http\n- kind: Pod\n  metadata:\n    name: \"b\"\nkind: List\n";
        let items = yaml_items(text);
        assert_eq!(
            items,
            vec![
                ItemLine {
                    line: 3,
                    kind: Some("Service".into()),
                    name: Some("a".into())
                },
                ItemLine {
                    line: 12,
                    kind: Some("Pod".into()),
                    name: Some("b".into())
                },
            ]
        );
        let indented = "items:\n  - kind: Pod\n    metadata:\n      name: x\n  - kind: Pod\n    metadata: {name: y}\nkind: List\n";
        let items = yaml_items(indented);
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].line, 5);
        assert_eq!(items[0].name.as_deref(), Some("x"));
        assert!(yaml_items("kind: Pod\nmetadata:\n  name: x\n").is_empty());
    }

    #[test]
    fn json_list_items_carry_their_own_line() {
        let raw = "{\"kind\": \"List\", \"items\": [\n {\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}},\n\n {\"kind\": \"Service\", \"metadata\": {\"name\": \"b\"}}\n]}";
        let loaded = crate::load::load_text("l.json", raw);
        let lines: Vec<(&str, usize)> = loaded
            .objects
            .iter()
            .map(|o| (o.object.kind(), o.origin.line))
            .collect();
        assert_eq!(lines, vec![("Pod", 2), ("Service", 4)]);
        // A typed List as the API returns it: items without a kind take the List's, and
        // keep their own lines.
        let typed = "{\"kind\": \"PodList\", \"apiVersion\": \"v1\", \"items\": [\n {\"metadata\": {\"name\": \"a\"}},\n {\"metadata\": {\"name\": \"b\"}}\n]}";
        let loaded = crate::load::load_text("l.json", typed);
        let lines: Vec<usize> = loaded.objects.iter().map(|o| o.origin.line).collect();
        assert_eq!(lines, vec![2, 3]);
    }
}
