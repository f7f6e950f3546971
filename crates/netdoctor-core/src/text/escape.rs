//! Text from the input made safe to print: on a terminal (no control sequences that set the
//! window title, write the clipboard or clear the screen; no bidi overrides that reorder what
//! is shown) and in Markdown (no raw HTML, no table pipes).
//!
//! Escaped characters are written as `\xNN` (ASCII controls, DEL) or `\u{NNNN}` (C1 controls,
//! bidi and line separators), so what was there stays visible.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters never printed as they are: C0 controls, DEL, C1 controls, the bidi embeddings,
/// overrides, isolates and marks, and the Unicode line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\0'..='\x1f'
            | '\x7f'
            | '\u{80}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

fn escape_with(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escape(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line of text from the input (a name, a path, a detail): every unsafe character,
/// line breaks included, is escaped.
pub fn terminal_safe(s: &str) -> Cow<'_, str> {
    escape_with(s, is_unsafe)
}

/// Text whose line breaks are meant (a message, a YAML snippet): as `terminal_safe`, but `\n`
/// is kept.
pub fn terminal_safe_lines(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c != '\n' && is_unsafe(c))
}

/// A whole rendered human output, as the last step before it is written: every unsafe
/// character is escaped except line breaks and the colour sequences netdoctor writes itself
/// (`ESC [ digits and semicolons m`, SGR), which the terminal layer strips when stdout is not a
/// terminal. Whatever a renderer forgot to escape cannot move the cursor, clear the screen,
/// set the title or write the clipboard.
pub fn terminal_guard(s: &str) -> Cow<'_, str> {
    let needs = s.chars().any(|c| c != '\n' && is_unsafe(c));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' {
            let sgr = sgr_len(rest);
            if sgr > 0 {
                out.push_str(&rest[..sgr]);
                rest = &rest[sgr..];
                continue;
            }
        }
        if c != '\n' && is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The length of an SGR sequence (`ESC [ [0-9;]* m`, at most 32 bytes) at the start of `s`, or 0.
fn sgr_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.len() < 3 || b[0] != 0x1b || b[1] != b'[' {
        return 0;
    }
    for (i, &c) in b.iter().enumerate().skip(2).take(30) {
        match c {
            b'0'..=b'9' | b';' => {}
            b'm' => return i + 1,
            _ => return 0,
        }
    }
    0
}

/// Text from the input inside Markdown: unsafe characters escaped as by `terminal_safe`, and
/// `&`, `<`, `>` as HTML entities and `|` as `\|`, so that it can neither open HTML nor end a
/// table cell.
pub fn markdown_safe(s: &str) -> Cow<'_, str> {
    let t = terminal_safe(s);
    if !t.contains(['&', '<', '>', '|']) {
        return t;
    }
    let mut out = String::with_capacity(t.len() + 16);
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A fenced Markdown code block around `content` whose fence is longer than any run of
/// backticks inside it, so the content cannot close it. Unsafe characters are escaped, line
/// breaks kept.
pub fn markdown_fence(lang: &str, content: &str) -> String {
    let content = terminal_safe_lines(content);
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{}\n{content}\n{fence}", terminal_safe(lang))
}

/// Inline code (`` `text` ``) that the text cannot end early: the delimiter is longer than
/// any run of backticks inside, padded with spaces when the text starts or ends with one.
pub fn markdown_code(s: &str) -> String {
    let t = terminal_safe(s);
    let mut longest = 0;
    let mut run = 0;
    for c in t.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    // Inside a table cell a pipe still ends the cell.
    let t = t.replace('|', "\\|");
    if longest == 0 {
        return format!("`{t}`");
    }
    let d = "`".repeat(longest + 1);
    format!("{d} {t} {d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc_csi_and_bidi_are_escaped() {
        let s = "a\x1b]0;pwned\x07b\x1b[2Jc\u{9b}d\u{202e}e\u{2066}f\x7f\r\n";
        assert_eq!(
            terminal_safe(s),
            "a\\x1b]0;pwned\\x07b\\x1b[2Jc\\u{9b}d\\u{202e}e\\u{2066}f\\x7f\\r\\n"
        );
        assert_eq!(terminal_safe_lines("x\ny\x1b"), "x\ny\\x1b");
        assert!(matches!(terminal_safe("plain ü 名前"), Cow::Borrowed(_)));
    }

    #[test]
    fn guard_keeps_colour_and_line_breaks_only() {
        let s = "\x1b[1;31merror\x1b[0m \x1b]52;c;AAAA\x07 \x1b[2J\n\x1b[";
        assert_eq!(
            terminal_guard(s),
            "\x1b[1;31merror\x1b[0m \\x1b]52;c;AAAA\\x07 \\x1b[2J\n\\x1b["
        );
    }

    #[test]
    fn markdown_escapes_html_and_pipes() {
        assert_eq!(
            markdown_safe("<script>alert(1)</script> a|b & c"),
            "&lt;script&gt;alert(1)&lt;/script&gt; a\\|b &amp; c"
        );
        assert_eq!(markdown_code("a`b"), "`` a`b ``");
        assert_eq!(markdown_code("ns/svc/x"), "`ns/svc/x`");
        let f = markdown_fence("sh", "echo ```\n<b>");
        assert!(f.starts_with("````sh\n") && f.ends_with("\n````"), "{f}");
    }
}
