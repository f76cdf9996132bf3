//! The one model format: every kind saves and loads back with the same config and the
//! same weights, dispatches by its kind, and refuses what it cannot be — a file of the
//! format before `kind` (with the run that remakes it), another kind, a damaged config,
//! a config that disagrees with the weights, a resume into a model of another shape.

use descent_models::alexnet::CifarClassifier;
use descent_models::caption::{CaptionEncoder, CaptionEncoderConfig, CaptionVocab};
use descent_models::clip::{Clip, ClipConfig, ClipModel};
use descent_models::gan::{Gan, GanConfig, GanKind, ImageGan};
use descent_models::rbm::{DbnConfig, DeepBeliefNet};
use descent_models::saved::{self, AnyModel, Extras, ModelFile, Provenance, SavedModel, Snapshot, KINDS};
use descent_models::text_diffusion::{TextToImage, TextToVideo};
use descent_models::translator::{TransformerConfig, TranslationModel, TranslationTransformer};
use descent_models::unet::{Condition, UNet, UNetConfig};
use descent_models::video_unet::{VideoUNet, VideoUNetConfig};
use descent_models::vqa::{AnswerVocab, Vqa, VqaConfig, VqaInputs, VqaModel};
use descent_models::{CharLstm, CharLstmConfig, CifarNetConfig, Gpt, GptConfig, LeNet, LeNetVariant, TextModel};
use descent_nn::{named_state, Checkpoint};
use descent_tensor::Rng;
use descent_text::{Bpe, CharTokenizer, Tokenizer};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-saved-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn letters() -> Tokenizer {
    Tokenizer::Char(CharTokenizer::from_texts(["abcdefgh 七"]))
}

fn text_model<M>(net: M) -> TextModel<M> {
    TextModel {
        net,
        tokenizer: letters(),
        bos: "\n".into(),
        stop: String::new(),
        prompt_format: None,
    }
}

/// Saves `model`, reads it back as kind `M` and through [`AnyModel`]; the configs and
/// every weight agree, and the kind is listed in [`KINDS`].
fn round_trip<M: SavedModel>(dir: &Path, model: M) -> String {
    let path = dir.join(format!("{}.safetensors", M::KIND));
    saved::save(&path, &Snapshot::of(&model), Extras::default()).unwrap();
    let file = ModelFile::read(&path).unwrap();
    assert_eq!(file.kind(), M::KIND);
    assert!(KINDS.iter().any(|(k, _)| *k == M::KIND), "{} is not listed", M::KIND);
    let back: M = file.model().unwrap();
    let json = |m: &M| serde_json::to_value(m.config()).unwrap();
    assert_eq!(json(&back), json(&model), "{}: config", M::KIND);
    let (a, b) = (named_state(model.module()), named_state(back.module()));
    assert_eq!(a.len(), b.len());
    for ((name, p), (_, q)) in a.iter().zip(&b) {
        assert_eq!(p.value().to_vec(), q.value().to_vec(), "{}: {name}", M::KIND);
    }
    let any = file.any_model().unwrap();
    assert_eq!(named_state(any.module()).len(), a.len());
    M::KIND.to_string()
}

fn caption(vocab: &CaptionVocab) -> CaptionEncoderConfig {
    CaptionEncoderConfig {
        vocab_size: vocab.len(),
        max_len: 8,
        d_model: 8,
        n_heads: 2,
        n_layers: 1,
        out_dim: 8,
    }
}

fn unet() -> UNetConfig {
    UNetConfig {
        channels: 8,
        emb_dim: 8,
        condition: Condition::Vector(8),
        ..UNetConfig::w10()
    }
}

