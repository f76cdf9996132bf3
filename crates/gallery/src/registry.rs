//! `GALLERY`: every milestone in historical order, as `descent list` prints it.

use crate::milestones::{backprop, gpt as gpt_poetry, lenet, lstm, mcculloch_pitts, perceptron, transformer as translation, xor};
use crate::{MilestoneError, RunConfig};
use descent_report::MilestoneReport;

/// One entry of the gallery.
pub struct Milestone {
    /// Id used on the command line (`descent run <id>`).
    pub id: &'static str,
    /// Year of the original work.
    pub year: u32,
    /// Short title.
    pub title: &'static str,
    /// The claim the run tests.
    pub claim: &'static str,
    /// Trains/evaluates and judges the claim.
    pub run: fn(&RunConfig) -> Result<MilestoneReport, MilestoneError>,
}

/// The gallery, oldest first.
pub static GALLERY: &[Milestone] = &[
    Milestone {
        id: "mcculloch-pitts",
        year: 1943,
        title: "McCulloch–Pitts threshold neurons",
        claim: "Threshold units with hand-set weights compute AND, OR, NOT, NAND; two layers compute XOR.",
        run: mcculloch_pitts::run,
    },
    Milestone {
        id: "perceptron",
        year: 1958,
        title: "Rosenblatt's perceptron",
        claim: "The perceptron rule reaches 100% training accuracy on separable real data (iris), within Novikoff's bound.",
        run: perceptron::run,
    },
    Milestone {
        id: "xor",
        year: 1969,
        title: "Minsky & Papert: the XOR limit",
        claim: "A single-layer perceptron never exceeds 3/4 correct on XOR, however long it trains.",
        run: xor::run,
    },
    Milestone {
        id: "backprop",
        year: 1986,
        title: "Backpropagation",
        claim: "A sigmoid MLP trained by backprop solves XOR (4/4); its gradients match finite differences.",
        run: backprop::run,
    },
    Milestone {
        id: "lenet",
        year: 1989,
        title: "LeNet: convolutional networks",
        claim: "A convolutional network (LeNet) reaches 99% test accuracy on MNIST handwritten digits.",
        run: lenet::run,
    },
    Milestone {
        id: "lstm",
        year: 1997,
        title: "LSTM: memory across long time lags",
        claim: "On the adding problem (T = 100) an LSTM reaches test MSE < 0.01 while a tanh RNN of the same size and budget stays near the variance baseline 0.167.",
        run: lstm::run,
    },
    Milestone {
        id: "transformer",
        year: 2017,
        title: "Attention is all you need: translation",
        claim: "An encoder-decoder Transformer translates English to Chinese with higher BLEU than an LSTM seq2seq of similar size and training budget.",
        run: translation::run,
    },
    Milestone {
        id: "gpt",
        year: 2020,
        title: "GPT: generative pre-training, prompted poems",
        claim: "A character-level GPT trained on Tang poems beats a unigram model on held-out perplexity and, prompted with author and title, writes poems in the regulated 5/7-character form.",
        run: gpt_poetry::run,
    },
];

/// The milestone with this id.
pub fn find(id: &str) -> Option<&'static Milestone> {
    GALLERY.iter().find(|m| m.id == id)
}
