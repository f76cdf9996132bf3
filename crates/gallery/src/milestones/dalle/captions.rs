//! The captions of the text-to-image milestone: for each class of MNIST and
//! Fashion-MNIST, English and Chinese templates seen in training, and paraphrases held
//! out of training (made only of words the model knows, in new combinations, so that
//! the measurement asks whether the text encoder generalises rather than whether it
//! can read a word it never saw).

use descent_tensor::Rng;

/// Which data set a class comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    /// Handwritten digits.
    Digits,
    /// Fashion-MNIST clothes.
    Fashion,
}

/// English number words, by digit.
const DIGIT_WORDS: [&str; 10] = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
/// Chinese numerals, by digit.
const DIGIT_HANZI: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Fashion-MNIST classes: (English noun phrase, Chinese noun phrase with its measure
/// word, Chinese bare noun).
const FASHION: [(&str, &str, &str); 10] = [
    ("a t-shirt", "一件T恤", "T恤"),
    ("a pair of trousers", "一条裤子", "裤子"),
    ("a pullover", "一件毛衣", "毛衣"),
    ("a dress", "一条连衣裙", "连衣裙"),
    ("a coat", "一件外套", "外套"),
    ("a sandal", "一只凉鞋", "凉鞋"),
    ("a shirt", "一件衬衫", "衬衫"),
    ("a sneaker", "一只运动鞋", "运动鞋"),
    ("a bag", "一个包", "包"),
    ("an ankle boot", "一只靴子", "靴子"),
];

/// A class of the joint label space: digits are 0..10, clothes 10..20.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClassId(pub usize);

impl ClassId {
    /// The data set and the class within it.
    pub fn split(self) -> (Domain, usize) {
        if self.0 < 10 {
            (Domain::Digits, self.0)
        } else {
            (Domain::Fashion, self.0 - 10)
        }
    }

    /// The joint id of class `index` of `domain`.
    pub fn of(domain: Domain, index: usize) -> ClassId {
        match domain {
            Domain::Digits => ClassId(index),
            Domain::Fashion => ClassId(10 + index),
        }
    }
}

/// Captions of one class: those trained on and the held-out paraphrases.
#[derive(Clone, Debug)]
pub(crate) struct ClassCaptions {
    /// Seen in training (English and Chinese).
    pub(crate) seen: Vec<String>,
    /// Never seen in training.
    pub(crate) unseen: Vec<String>,
}

/// The captions of `class`.
pub(crate) fn captions(class: ClassId) -> ClassCaptions {
    match class.split() {
        (Domain::Digits, d) => {
            let (w, n, z) = (DIGIT_WORDS[d], d.to_string(), DIGIT_HANZI[d]);
            ClassCaptions {
                seen: vec![
                    format!("a handwritten {w}"),
                    format!("the digit {w}"),
                    format!("a picture of the number {w}"),
                    format!("handwritten digit {n}"),
                    format!("the number {n}"),
                    format!("一个手写的{z}"),
                    format!("数字{z}"),
                    format!("手写数字{n}"),
                ],
                unseen: vec![
                    format!("a picture of a handwritten {w}"),
                    format!("the handwritten number {n}"),
                    format!("手写的数字{z}"),
                    format!("一个数字{n}"),
                ],
            }
        }
        (Domain::Fashion, c) => {
            let (en, zh, noun) = FASHION[c];
            ClassCaptions {
                seen: vec![
                    en.to_string(),
                    format!("a photo of {en}"),
                    zh.to_string(),
                    format!("一张{noun}的照片"),
                    noun.to_string(),
                ],
                unseen: vec![
                    format!("a picture of {en}"),
                    format!("the photo of {en}"),
                    format!("{noun}的照片"),
                    format!("{zh}的照片"),
                ],
            }
        }
    }
}

/// The seen captions of `classes`, for building the vocabulary: unseen paraphrases
/// must not bring new words, which a test below verifies.
pub(crate) fn seen_captions(classes: &[ClassId]) -> Vec<String> {
    classes.iter().flat_map(|&c| captions(c).seen).collect()
}

/// A random seen caption of `class`.
pub(crate) fn random_seen(class: ClassId, rng: &mut Rng) -> String {
    let seen = captions(class).seen;
    seen[rng.below(seen.len())].clone()
}

/// The headline prompts, with their classes.
pub(crate) fn headline_prompts() -> Vec<(&'static str, ClassId)> {
    vec![
        ("a handwritten seven", ClassId(7)),
        ("一个手写的七", ClassId(7)),
        ("a sneaker", ClassId(17)),
        ("一只靴子", ClassId(19)),
    ]
}

/// A short English name of the class (for tables and file names).
pub(crate) fn class_name(class: ClassId) -> String {
    match class.split() {
        (Domain::Digits, d) => format!("digit {d}"),
        (Domain::Fashion, c) => FASHION[c]
            .0
            .trim_start_matches("a pair of ")
            .trim_start_matches("an ")
            .trim_start_matches("a ")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unseen paraphrases whose words are not all among the seen captions' words
    /// (should be none; a test checks it).
    fn check_unseen_words(classes: &[ClassId]) -> Vec<String> {
        let vocab = descent_models::caption::CaptionVocab::build(seen_captions(classes).iter().map(String::as_str));
        classes
            .iter()
            .flat_map(|&c| captions(c).unseen)
            .filter(|text| descent_models::caption::caption_words(text).iter().any(|w| !vocab.contains(w)))
            .collect()
    }

    #[test]
    fn paraphrases_use_only_known_words_and_are_new() {
        let all: Vec<ClassId> = (0..20).map(ClassId).collect();
        assert!(check_unseen_words(&all).is_empty(), "{:?}", check_unseen_words(&all));
        let seen = seen_captions(&all);
        for c in &all {
            for u in captions(*c).unseen {
                assert!(!seen.contains(&u), "{u} is also a training caption");
            }
        }
        for (prompt, class) in headline_prompts() {
            assert!(captions(class).seen.iter().any(|s| s == prompt), "{prompt}");
        }
    }
}
