//! `descent data list` and `descent data fetch`.

use anyhow::{bail, Result};
use clap::Subcommand;
use descent_data::{dataset_status, fetch, status, DataError, DataLocator, Dataset, Pretrained, Progress, PRETRAINED};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Data subcommands.
#[derive(Subcommand)]
pub enum DataCommand {
    /// Each known data set: present / missing / checksum, and where it looked.
    List,
    /// Download a missing data set (checksummed) into the first search folder.
    Fetch {
        /// A data set name (`mnist`, `fashion-mnist`), a model (`minilm`), or `all` (the data sets).
        name: String,
    },
}

/// Runs a data subcommand.
pub fn data(command: DataCommand, data_dir: Option<PathBuf>) -> Result<()> {
    let locator = DataLocator::new(data_dir);
    match command {
        DataCommand::List => {
            println!("searching, in order:");
            for root in locator.roots() {
                println!("  {} ({})", root.path.display(), root.source.label());
            }
            for s in status(&locator) {
                let dir = s.dir.as_ref().map(|d| d.display().to_string()).unwrap_or_else(|| "-".into());
                println!("{:<14} {:<10} {}", s.dataset.name(), s.summary(), dir);
            }
            for model in PRETRAINED {
                let (summary, dir) = match model.find(&locator) {
                    Ok(dir) if model.problems(&dir).is_empty() => ("ok", dir.display().to_string()),
                    Ok(dir) => ("modified", dir.display().to_string()),
                    Err(_) => ("missing", "-".to_string()),
                };
                println!("{:<14} {:<10} {} (model {})", model.name, summary, dir, model.title);
            }
            println!("embedded in the binary (quick runs use these; sources in crates/data/fixtures/README.md):");
            for file in descent_data::EMBEDDED {
                println!(
                    "  {:<44} {:>9} bytes  {}; {}",
                    file.name,
                    file.bytes.len(),
                    file.content,
                    file.licence
                );
            }
            Ok(())
        }
        DataCommand::Fetch { name } => {
            if let Some(model) = Pretrained::from_name(&name) {
                return fetch_model(model, &locator);
            }
            let sets: Vec<Dataset> = if name == "all" {
                Dataset::ALL.to_vec()
            } else {
                match Dataset::from_name(&name) {
                    Some(d) => vec![d],
                    None => bail!("unknown data set '{name}'; known: mnist, fashion-mnist, minilm, all"),
                }
            };
            for d in sets {
                if dataset_status(&locator, d).is_ready() {
                    println!("{}: already present and verified", d.name());
                    continue;
                }
                let dir = with_download_bar(|progress| fetch(d, &locator.fetch_root(), progress))?;
                println!("{}: fetched and verified into {}", d.name(), dir.display());
            }
            Ok(())
        }
    }
}

/// `descent data fetch minilm`: the model's files from the Hugging Face hub, checksummed.
fn fetch_model(model: Pretrained, locator: &DataLocator) -> Result<()> {
    if let Ok(dir) = model.find(locator) {
        if model.problems(&dir).is_empty() {
            println!("{}: already present and verified in {}", model.name, dir.display());
            return Ok(());
        }
    }
    let dir = with_download_bar(|progress| model.fetch(model.source, &locator.fetch_root(), progress))?;
    println!("{}: fetched and verified into {} ({})", model.name, dir.display(), model.license);
    Ok(())
}

/// Runs `download` with a byte progress bar (current file, bytes done of its total),
/// cleared when it returns.
fn with_download_bar<T>(download: impl FnOnce(Progress) -> Result<T, DataError>) -> Result<T, DataError> {
    let bar = ProgressBar::new(0);
    bar.set_style(ProgressStyle::with_template("{msg:<32} [{bar:30}] {bytes}/{total_bytes}").expect("static template"));
    let progress = |file: &str, done: u64, total: Option<u64>| {
        bar.set_message(file.to_string());
        bar.set_length(total.unwrap_or(done));
        bar.set_position(done);
    };
    let result = download(&progress);
    bar.finish_and_clear();
    result
}
