//! easy-VQA (Victor Zhou, 2019; the `data/` folder of the PyPI wheel `easy-vqa` 1.0):
//! 64×64 RGB PNG scenes of one coloured shape (circle, rectangle or triangle, eight
//! colours) and questions about them with 13 possible answers — 4,000 training images
//! with 38,575 questions, 1,000 test images with 9,673.
//!
//! Layout: `answers.txt` (one answer a line), `train/questions.json` and
//! `test/questions.json` (lists of `[question, answer, image_id]`),
//! `{train,test}/images/<id>.png`. [`load_easy_vqa`] reads a folder of that layout;
//! [`easy_vqa_subset`] decodes the real subset compiled into the binary (the 1,000
//! training and 300 test images of smallest id and all their questions, the PNGs byte
//! for byte; made by `tools/make_easy_vqa_subset.py`).

use crate::error::DataError;
use flate2::read::GzDecoder;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Side of every easy-VQA image.
pub const EASY_VQA_SIDE: usize = 64;
/// Values of one image: 3 channels × 64 × 64.
pub const EASY_VQA_IMAGE_LEN: usize = 3 * EASY_VQA_SIDE * EASY_VQA_SIDE;
/// The folder under a data root.
pub const EASY_VQA_DIR: &str = "vqa/easy-vqa";
/// Largest image file read (the real ones are under 1 kB).
const MAX_PNG_BYTES: u64 = 1 << 20;

/// The embedded file `easy-vqa-subset/<name>` (listed in [`crate::EMBEDDED`]).
fn embedded(name: &str) -> &'static [u8] {
    let name = format!("easy-vqa-subset/{name}");
    crate::embedded::get(&name)
        .unwrap_or_else(|| panic!("{name} is in the embedded table"))
        .bytes
}

/// One question about an image of the split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VqaQuestion {
    /// The question ("what color is the shape?").
    pub question: String,
    /// Its answer ("blue").
    pub answer: String,
    /// Index of its image in the split's [`EasyVqaSplit::images`].
    pub image: usize,
}

/// The images and questions of one split.
#[derive(Clone, Debug, Default)]
pub struct EasyVqaSplit {
    /// Images (n, 3, 64, 64), channel-major, 0–255.
    pub images: Vec<u8>,
    /// The file id of each image (`<id>.png`).
    pub image_ids: Vec<usize>,
    /// Questions in file order.
    pub questions: Vec<VqaQuestion>,
}

impl EasyVqaSplit {
    /// Number of images.
    pub fn image_count(&self) -> usize {
        self.image_ids.len()
    }

    /// Image `i` (3 × 64 × 64).
    pub fn image(&self, i: usize) -> &[u8] {
        &self.images[i * EASY_VQA_IMAGE_LEN..(i + 1) * EASY_VQA_IMAGE_LEN]
    }
}

/// Both splits and the answer list.
#[derive(Clone, Debug, Default)]
pub struct EasyVqa {
    /// Training split.
    pub train: EasyVqaSplit,
    /// Test split.
    pub test: EasyVqaSplit,
    /// The possible answers, in `answers.txt` order.
    pub answers: Vec<String>,
}

