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

/// The three kinds of images and their caption styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Domain {
    /// CIFAR-10 photos.
    Photo,
    /// Fashion-MNIST product photos.
    Clothing,
    /// MNIST handwritten digits.
    Digit,
}

impl Domain {
    /// All domains, in class-index order.
    pub const ALL: [Domain; 3] = [Domain::Photo, Domain::Clothing, Domain::Digit];

    /// Index of the domain's first class in [`CLASSES`].
    pub fn first_class(self) -> usize {
        match self {
            Domain::Photo => 0,
            Domain::Clothing => 10,
            Domain::Digit => 20,
        }
    }

    /// The data set the domain's images come from.
    pub fn dataset(self) -> &'static str {
        match self {
            Domain::Photo => "CIFAR-10",
            Domain::Clothing => "Fashion-MNIST",
            Domain::Digit => "MNIST",
        }
    }
}

/// Caption language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Chinese.
    Zh,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// Short name for measurement keys.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
}

/// One class's names.
#[derive(Clone, Copy, Debug)]
pub struct ClassName {
    /// Where its images come from.
    pub domain: Domain,
    /// English name.
    pub en: &'static str,
    /// English name with its article.
    pub en_a: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// Chinese name with a numeral and measure word (digits: the numeral).
    pub zh_q: &'static str,
}

const fn class(domain: Domain, en: &'static str, en_a: &'static str, zh: &'static str, zh_q: &'static str) -> ClassName {
    ClassName {
        domain,
        en,
        en_a,
        zh,
        zh_q,
    }
}

use Domain::{Clothing, Digit, Photo};

/// The 30 classes: CIFAR-10 (0–9), Fashion-MNIST (10–19), MNIST (20–29), each in its
/// data set's label order.
pub const CLASSES: [ClassName; 30] = [
    class(Photo, "airplane", "an airplane", "飞机", "一架飞机"),
    class(Photo, "car", "a car", "汽车", "一辆汽车"),
    class(Photo, "bird", "a bird", "鸟", "一只鸟"),
    class(Photo, "cat", "a cat", "猫", "一只猫"),
    class(Photo, "deer", "a deer", "鹿", "一头鹿"),
    class(Photo, "dog", "a dog", "狗", "一只狗"),
    class(Photo, "frog", "a frog", "青蛙", "一只青蛙"),
    class(Photo, "horse", "a horse", "马", "一匹马"),
    class(Photo, "ship", "a ship", "船", "一艘船"),
    class(Photo, "truck", "a truck", "卡车", "一辆卡车"),
    class(Clothing, "t-shirt", "a t-shirt", "T恤", "一件T恤"),
    class(Clothing, "trousers", "a pair of trousers", "裤子", "一条裤子"),
    class(Clothing, "pullover", "a pullover", "套头衫", "一件套头衫"),
    class(Clothing, "dress", "a dress", "连衣裙", "一条连衣裙"),
    class(Clothing, "coat", "a coat", "外套", "一件外套"),
    class(Clothing, "sandal", "a sandal", "凉鞋", "一只凉鞋"),
    class(Clothing, "shirt", "a shirt", "衬衫", "一件衬衫"),
    class(Clothing, "sneaker", "a sneaker", "运动鞋", "一只运动鞋"),
    class(Clothing, "bag", "a bag", "包", "一个包"),
    class(Clothing, "ankle boot", "an ankle boot", "短靴", "一只短靴"),
    class(Digit, "zero", "a zero", "零", "0"),
    class(Digit, "one", "a one", "一", "1"),
    class(Digit, "two", "a two", "二", "2"),
    class(Digit, "three", "a three", "三", "3"),
    class(Digit, "four", "a four", "四", "4"),
    class(Digit, "five", "a five", "五", "5"),
    class(Digit, "six", "a six", "六", "6"),
    class(Digit, "seven", "a seven", "七", "7"),
    class(Digit, "eight", "an eight", "八", "8"),
    class(Digit, "nine", "a nine", "九", "9"),
];

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
pub enum TemplateSet {
    /// Used in training (except the unseen combinations).
    Train,
    /// Never used in training.
    HeldOut,
}

/// The templates of a domain, language and set.
pub fn templates(domain: Domain, lang: Lang, set: TemplateSet) -> &'static [&'static str] {
    match set {
        TemplateSet::Train => train_templates(domain, lang),
        TemplateSet::HeldOut => held_out_templates(domain, lang),
    }
}

/// `template` filled with class `class`'s names (Chinese names in a Chinese template).
pub fn caption(template: &str, class: usize) -> String {
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
pub fn is_unseen_combination(class: usize, lang: Lang, template: usize) -> bool {
    let count = train_templates(CLASSES[class].domain, lang).len();
    let shift = match lang {
        Lang::En => 0,
        Lang::Zh => 3,
    };
    template == (class + shift) % count
}

/// Every caption the text encoder may meet: training and held-out templates of every
/// class (the tokenizer's vocabulary is built from these).
pub fn all_captions() -> Vec<String> {
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
        for (class, entry) in CLASSES.iter().enumerate() {
            for lang in Lang::ALL {
                let n = templates(entry.domain, lang, TemplateSet::Train).len();
                assert_eq!((0..n).filter(|&t| is_unseen_combination(class, lang, t)).count(), 1);
            }
        }
    }
}
