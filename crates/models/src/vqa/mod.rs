//! A visual question answerer in the manner of the 2023 multimodal models (GPT-4V;
//! Flamingo and BLIP's image tokens under cross-attention; Pix2Seq's coordinates as
//! tokens): image patches go through a Transformer encoder, and one decoder reads the
//! question and writes the answer — words, and positions as quantised coordinate
//! tokens from the same vocabulary — attending to the image tokens in every block.
//!
//! * image: [`PatchEmbedding`] (convolutional stem, 8×8-pixel patches, positions
//!   initialised to a 2-D sine–cosine table) → pre-LN encoder blocks → a LayerNorm;
//! * text: one causal sequence per question, `[question…, BOS, answer…]`, of question
//!   and answer token embeddings (two tables) plus learned positions, through pre-LN
//!   decoder blocks (causal self-attention, cross-attention over the image tokens, MLP)
//!   and a head over the answer vocabulary. Only the answer positions are trained.
//!
//! Encoding the image once and asking several questions about it costs one encoder
//! pass: [`Vqa::loss`] and [`Vqa::answer`] take images and, per question, the index of
//! its image.
//!
//! The blind baselines of the gallery are the same model with one input left out
//! ([`VqaInputs`]): without the image the decoder cross-attends to one all-zero token;
//! without the question the sequence starts at BOS. Answer ids 0, 1, 2 are padding,
//! begin and end ([`ANSWER_PAD`], [`ANSWER_BOS`], [`ANSWER_EOS`]); what the other ids
//! mean is its [`AnswerVocab`] (`answers.rs`). A trained model is saved with its
//! tokenizer and answer vocabulary as kind `vqa` ([`VqaModel`], `ask.rs`).

mod answers;
mod ask;

pub use answers::{AnswerVocab, DecodedAnswer, COORDINATE_STEP, COORDINATE_TOKENS};
pub use ask::{AskAnswer, Reply, VqaModel, VqaModelConfig, MAX_ASK_ASPECT, MIN_ASK_SIDE};

use crate::clip::PatchEmbedding;
use crate::ModelError;
use descent_nn::{join_name, layer_norm, DecoderBlock, Embedding, EncoderBlock, Forward, LayerNorm, Linear, Module};
use descent_tensor::{no_grad, AttentionMask, Param, Rng, Tensor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Answer id of padding (ignored by the loss).
pub const ANSWER_PAD: usize = 0;
/// Answer id that starts decoding.
pub const ANSWER_BOS: usize = 1;
/// Answer id that ends an answer.
pub const ANSWER_EOS: usize = 2;

/// Amplitude of the initial 2-D sine–cosine image positions. Full amplitude: "where"
/// answers are read off the attended tokens' positions, and a table scaled to 0.1 (tried
/// first, so that content would not be drowned by position) left that signal too weak —
/// 1,500 quick-size steps reached IoU ≥ 0.5 on 10.5% of boxes at 0.1 against 23.5% at 1.0.
pub const POSITION_SCALE: f32 = 1.0;

/// Which inputs the model sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum VqaInputs {
    /// Image and question (the model).
    #[serde(rename = "image+question")]
    Both,
    /// The question only (a blind baseline: priors of the answers given the question).
    #[serde(rename = "question-only")]
    QuestionOnly,
    /// The image only (a baseline that cannot know what was asked).
    #[serde(rename = "image-only")]
    ImageOnly,
}

impl VqaInputs {
    /// Name in metadata and reports.
    pub fn name(self) -> &'static str {
        match self {
            VqaInputs::Both => "image+question",
            VqaInputs::QuestionOnly => "question-only",
            VqaInputs::ImageOnly => "image-only",
        }
    }

    /// Reads a [`name`](Self::name) back.
    pub fn parse(name: &str) -> Option<VqaInputs> {
        [VqaInputs::Both, VqaInputs::QuestionOnly, VqaInputs::ImageOnly]
            .into_iter()
            .find(|i| i.name() == name)
    }
}

