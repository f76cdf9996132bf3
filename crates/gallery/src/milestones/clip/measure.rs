//! Measurements of the CLIP milestone on unit-length embeddings: zero-shot accuracy
//! (prompts → text embeddings → the most similar class, no classifier head), the same
//! for class-restricted logits of the references (a linear probe on the frozen image
//! features, the supervised network), retrieval recall in pools of one image–caption
//! pair per class, and the compositional check.

use super::captions::{is_unseen_combination, templates, Domain, Lang, TemplateSet, CLASSES};
use super::data::ClipData;
use super::train::{linear_probe, map_images, Prompts, Supervised};
use crate::Run;
use descent_models::clip::Clip;
use descent_tensor::{no_grad, Rng};
use std::collections::HashMap;

/// Everything measured, for the report and the artifacts.
pub(crate) struct Outcome {
    /// Zero-shot, English prompts.
    pub(crate) zero_shot_en: ZeroShot,
    /// Zero-shot, Chinese prompts.
    pub(crate) zero_shot_zh: ZeroShot,
    /// Linear probe accuracy per domain.
    pub(crate) probe: Vec<Option<f64>>,
    /// Supervised accuracy per domain.
    pub(crate) supervised: Vec<Option<f64>>,
    /// Retrieval.
    pub(crate) recall: Recall,
    /// Compositional check.
    pub(crate) compositional: Compositional,
    /// The supervised network's mean training loss per epoch.
    pub(crate) supervised_losses: Vec<f32>,
    /// The learned logit scale exp(t).
    pub(crate) logit_scale: f32,
    /// Characters of held-out captions never seen in a training caption.
    pub(crate) unseen_chars: Vec<char>,
}

/// Text embeddings of every caption.
pub(crate) struct PromptTable(HashMap<(usize, Lang, TemplateSet, usize), Vec<f32>>);

impl PromptEmbeddings for PromptTable {
    fn embedding(&self, class: usize, lang: Lang, set: TemplateSet, template: usize) -> &[f32] {
        &self.0[&(class, lang, set, template)]
    }
}

/// The unit text embedding of every caption, 256 captions at a time, without a graph.
pub(crate) fn embed_prompts(model: &Clip, prompts: &Prompts) -> PromptTable {
    let keys = prompts.keys();
    let mut table = HashMap::new();
    no_grad(|| {
        for chunk in keys.chunks(256) {
            let ids: Vec<Vec<usize>> = chunk.iter().map(|&(c, l, s, t)| prompts.get(c, l, s, t).to_vec()).collect();
            let rows = model.text_embeddings(&ids).to_vec();
            let width = rows.len() / chunk.len();
            for (key, row) in chunk.iter().zip(rows.chunks(width)) {
                table.insert(*key, row.to_vec());
            }
        }
    });
    PromptTable(table)
}

/// Zero-shot accuracy with the held-out English, then Chinese, prompts.
pub(crate) fn zero_shot_both(run: &Run, images: &EmbeddedImages, table: &PromptTable) -> (ZeroShot, ZeroShot) {
    let en = zero_shot(images, table, Lang::En);
    let zh = zero_shot(images, table, Lang::Zh);
    run.log(&format!(
        "zero-shot (held-out templates): English {:.1}%, Chinese {:.1}%",
        100.0 * en.mean(),
        100.0 * zh.mean()
    ));
    (en, zh)
}

/// A linear probe on CLIP's frozen image features ([`linear_probe`]): its accuracy
/// per domain on the test images.
pub(crate) fn probe_accuracy(model: &Clip, data: &ClipData, epochs: usize, seed: u64) -> Vec<Option<f64>> {
    let train_features = map_images(&data.train, |x| model.visual.features(x));
    let test_features = map_images(&data.test, |x| model.visual.features(x));
    let width = model.config.image_features;
    let logits = linear_probe(&train_features, &data.train.labels, &test_features, width, epochs, seed);
    restricted_accuracy(&logits, &data.test.labels)
}

/// The supervised reference's accuracy per domain on the test images.
pub(crate) fn supervised_accuracy(model: &Supervised, data: &ClipData) -> Vec<Option<f64>> {
    let logits = map_images(&data.test, |x| descent_nn::Forward::forward(model, x));
    restricted_accuracy(&logits, &data.test.labels)
}

/// Dot product (cosine of unit vectors).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Text embeddings of captions, looked up by (class, language, set, template).
pub(crate) trait PromptEmbeddings {
    /// The unit embedding of one caption.
    fn embedding(&self, class: usize, lang: Lang, set: TemplateSet, template: usize) -> &[f32];
}

/// Test images as unit embeddings with their classes.
pub(crate) struct EmbeddedImages<'a> {
    /// Row i: image i's embedding.
    pub(crate) rows: &'a [f32],
    /// Embedding width.
    pub(crate) width: usize,
    /// Class of each image.
    pub(crate) labels: &'a [usize],
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
pub(crate) struct ZeroShot {
    /// Accuracy per domain (mean over the held-out templates), in `Domain::ALL` order;
    /// `None` for a domain without test images.
    pub(crate) per_domain: Vec<Option<f64>>,
    /// Accuracy per class (mean over held-out templates); `None` without test images.
    pub(crate) per_class: Vec<Option<f64>>,
}

impl ZeroShot {
    /// Mean over the domains present.
    pub(crate) fn mean(&self) -> f64 {
        mean(self.per_domain.iter().flatten().copied())
    }
}

/// Mean of an iterator (0 when empty).
pub(crate) fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Zero-shot classification within each domain's ten classes, with each held-out
/// template of `lang` in turn.
fn zero_shot(images: &EmbeddedImages, prompts: &dyn PromptEmbeddings, lang: Lang) -> ZeroShot {
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
fn restricted_accuracy(logits: &[f32], labels: &[usize]) -> Vec<Option<f64>> {
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
pub(crate) struct Recall {
    /// Image → text, the paired caption ranked first.
    pub(crate) image_to_text_at_1: f64,
    /// Image → text, within the top five.
    pub(crate) image_to_text_at_5: f64,
    /// Text → image, ranked first.
    pub(crate) text_to_image_at_1: f64,
    /// Text → image, within the top five.
    pub(crate) text_to_image_at_5: f64,
    /// Pairs per pool (one per class present).
    pub(crate) pool_size: usize,
}

/// One pool: a test image of every class present and, for each, a held-out caption of
/// its class (random language and template); returns (image indices, captions as
/// (class, lang, template)).
pub(crate) fn draw_pool(images: &EmbeddedImages, rng: &mut Rng) -> (Vec<usize>, Vec<(usize, Lang, usize)>) {
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
pub(crate) fn pool_similarities(
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
pub(crate) fn retrieval(images: &EmbeddedImages, prompts: &dyn PromptEmbeddings, pools: usize, seed: u64) -> Recall {
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
pub(crate) struct Compositional {
    /// Accuracy on images of class c prompted with a template never paired with c.
    pub(crate) unseen: f64,
    /// Accuracy on the combinations seen in training.
    pub(crate) seen: f64,
    /// Number of unseen (class, template, language) combinations tested.
    pub(crate) unseen_pairs: usize,
}

/// The compositional check: for each class, language and training template, the
/// accuracy on the class's test images when every class is prompted with that template.
pub(crate) fn compositional(images: &EmbeddedImages, prompts: &dyn PromptEmbeddings) -> Compositional {
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