#[test]
fn every_kind_saves_and_loads_back_the_same() {
    let dir = temp("kinds");
    let rng = &mut Rng::new(1);
    let mut done = vec![round_trip(&dir, LeNet::new(LeNetVariant::Classic1989, rng))];
    let net = CifarNetConfig::alexnet([4, 4, 4], 8);
    let classes = (0..10).map(|c| format!("class {c}")).collect();
    let cifar = CifarClassifier {
        net: descent_models::CifarNet::new(&net, rng, 0),
        class_names: classes,
    };
    done.push(round_trip(&dir, cifar));
    let lstm = CharLstmConfig {
        vocab_size: letters().vocab_size(),
        embed_dim: 4,
        hidden_size: 6,
        num_layers: 2,
    };
    done.push(round_trip(&dir, text_model(CharLstm::new(lstm, rng))));
    let gpt = GptConfig {
        vocab_size: letters().vocab_size(),
        context: 8,
        d_model: 8,
        n_heads: 2,
        n_layers: 1,
    };
    done.push(round_trip(&dir, text_model(Gpt::new(gpt, rng))));
    let gan = GanConfig {
        kind: GanKind::Dcgan,
        z_dim: 4,
        classes: 2,
        g_width: 4,
        d_width: 2,
    };
    let gan = ImageGan {
        gan: Gan::new(gan, rng),
        dataset: "MNIST".into(),
        class_names: vec!["0".into(), "1".into()],
    };
    done.push(round_trip(&dir, gan));
    done.push(round_trip(&dir, DeepBeliefNet::build(DbnConfig { sizes: vec![6, 4, 3] }).unwrap()));
    let clip = ClipConfig {
        conv_width: 4,
        image_features: 8,
        vocab_size: letters().vocab_size(),
        context: 8,
        text_width: 8,
        text_heads: 2,
        text_layers: 1,
        embed_dim: 4,
    };
    done.push(round_trip(
        &dir,
        ClipModel {
            clip: Clip::new(clip, rng),
            tokenizer: letters(),
        },
    ));
    let answers = AnswerVocab::new(["7".to_string()]);
    let vqa = VqaConfig {
        image_side: 16,
        patch: 8,
        stem: 0,
        question_vocab: letters().vocab_size(),
        question_len: 8,
        answer_vocab: answers.len(),
        answer_len: 5,
        d_model: 8,
        n_heads: 2,
        encoder_layers: 1,
        decoder_layers: 1,
        inputs: VqaInputs::Both,
    };
    let vqa = VqaModel {
        vqa: Vqa::new(vqa, rng),
        tokenizer: letters(),
        answers,
    };
    done.push(round_trip(&dir, vqa));
    let vocab = CaptionVocab::build(["a handwritten seven", "一个手写的七"]);
    let image = TextToImage {
        side: 8,
        vocab: vocab.clone(),
        text: CaptionEncoder::new(caption(&vocab), rng),
        unet: UNet::new(unet(), rng),
    };
    done.push(round_trip(&dir, image));
    let video = VideoUNetConfig {
        unet: unet(),
        frames: 2,
        temporal_levels: vec![0, 2],
        heads: 2,
    };
    let video = TextToVideo {
        side: 8,
        vocab: vocab.clone(),
        text: CaptionEncoder::new(caption(&vocab), rng),
        video: VideoUNet::new(video, rng),
    };
    done.push(round_trip(&dir, video));
    let source = Bpe::train(["the cat sat", "the dog ran"], 4);
    let net = TransformerConfig {
        source_vocab: source.vocab_size(),
        target_vocab: "猫狗".chars().count() + 3,
        d_model: 8,
        n_heads: 2,
        encoder_layers: 1,
        decoder_layers: 1,
        max_len: 8,
    };
    let translator = TranslationModel {
        net: TranslationTransformer::new(net, rng),
        source,
        target_chars: "猫狗".into(),
    };
    done.push(round_trip(&dir, translator));
    let mut listed: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    let mut tested: Vec<&str> = done.iter().map(String::as_str).collect();
    listed.sort();
    tested.sort();
    assert_eq!(listed, tested, "every kind has a round trip here");
    std::fs::remove_dir_all(&dir).ok();
}

/// A saved LeNet, and its checkpoint for damaging.
fn lenet_file(dir: &Path) -> (PathBuf, Checkpoint) {
    let path = dir.join("lenet.safetensors");
    let model = LeNet::new(LeNetVariant::Modern, &mut Rng::new(0));
    let provenance = Provenance {
        milestone: "lenet".into(),
        variant: "modern".into(),
        mode: "quick".into(),
        data: "MNIST embedded subset 6000/1000".into(),
        seed: 3,
        epochs_done: 2,
        epochs_total: 8,
        descent_version: "0.1.0".into(),
    };
    let extras = Extras {
        provenance: Some(&provenance),
        entries: vec![("history".into(), "{}".into())],
        tensors: vec![("optim.m.0".into(), vec![0.5; 4])],
    };
    saved::save(&path, &Snapshot::of(&model), extras).unwrap();
    let checkpoint = Checkpoint::load(&path).unwrap();
    (path, checkpoint)
}

