//! Finding and reading the text data sets of `../shared/data` (poetry, translation):
//! `<root>/<dataset>/<file>` under the same roots as every data set (`--data-dir`,
//! `$DESCENT_DATA`, `./data`), gzip or plain.

use crate::MilestoneError;
use descent_data::DataLocator;
use std::io::Read;
use std::path::PathBuf;

/// The first `<root>/<dataset>/<file>` that exists; `MissingData` (the tour shows the
/// milestone as SKIPPED) naming every place looked at otherwise.
pub fn find_data_file(locator: &DataLocator, dataset: &str, file: &str) -> Result<PathBuf, MilestoneError> {
    let candidates: Vec<PathBuf> = locator.roots().iter().map(|r| r.path.join(dataset).join(file)).collect();
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Ok(found.clone());
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(MilestoneError::MissingData {
        reason: format!("{dataset}/{file} not found (looked at {})", looked.join(", ")),
        fix: "point --data-dir or $DESCENT_DATA at a folder holding it (the project's ../shared/data has it)".into(),
    })
}

/// The whole file as UTF-8 text, gunzipped when it starts with the gzip magic.
pub fn read_text(path: &std::path::Path) -> Result<String, MilestoneError> {
    let bytes = std::fs::read(path).map_err(|e| MilestoneError::io(path, e))?;
    let mut text = String::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .map_err(|e| MilestoneError::io(path, e))?;
    } else {
        text = String::from_utf8(bytes).map_err(|e| MilestoneError::io(path, std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    }
    Ok(text)
}
