//! Captions in English and Chinese for CIFAR-10, Fashion-MNIST and MNIST classes.
//!
//! No real image–caption corpus is on disk, so captions are written from templates:
//! several per domain (photos, clothes, handwritten digits) and language, filled with
//! the class's name ("a photo of a cat", "一只猫的照片", "a blurry picture of a truck",
//! "手写的数字七"). Some templates are *held out*: never used in training, only as
//! zero-shot prompts. Among the training templates some (class, template) pairs are
//! also never shown, for the compositional check ([`is_unseen_combination`]).
//!
//! Placeholders: `{a}` the English name with its article ("an airplane"), `{n}` the
//! bare name ("airplane", "飞机"), `{q}` the Chinese name with a measure word ("一架飞机"),
//! `{d}` a digit's numeral ("7").

pub(crate) use crate::common::class_names::{Domain, CLASSES};
use descent_text::{CharTokenizer, Tokenizer};
use Domain::{Clothing, Digit, Photo};

/// Caption language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Lang {
    /// English.
    En,
    /// Chinese.
    Zh,
}

impl Lang {
    /// Both languages.
    pub(crate) const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// Short name for measurement keys.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

/// Training templates per domain and language (7 each).
fn train_templates(domain: Domain, lang: Lang) -> &'static [&'static str] {
    match (domain, lang) {
        (Photo, Lang::En) => &[
            "a photo of {a}.",
            "a picture of {a}.",
            "a blurry photo of {a}.",
            "a close-up photo of the {n}.",
            "a low resolution photo of {a}.",
            "an image of the {n}.",
            "a small photo of {a}.",
        ],
        (Photo, Lang::Zh) => &[
            "{q}的照片",
            "一张{n}的照片",
            "一张模糊的{n}的照片",
            "{n}的特写",
            "这是{q}",
            "一张小{n}的图片",
            "低分辨率的{n}的照片",
        ],
        (Clothing, Lang::En) => &[
            "a photo of {a}.",
            "a picture of {a}.",
            "a product photo of {a}.",
            "a grey photo of the {n}.",
            "{a} for sale.",
            "a low resolution photo of {a}.",
            "an image of the {n}.",
        ],
        (Clothing, Lang::Zh) => &[
            "{q}的照片",
            "一张{n}的照片",
            "{n}的商品照片",
            "一张灰色的{n}的照片",
            "出售{q}",
            "这是{q}",
            "{n}的图片",
        ],
        (Digit, Lang::En) => &[
            "a handwritten {n}.",
            "the digit {n}.",
            "the number {d}, written by hand.",
            "a photo of the digit {d}.",
            "a scan of a handwritten {n}.",
            "the number {n}.",
            "a drawing of the digit {n}.",
        ],
        (Digit, Lang::Zh) => &[
            "手写的{n}",
            "数字{n}",
            "手写数字{d}",
            "一个手写的{n}",
            "数字{d}的照片",
            "一张手写{n}的扫描图",
            "写着{n}的图片",
        ],
    }
}

/// Held-out templates per domain and language: zero-shot prompts only.
fn held_out_templates(domain: Domain, lang: Lang) -> &'static [&'static str] {
    match (domain, lang) {
        (Photo, Lang::En) => &[
            "a blurry picture of {a}.",
            "a close-up image of {a}.",
            "a low resolution picture of the {n}.",
        ],
        (Photo, Lang::Zh) => &["一张模糊的{n}的图片", "这是一张{n}的图片", "{q}的特写照片"],
        (Clothing, Lang::En) => &["a blurry picture of {a}.", "a product picture of the {n}.", "a grey image of {a}."],
        (Clothing, Lang::Zh) => &["一张模糊的{n}的图片", "{q}的商品图片", "这是一张{n}的图片"],
        (Digit, Lang::En) => &[
            "a handwritten digit {n}.",
            "a blurry picture of the number {d}.",
            "a scan of the digit {n}.",
        ],
        (Digit, Lang::Zh) => &["手写的数字{n}", "数字{n}的图片", "一个手写的数字{d}"],
    }
}

