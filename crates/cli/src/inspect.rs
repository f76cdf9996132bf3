//! `descent inspect FILE`: what a saved model is — its kind, the config that rebuilds
//! it, its parameter count, and how it was trained (milestone, variant, mode, seed,
//! epochs, data), as the file records them. The model is built and its weights loaded,
//! so a file that inspects cleanly is one the other commands can use.

use crate::saved_model;
use anyhow::{anyhow, Result};
use clap::Args;
use descent_gallery::harness::History;
use descent_models::saved::{describe_kind, OPTIMIZER_PREFIX};
use descent_nn::{named_buffers, named_params};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Options of `descent inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// A model file saved by `descent run` (e.g. runs/lenet/checkpoint.safetensors).
    model: PathBuf,
    /// Print one JSON object (with the whole config) instead of the summary.
    #[arg(long)]
    json: bool,
}

/// Strings and lists longer than this are summarised in the text form.
const SHORT: usize = 60;

/// `value` with long strings and lists replaced by their length (a tokenizer's alphabet
/// or a vocabulary would fill the screen).
fn abbreviate(value: &Value) -> Value {
    match value {
        Value::String(s) if s.chars().count() > SHORT => json!(format!("<{} characters>", s.chars().count())),
        Value::Array(items) if items.len() > 16 => json!(format!("<{} items>", items.len())),
        Value::Array(items) => Value::Array(items.iter().map(abbreviate).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), abbreviate(v))).collect()),
        other => other.clone(),
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Prints the summary (or the JSON object) of one model file.
pub fn inspect(args: InspectArgs) -> Result<()> {
    let file = saved_model::read(&args.model)?;
    let model = file.any_model().map_err(|e| anyhow!("{e}"))?;
    let count = |list: Vec<(String, descent_tensor::Param)>| list.iter().map(|(_, p)| p.numel()).sum::<usize>();
    let (params, buffers) = (count(named_params(model.module())), count(named_buffers(model.module())));
    let config: Value = serde_json::from_str(file.config_json()).map_err(|e| anyhow!("{}: config: {e}", args.model.display()))?;
    let optimizer: usize = file.tensors_under(OPTIMIZER_PREFIX).iter().map(|(_, v)| v.len()).sum();
    let history = match file.entry("history") {
        Some(text) => History::from_json(text).map_err(|e| anyhow!("{}: history: {e}", args.model.display()))?,
        None => History::default(),
    };
    let series: Vec<(String, usize, Option<f64>)> = history
        .names()
        .map(|name| (name.to_string(), history.points(name).len(), history.last(name)))
        .collect();
    let description = describe_kind(file.kind()).unwrap_or("");
    if args.json {
        let object = json!({
            "file": args.model.display().to_string(),
            "kind": file.kind(),
            "description": description,
            "config": config,
            "parameters": params,
            "buffer_values": buffers,
            "provenance": file.provenance(),
            "history": series.iter().map(|(n, len, last)| json!({"series": n, "points": len, "last": last})).collect::<Vec<_>>(),
            "optimizer_values": optimizer,
        });
        println!("{object}");
        return Ok(());
    }
    println!("file        {}", args.model.display());
    println!("kind        {} ({description})", file.kind());
    println!("config      {}", abbreviate(&config));
    let buffer_note = if buffers > 0 {
        format!(" (+ {} buffer values)", grouped(buffers))
    } else {
        String::new()
    };
    println!("parameters  {}{buffer_note}", grouped(params));
    match file.provenance() {
        Some(p) => println!("trained by  descent run {}", p.describe()),
        None => println!("trained by  (not recorded)"),
    }
    if !series.is_empty() {
        let listed: Vec<String> = series
            .iter()
            .map(|(name, len, last)| match last {
                Some(v) => format!("{name} ({len} points, last {v:.4})"),
                None => format!("{name} ({len} points)"),
            })
            .collect();
        println!("history     {}", listed.join(", "));
    }
    if optimizer > 0 {
        println!(
            "resume      optimizer state saved ({} values): `descent run … --resume` continues it",
            grouped(optimizer)
        );
    }
    Ok(())
}