/// Sizes of a [`Vqa`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VqaConfig {
    /// Side of the square RGB canvas.
    pub image_side: usize,
    /// Side of a patch.
    pub patch: usize,
    /// Channels of the first conv of the stem (0: no stem; see [`PatchEmbedding`]).
    pub stem: usize,
    /// Question tokens in the vocabulary.
    pub question_vocab: usize,
    /// Longest question in tokens (longer ones are cut).
    pub question_len: usize,
    /// Answer vocabulary, specials included.
    pub answer_vocab: usize,
    /// Longest answer in tokens, BOS included.
    pub answer_len: usize,
    /// Width.
    pub d_model: usize,
    /// Attention heads.
    pub n_heads: usize,
    /// Encoder blocks (over the image).
    pub encoder_layers: usize,
    /// Decoder blocks (over question and answer).
    pub decoder_layers: usize,
    /// Which inputs the model sees.
    pub inputs: VqaInputs,
}

impl VqaConfig {
    fn sizes(&self) -> [(&'static str, usize); 10] {
        [
            ("image_side", self.image_side),
            ("patch", self.patch),
            ("question_vocab", self.question_vocab),
            ("question_len", self.question_len),
            ("answer_vocab", self.answer_vocab),
            ("answer_len", self.answer_len),
            ("d_model", self.d_model),
            ("n_heads", self.n_heads),
            ("encoder_layers", self.encoder_layers),
            ("decoder_layers", self.decoder_layers),
        ]
    }

    /// Checks the sizes before anything is allocated.
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::limits::check_dims(&self.sizes())?;
        crate::limits::check_dims(&[("stem", self.stem.max(1))])?;
        crate::limits::check_heads(("n_heads", self.n_heads), ("d_model", self.d_model))?;
        if self.image_side % self.patch != 0 || (self.stem > 0 && self.patch % 4 != 0) || self.d_model % 4 != 0 {
            return Err(ModelError::invalid(format!(
                "config 'patch' = {} must divide 'image_side' = {} (and be a multiple of 4 with a stem), 'd_model' a multiple of 4",
                self.patch, self.image_side
            )));
        }
        if self.answer_vocab <= ANSWER_EOS {
            return Err(ModelError::invalid(format!(
                "config 'answer_vocab' = {} leaves no room for answers",
                self.answer_vocab
            )));
        }
        crate::limits::check_count("parameters", self.parameter_count())
    }

    /// Parameters of a model of these sizes (exact, in u128).
    pub fn parameter_count(&self) -> u128 {
        let d = self.d_model as u128;
        let (s, p) = (self.stem as u128, self.patch as u128);
        let patches = (self.image_side as u128 / p).pow(2);
        let image = if s > 0 {
            let k = p / 4;
            (s * 3 * 9 + s) + (2 * s * s * 9 + 2 * s) + d * 2 * s * k * k + d + patches * d
        } else {
            d * 3 * p * p + d + patches * d
        };
        let block = 12 * d * d + 13 * d;
        let encoder = self.encoder_layers as u128 * block + 2 * d;
        let decoder = self.decoder_layers as u128 * (block + 4 * d * d + 4 * d + 2 * d) + 2 * d;
        let (q, a) = (self.question_vocab as u128, self.answer_vocab as u128);
        let tables = (q + a + self.question_len as u128 + self.answer_len as u128) * d;
        image + encoder + decoder + tables + d * a + a
    }
}

/// The fixed 2-D sine–cosine table of MAE (He et al. 2022) for a `side`×`side` grid:
/// the first half of each row encodes the column, the second half the row.
pub fn sincos_2d(side: usize, d: usize) -> Vec<f32> {
    let quarter = d / 4;
    let mut table = vec![0.0f32; side * side * d];
    for y in 0..side {
        for x in 0..side {
            let row = &mut table[(y * side + x) * d..(y * side + x + 1) * d];
            for (half, pos) in [(0, x), (1, y)] {
                for i in 0..quarter {
                    let angle = pos as f64 / 10000f64.powf(i as f64 / quarter as f64);
                    row[half * 2 * quarter + i] = angle.sin() as f32;
                    row[half * 2 * quarter + quarter + i] = angle.cos() as f32;
                }
            }
        }
    }
    table
}

