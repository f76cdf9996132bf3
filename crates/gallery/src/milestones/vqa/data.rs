//! The VQA milestone's questions: easy-VQA's real ones and generated scenes', as
//! (image, question, answer tokens, truth) examples; the training stream (a fresh
//! seeded batch per step) and the fixed test sets.

use super::scenes::{self, ObjectPool, QuestionKind, SceneAnswer, CANVAS};
use super::train::{question_ids, Budget};
use crate::MilestoneError;
use descent_data::{
    easy_vqa_subset, load_easy_vqa, mnist_subset, DataLocator, Dataset, EasyVqa, ImageSet, EASY_VQA_DIR, EASY_VQA_IMAGE_LEN,
};
use descent_models::vqa::AnswerVocab;
use descent_tensor::Rng;
use descent_text::{Bpe, Tokenizer};

/// Values of one RGB canvas (3 × 64 × 64).
pub(crate) const IMAGE_LEN: usize = EASY_VQA_IMAGE_LEN;

/// What an example asks: an easy-VQA question or a scene question of some kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// easy-VQA (shape, colour, yes/no).
    EasyVqa,
    /// A generated scene's question.
    Scene(QuestionKind),
}

/// The true answer, as scored.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Truth {
    /// A word, matched exactly.
    Word(String),
    /// A box, scored by IoU and coordinate error.
    Box([f32; 4]),
    /// Names and boxes, scored by the share of objects named with a box of IoU ≥ 0.5.
    List(Vec<(String, [f32; 4])>),
}

/// Questions about images, images stored once.
#[derive(Clone, Debug, Default)]
pub(crate) struct ExampleSet {
    /// Images (n, 3, 64, 64), 0–255.
    pub(crate) images: Vec<u8>,
    /// Image of each example.
    pub(crate) image_of: Vec<usize>,
    /// Question texts.
    pub(crate) questions: Vec<String>,
    /// True answers.
    pub(crate) truths: Vec<Truth>,
    /// Kinds.
    pub(crate) kinds: Vec<Kind>,
}

impl ExampleSet {
    /// Number of examples.
    pub(crate) fn len(&self) -> usize {
        self.questions.len()
    }

    /// The image of example `i`.
    pub(crate) fn image(&self, i: usize) -> &[u8] {
        let k = self.image_of[i];
        &self.images[k * IMAGE_LEN..(k + 1) * IMAGE_LEN]
    }

    /// Stores an image; returns its index.
    fn push_image(&mut self, pixels: &[u8]) -> usize {
        self.images.extend_from_slice(pixels);
        self.images.len() / IMAGE_LEN - 1
    }

    /// Adds an example about stored image `image`.
    fn push(&mut self, image: usize, question: String, truth: Truth, kind: Kind) {
        self.image_of.push(image);
        self.questions.push(question);
        self.truths.push(truth);
        self.kinds.push(kind);
    }
}

/// A grey scene canvas as RGB (ink bright on black on all three channels).
pub(crate) fn scene_rgb(pixels: &[u8]) -> Vec<u8> {
    pixels.repeat(3)
}

/// Answer tokens of a truth.
pub(crate) fn answer_ids(vocab: &AnswerVocab, truth: &Truth) -> Vec<usize> {
    match truth {
        Truth::Box(b) => vocab.encode_box(b),
        Truth::Word(w) => vec![vocab.word(w).expect("every answer word is in the vocabulary")],
        Truth::List(objects) => objects
            .iter()
            .flat_map(|(name, b)| {
                let mut ids = vec![vocab.word(name).expect("every name is in the vocabulary")];
                ids.extend(vocab.encode_box(b));
                ids
            })
            .collect(),
    }
}

/// A scene's answer as scored.
fn truth_of(answer: SceneAnswer) -> Truth {
    match answer {
        SceneAnswer::Box(b) => Truth::Box(b),
        SceneAnswer::Word(w) => Truth::Word(w),
        SceneAnswer::List(objects) => Truth::List(objects),
    }
}

