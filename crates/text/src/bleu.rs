//! Corpus BLEU (Papineni et al. 2002) exactly as sacreBLEU 2.x computes it by default:
//! 4-gram precisions clipped by the reference counts, brevity penalty against the
//! reference length, "exp" smoothing (NIST's: each order with no match gets a precision
//! of 100 / (2ᵏ·total)), and sacreBLEU's `13a` (mteval-v13a) and `zh` tokenizers, including
//! the `zh` tokenizer's quirk of treating U+2001..=U+2A6D (general punctuation, arrows,
//! …) as Chinese characters. `tests/bleu.rs` checks scores against sacreBLEU's on a fixture.

use std::collections::HashMap;

/// How sentences are split into tokens before n-grams are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BleuTokenizer {
    /// mteval-v13a (sacreBLEU's default for most languages).
    Mteval13a,
    /// Chinese: every CJK character its own token, the rest as 13a (sacreBLEU `zh`).
    Zh,
}

/// A BLEU result with its parts, as sacreBLEU reports them.
#[derive(Clone, Debug, PartialEq)]
pub struct BleuScore {
    /// The score, 0–100.
    pub score: f64,
    /// Clipped n-gram matches, orders 1–4.
    pub counts: [usize; 4],
    /// Hypothesis n-grams, orders 1–4.
    pub totals: [usize; 4],
    /// Smoothed precisions in percent.
    pub precisions: [f64; 4],
    /// Brevity penalty.
    pub brevity_penalty: f64,
    /// Hypothesis tokens.
    pub sys_len: usize,
    /// Reference tokens.
    pub ref_len: usize,
}

/// `line` with a space put on each side of every character that `split` selects.
fn space_around(line: &str, split: impl Fn(char) -> bool) -> String {
    let mut s = String::with_capacity(line.len() * 2);
    for c in line.chars() {
        if split(c) {
            s.push(' ');
            s.push(c);
            s.push(' ');
        } else {
            s.push(c);
        }
    }
    s
}

/// sacreBLEU's regex post-tokenizer (shared by `13a` and `zh`), rule by rule.
fn post_tokenize(line: &str) -> String {
    let rule1 = |c: char| matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/');
    let s = space_around(line, rule1);
    let not_digit = |c: char| !c.is_ascii_digit();
    let dot_comma = |c: char| c == '.' || c == ',';
    let s = pair_rule(&s, not_digit, dot_comma, |a, b, out| {
        out.push(a);
        out.push(' ');
        out.push(b);
        out.push(' ');
    });
    let s = pair_rule(&s, dot_comma, not_digit, |a, b, out| {
        out.push(' ');
        out.push(a);
        out.push(' ');
        out.push(b);
    });
    let s = pair_rule(
        &s,
        |c| c.is_ascii_digit(),
        |c| c == '-',
        |a, b, out| {
            out.push(a);
            out.push(' ');
            out.push(b);
            out.push(' ');
        },
    );
    split_python(&s).join(" ")
}

/// Python's `re.sub` of a two-character pattern `(A)(B)`: left to right, non-overlapping.
fn pair_rule(s: &str, first: impl Fn(char) -> bool, second: impl Fn(char) -> bool, replace: impl Fn(char, char, &mut String)) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if i + 1 < chars.len() && first(chars[i]) && second(chars[i + 1]) {
            replace(chars[i], chars[i + 1], &mut out);
            i += 2;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Python's `str.split()`: Unicode whitespace plus the ASCII separators U+001C..U+001F.
fn split_python(s: &str) -> Vec<&str> {
    s.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|w| !w.is_empty())
        .collect()
}

