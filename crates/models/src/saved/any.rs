//! [`AnyModel`]: whatever a model file holds, rebuilt by its `kind` — the one place that
//! lists every kind, so the commands that take any saved model (`inspect`, and those
//! that pick a path by kind) dispatch here.

use super::{ModelFile, SavedModel};
use crate::alexnet::CifarClassifier;
use crate::char_lstm::CharLstm;
use crate::clip::ClipModel;
use crate::gan::ImageGan;
use crate::gpt::Gpt;
use crate::lenet::LeNet;
use crate::rbm::DeepBeliefNet;
use crate::text_diffusion::{TextToImage, TextToVideo};
use crate::text_model::TextModel;
use crate::translator::TranslationModel;
use crate::vqa::VqaModel;
use crate::ModelError;
use descent_nn::Module;

/// Every kind a model file may hold, with what it is in a few words.
pub const KINDS: &[(&str, &str)] = &[
    (LeNet::KIND, "LeNet-5 digit classifier"),
    (CifarClassifier::KIND, "AlexNet-style CIFAR-10 classifier"),
    (<TextModel<CharLstm>>::KIND, "character-level LSTM language model"),
    (<TextModel<Gpt>>::KIND, "GPT language model"),
    (ImageGan::KIND, "GAN image generator and discriminator"),
    (DeepBeliefNet::KIND, "deep belief net (stacked RBMs)"),
    (ClipModel::KIND, "CLIP image and text encoders"),
    (VqaModel::KIND, "visual question answerer"),
    (TextToImage::KIND, "text-to-image diffusion model"),
    (TextToVideo::KIND, "text-to-video diffusion model"),
    (TranslationModel::KIND, "English→Chinese Transformer translator"),
];

/// A model of any kind, with its saved weights.
pub enum AnyModel {
    /// `lenet`.
    LeNet(LeNet),
    /// `cifarnet`.
    Cifar(CifarClassifier),
    /// `char-lstm`.
    CharLstm(TextModel<CharLstm>),
    /// `gpt`.
    Gpt(TextModel<Gpt>),
    /// `gan`.
    Gan(ImageGan),
    /// `dbn`.
    Dbn(DeepBeliefNet),
    /// `clip`.
    Clip(ClipModel),
    /// `vqa`.
    Vqa(VqaModel),
    /// `text-to-image`.
    TextToImage(TextToImage),
    /// `text-to-video`.
    TextToVideo(TextToVideo),
    /// `translator`.
    Translator(TranslationModel),
}

impl AnyModel {
    /// The module holding the weights.
    pub fn module(&self) -> &dyn Module {
        match self {
            AnyModel::LeNet(m) => m.module(),
            AnyModel::Cifar(m) => m.module(),
            AnyModel::CharLstm(m) => m.module(),
            AnyModel::Gpt(m) => m.module(),
            AnyModel::Gan(m) => m.module(),
            AnyModel::Dbn(m) => m.module(),
            AnyModel::Clip(m) => m.module(),
            AnyModel::Vqa(m) => m.module(),
            AnyModel::TextToImage(m) => m.module(),
            AnyModel::TextToVideo(m) => m.module(),
            AnyModel::Translator(m) => m.module(),
        }
    }
}

/// What a kind is, in a few words (`None` for a kind this version does not know).
pub fn describe_kind(kind: &str) -> Option<&'static str> {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, what)| *what)
}

impl ModelFile {
    /// The model this file holds, whatever its kind; an error for a kind this version
    /// of descent does not know, or a file that does not load.
    pub fn any_model(&self) -> Result<AnyModel, ModelError> {
        Ok(match self.kind() {
            LeNet::KIND => AnyModel::LeNet(self.model()?),
            CifarClassifier::KIND => AnyModel::Cifar(self.model()?),
            <TextModel<CharLstm>>::KIND => AnyModel::CharLstm(self.model()?),
            <TextModel<Gpt>>::KIND => AnyModel::Gpt(self.model()?),
            ImageGan::KIND => AnyModel::Gan(self.model()?),
            DeepBeliefNet::KIND => AnyModel::Dbn(self.model()?),
            ClipModel::KIND => AnyModel::Clip(self.model()?),
            VqaModel::KIND => AnyModel::Vqa(self.model()?),
            TextToImage::KIND => AnyModel::TextToImage(self.model()?),
            TextToVideo::KIND => AnyModel::TextToVideo(self.model()?),
            TranslationModel::KIND => AnyModel::Translator(self.model()?),
            other => {
                let known: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
                return Err(ModelError::file(
                    self.path(),
                    format!(
                        "holds a '{other}' model, a kind this version of descent does not know ({}); a newer descent may read it",
                        known.join(", ")
                    ),
                ));
            }
        })
    }
}
