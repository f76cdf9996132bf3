//! Fisher's Iris data (1936): 150 flowers, 4 measurements, 3 species. Embedded.
//!
//! The file is scikit-learn's `iris.csv` (see `fixtures/README.md` for source, license
//! CC BY 4.0 and attribution): a header `150,4,setosa,versicolor,virginica` giving
//! the row count, the feature count and the class names, then one row per flower.
//! Setosa is linearly separable from the other two, which makes it the classic first
//! data set for a perceptron.

use crate::error::DataError;

/// The embedded CSV text (also listed in [`crate::embedded::EMBEDDED`]).
pub(crate) const IRIS_CSV: &str = include_str!("../fixtures/iris.csv");

/// The four measurements, in column order, all in centimetres.
pub const IRIS_FEATURE_NAMES: [&str; 4] = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"];

/// The Iris data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Iris {
    /// One row of four measurements per flower (see [`IRIS_FEATURE_NAMES`]).
    pub features: Vec<[f32; 4]>,
    /// The species index of each flower, `0..class_names.len()`.
    pub labels: Vec<usize>,
    /// Species names from the header: `setosa`, `versicolor`, `virginica`.
    pub class_names: Vec<String>,
}

impl Iris {
    /// The features flattened to `(n, 4)` row-major, as a batch loader takes them.
    pub fn features_flat(&self) -> Vec<f32> {
        self.features.iter().flatten().copied().collect()
    }
}

/// The embedded Iris data (150 rows), parsed.
pub fn iris() -> Iris {
    // The text is compiled in and covered by tests, so a failure here is a build defect.
    parse_iris_csv(IRIS_CSV, "fixtures/iris.csv").expect("embedded iris.csv parses (tested)")
}

/// Parses text in scikit-learn's Iris CSV layout; `name` is used in error messages.
pub fn parse_iris_csv(text: &str, name: &str) -> Result<Iris, DataError> {
    let err = |line: usize, reason: String| DataError::Parse {
        name: name.to_string(),
        line,
        reason,
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    let (_, header) = lines
        .next()
        .ok_or_else(|| err(1, "empty file; expected a header like `150,4,setosa,...`".into()))?;
    let head: Vec<&str> = header.split(',').collect();
    let parse_count = |s: &str| s.trim().parse::<usize>().ok();
    let (n_rows, n_features) = match (head.first().and_then(|s| parse_count(s)), head.get(1).and_then(|s| parse_count(s))) {
        (Some(r), Some(4)) => (r, 4),
        _ => return Err(err(1, format!("expected header `ROWS,4,CLASS...`, found `{header}`"))),
    };
    let class_names: Vec<String> = head[2..].iter().map(|s| s.trim().to_string()).collect();
    if class_names.is_empty() {
        return Err(err(1, "the header names no classes".into()));
    }
    let mut features = Vec::with_capacity(n_rows);
    let mut labels = Vec::with_capacity(n_rows);
    for (line_no, line) in lines.filter(|(_, l)| !l.is_empty()) {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != n_features + 1 {
            return Err(err(line_no, format!("expected {} fields, found {}", n_features + 1, fields.len())));
        }
        let mut row = [0f32; 4];
        for (slot, field) in row.iter_mut().zip(&fields) {
            *slot = field.parse().map_err(|_| err(line_no, format!("`{field}` is not a number")))?;
        }
        let label: usize = fields[4]
            .parse()
            .ok()
            .filter(|&l| l < class_names.len())
            .ok_or_else(|| err(line_no, format!("class `{}` is not in 0..{}", fields[4], class_names.len())))?;
        features.push(row);
        labels.push(label);
    }
    if features.len() != n_rows {
        return Err(err(
            1,
            format!("the header promises {n_rows} rows, the file has {}", features.len()),
        ));
    }
    Ok(Iris {
        features,
        labels,
        class_names,
    })
}
