//! Sane bounds on model sizes read from checkpoint metadata.
//!
//! A checkpoint's metadata says how large a model to build before any weight is read;
//! a damaged or hostile file could ask for 0 layers (a model that panics later) or
//! 10^11 (one that takes the machine's memory). Every saved kind's config checks its
//! sizes against these bounds before a loader allocates anything.

use crate::ModelError;

/// Largest size of any one dimension (width, heads, layers, vocabulary, context).
pub const MAX_DIM: usize = 1_000_000;

/// Most parameters (f32 values) a model read from metadata may have: 2^31, 8 GiB of
/// weights, twice what the largest checkpoint file read (4 GiB) can hold.
pub const MAX_PARAMETERS: u128 = 1 << 31;

/// Checks that every named size is in `1..=MAX_DIM`; the error names the first that is not.
pub fn check_dims(sizes: &[(&str, usize)]) -> Result<(), ModelError> {
    match sizes.iter().find(|(_, v)| !(1..=MAX_DIM).contains(v)) {
        Some((name, v)) => Err(ModelError::invalid(format!("config '{name}' = {v} is outside 1..={MAX_DIM}"))),
        None => Ok(()),
    }
}

/// Checks that the attention heads divide the width they split, each given with its
/// config name (`("n_heads", 3)`); call it after [`check_dims`], which rules out 0 heads.
pub fn check_heads((heads_name, heads): (&str, usize), (width_name, width): (&str, usize)) -> Result<(), ModelError> {
    if width % heads != 0 {
        return Err(ModelError::invalid(format!(
            "config '{heads_name}' = {heads} does not divide '{width_name}' = {width}"
        )));
    }
    Ok(())
}

/// Checks a parameter count (or another allocation in f32 values, named `what`)
/// against [`MAX_PARAMETERS`].
pub fn check_count(what: &str, count: u128) -> Result<(), ModelError> {
    if count > MAX_PARAMETERS {
        return Err(ModelError::invalid(format!(
            "the config's sizes call for {count} {what}, more than the {MAX_PARAMETERS} this program loads"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_huge_sizes_are_named() {
        assert!(check_dims(&[("a", 1), ("b", MAX_DIM)]).is_ok());
        assert!(check_dims(&[("a", 1), ("n_layers", 0)])
            .unwrap_err()
            .to_string()
            .contains("'n_layers' = 0"));
        let err = check_dims(&[("d_model", 100_000_000_000)]).unwrap_err().to_string();
        assert!(err.contains("'d_model' = 100000000000"), "{err}");
        assert!(check_count("parameters", MAX_PARAMETERS + 1).is_err());
        assert!(check_count("parameters", MAX_PARAMETERS).is_ok());
        assert!(check_heads(("n_heads", 4), ("d_model", 32)).is_ok());
        let err = check_heads(("n_heads", 3), ("d_model", 32)).unwrap_err().to_string();
        assert!(err.contains("'n_heads' = 3 does not divide 'd_model' = 32"), "{err}");
    }
}
