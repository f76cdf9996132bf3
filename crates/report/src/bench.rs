//! [`BenchRecord`]: one benchmark measurement as one JSON line, in a shape shared
//! with the comparison scripts (PyTorch etc.), so results from different systems can
//! be concatenated and compared by `(workload, metric)`.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

use crate::ReportError;

/// The keys every record starts with, in this order.
const FIXED_KEYS: [&str; 4] = ["system", "workload", "metric", "value"];

/// One benchmark number, e.g. descent's matmul throughput at 1024³:
///
/// ```text
/// {"system":"descent","workload":"matmul","metric":"gflops","value":812.5,"n":1024}
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BenchRecord {
    /// Which implementation was measured: `"descent"` unless set otherwise.
    pub system: String,
    /// What was run, e.g. `"matmul"`, `"lenet5_train_step"`.
    pub workload: String,
    /// What was measured, e.g. `"gflops"`, `"ms_per_step"`.
    pub metric: String,
    /// The measurement.
    pub value: f64,
    /// Further keys (sizes, thread count, dtype), printed after the fixed ones in
    /// insertion order.
    pub extra: Map<String, Value>,
}

impl BenchRecord {
    /// A record for system `"descent"` with no extra fields.
    pub fn new(workload: &str, metric: &str, value: f64) -> Self {
        BenchRecord {
            system: "descent".to_string(),
            workload: workload.to_string(),
            metric: metric.to_string(),
            value,
            extra: Map::new(),
        }
    }

    /// Adds an extra field (builder style). Generic over `Into<Value>` so that sizes,
    /// names and flags go in directly.
    ///
    /// # Panics
    /// If `key` is one of the fixed keys (`system`, `workload`, `metric`, `value`):
    /// the line would otherwise carry a key twice, and readers would disagree on
    /// which one counts.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        assert!(
            !FIXED_KEYS.contains(&key),
            "BenchRecord::with: {key:?} is a fixed key; set the field instead"
        );
        self.extra.insert(key.to_string(), value.into());
        self
    }

    /// The record as one compact JSON object, without a trailing newline; the fixed
    /// keys come first. A non-finite `value` prints as `null`.
    pub fn to_json_line(&self) -> String {
        let mut map = Map::new();
        map.insert("system".into(), Value::from(self.system.as_str()));
        map.insert("workload".into(), Value::from(self.workload.as_str()));
        map.insert("metric".into(), Value::from(self.metric.as_str()));
        map.insert("value".into(), Value::from(self.value));
        for (key, value) in &self.extra {
            map.insert(key.clone(), value.clone());
        }
        Value::Object(map).to_string()
    }
}

/// Appends `records` to the JSON-lines file at `path` (created if missing), one line
/// each, in a single write so concurrent appenders do not interleave within a line.
pub fn append_json_lines(path: &Path, records: &[BenchRecord]) -> Result<(), ReportError> {
    let mut text = String::new();
    for record in records {
        text.push_str(&record.to_json_line());
        text.push('\n');
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| ReportError::io(path, e))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| ReportError::io(path, e))
}
