//! A visual question answerer in the manner of the 2023 multimodal models (GPT-4V,
//! Pix2Seq-style coordinates): image patches and question tokens meet in one Transformer
//! encoder, and one decoder writes the answer as tokens — words, and positions as
//! quantised coordinate tokens from the same vocabulary.
//!
//! * image: [`PatchEmbedding`] (conv stem, then non-overlapping patches, learned
//!   positions) → N tokens;
//! * question: token embedding + learned positions → up to `question_len` tokens;
//! * encoder: pre-LN blocks over `[patches; question]` (question padding masked, so the
//!   padding sits at the end of the joint sequence), a final LayerNorm;
//! * decoder: pre-LN blocks with causal self-attention over the answer so far and
//!   cross-attention over the encoder's output; a head over the answer vocabulary.
//!
//! The blind baselines of the gallery are the same model with one input left out
//! ([`VqaInputs`]): the encoder then sees only the question, or only the image.
//! Answer ids 0, 1, 2 are padding, begin and end ([`ANSWER_PAD`], [`ANSWER_BOS`],
//! [`ANSWER_EOS`]); what the other ids mean is the caller's vocabulary.

use crate::clip::PatchEmbedding;
use descent_nn::{join_name, layer_norm, DecoderBlock, Embedding, EncoderBlock, Forward, LayerNorm, Linear, Module};
use descent_tensor::{no_grad, AttentionMask, Param, Rng, Tensor};
use std::collections::HashMap;
use std::sync::Arc;

/// Answer id of padding (ignored by the loss).
pub const ANSWER_PAD: usize = 0;
/// Answer id that starts decoding.
pub const ANSWER_BOS: usize = 1;
/// Answer id that ends an answer.
pub const ANSWER_EOS: usize = 2;

/// Which inputs the encoder sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VqaInputs {
    /// Image and question (the model).
    Both,
    /// The question only (a blind baseline: priors of the answers given the question).
    QuestionOnly,
    /// The image only (a baseline that cannot know what was asked).
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VqaConfig {
    /// Side of the square RGB canvas.
    pub image_side: usize,
    /// Side of a patch.
    pub patch: usize,
    /// Channels of the conv stem (0: none).
    pub stem: usize,
    /// Question tokens in the vocabulary.
    pub question_vocab: usize,
    /// Longest question in tokens.
    pub question_len: usize,
    /// Answer vocabulary, specials included.
    pub answer_vocab: usize,
    /// Longest answer in tokens, BOS included.
    pub answer_len: usize,
    /// Width.
    pub d_model: usize,
    /// Attention heads.
    pub n_heads: usize,
    /// Encoder blocks.
    pub encoder_layers: usize,
    /// Decoder blocks.
    pub decoder_layers: usize,
    /// Which inputs the encoder sees.
    pub inputs: VqaInputs,
}

