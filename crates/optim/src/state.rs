//! Shared pieces of [`crate::Optimizer::export_state`] and
//! [`crate::Optimizer::import_state`]: entry names, length checks and step counters.
//!
//! An entry is named `"<index>.<slot>"`, `index` being the parameter's position in the
//! `params` slice (ids are not stable across processes, positions are), and `slot`
//! one of the optimizer's buffers (`momentum`; `m`, `v`, `step`).

/// Largest integer below which every integer is exact in an f32 (2²⁴).
const F32_EXACT: u64 = 1 << 24;

/// The entry name of `slot` for the parameter at `index`.
pub(crate) fn entry_name(index: usize, slot: &str) -> String {
    format!("{index}.{slot}")
}

/// Splits `"<index>.<slot>"` into its parts, checking that `index` is a plain decimal
/// number naming one of the `count` parameters.
pub(crate) fn parse_entry_name<'a>(optimizer: &str, name: &'a str, count: usize) -> Result<(usize, &'a str), String> {
    let unknown = || format!("{optimizer}: unknown state entry {name:?} (expected \"<index>.<slot>\")");
    let (index, slot) = name.split_once('.').ok_or_else(unknown)?;
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unknown());
    }
    let index: usize = index.parse().map_err(|_| unknown())?;
    if index >= count {
        return Err(format!(
            "{optimizer}: state entry {name:?} names parameter {index}, but only {count} \
             parameters were given"
        ));
    }
    Ok((index, slot))
}

/// Checks that the entry `name` holds `expected` values.
pub(crate) fn check_len(optimizer: &str, name: &str, values: &[f32], expected: usize) -> Result<(), String> {
    if values.len() == expected {
        Ok(())
    } else {
        Err(format!(
            "{optimizer}: state entry {name:?} has {} values, but the parameter has {expected} \
             elements",
            values.len()
        ))
    }
}

/// The error for a well-formed name whose slot this optimizer does not have.
pub(crate) fn unknown_slot(optimizer: &str, name: &str, known: &[&str]) -> String {
    format!("{optimizer}: unknown state entry {name:?} (slots are {known:?})")
}

/// Records `value` as the entry `name` in `cell`, refusing a second one.
pub(crate) fn set_once<T>(optimizer: &str, name: &str, cell: &mut Option<T>, value: T) -> Result<(), String> {
    if cell.replace(value).is_some() {
        return Err(format!("{optimizer}: state entry {name:?} is given twice"));
    }
    Ok(())
}

/// A step counter as two exact f32s, `[step mod 2²⁴, step div 2²⁴]`, so that counts up
/// to 2⁴⁸ survive; below 2²⁴ (any realistic run) the first element is the count itself.
///
/// Panics past 2⁴⁸ steps, which no run reaches.
pub(crate) fn encode_step(step: u64) -> Vec<f32> {
    assert!(
        step < F32_EXACT * F32_EXACT,
        "step counter {step} does not fit the checkpoint encoding"
    );
    vec![(step % F32_EXACT) as f32, (step / F32_EXACT) as f32]
}

/// Reads a step counter written by [`encode_step`] (or a single exact f32), rejecting
/// anything but non-negative integers below 2²⁴ in each element.
pub(crate) fn decode_step(optimizer: &str, name: &str, values: &[f32]) -> Result<u64, String> {
    let bad = || {
        format!(
            "{optimizer}: state entry {name:?} is not a step counter (expected [low, high], two \
             integers in [0, 2^24), or [step]; got {values:?})"
        )
    };
    if values.is_empty() || values.len() > 2 {
        return Err(bad());
    }
    let mut parts = [0u64; 2];
    for (part, &x) in parts.iter_mut().zip(values) {
        if !(x.is_finite() && x >= 0.0 && x < F32_EXACT as f32 && x.fract() == 0.0) {
            return Err(bad());
        }
        *part = x as u64;
    }
    Ok(parts[0] + parts[1] * F32_EXACT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_counters_round_trip() {
        for step in [0, 1, 3, F32_EXACT - 1, F32_EXACT, F32_EXACT + 1, 1 << 40] {
            assert_eq!(decode_step("t", "0.step", &encode_step(step)), Ok(step));
        }
        assert_eq!(decode_step("t", "0.step", &[7.0]), Ok(7));
        for bad in [&[][..], &[1.5], &[-1.0], &[f32::NAN], &[1.0, 2.0, 3.0], &[2e7]] {
            assert!(decode_step("t", "0.step", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_parse() {
        assert_eq!(parse_entry_name("t", "12.m", 13), Ok((12, "m")));
        assert_eq!(parse_entry_name("t", "0.step", 1), Ok((0, "step")));
        for bad in ["m", ".m", "x.m", "+1.m", "-1.m", "1m"] {
            assert!(parse_entry_name("t", bad, 13).is_err(), "{bad}");
        }
        assert!(parse_entry_name("t", "13.m", 13).is_err());
    }
}
