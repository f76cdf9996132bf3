//! `GALLERY`: every milestone in historical order — the single source of each one's id,
//! year, title, claim, the article's words and the options it supports. `descent list`,
//! `run`, `tour`, the reports and the README's table all read it.

use crate::harness::Run;
use crate::milestones::{
    alexnet, backprop, bert, clip, dalle, dbn, gan, gpt, lenet, lstm, mcculloch_pitts, perceptron, snn, sora, transformer, vqa, xor,
};
use crate::MilestoneError;

/// One entry of the gallery.
pub struct Milestone {
    /// Id used on the command line (`descent run <id>`) and as the output folder name.
    pub id: &'static str,
    /// Year of the original work.
    pub year: u32,
    /// Short title.
    pub title: &'static str,
    /// The claim the run tests, in one sentence.
    pub claim: &'static str,
    /// The key of the article's timeline event this milestone re-creates
    /// (`descent_report::article_timeline()`: `neuron`, `perceptron`, `backprop`, `lenet`,
    /// `alexnet`, `gan`, `transformer`, `bert-gpt`, `gpt3`, `chatgpt`, `sora`, and the
    /// trend `brain-like`), if any;
    /// the tour's timeline colours the event with this run's verdict.
    pub event: Option<&'static str>,
    /// What the article says about it, where its words matter (quoted in the report).
    pub article: &'static str,
    /// The flags it supports.
    pub options: Options,
    /// Trains, measures and judges the claim.
    pub run: fn(&mut Run) -> Result<(), MilestoneError>,
}

/// Which run flags a milestone supports; the others are errors, never silently ignored.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Names accepted by `--variant`; the first is the default. Empty: no variants.
    pub variants: &'static [&'static str],
    /// Whether `--resume` continues from a checkpoint.
    pub resume: bool,
    /// Whether `--epochs` is accepted, and within which budget.
    pub epochs: Option<EpochBudget>,
}

impl Options {
    /// No variants, no resume, no epochs.
    pub const NONE: Options = Options {
        variants: &[],
        resume: false,
        epochs: None,
    };
}

/// The range of `--epochs` that tests the claim (the defaults are each milestone's
/// `Settings::quick()` and `full()`).
#[derive(Clone, Copy, Debug)]
pub struct EpochBudget {
    /// Fewer epochs cannot test the claim (a pass would mean nothing).
    pub min: usize,
    /// More is refused (hours of CPU by mistake).
    pub max: usize,
}