/// sacreBLEU's `_is_chinese_char`, including its two ranges that Python's string
/// comparison turns into U+2001..=U+2A6D and U+2F81..=U+2FA1.
fn is_chinese(c: char) -> bool {
    const RANGES: &[(u32, u32)] = &[
        (0x3400, 0x4db5),
        (0x4e00, 0x9fa5),
        (0x9fa6, 0x9fbb),
        (0xf900, 0xfa2d),
        (0xfa30, 0xfa6a),
        (0xfa70, 0xfad9),
        (0x2001, 0x2a6d),
        (0x2f81, 0x2fa1),
        (0xff00, 0xffef),
        (0x2e80, 0x2eff),
        (0x3000, 0x303f),
        (0x31c0, 0x31ef),
        (0x2f00, 0x2fdf),
        (0x2ff0, 0x2fff),
        (0x3100, 0x312f),
        (0x31a0, 0x31bf),
        (0xfe10, 0xfe1f),
        (0xfe30, 0xfe4f),
        (0x2600, 0x26ff),
        (0x2700, 0x27bf),
        (0x3200, 0x32ff),
        (0x3300, 0x33ff),
    ];
    let u = c as u32;
    RANGES.iter().any(|&(a, b)| a <= u && u <= b)
}

/// Python's `str.strip()` (whitespace as `split_python`).
fn strip_python(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

/// Tokenizes one segment as sacreBLEU does (after its `rstrip`).
pub fn tokenize(line: &str, tokenizer: BleuTokenizer) -> String {
    let line = line.trim_end_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c));
    match tokenizer {
        BleuTokenizer::Mteval13a => {
            let mut l = line.replace("<skipped>", "").replace("-\n", "").replace('\n', " ");
            if l.contains('&') {
                l = l
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">");
            }
            post_tokenize(&format!(" {l} "))
        }
        BleuTokenizer::Zh => post_tokenize(&space_around(strip_python(line), is_chinese)),
    }
}

fn ngram_counts(tokens: &[&str]) -> HashMap<Vec<String>, usize> {
    let mut counts = HashMap::new();
    for n in 1..=4 {
        for w in tokens.windows(n) {
            *counts.entry(w.iter().map(|s| s.to_string()).collect()).or_default() += 1;
        }
    }
    counts
}

/// Corpus BLEU of `hypotheses` against one reference each (sacreBLEU's defaults).
pub fn corpus_bleu(hypotheses: &[String], references: &[String], tokenizer: BleuTokenizer) -> BleuScore {
    assert_eq!(
        hypotheses.len(),
        references.len(),
        "corpus_bleu: {} hypotheses for {} references",
        hypotheses.len(),
        references.len()
    );
    let (mut counts, mut totals) = ([0usize; 4], [0usize; 4]);
    let (mut sys_len, mut ref_len) = (0, 0);
    for (hyp, reference) in hypotheses.iter().zip(references) {
        let (h, r) = (tokenize(hyp, tokenizer), tokenize(reference, tokenizer));
        let (h, r): (Vec<&str>, Vec<&str>) = (split_python(&h), split_python(&r));
        sys_len += h.len();
        ref_len += r.len();
        let ref_counts = ngram_counts(&r);
        for (gram, &n) in &ngram_counts(&h) {
            let order = gram.len() - 1;
            totals[order] += n;
            counts[order] += n.min(ref_counts.get(gram).copied().unwrap_or(0));
        }
    }
    score_from_counts(counts, totals, sys_len, ref_len)
}

/// The score from accumulated statistics (sacreBLEU's `compute_bleu`, "exp" smoothing).
fn score_from_counts(counts: [usize; 4], totals: [usize; 4], sys_len: usize, ref_len: usize) -> BleuScore {
    let brevity_penalty = if sys_len < ref_len {
        if sys_len > 0 {
            (1.0 - ref_len as f64 / sys_len as f64).exp()
        } else {
            0.0
        }
    } else {
        1.0
    };
    let mut precisions = [0.0f64; 4];
    let result = |score, precisions| BleuScore {
        score,
        counts,
        totals,
        precisions,
        brevity_penalty,
        sys_len,
        ref_len,
    };
    if counts.iter().all(|&c| c == 0) {
        return result(0.0, precisions);
    }
    let mut smooth = 1.0f64;
    for n in 0..4 {
        if totals[n] == 0 {
            break;
        }
        precisions[n] = if counts[n] == 0 {
            smooth *= 2.0;
            100.0 / (smooth * totals[n] as f64)
        } else {
            100.0 * counts[n] as f64 / totals[n] as f64
        };
    }
    let log = |p: f64| if p == 0.0 { -9_999_999_999.0 } else { p.ln() };
    let score = brevity_penalty * (precisions.iter().map(|&p| log(p)).sum::<f64>() / 4.0).exp();
    result(score, precisions)
}
