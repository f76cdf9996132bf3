//! House rules that keep the workspace navigable, checked on every test run:
//! dependencies follow the layer table in ARCHITECTURE.md; clap, anyhow and indicatif
//! live only in the CLI; library crates never print; no source file passes 600 lines;
//! the README's milestone table is the registry's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `crate name → layer` from the fenced layer table in ARCHITECTURE.md (lines `L<n> names…`
/// and `dev names…`).
fn layer_table() -> BTreeMap<String, i32> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut layers = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(first) = words.next() else { continue };
        let layer = if first == "dev" {
            100
        } else if let Some(n) = first.strip_prefix('L').and_then(|n| n.parse::<i32>().ok()) {
            n
        } else {
            continue;
        };
        for word in words {
            if word.starts_with('(') || !word.chars().all(|c| c.is_ascii_lowercase()) {
                break;
            }
            layers.insert(word.to_string(), layer);
        }
    }
    layers
}

/// The `[dependencies]` and `[dev-dependencies]` names of a crate's manifest.
fn dependencies(manifest: &str) -> (Vec<String>, Vec<String>) {
    let (mut normal, mut dev) = (Vec::new(), Vec::new());
    let mut section = "";
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some(name) = line.split(['=', '.', ' ']).next().filter(|n| !n.is_empty() && !n.starts_with('#')) else {
            continue;
        };
        match section {
            "[dependencies]" => normal.push(name.to_string()),
            "[dev-dependencies]" => dev.push(name.to_string()),
            _ => {}
        }
    }
    (normal, dev)
}

fn crates() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            (name, std::fs::read_to_string(e.path().join("Cargo.toml")).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn dependencies_follow_the_layer_table() {
    let layers = layer_table();
    let mut problems = Vec::new();
    for (name, manifest) in crates() {
        let Some(&layer) = layers.get(&name) else {
            problems.push(format!("crate {name} is not in ARCHITECTURE.md's layer table"));
            continue;
        };
        let (normal, dev) = dependencies(&manifest);
        for (dep, is_dev) in normal.iter().map(|d| (d, false)).chain(dev.iter().map(|d| (d, true))) {
            let Some(target) = dep.strip_prefix("descent-") else { continue };
            let target_layer = layers.get(target).copied().unwrap_or(-1);
            let allowed = if target == "testkit" {
                is_dev
            } else {
                target_layer < layer || (layer == 100 && target_layer < 100)
            };
            if !allowed {
                problems.push(format!(
                    "{name} (L{layer}) depends on {target} (L{target_layer}){}",
                    if is_dev { " as a dev-dependency" } else { "" }
                ));
            }
        }
        for only_cli in ["clap", "anyhow", "indicatif"] {
            if name != "cli" && (normal.iter().chain(&dev).any(|d| d == only_cli)) {
                problems.push(format!("{name} depends on {only_cli}, which belongs to the CLI only"));
            }
        }
    }
    assert!(problems.is_empty(), "layering problems:\n{}", problems.join("\n"));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_source_file_passes_600_lines() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > 600).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}

#[test]
fn library_crates_never_print() {
    let mut files = Vec::new();
    for (name, _) in crates() {
        if name != "cli" {
            rust_files(&root().join("crates").join(&name).join("src"), &mut files);
        }
    }
    let mut offenders = Vec::new();
    for f in files {
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("]
                .iter()
                .any(|m| code.contains(m))
            {
                offenders.push(format!("{}:{}: {}", f.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "library code must report through Progress/Run::log, not print:\n{}",
        offenders.join("\n")
    );
}

/// The README's milestone table as the registry says it should be.
fn expected_readme_table() -> String {
    let mut table = String::from("| id | year | title | claim tested |\n|---|---|---|---|\n");
    for m in descent_gallery::GALLERY {
        table.push_str(&format!("| `{}` | {} | {} | {} |\n", m.id, m.year, m.title, m.claim));
    }
    table
}

/// With `DESCENT_BLESS=1` the table between the README's markers is rewritten instead.
#[test]
fn readme_milestone_table_is_the_registry() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = ("<!-- milestones begin", "<!-- milestones end -->");
    let start = readme.find(begin).expect("README.md has the milestones begin marker");
    let start = start + readme[start..].find('\n').unwrap() + 1;
    let stop = readme.find(end).expect("README.md has the milestones end marker");
    let expected = expected_readme_table();
    if std::env::var_os("DESCENT_BLESS").is_some() {
        let updated = format!("{}{expected}{}", &readme[..start], &readme[stop..]);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    assert_eq!(
        &readme[start..stop],
        expected,
        "README.md's milestone table differs from the registry; run DESCENT_BLESS=1 cargo test -p descent-cli --test tidy"
    );
}

/// docs/bad-input.md names a test for every promise: each `path::name` must be a test
/// function in that file, so the table cannot name tests that are gone.
#[test]
fn every_test_the_bad_input_table_names_exists() {
    let table = std::fs::read_to_string(root().join("docs/bad-input.md")).unwrap();
    let mut named = 0;
    for cell in table.split('`').filter(|c| c.starts_with("crates/") && c.contains(".rs::")) {
        let (path, name) = cell.split_once("::").unwrap();
        let source = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            source.contains(&format!("fn {name}(")),
            "docs/bad-input.md names {cell}, which does not exist"
        );
        named += 1;
    }
    assert!(named >= 20, "only {named} tests named");
}
