//! The `model.safetensors` of a BERT folder. Its header alone (names, dtypes, shapes)
//! is checked against `config.json` *before* a model is built, so a config asking for
//! billions of parameters the file does not hold is refused without allocating them;
//! then the tensors are copied into the model, refusing NaN and infinity (a damaged
//! download would otherwise give `null` embeddings).

use super::config::BertConfig;
use super::ModelFolderError;
use descent_nn::{named_params, Module};
use safetensors::SafeTensors;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;

/// Largest safetensors header read (the format's own limit, 100 MB).
const MAX_HEADER_BYTES: u64 = 100_000_000;

/// Name → (dtype as the format spells it, `F32`; shape) of the tensors of one file.
pub type TensorShapes = HashMap<String, (String, Vec<usize>)>;

/// A visitor of expected tensors: called with each name and shape, it stops at the first
/// error it returns.
type Expect<'a> = &'a mut dyn FnMut(&str, &[usize]) -> Result<(), ModelFolderError>;

/// Calls `f` with the name and shape of every parameter of a [`super::Bert`] with
/// `config`'s sizes, in the model's order, without building it; stops at `f`'s first
/// error. Lets the weights be checked before gigabytes are allocated for a model.
pub fn visit_parameter_shapes(config: &BertConfig, f: Expect) -> Result<(), ModelFolderError> {
    let (d, ff) = (config.hidden_size, config.intermediate_size);
    f("embeddings.word_embeddings.weight", &[config.vocab_size, d])?;
    f("embeddings.position_embeddings.weight", &[config.max_position_embeddings, d])?;
    f("embeddings.token_type_embeddings.weight", &[config.type_vocab_size, d])?;
    f("embeddings.LayerNorm.weight", &[d])?;
    f("embeddings.LayerNorm.bias", &[d])?;
    for i in 0..config.num_hidden_layers {
        let linears = [
            ("attention.self.query", d, d),
            ("attention.self.key", d, d),
            ("attention.self.value", d, d),
            ("attention.output.dense", d, d),
            ("attention.output.LayerNorm", 0, d),
            ("intermediate.dense", d, ff),
            ("output.dense", ff, d),
            ("output.LayerNorm", 0, d),
        ];
        for (name, inputs, outputs) in linears {
            let weight: &[usize] = if inputs == 0 { &[outputs] } else { &[outputs, inputs] };
            f(&format!("encoder.layer.{i}.{name}.weight"), weight)?;
            f(&format!("encoder.layer.{i}.{name}.bias"), &[outputs])?;
        }
    }
    Ok(())
}

/// The tensor table of the safetensors file `path` (`len` bytes, already known to be a
/// regular file), reading its header only.
pub(crate) fn read_header(path: &Path, len: u64) -> Result<TensorShapes, ModelFolderError> {
    let fail = |reason: String| ModelFolderError::new(path, format!("is not a safetensors file ({reason})"));
    let mut file = std::fs::File::open(path).map_err(|e| ModelFolderError::new(path, format!("cannot be read ({e})")))?;
    let mut size = [0u8; 8];
    file.read_exact(&mut size)
        .map_err(|_| fail(format!("{len} bytes, shorter than a header")))?;
    let size = u64::from_le_bytes(size);
    if size > MAX_HEADER_BYTES || size > len.saturating_sub(8) {
        return Err(fail(format!("its header claims {size} bytes of a {len}-byte file")));
    }
    let mut header = vec![0u8; size as usize];
    file.read_exact(&mut header).map_err(|e| fail(format!("header cut short: {e}")))?;
    let json: serde_json::Value = serde_json::from_slice(&header).map_err(|e| fail(format!("header: {e}")))?;
    let entries = json.as_object().ok_or_else(|| fail("the header is not a JSON object".into()))?;
    let mut tensors = TensorShapes::new();
    for (name, entry) in entries.iter().filter(|(name, _)| *name != "__metadata__") {
        let dtype = entry["dtype"].as_str();
        let shape: Option<Vec<usize>> = entry["shape"]
            .as_array()
            .and_then(|dims| dims.iter().map(|d| d.as_u64().map(|d| d as usize)).collect());
        match (dtype, shape) {
            (Some(dtype), Some(shape)) => tensors.insert(name.clone(), (dtype.to_string(), shape)),
            _ => return Err(fail(format!("tensor '{}' has no dtype or shape", shorten(name)))),
        };
    }
    Ok(tensors)
}

/// `name` cut to 80 characters for a message (a header may hold anything).
fn shorten(name: &str) -> String {
    match name.char_indices().nth(80) {
        Some((at, _)) => format!("{}...", &name[..at]),
        None => name.to_string(),
    }
}

