//! Generated scenes for questions with positional answers: a black 64×64 canvas with
//! 2–4 real MNIST digits and/or Fashion-MNIST items (distinct classes) at random
//! positions and sizes, never overlapping, each with its true box — the tight box
//! around its ink, in pixels. Questions in English and Chinese: "where is the 7?" /
//! "7在哪里?" (answer: the box), "what is left of the shirt?" / "衬衫左边是什么?" (the
//! nearest object to its left), "how many digits?" / "有几个数字?", and "what is in the
//! picture?" / "图里有什么?" (every object, left to right: its name and its box — object
//! detection written as text, as Pix2Seq does).

use crate::common::class_names::CLASSES;
use descent_data::ImageSet;
use descent_tensor::Rng;

/// Side of the canvas in pixels.
pub const CANVAS: usize = 64;
/// Smallest and largest side an object is drawn at.
const SIZES: (usize, usize) = (16, 28);
/// A pixel counts as ink above this grey level.
const INK: u8 = 60;

/// An object class: digits 0–9 are 0–9, Fashion-MNIST's classes are 10–19.
pub(crate) type ObjectClass = usize;

/// Whether a class is a digit.
pub(crate) fn is_digit(class: ObjectClass) -> bool {
    class < 10
}

/// The name of a class in English or Chinese ("7", "shirt", "衬衫").
pub(crate) fn name(class: ObjectClass, chinese: bool) -> String {
    if is_digit(class) {
        class.to_string()
    } else {
        let c = &CLASSES[class];
        if chinese { c.zh } else { c.en }.to_string()
    }
}

/// Every object name in both languages (answers of "what is left of ...").
pub(crate) fn all_names() -> Vec<String> {
    let mut names: Vec<String> = (0..20).map(|c| name(c, false)).collect();
    names.extend((10..20).map(|c| name(c, true)));
    names
}

/// Real 28×28 images to draw objects from, indexed by class.
pub(crate) struct ObjectPool<'a> {
    sets: Vec<(&'a ImageSet, ObjectClass)>,
    by_class: Vec<Vec<(usize, usize)>>,
}

impl<'a> ObjectPool<'a> {
    /// A pool over MNIST digits and, if given, Fashion-MNIST items.
    pub(crate) fn new(digits: &'a ImageSet, clothes: Option<&'a ImageSet>) -> ObjectPool<'a> {
        let mut sets = vec![(digits, 0)];
        sets.extend(clothes.map(|c| (c, 10)));
        let mut by_class = vec![Vec::new(); 20];
        for (s, &(set, offset)) in sets.iter().enumerate() {
            for i in 0..set.n {
                by_class[offset + set.labels[i] as usize].push((s, i));
            }
        }
        ObjectPool { sets, by_class }
    }

    /// Classes with at least one image.
    pub(crate) fn classes(&self) -> Vec<ObjectClass> {
        (0..20).filter(|&c| !self.by_class[c].is_empty()).collect()
    }

    /// True when the pool has clothes.
    pub(crate) fn has_clothes(&self) -> bool {
        self.sets.len() > 1
    }

    /// A random image of `class`.
    fn image(&self, class: ObjectClass, rng: &mut Rng) -> &[u8] {
        let list = &self.by_class[class];
        let (s, i) = list[rng.below(list.len())];
        self.sets[s].0.image(i)
    }
}

/// An object in a scene: its class and the box around its ink, `[x0, y0, x1, y1]` in
/// pixels (x1, y1 exclusive).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SceneObject {
    /// What it is.
    pub(crate) class: ObjectClass,
    /// Where it is.
    pub(crate) bbox: [f32; 4],
}

impl SceneObject {
    /// Centre of the box.
    pub(crate) fn centre(&self) -> (f32, f32) {
        ((self.bbox[0] + self.bbox[2]) / 2.0, (self.bbox[1] + self.bbox[3]) / 2.0)
    }
}

/// A canvas and what is on it.
#[derive(Clone, Debug)]
pub(crate) struct Scene {
    /// CANVAS × CANVAS grey levels, ink bright.
    pub(crate) pixels: Vec<u8>,
    /// The objects, in drawing order.
    pub(crate) objects: Vec<SceneObject>,
}