impl VqaConfig {
    fn sizes(&self) -> [(&'static str, usize); 11] {
        [
            ("image_side", self.image_side),
            ("patch", self.patch),
            ("stem", self.stem),
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

    /// The sizes as checkpoint metadata entries.
    pub fn to_entries(&self) -> Vec<(String, String)> {
        let mut entries: Vec<(String, String)> = self.sizes().iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        entries.push(("inputs".into(), self.inputs.name().into()));
        entries
    }

    /// Reads the sizes back from checkpoint metadata and validates them.
    pub fn from_metadata(meta: &HashMap<String, String>) -> Result<VqaConfig, String> {
        let get = |key: &str| -> Result<usize, String> {
            meta.get(key)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("checkpoint metadata lacks a numeric '{key}' (not a VQA checkpoint?)"))
        };
        let inputs = meta
            .get("inputs")
            .and_then(|s| VqaInputs::parse(s))
            .ok_or_else(|| "checkpoint metadata lacks 'inputs' (image+question, question-only or image-only)".to_string())?;
        let config = VqaConfig {
            image_side: get("image_side")?,
            patch: get("patch")?,
            stem: meta.get("stem").and_then(|v| v.parse().ok()).unwrap_or(0),
            question_vocab: get("question_vocab")?,
            question_len: get("question_len")?,
            answer_vocab: get("answer_vocab")?,
            answer_len: get("answer_len")?,
            d_model: get("d_model")?,
            n_heads: get("n_heads")?,
            encoder_layers: get("encoder_layers")?,
            decoder_layers: get("decoder_layers")?,
            inputs,
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the sizes before anything is allocated.
    pub fn validate(&self) -> Result<(), String> {
        let sizes: Vec<(&str, usize)> = self.sizes().into_iter().filter(|(k, _)| *k != "stem").collect();
        crate::limits::check_dims(&sizes)?;
        if self.d_model % self.n_heads != 0 {
            return Err(format!(
                "metadata 'n_heads' = {} does not divide 'd_model' = {}",
                self.n_heads, self.d_model
            ));
        }
        if self.image_side % self.patch != 0 {
            return Err(format!(
                "metadata 'patch' = {} does not divide 'image_side' = {}",
                self.patch, self.image_side
            ));
        }
        if self.answer_vocab <= ANSWER_EOS {
            return Err(format!(
                "metadata 'answer_vocab' = {} leaves no room for answers",
                self.answer_vocab
            ));
        }
        crate::limits::check_dims(&[("stem", self.stem.max(1))])?;
        crate::limits::check_count("parameters", self.parameter_count())
    }

    /// Parameters of a model of these sizes (exact, in u128).
    pub fn parameter_count(&self) -> u128 {
        let d = self.d_model as u128;
        let (s, p) = (self.stem as u128, self.patch as u128);
        let patches = (self.image_side as u128 / p).pow(2);
        let stem = if s > 0 { s * 3 * 9 + s } else { 0 };
        let proj_in = if s > 0 { s } else { 3 };
        let image = stem + d * proj_in * p * p + d + patches * d;
        let question = (self.question_vocab as u128 + self.question_len as u128) * d;
        let block = 12 * d * d + 13 * d;
        let encoder = self.encoder_layers as u128 * block + 2 * d;
        let decoder = self.decoder_layers as u128 * (block + 4 * d * d + 4 * d + 2 * d);
        let a = self.answer_vocab as u128;
        let answer = (a + self.answer_len as u128) * d + 2 * d + d * a + a;
        image + question + encoder + decoder + answer
    }
}

/// Image patches and question tokens in, answer tokens out.
pub struct Vqa {
    /// Sizes.
    pub config: VqaConfig,
    /// Image → tokens.
    pub patches: PatchEmbedding,
    /// Question token table.
    pub question_embedding: Embedding,
    /// Question positions.
    pub question_positions: Embedding,
    /// Encoder blocks over `[patches; question]`.
    pub encoder: Vec<EncoderBlock>,
    /// Final encoder norm.
    pub encoder_norm: LayerNorm,
    /// Answer token table.
    pub answer_embedding: Embedding,
    /// Answer positions.
    pub answer_positions: Embedding,
    /// Decoder blocks.
    pub decoder: Vec<DecoderBlock>,
    /// Final decoder norm.
    pub decoder_norm: LayerNorm,
    /// States → answer-token logits.
    pub head: Linear,
}

/// The encoder's output and how many of its positions are real, per example.
pub struct Memory {
    /// (B, S, d).
    pub states: Tensor,
    /// Real positions of each example (the rest is padding).
    pub lengths: Arc<Vec<usize>>,
}

impl Vqa {
    /// A freshly initialised model (GPT-style N(0, 0.02²) layers and tables).
    pub fn new(config: VqaConfig, rng: &mut Rng) -> Vqa {
        let d = config.d_model;
        let table = |rows: usize, rng: &mut Rng| Embedding {
            weight: Param::new(Tensor::randn(&[rows, d], rng).mul_scalar(0.02)),
        };
        let patches = PatchEmbedding::new(3, config.image_side, config.patch, config.stem, d, rng);
        Vqa {
            question_embedding: table(config.question_vocab, rng),
            question_positions: table(config.question_len, rng),
            encoder: (0..config.encoder_layers)
                .map(|_| EncoderBlock::new(d, config.n_heads, 4 * d, rng))
                .collect(),
            encoder_norm: LayerNorm::new(d),
            answer_embedding: table(config.answer_vocab, rng),
            answer_positions: table(config.answer_len, rng),
            decoder: (0..config.decoder_layers)
                .map(|_| DecoderBlock::new(d, config.n_heads, 4 * d, rng))
                .collect(),
            decoder_norm: LayerNorm::new(d),
            head: descent_nn::attention::linear_normal(d, config.answer_vocab, 0.02, true, rng),
            patches,
            config,
        }
    }

    /// Question tokens (B, T, d), padded with id 0 to the longest (cut to
    /// `question_len`), and each question's length (at least 1).
    fn embed_questions(&self, questions: &[Vec<usize>]) -> (Tensor, Vec<usize>) {
        let max = self.config.question_len;
        let lengths: Vec<usize> = questions.iter().map(|q| q.len().clamp(1, max)).collect();
        let steps = *lengths.iter().max().expect("at least one question");
        let mut ids = Vec::with_capacity(questions.len() * steps);
        for (q, &len) in questions.iter().zip(&lengths) {
            ids.extend(q.iter().take(len));
            ids.extend(std::iter::repeat_n(0, steps - q.len().min(len)));
        }
        let tokens = self.question_embedding.lookup(&ids, &[questions.len(), steps]); // (B, T, d)
        (tokens.add(&self.question_positions.weight.value().narrow(0, 0, steps)), lengths)
    }

    /// Encodes a batch: `images` (B, 3, side, side) and token-id `questions` (either may
    /// be ignored, as the config's [`VqaInputs`] says).
    pub fn encode(&self, images: &Tensor, questions: &[Vec<usize>]) -> Memory {
        let batch = questions.len();
        assert_eq!(images.dim(0), batch, "Vqa: {} images but {batch} questions", images.dim(0));
        let n = self.patches.patches();
        let (states, lengths) = match self.config.inputs {
            VqaInputs::Both => {
                let (q, lengths) = self.embed_questions(questions);
                let x = Tensor::concat(&[self.patches.forward(images), q], 1); // (B, N + T, d)
                (x, lengths.iter().map(|l| n + l).collect())
            }
            VqaInputs::QuestionOnly => self.embed_questions(questions),
            VqaInputs::ImageOnly => (self.patches.forward(images), vec![n; batch]),
        };
        let lengths = Arc::new(lengths);
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(lengths.clone()),
        };
        let mut x = states;
        for block in &self.encoder {
            x = block.forward_masked(&x, &mask); // (B, S, d)
        }
        Memory {
            states: layer_norm(&self.encoder_norm, &x),
            lengths,
        }
    }

    /// Logits (B, T, vocab) of the next answer token after each of `inputs` (B·T ids,
    /// row-major, starting with BOS).
    pub fn decode(&self, memory: &Memory, inputs: &[usize], batch: usize) -> Tensor {
        let steps = inputs.len() / batch;
        assert!(
            steps >= 1 && steps <= self.config.answer_len && inputs.len() == batch * steps,
            "Vqa::decode: {} ids for {batch} answers do not fit answer_len {}",
            inputs.len(),
            self.config.answer_len
        );
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(memory.lengths.clone()),
        };
        let mut y = self
            .answer_embedding
            .lookup(inputs, &[batch, steps])
            .add(&self.answer_positions.weight.value().narrow(0, 0, steps)); // (B, T, d)
        for block in &self.decoder {
            y = block.forward_with_memory(&y, &memory.states, &mask); // (B, T, d)
        }
        self.head.forward(&layer_norm(&self.decoder_norm, &y)) // (B, T, V)
    }

    /// Mean cross-entropy of the answers (ids without BOS/EOS; EOS is a target too).
    pub fn loss(&self, images: &Tensor, questions: &[Vec<usize>], answers: &[Vec<usize>]) -> Tensor {
        let batch = answers.len();
        let steps = answers.iter().map(|a| a.len() + 1).max().unwrap_or(1);
        assert!(
            steps <= self.config.answer_len,
            "Vqa::loss: an answer of {} tokens exceeds answer_len {}",
            steps - 1,
            self.config.answer_len
        );
        let (mut inputs, mut targets) = (Vec::with_capacity(batch * steps), Vec::with_capacity(batch * steps));
        for answer in answers {
            inputs.push(ANSWER_BOS);
            inputs.extend_from_slice(answer);
            targets.extend_from_slice(answer);
            targets.push(ANSWER_EOS);
            inputs.extend(std::iter::repeat_n(ANSWER_PAD, steps - answer.len() - 1));
            targets.extend(std::iter::repeat_n(ANSWER_PAD, steps - answer.len() - 1));
        }
        let memory = self.encode(images, questions);
        let logits = self.decode(&memory, &inputs, batch); // (B, T, V)
        logits
            .reshape(&[batch * steps, self.config.answer_vocab])
            .softmax_cross_entropy(&targets, Some(ANSWER_PAD))
    }

    /// Greedy answers (ids without BOS/EOS), each at most `answer_len − 1` tokens.
    pub fn answer(&self, images: &Tensor, questions: &[Vec<usize>]) -> Vec<Vec<usize>> {
        let batch = questions.len();
        no_grad(|| {
            let memory = self.encode(images, questions);
            let mut tokens = vec![ANSWER_BOS; batch];
            let mut done = vec![false; batch];
            let mut out = vec![Vec::new(); batch];
            for t in 1..self.config.answer_len {
                let logits = self.decode(&memory, &tokens, batch); // (B, t, V)
                let vocab = self.config.answer_vocab;
                let data = logits.narrow(1, t - 1, 1).contiguous_data().into_owned(); // (B, 1, V)
                let mut next_tokens = Vec::with_capacity(batch * (t + 1));
                for b in 0..batch {
                    let row = &data[b * vocab..(b + 1) * vocab];
                    // Padding and BOS are never answers.
                    let next = (ANSWER_EOS..vocab).max_by(|&i, &j| row[i].total_cmp(&row[j])).unwrap_or(ANSWER_EOS);
                    if !done[b] && next != ANSWER_EOS {
                        out[b].push(next);
                    }
                    done[b] |= next == ANSWER_EOS;
                    next_tokens.extend_from_slice(&tokens[b * t..(b + 1) * t]);
                    next_tokens.push(next);
                }
                tokens = next_tokens;
                if done.iter().all(|&d| d) {
                    break;
                }
            }
            out
        })
    }
}

impl Module for Vqa {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.patches.visit(&join_name(prefix, "patches"), f);
        self.question_embedding.visit(&join_name(prefix, "question_embedding"), f);
        self.question_positions.visit(&join_name(prefix, "question_positions"), f);
        for (l, b) in self.encoder.iter().enumerate() {
            b.visit(&join_name(prefix, &format!("encoder.{l}")), f);
        }
        self.encoder_norm.visit(&join_name(prefix, "encoder_norm"), f);
        self.answer_embedding.visit(&join_name(prefix, "answer_embedding"), f);
        self.answer_positions.visit(&join_name(prefix, "answer_positions"), f);
        for (l, b) in self.decoder.iter().enumerate() {
            b.visit(&join_name(prefix, &format!("decoder.{l}")), f);
        }
        self.decoder_norm.visit(&join_name(prefix, "decoder_norm"), f);
        self.head.visit(&join_name(prefix, "head"), f);
    }
}