/// Image patches and question tokens in, answer tokens out.
pub struct Vqa {
    /// Sizes.
    pub config: VqaConfig,
    /// Image → tokens.
    pub patches: PatchEmbedding,
    /// Encoder blocks over the image tokens.
    pub encoder: Vec<EncoderBlock>,
    /// Final encoder norm.
    pub encoder_norm: LayerNorm,
    /// Question token table.
    pub question_embedding: Embedding,
    /// Answer token table.
    pub answer_embedding: Embedding,
    /// Positions of the question-and-answer sequence.
    pub positions: Embedding,
    /// Decoder blocks.
    pub decoder: Vec<DecoderBlock>,
    /// Final decoder norm.
    pub decoder_norm: LayerNorm,
    /// States → answer-token logits.
    pub head: Linear,
}

impl Vqa {
    /// A freshly initialised model (GPT-style N(0, 0.02²) layers and tables; image
    /// positions start as the 2-D sine–cosine table).
    pub fn new(config: VqaConfig, rng: &mut Rng) -> Vqa {
        let d = config.d_model;
        let table = |rows: usize, rng: &mut Rng| Embedding {
            weight: Param::new(Tensor::randn(&[rows, d], rng).mul_scalar(0.02)),
        };
        let patches = PatchEmbedding::new(3, config.image_side, config.patch, config.stem, d, rng);
        let side = config.image_side / config.patch;
        let positions: Vec<f32> = sincos_2d(side, d).iter().map(|v| v * POSITION_SCALE).collect();
        patches.position_embedding.weight.set_values(&positions);
        Vqa {
            encoder: (0..config.encoder_layers)
                .map(|_| EncoderBlock::new(d, config.n_heads, 4 * d, rng))
                .collect(),
            encoder_norm: LayerNorm::new(d),
            question_embedding: table(config.question_vocab, rng),
            answer_embedding: table(config.answer_vocab, rng),
            positions: table(config.question_len + config.answer_len, rng),
            decoder: (0..config.decoder_layers)
                .map(|_| DecoderBlock::new(d, config.n_heads, 4 * d, rng))
                .collect(),
            decoder_norm: LayerNorm::new(d),
            head: descent_nn::attention::linear_normal(d, config.answer_vocab, 0.02, true, rng),
            patches,
            config,
        }
    }

    /// Image tokens (M, N, d) of images (M, 3, side, side); one zero token per image
    /// for the question-only baseline.
    pub fn encode_images(&self, images: &Tensor) -> Tensor {
        if self.config.inputs == VqaInputs::QuestionOnly {
            return Tensor::zeros(&[images.dim(0), 1, self.config.d_model]);
        }
        let mut x = self.patches.forward(images); // (M, N, d)
        let mask = AttentionMask::default();
        for block in &self.encoder {
            x = block.forward_masked(&x, &mask); // (M, N, d)
        }
        layer_norm(&self.encoder_norm, &x)
    }