/// Parses a `questions.json` list of `[question, answer, image_id]`.
pub fn parse_questions(text: &str, name: &str) -> Result<Vec<(String, String, usize)>, DataError> {
    let bad = |reason: String| DataError::InvalidContent {
        name: name.to_string(),
        reason: format!("{reason}; easy-VQA questions are a JSON list of [question, answer, image id]"),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON ({e})")))?;
    let list = value.as_array().ok_or_else(|| bad("not a list".into()))?;
    list.iter()
        .enumerate()
        .map(|(i, entry)| {
            let fields = entry.as_array().filter(|f| f.len() == 3);
            let parsed = fields.and_then(|f| Some((f[0].as_str()?.to_string(), f[1].as_str()?.to_string(), f[2].as_u64()? as usize)));
            parsed.ok_or_else(|| bad(format!("entry {i} is {entry}")))
        })
        .collect()
}

/// Decodes a 64×64 PNG into channel-major RGB (transparency composited on white).
pub fn decode_png(bytes: &[u8], name: &str) -> Result<Vec<u8>, DataError> {
    let image = image::load_from_memory_with_format(bytes, image::ImageFormat::Png).map_err(|e| DataError::InvalidContent {
        name: name.to_string(),
        reason: format!("not a readable PNG ({e}); fetch the data set again"),
    })?;
    if image.width() as usize != EASY_VQA_SIDE || image.height() as usize != EASY_VQA_SIDE {
        return Err(DataError::InvalidContent {
            name: name.to_string(),
            reason: format!("the image is {}×{}, easy-VQA's are 64×64", image.width(), image.height()),
        });
    }
    let rgba = image.to_rgba8();
    let plane = EASY_VQA_SIDE * EASY_VQA_SIDE;
    let mut out = vec![0u8; EASY_VQA_IMAGE_LEN];
    for (p, pixel) in rgba.pixels().enumerate() {
        let alpha = pixel[3] as u32;
        for c in 0..3 {
            out[c * plane + p] = ((pixel[c] as u32 * alpha + 255 * (255 - alpha)) / 255) as u8;
        }
    }
    Ok(out)
}

/// A split from its questions and a way to read image `id`'s PNG bytes; only images
/// some question refers to are decoded, in order of id.
fn build_split(
    questions: Vec<(String, String, usize)>,
    answers: &[String],
    name: &str,
    mut png: impl FnMut(usize) -> Result<(Vec<u8>, String), DataError>,
) -> Result<EasyVqaSplit, DataError> {
    if questions.is_empty() {
        return Err(DataError::Empty { name: name.to_string() });
    }
    let mut ids: Vec<usize> = questions.iter().map(|q| q.2).collect();
    ids.sort_unstable();
    ids.dedup();
    let index: HashMap<usize, usize> = ids.iter().enumerate().map(|(i, &id)| (id, i)).collect();
    let mut split = EasyVqaSplit {
        images: Vec::with_capacity(ids.len() * EASY_VQA_IMAGE_LEN),
        image_ids: ids.clone(),
        questions: Vec::with_capacity(questions.len()),
    };
    for &id in &ids {
        let (bytes, file) = png(id)?;
        split.images.extend(decode_png(&bytes, &file)?);
    }
    for (i, (question, answer, id)) in questions.into_iter().enumerate() {
        if !answers.contains(&answer) {
            return Err(DataError::InvalidContent {
                name: name.to_string(),
                reason: format!("question {i} has the answer {answer:?}, which answers.txt does not list"),
            });
        }
        split.questions.push(VqaQuestion {
            question,
            answer,
            image: index[&id],
        });
    }
    Ok(split)
}

fn parse_answers(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

fn read_file(path: &Path) -> Result<Vec<u8>, DataError> {
    let meta = std::fs::metadata(path).map_err(|e| DataError::io(path, e))?;
    if !meta.is_file() || meta.len() > MAX_PNG_BYTES * 64 {
        return Err(DataError::InvalidContent {
            name: path.display().to_string(),
            reason: "not a regular file of a plausible size".into(),
        });
    }
    std::fs::read(path).map_err(|e| DataError::io(path, e))
}

/// Reads an easy-VQA folder (`answers.txt`, `train/`, `test/`).
pub fn load_easy_vqa(dir: &Path) -> Result<EasyVqa, DataError> {
    let answers_path = dir.join("answers.txt");
    let answers = parse_answers(&String::from_utf8_lossy(&read_file(&answers_path)?));
    let mut splits = Vec::new();
    for split in ["train", "test"] {
        let path = dir.join(split).join("questions.json");
        let name = path.display().to_string();
        let questions = parse_questions(&String::from_utf8_lossy(&read_file(&path)?), &name)?;
        let images = dir.join(split).join("images");
        splits.push(build_split(questions, &answers, &name, |id| {
            let file = images.join(format!("{id}.png"));
            Ok((read_file(&file)?, file.display().to_string()))
        })?);
    }
    let test = splits.pop().expect("two splits");
    let train = splits.pop().expect("two splits");
    Ok(EasyVqa { train, test, answers })
}

/// The PNGs of a `DVQAPNG1` container (see `tools/make_easy_vqa_subset.py`) by id.
fn unpack_pngs(bytes: &[u8], name: &str) -> Result<HashMap<usize, Vec<u8>>, DataError> {
    let bad = || DataError::InvalidContent {
        name: name.to_string(),
        reason: "not a complete DVQAPNG1 container".into(),
    };
    let u32_at = |at: usize| -> Result<usize, DataError> {
        let b = bytes.get(at..at + 4).ok_or_else(bad)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    if bytes.get(..8) != Some(b"DVQAPNG1".as_slice()) {
        return Err(bad());
    }
    let count = u32_at(8)?;
    let (mut at, mut out) = (12, HashMap::new());
    for _ in 0..count {
        let (id, len) = (u32_at(at)?, u32_at(at + 4)?);
        let png = bytes.get(at + 8..at + 8 + len).ok_or_else(bad)?;
        out.insert(id, png.to_vec());
        at += 8 + len;
    }
    Ok(out)
}

fn embedded_split(images: &[u8], questions: &[u8], split: &str, answers: &[String]) -> Result<EasyVqaSplit, DataError> {
    let name = format!("embedded easy-vqa-subset/{split}");
    let mut text = String::new();
    GzDecoder::new(questions)
        .read_to_string(&mut text)
        .map_err(|source| DataError::Gzip {
            name: name.clone(),
            source,
        })?;
    let pngs = unpack_pngs(images, &name)?;
    build_split(parse_questions(&text, &name)?, answers, &name, |id| {
        let bytes = pngs.get(&id).cloned().ok_or_else(|| DataError::InvalidContent {
            name: name.clone(),
            reason: format!("image {id} is missing"),
        })?;
        Ok((bytes, format!("{name}/{id}.png")))
    })
}

/// Number of training images in [`easy_vqa_subset`].
pub const EASY_VQA_SUBSET_TRAIN: usize = 1000;
/// Number of test images in [`easy_vqa_subset`].
pub const EASY_VQA_SUBSET_TEST: usize = 300;

/// The embedded subset: the 1,000 training and 300 test images of smallest id and
/// every question about them (9,656 and 2,948).
pub fn easy_vqa_subset() -> EasyVqa {
    let answers = parse_answers(std::str::from_utf8(embedded("answers.txt")).expect("embedded answers are UTF-8"));
    // The bytes are compiled in and covered by tests, so a failure is a build defect.
    let train = embedded_split(embedded("train-images.bin"), embedded("train-questions.json.gz"), "train", &answers)
        .expect("embedded easy-VQA subset decodes (tested)");
    let test = embedded_split(embedded("test-images.bin"), embedded("test-questions.json.gz"), "test", &answers)
        .expect("embedded easy-VQA subset decodes (tested)");
    EasyVqa { train, test, answers }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_subset_has_every_image_and_question() {
        let data = easy_vqa_subset();
        assert_eq!(data.answers.len(), 13);
        assert_eq!(data.train.image_count(), EASY_VQA_SUBSET_TRAIN);
        assert_eq!(data.test.image_count(), EASY_VQA_SUBSET_TEST);
        assert_eq!((data.train.questions.len(), data.test.questions.len()), (9656, 2948));
        assert_eq!(data.train.questions[0].question, "what is the blue shape?");
        assert_eq!(data.train.questions[0].answer, "rectangle");
        // Image 0 is a blue rectangle on a light background: some pixels are pure-ish blue.
        let image = data.train.image(0);
        let plane = EASY_VQA_SIDE * EASY_VQA_SIDE;
        assert!((0..plane).any(|p| image[p] < 60 && image[plane + p] < 60 && image[2 * plane + p] > 150));
    }

    #[test]
    fn malformed_input_names_the_file() {
        let err = parse_questions("[[\"q\", \"a\"]]", "x.json").unwrap_err().to_string();
        assert!(err.starts_with("x.json: entry 0"), "{err}");
        let err = decode_png(b"not a png", "y.png").unwrap_err().to_string();
        assert!(err.starts_with("y.png: not a readable PNG"), "{err}");
    }
}
