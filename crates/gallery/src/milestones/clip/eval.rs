//! Measurements of the CLIP milestone on unit-length embeddings: zero-shot accuracy
//! (prompts → text embeddings → the most similar class, no classifier head), the same
//! for class-restricted logits of the references, retrieval recall in pools of one
//! image–caption pair per class, the compositional check, and a 2-D projection (PCA).

use super::captions::{is_unseen_combination, templates, Domain, Lang, TemplateSet, CLASSES};
use descent_tensor::Rng;

/// Dot product (cosine of unit vectors).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Text embeddings of captions, looked up by (class, language, set, template).
pub trait PromptEmbeddings {
    /// The unit embedding of one caption.
    fn embedding(&self, class: usize, lang: Lang, set: TemplateSet, template: usize) -> &[f32];
}

/// Test images as unit embeddings with their classes.
pub struct EmbeddedImages<'a> {
    /// Row i: image i's embedding.
    pub rows: &'a [f32],
    /// Embedding width.
    pub width: usize,
    /// Class of each image.
    pub labels: &'a [usize],
}

impl EmbeddedImages<'_> {
    fn row(&self, i: usize) -> &[f32] {
        &self.rows[i * self.width..(i + 1) * self.width]
    }

    fn of_domain(&self, domain: Domain) -> impl Iterator<Item = usize> + '_ {
        (0..self.labels.len()).filter(move |&i| CLASSES[self.labels[i]].domain == domain)
    }
}

/// The domain's class whose score is highest (`score(class)`).
fn best_class(domain: Domain, mut score: impl FnMut(usize) -> f32) -> usize {
    let first = domain.first_class();
    (first..first + 10)
        .max_by(|&a, &b| score(a).total_cmp(&score(b)))
        .expect("ten classes")
}

/// Zero-shot results of one language.
#[derive(Clone, Debug, Default)]
pub struct ZeroShot {
    /// Accuracy per domain (mean over the held-out templates), in `Domain::ALL` order;
    /// `None` for a domain without test images.
    pub per_domain: Vec<Option<f64>>,
    /// Accuracy per class (mean over held-out templates); `None` without test images.
    pub per_class: Vec<Option<f64>>,
}

impl ZeroShot {
    /// Mean over the domains present.
    pub fn mean(&self) -> f64 {
        mean(self.per_domain.iter().flatten().copied())
    }
}

/// Mean of an iterator (0 when empty).
pub fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Zero-shot classification within each domain's ten classes, with each held-out
/// template of `lang` in turn.
pub fn zero_shot(images: &EmbeddedImages, prompts: &dyn PromptEmbeddings, lang: Lang) -> ZeroShot {
    let mut correct = vec![0usize; CLASSES.len()];
    let mut total = vec![0usize; CLASSES.len()];
    for domain in Domain::ALL {
        for t in 0..templates(domain, lang, TemplateSet::HeldOut).len() {
            for i in images.of_domain(domain) {
                let predicted = best_class(domain, |c| dot(images.row(i), prompts.embedding(c, lang, TemplateSet::HeldOut, t)));
                total[images.labels[i]] += 1;
                correct[images.labels[i]] += usize::from(predicted == images.labels[i]);
            }
        }
    }
    let per_class: Vec<Option<f64>> = (0..CLASSES.len())
        .map(|c| (total[c] > 0).then(|| correct[c] as f64 / total[c] as f64))
        .collect();
    let per_domain = Domain::ALL
        .iter()
        .map(|d| {
            let range = d.first_class()..d.first_class() + 10;
            let (hit, all): (usize, usize) = range.map(|c| (correct[c], total[c])).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            (all > 0).then(|| hit as f64 / all as f64)
        })
        .collect();
    ZeroShot { per_domain, per_class }
}

/// Accuracy per domain of (n, 30) `logits` when the prediction is restricted to the
/// image's own domain (as zero-shot is), in `Domain::ALL` order.
pub fn restricted_accuracy(logits: &[f32], labels: &[usize]) -> Vec<Option<f64>> {
    let classes = CLASSES.len();
    Domain::ALL
        .iter()
        .map(|&domain| {
            let rows: Vec<usize> = (0..labels.len()).filter(|&i| CLASSES[labels[i]].domain == domain).collect();
            let hits = rows
                .iter()
                .filter(|&&i| best_class(domain, |c| logits[i * classes + c]) == labels[i])
                .count();
            (!rows.is_empty()).then(|| hits as f64 / rows.len() as f64)
        })
        .collect()
}

/// Recall@1 and @5 in both directions, averaged over retrieval pools.
#[derive(Clone, Copy, Debug, Default)]
pub struct Recall {
    /// Image → text, the paired caption ranked first.
    pub image_to_text_at_1: f64,
    /// Image → text, within the top five.
    pub image_to_text_at_5: f64,
    /// Text → image, ranked first.
    pub text_to_image_at_1: f64,
    /// Text → image, within the top five.
    pub text_to_image_at_5: f64,
    /// Pairs per pool (one per class present).
    pub pool_size: usize,
}