/// `image` (28×28) resized to `side`×`side` by bilinear interpolation.
fn resize(image: &[u8], side: usize) -> Vec<u8> {
    let scale = 28.0 / side as f32;
    let at = |y: isize, x: isize| -> f32 {
        if (0..28).contains(&y) && (0..28).contains(&x) {
            image[y as usize * 28 + x as usize] as f32
        } else {
            0.0
        }
    };
    let mut out = vec![0u8; side * side];
    for y in 0..side {
        for x in 0..side {
            let (sy, sx) = ((y as f32 + 0.5) * scale - 0.5, (x as f32 + 0.5) * scale - 0.5);
            let (y0, x0) = (sy.floor(), sx.floor());
            let (fy, fx) = (sy - y0, sx - x0);
            let (y0, x0) = (y0 as isize, x0 as isize);
            let v = at(y0, x0) * (1.0 - fy) * (1.0 - fx)
                + at(y0, x0 + 1) * (1.0 - fy) * fx
                + at(y0 + 1, x0) * fy * (1.0 - fx)
                + at(y0 + 1, x0 + 1) * fy * fx;
            out[y * side + x] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
}

/// The ink box of a `side`×`side` patch, `None` if it has no ink.
fn ink_box(patch: &[u8], side: usize) -> Option<[usize; 4]> {
    let mut b = [side, side, 0, 0];
    for y in 0..side {
        for x in 0..side {
            if patch[y * side + x] > INK {
                b = [b[0].min(x), b[1].min(y), b[2].max(x + 1), b[3].max(y + 1)];
            }
        }
    }
    (b[2] > b[0]).then_some(b)
}

/// Whether two boxes overlap or touch.
fn overlaps(a: &[f32; 4], b: &[f32; 4]) -> bool {
    // One pixel of clearance, so boxes never touch.
    a[0] < b[2] + 1.0 && b[0] < a[2] + 1.0 && a[1] < b[3] + 1.0 && b[1] < a[3] + 1.0
}

/// A random scene of 2–4 objects of distinct classes from `pool`.
pub(crate) fn generate(pool: &ObjectPool, rng: &mut Rng) -> Scene {
    let mut classes = pool.classes();
    loop {
        rng.shuffle(&mut classes);
        let wanted = 2 + rng.below(3);
        let mut scene = Scene {
            pixels: vec![0u8; CANVAS * CANVAS],
            objects: Vec::new(),
        };
        for &class in classes.iter().take(wanted) {
            let image = pool.image(class, rng);
            for _attempt in 0..30 {
                let side = SIZES.0 + rng.below(SIZES.1 - SIZES.0 + 1);
                let patch = resize(image, side);
                let Some(ink) = ink_box(&patch, side) else { break };
                let (x, y) = (rng.below(CANVAS - side + 1), rng.below(CANVAS - side + 1));
                let bbox = [(x + ink[0]) as f32, (y + ink[1]) as f32, (x + ink[2]) as f32, (y + ink[3]) as f32];
                if scene.objects.iter().any(|o| overlaps(&o.bbox, &bbox)) {
                    continue;
                }
                for py in 0..side {
                    for px in 0..side {
                        let target = &mut scene.pixels[(y + py) * CANVAS + x + px];
                        *target = (*target).max(patch[py * side + px]);
                    }
                }
                scene.objects.push(SceneObject { class, bbox });
                break;
            }
        }
        if scene.objects.len() >= 2 {
            return scene;
        }
    }
}

/// What a question asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum QuestionKind {
    /// "where is the 7?" — a box.
    Where,
    /// "what is left of the shirt?" — a name.
    LeftOf,
    /// "how many digits?" — a number.
    Count,
    /// "what is in the picture?" — every object's name and box, left to right.
    List,
}

impl QuestionKind {
    /// All kinds.
    pub(crate) const ALL: [QuestionKind; 4] = [QuestionKind::Where, QuestionKind::LeftOf, QuestionKind::Count, QuestionKind::List];
}

/// The answer to a scene question.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum SceneAnswer {
    /// A box `[x0, y0, x1, y1]` in canvas pixels.
    Box([f32; 4]),
    /// A word (a name or a number).
    Word(String),
    /// Names and boxes, left to right.
    List(Vec<(String, [f32; 4])>),
}

/// A question about a scene and its true answer.
#[derive(Clone, Debug)]
pub(crate) struct SceneQuestion {
    /// The question text.
    pub(crate) text: String,
    /// Its kind.
    pub(crate) kind: QuestionKind,
    /// The true answer.
    pub(crate) answer: SceneAnswer,
}

/// The nearest object whose centre is left of `target`'s (by at least 2 pixels).
fn left_neighbour(scene: &Scene, target: usize) -> Option<usize> {
    let x = scene.objects[target].centre().0;
    (0..scene.objects.len())
        .filter(|&i| scene.objects[i].centre().0 < x - 2.0)
        .max_by(|&a, &b| scene.objects[a].centre().0.total_cmp(&scene.objects[b].centre().0))
}

/// A random question about `scene` (of `kind` when given), in a random language.
pub(crate) fn ask(scene: &Scene, kind: Option<QuestionKind>, pool_has_clothes: bool, rng: &mut Rng) -> SceneQuestion {
    let chinese = rng.below(2) == 1;
    let kind = kind.unwrap_or_else(|| match rng.below(8) {
        0..=2 => QuestionKind::Where,
        3 | 4 => QuestionKind::LeftOf,
        5 => QuestionKind::Count,
        _ => QuestionKind::List,
    });
    match kind {
        QuestionKind::Where => ask_where(scene, chinese, rng),
        QuestionKind::LeftOf => {
            ask_left_of(scene, chinese, rng).unwrap_or_else(|| ask(scene, Some(QuestionKind::Where), pool_has_clothes, rng))
        }
        QuestionKind::Count => ask_count(scene, chinese, pool_has_clothes, rng),
        QuestionKind::List => ask_list(scene, chinese),
    }
}

