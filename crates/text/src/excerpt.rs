//! Outside text as error messages show it: quoted and cut short, so a 100 KB prompt
//! is never echoed whole, and on one line, so a newline in a file cannot break the
//! one-line error contract.

/// Characters of a user's text an error message shows.
pub const EXCERPT_CHARS: usize = 60;

/// `text` quoted (Rust debug form), cut to [`EXCERPT_CHARS`] characters with the full
/// length stated when longer.
pub fn excerpt(text: &str) -> String {
    let count = text.chars().count();
    if count <= EXCERPT_CHARS {
        format!("{text:?}")
    } else {
        let head: String = text.chars().take(EXCERPT_CHARS).collect();
        format!("{head:?}… ({count} characters)")
    }
}

/// `text` on one line: newlines, tabs and other control characters written as escapes
/// (`\n`), for error messages that quote what a file held (serde names an unknown
/// variant or field verbatim, and a file may put a newline in one).
pub fn single_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_escapes() {
        assert_eq!(single_line("unknown variant `\ncha`\t"), "unknown variant `\\ncha`\\t");
        assert_eq!(single_line("春 ok"), "春 ok");
    }

    #[test]
    fn long_text_is_cut_and_short_text_kept() {
        assert_eq!(excerpt("春眠"), "\"春眠\"");
        let long = "床前明月光".repeat(20_000);
        let shown = excerpt(&long);
        assert!(shown.chars().count() < 100 && shown.ends_with("(100000 characters)"), "{shown}");
    }
}