/// One pool: a test image of every class present and, for each, a held-out caption of
/// its class (random language and template); returns (image indices, captions as
/// (class, lang, template)).
pub fn draw_pool(images: &EmbeddedImages, rng: &mut Rng) -> (Vec<usize>, Vec<(usize, Lang, usize)>) {
    let mut chosen = Vec::new();
    let mut captions = Vec::new();
    for (class, info) in CLASSES.iter().enumerate() {
        let of_class: Vec<usize> = (0..images.labels.len()).filter(|&i| images.labels[i] == class).collect();
        if of_class.is_empty() {
            continue;
        }
        chosen.push(of_class[rng.below(of_class.len())]);
        let lang = Lang::ALL[rng.below(2)];
        let count = templates(info.domain, lang, TemplateSet::HeldOut).len();
        captions.push((class, lang, rng.below(count)));
    }
    (chosen, captions)
}

/// The pool's similarity matrix: rows images, columns captions.
pub fn pool_similarities(
    images: &EmbeddedImages,
    prompts: &dyn PromptEmbeddings,
    pool: &(Vec<usize>, Vec<(usize, Lang, usize)>),
) -> Vec<f32> {
    let (chosen, captions) = pool;
    let mut out = Vec::with_capacity(chosen.len() * captions.len());
    for &i in chosen {
        for &(class, lang, t) in captions {
            out.push(dot(images.row(i), prompts.embedding(class, lang, TemplateSet::HeldOut, t)));
        }
    }
    out
}

/// Rank (0 = first) of entry `target` among `scores`, ties counted against it.
fn rank(scores: impl Iterator<Item = f32> + Clone, target: f32) -> usize {
    scores.filter(|&s| s >= target).count() - 1
}

/// Retrieval recall over `pools` random pools.
pub fn retrieval(images: &EmbeddedImages, prompts: &dyn PromptEmbeddings, pools: usize, seed: u64) -> Recall {
    let mut rng = Rng::new(seed);
    let mut recall = Recall::default();
    let mut count = 0usize;
    for _ in 0..pools {
        let pool = draw_pool(images, &mut rng);
        let k = pool.0.len();
        let sims = pool_similarities(images, prompts, &pool);
        for i in 0..k {
            let diagonal = sims[i * k + i];
            let row = rank(sims[i * k..(i + 1) * k].iter().copied(), diagonal);
            let column = rank((0..k).map(|r| sims[r * k + i]), diagonal);
            recall.image_to_text_at_1 += f64::from(row < 1);
            recall.image_to_text_at_5 += f64::from(row < 5);
            recall.text_to_image_at_1 += f64::from(column < 1);
            recall.text_to_image_at_5 += f64::from(column < 5);
            count += 1;
        }
        recall.pool_size = k;
    }
    let n = count.max(1) as f64;
    recall.image_to_text_at_1 /= n;
    recall.image_to_text_at_5 /= n;
    recall.text_to_image_at_1 /= n;
    recall.text_to_image_at_5 /= n;
    recall
}

/// Zero-shot accuracy on (class, training template) pairs that training never showed,
/// beside the pairs it did, both languages pooled.
#[derive(Clone, Copy, Debug, Default)]
pub struct Compositional {
    /// Accuracy on images of class c prompted with a template never paired with c.
    pub unseen: f64,
    /// Accuracy on the combinations seen in training.
    pub seen: f64,
    /// Number of unseen (class, template, language) combinations tested.
    pub unseen_pairs: usize,
}

/// The compositional check: for each class, language and training template, the
/// accuracy on the class's test images when every class is prompted with that template.
pub fn compositional(images: &EmbeddedImages, prompts: &dyn PromptEmbeddings) -> Compositional {
    let (mut unseen, mut seen) = ((0usize, 0usize), (0usize, 0usize));
    let mut pairs = 0;
    for domain in Domain::ALL {
        let members: Vec<usize> = images.of_domain(domain).collect();
        for lang in Lang::ALL {
            for t in 0..templates(domain, lang, TemplateSet::Train).len() {
                for &i in &members {
                    let class = images.labels[i];
                    let predicted = best_class(domain, |c| dot(images.row(i), prompts.embedding(c, lang, TemplateSet::Train, t)));
                    let tally = if is_unseen_combination(class, lang, t) {
                        &mut unseen
                    } else {
                        &mut seen
                    };
                    tally.0 += usize::from(predicted == class);
                    tally.1 += 1;
                }
                let first = domain.first_class();
                if !members.is_empty() {
                    pairs += (first..first + 10).filter(|&c| is_unseen_combination(c, lang, t)).count();
                }
            }
        }
    }
    Compositional {
        unseen: unseen.0 as f64 / unseen.1.max(1) as f64,
        seen: seen.0 as f64 / seen.1.max(1) as f64,
        unseen_pairs: pairs,
    }
}
