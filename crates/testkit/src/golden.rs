//! Reader for the PyTorch golden files (`crates/testkit/golden/*.safetensors`, a copy of
//! `../shared/golden` committed so a bare clone tests offline) and the tolerance their
//! README recommends.

use descent_tensor::{GradStore, Param, Tensor};
use safetensors::SafeTensors;
use std::collections::HashMap;
use std::path::PathBuf;

/// The golden folder: `$DESCENT_GOLDEN` where set (to test against another copy), else
/// the one committed with this crate (`crates/testkit/golden`).
pub fn golden_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("DESCENT_GOLDEN") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("golden")
}

/// Every float tensor of one golden file, by name.
pub struct Golden {
    file: String,
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

impl Golden {
    /// Loads `<golden_dir>/<file>`; panics with the path and the fix when it is missing.
    pub fn load(file: &str) -> Golden {
        let path = golden_dir().join(file);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "golden file {} not readable ({e}); set DESCENT_GOLDEN to the folder holding it",
                path.display()
            )
        });
        let st = SafeTensors::deserialize(&bytes).unwrap_or_else(|e| panic!("{}: not safetensors: {e}", path.display()));
        let mut tensors = HashMap::new();
        for (name, view) in st.tensors() {
            if view.dtype() == safetensors::Dtype::F32 {
                let data = view
                    .data()
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                tensors.insert(name.to_string(), (view.shape().to_vec(), data));
            }
        }
        Golden {
            file: file.to_string(),
            tensors,
        }
    }

    /// Shape and values of tensor `name`.
    pub fn raw(&self, name: &str) -> &(Vec<usize>, Vec<f32>) {
        self.tensors
            .get(name)
            .unwrap_or_else(|| panic!("{}: no float tensor named {name}", self.file))
    }

    /// Tensor `name` as a descent tensor.
    pub fn tensor(&self, name: &str) -> Tensor {
        let (shape, data) = self.raw(name);
        Tensor::from_slice(data, shape)
    }

    /// An integer tensor stored with a `_f32` copy, as indices.
    pub fn indices(&self, name: &str) -> Vec<usize> {
        self.raw(&format!("{name}_f32")).1.iter().map(|&x| x as usize).collect()
    }

    /// Sets every parameter to the stored tensor of the same name (the reference's
    /// initial weights), checking shapes.
    pub fn load_params(&self, named: &[(String, Param)]) {
        for (name, p) in named {
            let (shape, values) = self.raw(name);
            assert_eq!(&p.shape(), shape, "{}:{name}: shape differs from the model's", self.file);
            p.set_values(values);
        }
    }

    /// Every stored name (sorted).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.tensors.keys().cloned().collect();
        names.sort();
        names
    }

    /// The README's recommended test: `|x − ref| ≤ 1e-5·max|ref| + 1e-4·|ref|`
    /// elementwise (`slack` multiplies it; 1.0 is the recommendation).
    pub fn assert_matches(&self, name: &str, actual: &[f32], slack: f32) {
        let (shape, expected) = self.raw(name);
        assert_eq!(
            actual.len(),
            expected.len(),
            "{}:{name}: {} values vs {} (shape {shape:?})",
            self.file,
            actual.len(),
            expected.len()
        );
        let max_ref = expected.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
        let mut worst = (0.0f32, 0usize);
        for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
            let tol = slack * (1e-5 * max_ref + 1e-4 * e.abs());
            let ratio = (a - e).abs() / tol.max(f32::MIN_POSITIVE);
            if ratio > worst.0 || ratio.is_nan() {
                worst = (ratio, i);
            }
        }
        assert!(
            worst.0 <= 1.0,
            "{}:{name}: index {} got {} expected {} ({:.2}x the tolerance)",
            self.file,
            worst.1,
            actual[worst.1],
            expected[worst.1],
            worst.0
        );
    }

    /// The single-op parity check: runs `f` on the stored `<op>.<input>` tensors (as
    /// variables), compares its output with `<op>.out`, then backpropagates
    /// `<op>.grad_out` and compares each input's gradient with `<op>.grad_<input>`.
    pub fn check_op(&self, op: &str, inputs: &[&str], f: impl Fn(&[Tensor]) -> Tensor) {
        let vars: Vec<Tensor> = inputs
            .iter()
            .map(|name| self.tensor(&format!("{op}.{name}")).to_variable())
            .collect();
        let out = f(&vars);
        let out = if out.rank() == 0 { out.reshape(&[1]) } else { out };
        assert_eq!(out.shape(), self.raw(&format!("{op}.out")).0.as_slice(), "{op}.out shape");
        self.assert_matches(&format!("{op}.out"), &out.to_vec(), 1.0);
        let mut store = GradStore::new();
        out.backward_with_grad(&self.tensor(&format!("{op}.grad_out")), &[], &mut store);
        for (name, var) in inputs.iter().zip(&vars) {
            let key = format!("{op}.grad_{name}");
            let grad = store.get(var).unwrap_or_else(|| panic!("{key}: no gradient reached the input"));
            self.assert_matches(&key, &grad.to_vec(), 1.0);
        }
    }

    /// The llm.c-style parity check of a whole model on the stored batch. `forward`
    /// returns the outputs to compare at step 0 (e.g. `("logits", tensor)`) and the
    /// loss; `update` applies one optimizer step. At step 0 the outputs, `loss`, and
    /// `grad.<name>` of every parameter in `named` are compared (names listed in
    /// `exact_zeros` — gradients that are zero in exact arithmetic — are checked as
    /// `|x| ≤ limit` instead); then the losses of all steps must match `trajectory`
    /// (its length is the number of steps).
    pub fn check_training(
        &self,
        named: &[(String, Param)],
        exact_zeros: &[(&str, f32)],
        trajectory: &str,
        mut forward: impl FnMut() -> (Vec<(&'static str, Tensor)>, Tensor),
        mut update: impl FnMut(&GradStore),
    ) {
        let steps = self.raw(trajectory).1.len();
        let mut losses = Vec::with_capacity(steps);
        for step in 0..steps {
            let (outputs, loss) = forward();
            losses.push(loss.item());
            let grads = loss.backward();
            if step == 0 {
                for (name, value) in &outputs {
                    self.assert_matches(name, &value.to_vec(), 1.0);
                }
                self.assert_matches("loss", &[loss.item()], 1.0);
                for (name, p) in named {
                    let grad = grads.get_param(p).unwrap_or_else(|| panic!("no gradient for {name}")).to_vec();
                    match exact_zeros.iter().find(|(suffix, _)| name.ends_with(suffix)) {
                        Some((_, limit)) => assert!(
                            grad.iter().all(|x| x.abs() <= *limit),
                            "{name}: gradient should be ~0 (|x| <= {limit}), got {grad:?}"
                        ),
                        None => self.assert_matches(&format!("grad.{name}"), &grad, 1.0),
                    }
                }
            }
            drop(loss);
            update(&grads);
        }
        self.assert_matches(trajectory, &losses, 1.0);
    }
}
