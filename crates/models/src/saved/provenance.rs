//! [`Provenance`]: how a saved model was trained — which program, on what data, with
//! which seed, how far — so `descent inspect` can say where a file came from and a
//! resumed run can refuse a checkpoint made by different settings.

use crate::ModelError;
use serde::{Deserialize, Serialize};

/// How a model was trained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The program that trained it (a gallery milestone id, e.g. `lenet`).
    pub milestone: String,
    /// Its variant (`modern`, `1989`, or `default`).
    pub variant: String,
    /// `quick` or `full`.
    pub mode: String,
    /// Which data it trained on, without paths (e.g. `MNIST 60000/10000`).
    pub data: String,
    /// The seed of every random choice.
    pub seed: u64,
    /// Epochs finished when it was saved.
    pub epochs_done: usize,
    /// Epochs planned (a learning-rate schedule spans them).
    pub epochs_total: usize,
    /// The descent version that wrote it.
    #[serde(default)]
    pub descent_version: String,
}

impl Provenance {
    /// As JSON, for the file's metadata.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("provenance serialises")
    }

    /// Reads [`to_json`](Self::to_json)'s text back.
    pub fn from_json(text: &str) -> Result<Provenance, ModelError> {
        serde_json::from_str(text).map_err(|e| ModelError::invalid(format!("the provenance entry is unreadable ({e})")))
    }

    /// The settings in which `self` (from a file) differs from `current`, as
    /// "name: checkpoint X, this run Y" phrases; empty when a resume may proceed (the
    /// epoch counts and the version may differ).
    pub fn differences(&self, current: &Provenance) -> Vec<String> {
        let pairs = [
            ("milestone", &self.milestone, &current.milestone),
            ("variant", &self.variant, &current.variant),
            ("mode", &self.mode, &current.mode),
            ("data", &self.data, &current.data),
        ];
        let mut out: Vec<String> = pairs
            .into_iter()
            .filter(|(_, saved, now)| saved != now)
            .map(|(name, saved, now)| format!("{name}: checkpoint {saved:?}, this run {now:?}"))
            .collect();
        if self.seed != current.seed {
            out.push(format!("seed: checkpoint \"{}\", this run \"{}\"", self.seed, current.seed));
        }
        out
    }

    /// One line for people: `lenet (modern, quick), seed 0, 8 of 8 epochs, data MNIST …`.
    pub fn describe(&self) -> String {
        let epochs = match (self.epochs_done, self.epochs_total) {
            (_, 0) => String::new(),
            (done, total) => format!(", {done} of {total} epochs"),
        };
        let version = match self.descent_version.as_str() {
            "" => String::new(),
            v => format!(", descent {v}"),
        };
        let data = match self.data.as_str() {
            "" => String::new(),
            d => format!(", data {d}"),
        };
        format!(
            "{} ({}, {}), seed {}{epochs}{data}{version}",
            self.milestone, self.variant, self.mode, self.seed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Provenance;

    #[test]
    fn differences_name_every_setting_that_changed_but_not_progress() {
        let saved = Provenance {
            milestone: "lenet".into(),
            variant: "modern".into(),
            mode: "quick".into(),
            data: "MNIST embedded subset 6000/1000".into(),
            seed: 0,
            epochs_done: 3,
            epochs_total: 8,
            descent_version: "0.1.0".into(),
        };
        assert!(saved.differences(&saved.clone()).is_empty());
        let now = Provenance {
            mode: "full".into(),
            data: "MNIST 60000/10000".into(),
            epochs_done: 0,
            descent_version: "0.2.0".into(),
            ..saved.clone()
        };
        let d = saved.differences(&now);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("mode: checkpoint \"quick\", this run \"full\""), "{d:?}");
        assert!(d[1].starts_with("data:"), "{d:?}");
        assert_eq!(Provenance::from_json(&saved.to_json()).unwrap(), saved);
        assert!(Provenance::from_json("{\"milestone\": 3}").is_err());
    }
}