/// Which templates: the training ones or the held-out ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TemplateSet {
    /// Used in training (except the unseen combinations).
    Train,
    /// Never used in training.
    HeldOut,
}

/// The templates of a domain, language and set.
pub(crate) fn templates(domain: Domain, lang: Lang, set: TemplateSet) -> &'static [&'static str] {
    match set {
        TemplateSet::Train => train_templates(domain, lang),
        TemplateSet::HeldOut => held_out_templates(domain, lang),
    }
}

/// `template` filled with class `class`'s names (Chinese names in a Chinese template).
pub(crate) fn caption(template: &str, class: usize) -> String {
    let c = &CLASSES[class];
    let chinese = template.chars().any(|ch| ch as u32 >= 0x3400);
    let numeral = match c.domain {
        Digit => (class - Digit.first_class()).to_string(),
        _ => String::new(),
    };
    template
        .replace("{a}", c.en_a)
        .replace("{n}", if chinese { c.zh } else { c.en })
        .replace("{q}", c.zh_q)
        .replace("{d}", &numeral)
}

/// True when training never pairs class `class` with training template `template`
/// (an index into [`templates`]`(.., Train)`): one template per class and language,
/// rotating with the class, so every template still meets most classes.
pub(crate) fn is_unseen_combination(class: usize, lang: Lang, template: usize) -> bool {
    let count = train_templates(CLASSES[class].domain, lang).len();
    let shift = match lang {
        Lang::En => 0,
        Lang::Zh => 3,
    };
    template == (class + shift) % count
}

/// Every caption the text encoder may meet: training and held-out templates of every
/// class (the tokenizer's vocabulary is built from these).
pub(crate) fn all_captions() -> Vec<String> {
    let mut out = Vec::new();
    for (class, c) in CLASSES.iter().enumerate() {
        for lang in Lang::ALL {
            for set in [TemplateSet::Train, TemplateSet::HeldOut] {
                out.extend(templates(c.domain, lang, set).iter().map(|t| caption(t, class)));
            }
        }
    }
    out
}

/// The character tokenizer of the text encoder, built from [`all_captions`].
pub(crate) fn tokenizer() -> Tokenizer {
    Tokenizer::Char(CharTokenizer::from_texts(all_captions().iter().map(String::as_str)))
}

/// The text of every caption of one template set.
fn set_texts(set: TemplateSet) -> impl Iterator<Item = String> {
    (0..CLASSES.len()).flat_map(move |class| {
        Lang::ALL
            .into_iter()
            .flat_map(move |lang| templates(CLASSES[class].domain, lang, set).iter().map(move |t| caption(t, class)))
    })
}

/// The characters of held-out captions that no training caption has (sorted): their
/// embeddings never train.
pub(crate) fn unseen_characters() -> Vec<char> {
    let train_chars: std::collections::HashSet<char> = set_texts(TemplateSet::Train).flat_map(|c| c.chars().collect::<Vec<_>>()).collect();
    let mut unseen: Vec<char> = set_texts(TemplateSet::HeldOut)
        .flat_map(|c| c.chars().collect::<Vec<_>>())
        .filter(|c| !train_chars.contains(c))
        .collect();
    unseen.sort_unstable();
    unseen.dedup();
    unseen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captions_fill_every_placeholder() {
        assert_eq!(caption("a photo of {a}.", 3), "a photo of a cat.");
        assert_eq!(caption("{q}的照片", 3), "一只猫的照片");
        assert_eq!(caption("a blurry picture of {a}.", 9), "a blurry picture of a truck.");
        assert_eq!(caption("手写的数字{n}", 27), "手写的数字七");
        assert_eq!(caption("the number {d}, written by hand.", 27), "the number 7, written by hand.");
        assert!(all_captions().iter().all(|c| !c.contains('{')));
    }

    #[test]
    fn each_class_misses_one_training_template_per_language() {
        for (class, info) in CLASSES.iter().enumerate() {
            for lang in Lang::ALL {
                let n = templates(info.domain, lang, TemplateSet::Train).len();
                assert_eq!((0..n).filter(|&t| is_unseen_combination(class, lang, t)).count(), 1);
            }
        }
    }
}