/// Everything the milestone reads.
pub(crate) struct VqaData {
    /// easy-VQA, if this mode has it.
    pub(crate) easy: Option<EasyVqa>,
    /// The training questions of each easy-VQA training image.
    pub(crate) easy_by_image: Vec<Vec<usize>>,
    /// Digits and clothes for training scenes.
    pub(crate) train_objects: (ImageSet, Option<ImageSet>),
    /// Digits and clothes for test scenes (their test splits: unseen drawings).
    pub(crate) test_objects: (ImageSet, Option<ImageSet>),
    /// Which data, without paths.
    pub(crate) identity: String,
    /// For the report.
    pub(crate) source: String,
}

/// The full files (`full`) or the embedded subsets.
pub(crate) fn load(locator: &DataLocator, full: bool) -> Result<VqaData, MilestoneError> {
    if full {
        return load_full(locator);
    }
    let easy = easy_vqa_subset();
    let (train, test) = mnist_subset();
    let identity = format!(
        "easy-VQA embedded subset {}/{} questions, scenes of the embedded MNIST subset {}/{}",
        easy.train.questions.len(),
        easy.test.questions.len(),
        train.n,
        test.n
    );
    Ok(VqaData {
        source: identity.clone(),
        easy_by_image: by_image(&easy),
        easy: Some(easy),
        train_objects: (train, None),
        test_objects: (test, None),
        identity,
    })
}

/// easy-VQA, MNIST and Fashion-MNIST from the data folder.
fn load_full(locator: &DataLocator) -> Result<VqaData, MilestoneError> {
    let dir = locator
        .roots()
        .iter()
        .map(|r| r.path.join(EASY_VQA_DIR))
        .find(|d| d.join("train").join("questions.json").is_file())
        .ok_or_else(|| {
            MilestoneError::Config(format!(
                "easy-VQA not found: no {EASY_VQA_DIR}/ with train/questions.json under {}; set DESCENT_DATA or --data-dir to the folder holding it",
                locator.roots().iter().map(|r| r.path.display().to_string()).collect::<Vec<_>>().join(", ")
            ))
        })?;
    let easy = load_easy_vqa(&dir)?;
    let digits = (
        locator.load(Dataset::Mnist, descent_data::Split::Train)?,
        locator.load(Dataset::Mnist, descent_data::Split::Test)?,
    );
    let clothes = (
        locator.load(Dataset::FashionMnist, descent_data::Split::Train)?,
        locator.load(Dataset::FashionMnist, descent_data::Split::Test)?,
    );
    let identity = format!(
        "easy-VQA {}/{} questions, scenes of MNIST {}/{} and Fashion-MNIST {}/{}",
        easy.train.questions.len(),
        easy.test.questions.len(),
        digits.0.n,
        digits.1.n,
        clothes.0.n,
        clothes.1.n
    );
    Ok(VqaData {
        source: format!("{identity}, from {}", dir.display()),
        easy_by_image: by_image(&easy),
        easy: Some(easy),
        train_objects: (digits.0, Some(clothes.0)),
        test_objects: (digits.1, Some(clothes.1)),
        identity,
    })
}

/// easy-VQA's training questions grouped by image.
fn by_image(easy: &EasyVqa) -> Vec<Vec<usize>> {
    let mut groups = vec![Vec::new(); easy.train.image_count()];
    for (i, q) in easy.train.questions.iter().enumerate() {
        groups[q.image].push(i);
    }
    groups
}

/// Every answer word the data can ask for.
fn answer_words(data: &VqaData) -> Vec<String> {
    let mut words: Vec<String> = data.easy.iter().flat_map(|e| e.answers.iter().cloned()).collect();
    words.extend(scenes::all_names());
    words
}

/// Every question text the tokenizer should know well.
fn question_texts(data: &VqaData) -> Vec<String> {
    let mut texts = scenes::all_question_texts();
    if let Some(easy) = &data.easy {
        texts.extend(easy.train.questions.iter().map(|q| q.question.clone()));
    }
    texts
}