/// "where is the 7?" about a random object: its box.
fn ask_where(scene: &Scene, chinese: bool, rng: &mut Rng) -> SceneQuestion {
    let o = scene.objects[rng.below(scene.objects.len())];
    let who = name(o.class, chinese);
    let text = if chinese {
        format!("{who}在哪里?")
    } else {
        format!("where is the {who}?")
    };
    SceneQuestion {
        text,
        kind: QuestionKind::Where,
        answer: SceneAnswer::Box(o.bbox),
    }
}

/// "what is left of the shirt?" about a random object with a left neighbour: that
/// neighbour's name; `None` when nothing is left of anything.
fn ask_left_of(scene: &Scene, chinese: bool, rng: &mut Rng) -> Option<SceneQuestion> {
    let n = scene.objects.len();
    let candidates: Vec<(usize, usize)> = (0..n).filter_map(|t| left_neighbour(scene, t).map(|l| (t, l))).collect();
    let &(target, left) = candidates.get(rng.below(candidates.len().max(1)))?;
    let who = name(scene.objects[target].class, chinese);
    let text = if chinese {
        format!("{who}左边是什么?")
    } else {
        format!("what is left of the {who}?")
    };
    Some(SceneQuestion {
        text,
        kind: QuestionKind::LeftOf,
        answer: SceneAnswer::Word(name(scene.objects[left].class, chinese)),
    })
}

/// "how many digits?" (or, when the pool has clothes, as often "how many pieces of
/// clothing?"): the count.
fn ask_count(scene: &Scene, chinese: bool, pool_has_clothes: bool, rng: &mut Rng) -> SceneQuestion {
    let digits = !pool_has_clothes || rng.below(2) == 0;
    let count = scene.objects.iter().filter(|o| is_digit(o.class) == digits).count();
    let text = match (digits, chinese) {
        (true, false) => "how many digits?",
        (true, true) => "有几个数字?",
        (false, false) => "how many pieces of clothing?",
        (false, true) => "有几件衣服?",
    };
    SceneQuestion {
        text: text.to_string(),
        kind: QuestionKind::Count,
        answer: SceneAnswer::Word(count.to_string()),
    }
}

/// "what is in the picture?": every object's name and box, left to right.
fn ask_list(scene: &Scene, chinese: bool) -> SceneQuestion {
    let mut objects = scene.objects.clone();
    objects.sort_by(|a, b| a.bbox[0].total_cmp(&b.bbox[0]).then(a.bbox[1].total_cmp(&b.bbox[1])));
    SceneQuestion {
        text: if chinese { "图里有什么?" } else { "what is in the picture?" }.to_string(),
        kind: QuestionKind::List,
        answer: SceneAnswer::List(objects.iter().map(|o| (name(o.class, chinese), o.bbox)).collect()),
    }
}

/// Every question text the generator can write (for the tokenizer).
pub(crate) fn all_question_texts() -> Vec<String> {
    let mut out = vec![
        "how many digits?".to_string(),
        "有几个数字?".to_string(),
        "how many pieces of clothing?".to_string(),
        "有几件衣服?".to_string(),
        "what is in the picture?".to_string(),
        "图里有什么?".to_string(),
    ];
    for class in 0..20 {
        for chinese in [false, true] {
            let who = name(class, chinese);
            if chinese {
                out.push(format!("{who}在哪里?"));
                out.push(format!("{who}左边是什么?"));
            } else {
                out.push(format!("where is the {who}?"));
                out.push(format!("what is left of the {who}?"));
            }
        }
    }
    out
}

/// Intersection over union of two boxes.
pub(crate) fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let w = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let h = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = w * h;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_hold_disjoint_boxes_around_ink() {
        let (train, _) = descent_data::mnist_subset();
        let pool = ObjectPool::new(&train, None);
        let mut rng = Rng::new(7);
        for _ in 0..50 {
            let scene = generate(&pool, &mut rng);
            assert!((2..=4).contains(&scene.objects.len()));
            for (i, a) in scene.objects.iter().enumerate() {
                for b in &scene.objects[i + 1..] {
                    assert!(iou(&a.bbox, &b.bbox) == 0.0 && a.class != b.class);
                }
                // Ink touches every side of the box.
                let [x0, y0, x1, y1] = a.bbox.map(|v| v as usize);
                let ink = |x: usize, y: usize| scene.pixels[y * CANVAS + x] > INK;
                assert!((y0..y1).any(|y| ink(x0, y)) && (y0..y1).any(|y| ink(x1 - 1, y)));
                assert!((x0..x1).any(|x| ink(x, y0)) && (x0..x1).any(|x| ink(x, y1 - 1)));
            }
        }
        assert_eq!(iou(&[0.0, 0.0, 2.0, 2.0], &[1.0, 1.0, 3.0, 3.0]), 1.0 / 7.0);
    }
}