/// Checks the tensor table of the weights `path` against `config`: the same checks as
/// [`load_weights`], made from the header before any model is allocated.
pub(crate) fn check_header(config: &BertConfig, stored: &TensorShapes, path: &Path) -> Result<(), ModelFolderError> {
    check_tensors(stored, path, |f| visit_parameter_shapes(config, f)).map(|_| ())
}

/// Checks that `stored` holds every tensor `visit_expected` names, as F32 of its shape,
/// and nothing else but the heads an encoder has no use for (`embeddings.position_ids`,
/// `pooler.*`, `cls.*`); returns the name prefix in use (`bert.` or none).
fn check_tensors(
    stored: &TensorShapes,
    path: &Path,
    visit_expected: impl FnOnce(Expect) -> Result<(), ModelFolderError>,
) -> Result<&'static str, ModelFolderError> {
    let fail = |reason: String| ModelFolderError::new(path, reason);
    let prefix = if stored.keys().any(|n| n.starts_with("bert.")) {
        "bert."
    } else {
        ""
    };
    let mut known = HashSet::new();
    visit_expected(&mut |name, shape| {
        let key = format!("{prefix}{name}");
        let Some((dtype, found)) = stored.get(&key) else {
            return Err(fail(format!(
                "has no tensor '{key}', which config.json calls for (the config and the weights disagree)"
            )));
        };
        if dtype != "F32" {
            return Err(fail(format!("'{key}' is {dtype}; only F32 weights are supported")));
        }
        if found != shape {
            return Err(fail(format!("'{key}' has shape {found:?} but config.json implies {shape:?}")));
        }
        known.insert(key);
        Ok(())
    })?;
    let skipped = |n: &str| {
        let n = n.strip_prefix(prefix).unwrap_or(n);
        n == "embeddings.position_ids" || n.starts_with("pooler.") || n.starts_with("cls.")
    };
    let mut extra: Vec<&str> = stored
        .keys()
        .map(String::as_str)
        .filter(|n| !known.contains(*n) && !skipped(n))
        .collect();
    if !extra.is_empty() {
        extra.sort();
        let shown: Vec<String> = extra.iter().take(3).map(|n| shorten(n)).collect();
        return Err(fail(format!(
            "holds {} tensor(s) config.json has no place for ({}{})",
            extra.len(),
            shown.join(", "),
            if extra.len() > 3 { ", ..." } else { "" }
        )));
    }
    Ok(prefix)
}

/// Copies the tensors of a safetensors file (`bytes`, read from `path`) into `model`'s
/// parameters by name. Every parameter must be present, F32, of the model's shape and
/// finite; `embeddings.position_ids`, `pooler.*` and `cls.*` (heads this encoder has no
/// use for) are skipped, and any other extra tensor is an error (the config disagrees
/// with the weights). Nothing is changed unless everything matches.
pub fn load_weights(model: &dyn Module, bytes: &[u8], path: &Path) -> Result<(), ModelFolderError> {
    let fail = |reason: String| ModelFolderError::new(path, reason);
    let file = SafeTensors::deserialize(bytes).map_err(|e| fail(format!("is not a safetensors file ({e})")))?;
    let stored: TensorShapes = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, (format!("{:?}", view.dtype()), view.shape().to_vec())))
        .collect();
    let params = named_params(model);
    let prefix = check_tensors(&stored, path, |f| {
        params.iter().try_for_each(|(name, param)| f(name, &param.shape()))
    })?;
    let mut views = Vec::with_capacity(params.len());
    for (name, _) in &params {
        let stored = format!("{prefix}{name}");
        let view = file.tensor(&stored).map_err(|e| fail(format!("'{stored}' cannot be read ({e})")))?;
        if let Some((index, value)) = f32_values(view.data()).enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(fail(format!(
                "tensor '{stored}' holds {value} at index {index}; the file is damaged (download the model again)"
            )));
        }
        views.push(view);
    }
    for ((_, param), view) in params.iter().zip(views) {
        param.set_values(&f32_values(view.data()).collect::<Vec<f32>>());
    }
    Ok(())
}

/// The little-endian f32 values of a tensor's bytes.
fn f32_values(data: &[u8]) -> impl Iterator<Item = f32> + '_ {
    data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bert::Bert;
    use descent_tensor::Rng;

    #[test]
    fn parameter_shapes_are_those_of_the_built_model() {
        let config = BertConfig {
            vocab_size: 11,
            hidden_size: 8,
            num_hidden_layers: 2,
            num_attention_heads: 2,
            intermediate_size: 12,
            max_position_embeddings: 16,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
        };
        let built: Vec<(String, Vec<usize>)> = named_params(&Bert::new(&config, &mut Rng::new(0)))
            .iter()
            .map(|(name, p)| (name.clone(), p.shape()))
            .collect();
        let mut listed = Vec::new();
        visit_parameter_shapes(&config, &mut |name, shape| {
            listed.push((name.to_string(), shape.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(listed, built);
    }
}