    /// The question part of each sequence (cut to `question_len`; empty for the
    /// image-only baseline).
    fn question_part<'a>(&self, question: &'a [usize]) -> &'a [usize] {
        match self.config.inputs {
            VqaInputs::ImageOnly => &[],
            _ => &question[..question.len().min(self.config.question_len)],
        }
    }

    /// Logits (B, T, vocab) of sequences `[question_b…, answer_in_b…]` (each answer input
    /// starting with BOS), right-padded to the longest, attending to `memory` rows
    /// `image_of`. Row b's answer starts at position `question_b.len()`.
    pub fn logits(&self, memory: &Tensor, image_of: &[usize], questions: &[Vec<usize>], answers_in: &[Vec<usize>]) -> Tensor {
        let batch = questions.len();
        assert!(
            image_of.len() == batch && answers_in.len() == batch && batch > 0,
            "Vqa::logits: {} questions, {} image indices, {} answers",
            batch,
            image_of.len(),
            answers_in.len()
        );
        let q_vocab = self.config.question_vocab;
        let lengths: Vec<usize> = (0..batch)
            .map(|b| self.question_part(&questions[b]).len() + answers_in[b].len())
            .collect();
        let steps = *lengths.iter().max().expect("non-empty");
        assert!(
            answers_in.iter().all(|a| a.len() <= self.config.answer_len),
            "Vqa::logits: an answer exceeds answer_len {}",
            self.config.answer_len
        );
        // One table: question ids first, answer ids after them; padding reads answer PAD.
        let mut ids = Vec::with_capacity(batch * steps);
        for b in 0..batch {
            ids.extend(self.question_part(&questions[b]).iter().copied());
            ids.extend(answers_in[b].iter().map(|&a| q_vocab + a));
            ids.extend(std::iter::repeat_n(q_vocab + ANSWER_PAD, steps - lengths[b]));
        }
        let table = Tensor::concat(&[self.question_embedding.weight.value(), self.answer_embedding.weight.value()], 0);
        let tokens = table.index_select(0, &ids).reshape(&[batch, steps, self.config.d_model]); // (B, T, d)
        let mut y = tokens.add(&self.positions.weight.value().narrow(0, 0, steps)); // (B, T, d)
        let memory = memory.index_select(0, image_of); // (B, N, d)
        let mask = AttentionMask::default();
        for block in &self.decoder {
            y = block.forward_with_memory(&y, &memory, &mask); // (B, T, d)
        }
        self.head.forward(&layer_norm(&self.decoder_norm, &y)) // (B, T, V)
    }

    /// Mean cross-entropy of the answers (ids without BOS/EOS; EOS is a target too) to
    /// `questions` about `images` (question b asks about image `image_of[b]`).
    pub fn loss(&self, images: &Tensor, image_of: &[usize], questions: &[Vec<usize>], answers: &[Vec<usize>]) -> Tensor {
        self.loss_soft(images, image_of, questions, answers, &|id| vec![(id, 1.0)])
    }

    /// [`loss`](Self::loss) against soft targets: `soften(id)` gives the target
    /// distribution (id, weight summing to 1) for a true token — a one-hot for words, a
    /// narrow bump over neighbouring bins for a coordinate, so that a near miss costs
    /// less than a far one.
    pub fn loss_soft(
        &self,
        images: &Tensor,
        image_of: &[usize],
        questions: &[Vec<usize>],
        answers: &[Vec<usize>],
        soften: &dyn Fn(usize) -> Vec<(usize, f32)>,
    ) -> Tensor {
        let memory = self.encode_images(images);
        let answers_in: Vec<Vec<usize>> = answers.iter().map(|a| [&[ANSWER_BOS], a.as_slice()].concat()).collect();
        let logits = self.logits(&memory, image_of, questions, &answers_in); // (B, T, V)
        let (batch, steps, vocab) = (logits.dim(0), logits.dim(1), self.config.answer_vocab);
        let mut targets = vec![0.0f32; batch * steps * vocab];
        let mut count = 0usize;
        for (b, answer) in answers.iter().enumerate() {
            let start = self.question_part(&questions[b]).len();
            for (j, &id) in answer.iter().chain(std::iter::once(&ANSWER_EOS)).enumerate() {
                let row = (b * steps + start + j) * vocab;
                for (k, w) in soften(id) {
                    targets[row + k] += w;
                }
                count += 1;
            }
        }
        let targets = Tensor::from_vec(targets, &[batch * steps, vocab]);
        logits
            .reshape(&[batch * steps, vocab])
            .log_softmax(1)
            .mul(&targets)
            .sum_all()
            .mul_scalar(-1.0 / count.max(1) as f32)
    }

    /// Greedy answers (ids without BOS/EOS) to `questions` about `images`, each at most
    /// `answer_len − 1` tokens; questions of equal length are decoded together.
    pub fn answer(&self, images: &Tensor, image_of: &[usize], questions: &[Vec<usize>]) -> Vec<Vec<usize>> {
        self.answer_scored(images, image_of, questions).into_iter().map(|a| a.ids).collect()
    }

    /// [`Vqa::answer`] with each answer's probability under the model (the product over
    /// its tokens, end token included, of the chosen token's probability — for a
    /// coordinate, that of landing within one step of it), so a caller can tell a
    /// confident answer from a guess.
    pub fn answer_scored(&self, images: &Tensor, image_of: &[usize], questions: &[Vec<usize>]) -> Vec<ScoredAnswer> {
        no_grad(|| {
            let memory = self.encode_images(images);
            let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for (b, q) in questions.iter().enumerate() {
                groups.entry(self.question_part(q).len()).or_default().push(b);
            }
            let mut out = vec![ScoredAnswer::default(); questions.len()];
            for (length, members) in groups {
                let group_questions: Vec<Vec<usize>> = members.iter().map(|&b| questions[b].clone()).collect();
                let group_images: Vec<usize> = members.iter().map(|&b| image_of[b]).collect();
                let answers = self.decode_group(&memory, &group_images, &group_questions, length);
                for (&b, answer) in members.iter().zip(answers) {
                    out[b] = answer;
                }
            }
            out
        })
    }

    /// Greedy decoding of questions that all have `length` tokens.
    fn decode_group(&self, memory: &Tensor, image_of: &[usize], questions: &[Vec<usize>], length: usize) -> Vec<ScoredAnswer> {
        let batch = questions.len();
        let vocab = self.config.answer_vocab;
        let mut answers_in = vec![vec![ANSWER_BOS]; batch];
        let mut done = vec![false; batch];
        let mut out = vec![
            ScoredAnswer {
                ids: Vec::new(),
                probability: 1.0
            };
            batch
        ];
        for t in 0..self.config.answer_len - 1 {
            let logits = self.logits(memory, image_of, questions, &answers_in); // (B, T, V)
            let last = logits.narrow(1, length + t, 1).contiguous_data().into_owned(); // (B, 1, V)
            for b in 0..batch {
                let row = &last[b * vocab..(b + 1) * vocab];
                // Padding and BOS are never answers.
                let next = (ANSWER_EOS..vocab).max_by(|&i, &j| row[i].total_cmp(&row[j])).unwrap_or(ANSWER_EOS);
                if !done[b] {
                    let top = row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
                    let total: f32 = row.iter().map(|&v| (v - top).exp()).sum();
                    let mass: f32 = answers::same_answer(next)
                        .filter(|&i| i < vocab)
                        .map(|i| (row[i] - top).exp())
                        .sum();
                    out[b].probability *= mass / total;
                    if next != ANSWER_EOS {
                        out[b].ids.push(next);
                    }
                }
                done[b] |= next == ANSWER_EOS;
                answers_in[b].push(next);
            }
            if done.iter().all(|&d| d) {
                break;
            }
        }
        out
    }
}

/// A greedy answer and its probability under the model.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScoredAnswer {
    /// Answer ids, without BOS and EOS.
    pub ids: Vec<usize>,
    /// Product over the tokens (EOS included) of each one's probability; a coordinate
    /// counts its neighbours one step either side.
    pub probability: f32,
}

impl Module for Vqa {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.patches.visit(&join_name(prefix, "patches"), f);
        for (l, b) in self.encoder.iter().enumerate() {
            b.visit(&join_name(prefix, &format!("encoder.{l}")), f);
        }
        self.encoder_norm.visit(&join_name(prefix, "encoder_norm"), f);
        self.question_embedding.visit(&join_name(prefix, "question_embedding"), f);
        self.answer_embedding.visit(&join_name(prefix, "answer_embedding"), f);
        self.positions.visit(&join_name(prefix, "positions"), f);
        for (l, b) in self.decoder.iter().enumerate() {
            b.visit(&join_name(prefix, &format!("decoder.{l}")), f);
        }
        self.decoder_norm.visit(&join_name(prefix, "decoder_norm"), f);
        self.head.visit(&join_name(prefix, "head"), f);
    }
}