/// `checkpoint` with `change` applied, saved as `name`; the error of loading a LeNet from it.
fn error_after(dir: &Path, checkpoint: &Checkpoint, name: &str, change: impl FnOnce(&mut Checkpoint)) -> String {
    let mut damaged = checkpoint.clone();
    change(&mut damaged);
    let path = dir.join(name);
    damaged.save(&path).unwrap();
    let error = saved::load::<LeNet>(&path).err().expect("refused").to_string();
    assert!(error.contains(name), "the error names the file: {error}");
    error
}

#[test]
fn files_keep_provenance_and_extras_and_refuse_what_they_are_not() {
    let dir = temp("refuse");
    let (path, checkpoint) = lenet_file(&dir);
    let file = ModelFile::read(&path).unwrap();
    let provenance = file.provenance().unwrap();
    assert_eq!((provenance.seed, provenance.epochs_done), (3, 2));
    assert!(provenance.describe().contains("lenet (modern, quick), seed 3, 2 of 8 epochs"));
    assert_eq!(file.entry("history"), Some("{}"));
    assert_eq!(file.tensors_under("optim."), vec![("m.0".to_string(), vec![0.5; 4])]);
    assert_eq!(file.model_value_count(), 44_426);
    let _: LeNet = file.model().unwrap();
    let wrong = file.model::<TextModel<Gpt>>().err().unwrap().to_string();
    assert!(wrong.contains("holds a 'lenet' model, not a 'gpt' one"), "{wrong}");

    let old = error_after(&dir, &checkpoint, "old.safetensors", |ck| {
        ck.metadata = HashMap::from([("milestone".into(), "lenet".into()), ("variant".into(), "modern".into())]);
    });
    assert!(
        old.contains("earlier version of descent") && old.contains("`descent run lenet`"),
        "{old}"
    );
    let foreign = error_after(&dir, &checkpoint, "foreign.safetensors", |ck| ck.metadata.clear());
    assert!(foreign.contains("not a descent model"), "{foreign}");
    let damaged = error_after(&dir, &checkpoint, "damaged.safetensors", |ck| {
        ck.metadata.insert("config".into(), r#"{"variant": "1999"}"#.into());
    });
    assert!(damaged.contains("\"variant\"") && damaged.contains("1999"), "{damaged}");
    let missing = error_after(&dir, &checkpoint, "missing.safetensors", |ck| {
        ck.tensors.remove("fc3.bias");
    });
    assert!(missing.contains("the file holds"), "{missing}");
    let unknown = error_after(&dir, &checkpoint, "unknown.safetensors", |ck| {
        ck.metadata.insert("kind".into(), "hologram".into());
    });
    assert!(unknown.contains("'hologram'"), "{unknown}");
    let mut future = checkpoint.clone();
    future.metadata.insert("kind".into(), "hologram".into());
    let path = dir.join("future.safetensors");
    future.save(&path).unwrap();
    let error = ModelFile::read(&path).unwrap().any_model().err().unwrap().to_string();
    assert!(error.contains("does not know") && error.contains("lenet, cifarnet"), "{error}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn resuming_loads_weights_only_into_a_model_of_the_same_shape() {
    let dir = temp("resume");
    let (path, _) = lenet_file(&dir);
    let file = ModelFile::read(&path).unwrap();
    let same = LeNet::new(LeNetVariant::Modern, &mut Rng::new(9));
    file.load_into(&same).unwrap();
    let saved: LeNet = file.model().unwrap();
    assert_eq!(same.fc3.weight.value().to_vec(), saved.fc3.weight.value().to_vec());
    let other = LeNet::new(LeNetVariant::Classic1989, &mut Rng::new(9));
    let error = file.load_into(&other).err().unwrap().to_string();
    assert!(error.contains("another shape"), "{error}");
    assert!(matches!(file.any_model().unwrap(), AnyModel::LeNet(_)));
    std::fs::remove_dir_all(&dir).ok();
}
