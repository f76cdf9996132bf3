//! Short, human-readable renderings of numbers and JSON values, shared by the
//! terminal summary, the HTML tour and the chart tick labels.

use serde_json::Value;

/// Formats a number for a person: integers without decimals, ordinary magnitudes
/// with four significant digits (`0.9734`, `12.35`), very large or very small ones in
/// scientific notation (`1.235e6`, `3.000e-5`), and NaN / infinities spelled out.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN"
        } else if x > 0.0 {
            "inf"
        } else {
            "-inf"
        }
        .into();
    }
    let magnitude = x.abs();
    if x.fract() == 0.0 && magnitude < 1e15 {
        return format!("{x:.0}");
    }
    if !(1e-3..1e6).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    // Four significant digits: one decimal fewer per power of ten above 1.
    let digits_before_point = magnitude.log10().floor() as i32 + 1;
    let decimals = (4 - digits_before_point).clamp(0, 6) as usize;
    trim_zeros(format!("{x:.decimals$}"))
}

/// Formats a JSON value for a person: numbers via [`format_number`], strings without
/// quotes, arrays and objects as compact JSON (long ones cut with an ellipsis).
pub fn format_value(value: &Value) -> String {
    match value {
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => format_number(f),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Array(_) | Value::Object(_) => truncate(&value.to_string(), 80),
    }
}

/// Cuts `text` to at most `max_chars` characters, marking a cut with `…`.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// Formats a duration in seconds: `0.42s`, `12.3s`, `4m05s`.
pub fn format_seconds(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "-".into();
    }
    if seconds < 10.0 {
        format!("{seconds:.2}s")
    } else if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else {
        let whole = seconds.round() as u64;
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_number(0.97344), "0.9734");
        assert_eq!(format_number(12.3456), "12.35");
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(3e-5), "3.000e-5");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_seconds(0.421), "0.42s");
        assert_eq!(format_seconds(12.34), "12.3s");
        assert_eq!(format_seconds(245.0), "4m05s");
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