/// The two vocabularies: the questions' (BPE, trained on every question text) and the
/// answers', and the longest question in tokens.
pub(crate) struct Vocabularies {
    /// Question tokens.
    pub(crate) questions: Tokenizer,
    /// Answer words and coordinate tokens.
    pub(crate) answers: AnswerVocab,
    /// Tokens of the longest question text.
    pub(crate) longest_question: usize,
}

/// Trains the question tokenizer (`bpe_vocab` tokens) and lists the answers.
pub(crate) fn vocabularies(data: &VqaData, bpe_vocab: usize) -> Vocabularies {
    let texts = question_texts(data);
    let questions = Tokenizer::Bpe(Bpe::train(texts.iter().map(String::as_str), bpe_vocab));
    let answers = AnswerVocab::new(answer_words(data));
    let longest_question = texts.iter().map(|t| question_ids(&questions, t).len()).max().unwrap_or(1);
    Vocabularies {
        questions,
        answers,
        longest_question,
    }
}

/// Training batch `step`: the budget's batch of questions, `per_image` about each
/// image — a share of them easy-VQA's (when there are any), the rest about freshly
/// generated scenes; seeded by (seed, step).
pub(crate) fn train_batch(data: &VqaData, pool: &ObjectPool, budget: &Budget, seed: u64, step: usize) -> ExampleSet {
    let (size, per_image) = (budget.batch_size, budget.per_image);
    let mut rng = Rng::new(descent_data::epoch_seed(seed, step as u64));
    let mut batch = ExampleSet::default();
    let easy_count = if data.easy.is_some() {
        (size as f32 * budget.easy_share).round() as usize
    } else {
        0
    };
    if let Some(easy) = &data.easy {
        while batch.len() < easy_count {
            let group = &data.easy_by_image[rng.below(data.easy_by_image.len())];
            if group.is_empty() {
                continue;
            }
            let image = batch.push_image(easy.train.image(easy.train.questions[group[0]].image));
            for _ in 0..per_image.min(easy_count - batch.len()) {
                let q = &easy.train.questions[group[rng.below(group.len())]];
                batch.push(image, q.question.clone(), Truth::Word(q.answer.clone()), Kind::EasyVqa);
            }
        }
    }
    while batch.len() < size {
        let scene = scenes::generate(pool, &mut rng);
        let image = batch.push_image(&scene_rgb(&scene.pixels));
        for _ in 0..per_image.min(size - batch.len()) {
            let question = scenes::ask(&scene, None, pool.has_clothes(), &mut rng);
            batch.push(image, question.text, truth_of(question.answer), Kind::Scene(question.kind));
        }
    }
    batch
}

/// The fixed test sets: easy-VQA's test questions (at most `easy_limit`), and
/// `scene_count` scenes drawn from test images with one question of each kind.
pub(crate) fn test_sets(data: &VqaData, scene_count: usize, easy_limit: usize, seed: u64) -> (ExampleSet, ExampleSet) {
    let mut easy_set = ExampleSet::default();
    if let Some(easy) = &data.easy {
        easy_set.images = easy.test.images.clone();
        for q in easy.test.questions.iter().take(easy_limit) {
            easy_set.push(q.image, q.question.clone(), Truth::Word(q.answer.clone()), Kind::EasyVqa);
        }
    }
    let pool = ObjectPool::new(&data.test_objects.0, data.test_objects.1.as_ref());
    let mut rng = Rng::new(seed ^ 0x7E57);
    let mut scene_set = ExampleSet::default();
    for _ in 0..scene_count {
        let scene = scenes::generate(&pool, &mut rng);
        let image = scene_set.push_image(&scene_rgb(&scene.pixels));
        for kind in QuestionKind::ALL {
            let question = scenes::ask(&scene, Some(kind), pool.has_clothes(), &mut rng);
            // "left of" falls back to "where" when nothing is left of anything: skip it.
            if question.kind == kind {
                scene_set.push(image, question.text, truth_of(question.answer), Kind::Scene(kind));
            }
        }
    }
    debug_assert!(scene_set.images.len() == scene_count * 3 * CANVAS * CANVAS);
    (easy_set, scene_set)
}
