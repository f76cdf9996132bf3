//! The 30 classes of the three image sets the multimodal milestones read — CIFAR-10
//! photos, Fashion-MNIST clothes, MNIST digits — named in English and Chinese, in each
//! set's label order. `clip` captions them; `vqa` names the objects of its scenes.

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
