//! A user's text as error messages show it: quoted, and cut short, so a 100 KB prompt
//! or question is never echoed whole onto one terminal line.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_and_short_text_kept() {
        assert_eq!(excerpt("春眠"), "\"春眠\"");
        let long = "床前明月光".repeat(20_000);
        let shown = excerpt(&long);
        assert!(shown.chars().count() < 100 && shown.ends_with("(100000 characters)"), "{shown}");
    }
}
