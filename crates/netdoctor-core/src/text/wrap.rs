//! Breaking long lines at spaces to fit a width (messages on a terminal).

/// `text` with every line longer than `width` characters broken at spaces; continuation
/// lines are indented by two spaces. A word longer than the width stays whole. Existing line
/// breaks are kept.
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut col = 0;
        for (j, word) in line.split(' ').enumerate() {
            let len = word.chars().count();
            if j > 0 {
                if col > 0 && col + 1 + len > width {
                    out.push_str("\n  ");
                    col = 2;
                } else {
                    out.push(' ');
                    col += 1;
                }
            }
            out.push_str(word);
            col += len;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn breaks_at_spaces_within_the_width() {
        let w = wrap(
            "pod production/web not found in the input; did you mean web-1?",
            30,
        );
        assert!(w.lines().all(|l| l.chars().count() <= 30), "{w}");
        assert_eq!(
            w.replace("\n  ", " "),
            "pod production/web not found in the input; did you mean web-1?"
        );
        assert_eq!(wrap("short", 30), "short");
        assert_eq!(wrap("a\nb", 30), "a\nb");
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            "averyveryverylongword\n  x"
        );
    }
}