/// The gallery, oldest first.
pub static GALLERY: &[Milestone] = &[
    Milestone {
        id: "mcculloch-pitts",
        year: 1943,
        title: "McCulloch–Pitts threshold neurons",
        claim: "Threshold units with hand-set weights compute AND, OR, NOT, NAND; two layers compute XOR.",
        event: Some("neuron"),
        article: "1943: the neuron model — a unit that fires when the weighted sum of its inputs passes a threshold.",
        options: Options::NONE,
        run: mcculloch_pitts::run,
    },
    Milestone {
        id: "perceptron",
        year: 1958,
        title: "Rosenblatt's perceptron",
        claim: "The perceptron rule reaches 100% training accuracy on separable real data (iris), within Novikoff's bound.",
        event: Some("perceptron"),
        article: "1958: the perceptron — the first neuron that learns its weights from examples.",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 1,
                max: 100_000,
            }),
        },
        run: perceptron::run,
    },
    Milestone {
        id: "xor",
        year: 1969,
        title: "Minsky & Papert: the XOR limit",
        claim: "A single-layer perceptron never exceeds 3/4 correct on XOR, however long it trains.",
        event: Some("perceptron"),
        article: "The perceptron's limit: a single layer cannot compute XOR (Minsky & Papert, 1969).",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 100,
                max: 10_000_000,
            }),
        },
        run: xor::run,
    },
    Milestone {
        id: "backprop",
        year: 1986,
        title: "Backpropagation",
        claim: "A sigmoid MLP trained by backprop solves XOR (4/4); its gradients match finite differences.",
        event: Some("backprop"),
        article: "1986: backpropagation — errors flow backwards through the layers, so hidden units can learn.",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 1,
                max: 1_000_000,
            }),
        },
        run: backprop::run,
    },
    Milestone {
        id: "lenet",
        year: 1989,
        title: "LeNet: convolutional networks",
        claim: "A convolutional network (LeNet) reaches 99% test accuracy on MNIST handwritten digits.",
        event: Some("lenet"),
        article: "1989: LeNet — Conv2D(6,k5,sigmoid) AvgPool2 Conv2D(16,k5,sigmoid) AvgPool2 Flatten Dense(120) Dense(84) Dense(10,softmax).",
        options: Options {
            variants: &["modern", "1989"],
            resume: true,
            epochs: Some(EpochBudget {
                min: 1,
                max: 500,
            }),
        },
        run: lenet::run,
    },
    Milestone {
        id: "lstm",
        year: 1997,
        title: "LSTM: memory across long time lags",
        claim: "On the adding problem (T = 100) an LSTM reaches test MSE < 0.01 while a tanh RNN of the same size and budget stays near the variance baseline 0.167.",
        event: None,
        article: "",
        options: Options::NONE,
        run: lstm::run,
    },
    Milestone {
        id: "dbn",
        year: 2006,
        title: "Deep belief nets: greedy layer-wise pre-training",
        claim: "RBMs stacked greedily (784-500-500-2000) and fine-tuned by backprop beat the same sigmoid network from random initialisation with the same budget: by at least 1 point of MNIST test error with 1,000 labels, and no worse with all of them.",
        event: None,
        article: "2006: deep belief networks — data → restricted Boltzmann machine → features → a new RBM → higher-level features.",
        options: Options::NONE,
        run: dbn::run,
    },
    Milestone {
        id: "alexnet",
        year: 2012,
        title: "AlexNet: ReLU, dropout, GPUs",
        claim: "On CIFAR-10 an AlexNet-style CNN (ReLU, overlapping max-pool, dropout) beats k-means features + a linear classifier, ReLU reaches 25% training error at least twice as fast as tanh, and dropout narrows the train-test gap.",
        event: Some("alexnet"),
        article: "AlexNet crushed the traditional methods with a 16.4% error rate (runner-up 26.2%). Key techniques: ReLU, f(x) = max(0, x); dropout regularisation; GPU acceleration.",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 2,
                max: 200,
            }),
        },
        run: alexnet::run,
    },
    Milestone {
        id: "gan",
        year: 2014,
        title: "Generative adversarial nets",
        claim: "A GAN's samples land far nearer real digits than pixel-statistics generators do (Fréchet distance on a LeNet's features: at most a quarter of the way from real-vs-real to per-pixel Gaussians), and a class-conditional GAN draws the digit asked for.",
        event: Some("gan"),
        article: "2014: the generative adversarial revolution — min_G max_D E_x[log D(x)] + E_z[log(1 − D(G(z)))]; machines begin to create realistic images.",
        options: Options {
            variants: &["mlp", "dcgan", "mlp-fashion", "dcgan-fashion"],
            resume: false,
            epochs: Some(EpochBudget {
                min: 1,
                max: 200,
            }),
        },
        run: gan::run,
    },
    Milestone {
        id: "transformer",
        year: 2017,
        title: "Attention is all you need: translation",
        claim: "An encoder-decoder Transformer translates English to Chinese with higher BLEU than an LSTM seq2seq of similar size and training budget.",
        event: Some("transformer"),
        article: "2017: the Transformer — attention is all you need.",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 1,
                max: 1_000,
            }),
        },
        run: transformer::run,
    },
    Milestone {
        id: "bert",
        year: 2018,
        title: "ELMo and BERT: does pre-training help?",
        claim: "On SST-2 sentiment with the same labelled examples and fine-tuning budget, a small BERT pre-trained by masked language modelling on unlabelled text beats the same network trained from random initialisation, and a biLSTM language model's frozen contextual features beat its static embeddings, each by at least 2 points of test accuracy.",
        event: Some("bert-gpt"),
        article: "2018: the pre-training era arrives — ELMo: contextual word embeddings; BERT: bidirectional Transformer; GPT: generative pre-training.",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 1,
                max: 100,
            }),
        },
        run: bert::run,
    },
    Milestone {
        id: "snn",
        year: 2019,
        title: "Spiking neural networks: surrogate-gradient training",
        claim: "A spiking network of leaky integrate-and-fire neurons, trained by backpropagation through time with a surrogate gradient, comes within 1.5 points of a same-shape ReLU MLP's MNIST test accuracy at an estimated (operation-count) energy of at most 10% of the MLP's.",
        event: Some("brain-like"),
        article: "Trend: 类脑计算 (brain-like computing) — spiking neural networks that compute with about 1% of the energy.",
        options: Options {
            variants: &["rate", "latency"],
            resume: false,
            epochs: Some(EpochBudget { min: 1, max: 100 }),
        },
        run: snn::run,
    },
    Milestone {
        id: "gpt",
        year: 2020,
        title: "GPT: generative pre-training, prompted poems",
        claim: "A character-level GPT trained on Tang poems beats a unigram model on held-out perplexity and, prompted with author and title, writes poems in the regulated 5/7-character form.",
        event: Some("gpt3"),
        article: "2020: GPT-3 — prompt = \"用李白风格写春天:\"; completion = gpt3.generate(prompt).",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 1,
                max: 1_000,
            }),
        },
        run: gpt::run,
    },
    Milestone {
        id: "clip",
        year: 2021,
        title: "CLIP: one space for images and text",
        claim: "A CLIP trained from scratch on captioned CIFAR-10, Fashion-MNIST and MNIST images classifies test images zero-shot, from prompt templates never seen in training, at 4× chance or better in English and in Chinese.",
        event: None,
        article: "2021: CLIP — a unified image–text representation: image_emb = vision_encoder(photo); text_emb = text_encoder(\"一只猫在沙发上\"); similarity = cos(image_emb, text_emb).",
        options: Options {
            variants: &[],
            resume: false,
            epochs: Some(EpochBudget {
                min: 1,
                max: 1_000,
            }),
        },
        run: clip::run,
    },
    Milestone {
        id: "dalle",
        year: 2022,
        title: "DALL·E 2: generating images from text, by diffusion",
        claim: "A diffusion U-Net conditioned on a caption encoder pre-trained by the CLIP objective on the same captioned data and then frozen (unCLIP's two stages) draws, from English or Chinese captions, digits and clothes that this project's classifiers read as the asked class at least 90% of the time (DDIM sampling with classifier-free guidance).",
        event: None,
        article: "DALL·E 2 (2022): text-to-image generation.",
        options: Options::NONE,
        run: dalle::run,
    },
    Milestone {
        id: "vqa",
        year: 2023,
        title: "GPT-4V: answers with coordinates",
        claim: "A Transformer where image patches and question tokens meet, decoding words and coordinate tokens alike, answers \"where is the 7?\" with boxes (IoU ≥ 0.5) at least twice as often as its blind baselines (question only, image only) and 25 points more.",
        event: None,
        article: "2023: GPT-4V — visual understanding: gpt4v.query(image=medical_scan, question=\"肿瘤位置在哪里?\")  # outputs precise coordinates.",
        options: Options::NONE,
        run: vqa::run,
    },
    Milestone {
        id: "sora",
        year: 2024,
        title: "Sora: generating video from text, by diffusion over space and time",
        claim: "A space-time diffusion U-Net (per-frame convolutions, attention across frames) conditioned on a caption encoder pre-trained by the CLIP objective on the same captioned data and then frozen (unCLIP's two stages) draws, from English or Chinese captions such as \"a 3 moving left\", Moving-MNIST clips whose frames show the asked digit, move the asked way and keep the same digit from frame to frame, with steadier motion than the same network without its temporal layers.",
        event: Some("sora"),
        article: "Sora (2024)",
        options: Options::NONE,
        run: sora::run,
    },
];

/// The milestone with this id.
pub fn find(id: &str) -> Option<&'static Milestone> {
    GALLERY.iter().find(|m| m.id == id)
}

#[cfg(test)]
mod tests {
    use super::GALLERY;

    #[test]
    fn ids_are_unique_and_events_are_the_articles() {
        let keys: Vec<String> = descent_report::article_timeline().into_iter().map(|e| e.key).collect();
        for (i, m) in GALLERY.iter().enumerate() {
            assert!(GALLERY[..i].iter().all(|o| o.id != m.id), "duplicate id {}", m.id);
            if let Some(event) = m.event {
                assert!(keys.iter().any(|k| k == event), "{}: unknown timeline event {event}", m.id);
            }
        }
        assert!(
            GALLERY.windows(2).all(|w| w[0].year <= w[1].year),
            "the gallery is in historical order"
        );
    }
}
