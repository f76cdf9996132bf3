//! [`History`]: the metric series a run records as it trains (loss per step, accuracy
//! per epoch, ...), kept in the run's checkpoint so a resumed run reports and plots
//! every epoch, and turned into chart series without copying by hand.

use descent_report::Series;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Named series of `(x, y)` points, in the order they were recorded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    series: BTreeMap<String, Vec<(f64, f64)>>,
}

impl History {
    /// Appends the point `(x, y)` to the series `name` (created on first use).
    pub fn push(&mut self, name: &str, x: f64, y: f64) {
        self.series.entry(name.to_string()).or_default().push((x, y));
    }

    /// The points of `name` (empty if never recorded).
    pub fn points(&self, name: &str) -> &[(f64, f64)] {
        self.series.get(name).map_or(&[], Vec::as_slice)
    }

    /// The y values of `name`.
    pub fn values(&self, name: &str) -> Vec<f64> {
        self.points(name).iter().map(|p| p.1).collect()
    }

    /// The last y value of `name`.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.points(name).last().map(|p| p.1)
    }

    /// The largest y value of `name`.
    pub fn max(&self, name: &str) -> Option<f64> {
        self.points(name).iter().map(|p| p.1).reduce(f64::max)
    }

    /// The smallest y value of `name`.
    pub fn min(&self, name: &str) -> Option<f64> {
        self.points(name).iter().map(|p| p.1).reduce(f64::min)
    }

    /// A chart series of `name`, labelled `label`.
    pub fn series(&self, name: &str, label: &str) -> Series {
        Series::new(label, self.points(name).to_vec())
    }

    /// Names of all recorded series.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.series.keys().map(String::as_str)
    }

    /// As compact JSON (checkpoint metadata).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a history of finite and non-finite f64 always serialises")
    }

    /// Parses [`to_json`](Self::to_json)'s output.
    pub fn from_json(text: &str) -> Result<History, String> {
        serde_json::from_str(text).map_err(|e| format!("history is not valid: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::History;

    #[test]
    fn history_round_trips_through_json() {
        let mut h = History::default();
        h.push("loss", 1.0, 0.5);
        h.push("loss", 2.0, 0.25);
        h.push("accuracy", 1.0, 0.9);
        let back = History::from_json(&h.to_json()).unwrap();
        assert_eq!(back, h);
        assert_eq!(back.values("loss"), vec![0.5, 0.25]);
        assert_eq!(back.max("accuracy"), Some(0.9));
        assert!(History::from_json("{nope").is_err());
    }
}
