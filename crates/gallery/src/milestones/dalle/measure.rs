//! Measuring generated images: sample sets for lists of (class, caption) requests, the
//! share each judge reads as the asked class, and the Fréchet distance of the judge's
//! features against real test images, beside the real-against-real floor.

use super::captions::{captions, ClassId, Domain};
use super::data::DalleData;
use crate::common::diffusion::sample_captions;
use crate::common::frechet::frechet_distance_of;
use crate::common::image_judge::{unit_from_signed, ImageJudge, FEATURES};
use crate::Phase;
use descent_data::to_unit_range;
use descent_models::diffusion::DdimOptions;
use descent_models::text_diffusion::TextToImage;

/// One image to generate: its class and the caption it is generated from.
#[derive(Clone, Debug)]
pub struct Request {
    /// The class the caption names.
    pub class: ClassId,
    /// The caption.
    pub caption: String,
}

/// Which captions a request set uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaptionSet {
    /// Training captions.
    Seen,
    /// Held-out paraphrases.
    Unseen,
}

/// `per_class` requests per class, cycling through the class's captions of `set`.
pub fn requests(classes: &[ClassId], set: CaptionSet, per_class: usize) -> Vec<Request> {
    let mut out = Vec::new();
    for &class in classes {
        let c = captions(class);
        let list = if set == CaptionSet::Seen { c.seen } else { c.unseen };
        out.extend((0..per_class).map(|i| Request {
            class,
            caption: list[i % list.len()].clone(),
        }));
    }
    out
}

/// Generates one 28×28 image per request ([−1, 1], row-major), `batch` at a time with
/// seeds `seed + batch index`.
pub fn generate(model: &TextToImage, requests: &[Request], options: DdimOptions, batch: usize, phase: &Phase) -> Vec<f32> {
    let captions = requests.iter().map(|r| r.caption.as_str());
    sample_captions(
        &model.vocab,
        model.text.config.max_len,
        captions,
        batch,
        options,
        phase,
        |ids, options| model.sample_each(ids, 28, options, &mut |_, _, _| {}),
    )
}

/// What a set of generated images scored.
#[derive(Clone, Debug)]
pub struct Scores {
    /// Share read as the asked class, over all requests.
    pub accuracy: f64,
    /// Per class: (class, share read as it).
    pub per_class: Vec<(ClassId, f64)>,
    /// Per data set: the Fréchet distance of the generated images to real test images.
    pub frechet: Vec<(Domain, f64)>,
}

impl Scores {
    /// Mean accuracy over the classes of `domain`.
    pub fn domain_accuracy(&self, domain: Domain) -> Option<f64> {
        let values: Vec<f64> = self
            .per_class
            .iter()
            .filter(|(c, _)| c.split().0 == domain)
            .map(|(_, a)| *a)
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }

    /// The Fréchet distance of `domain`.
    pub fn domain_frechet(&self, domain: Domain) -> Option<f64> {
        self.frechet.iter().find(|(d, _)| *d == domain).map(|(_, f)| *f)
    }
}

/// The judge of `domain`.
pub fn judge_of(judges: &[(Domain, ImageJudge)], domain: Domain) -> &ImageJudge {
    judges
        .iter()
        .find(|j| j.0 == domain)
        .map(|j| &j.1)
        .expect("a judge per loaded data set")
}

/// Scores `images` generated for `requests`; the Fréchet distance compares each data
/// set's generated images with as many real test images (the first ones).
pub fn score(judges: &[(Domain, ImageJudge)], data: &DalleData, requests: &[Request], images: &[f32]) -> Scores {
    let mut per_class: Vec<(ClassId, usize, usize)> = Vec::new();
    let mut frechet = Vec::new();
    let mut total_correct = 0;
    for set in &data.sets {
        let judge = judge_of(judges, set.domain);
        let picked: Vec<usize> = (0..requests.len()).filter(|&i| requests[i].class.split().0 == set.domain).collect();
        if picked.is_empty() {
            continue;
        }
        let signed: Vec<f32> = picked
            .iter()
            .flat_map(|&i| images[i * 784..(i + 1) * 784].iter().copied())
            .collect();
        let pixels = unit_from_signed(&signed);
        let predicted = judge.classify(&pixels);
        for (&i, &p) in picked.iter().zip(&predicted) {
            let (_, index) = requests[i].class.split();
            let correct = usize::from(p == index);
            total_correct += correct;
            match per_class.iter_mut().find(|e| e.0 == requests[i].class) {
                Some(entry) => {
                    entry.1 += correct;
                    entry.2 += 1;
                }
                None => per_class.push((requests[i].class, correct, 1)),
            }
        }
        if picked.len() >= 2 {
            let n = picked.len().min(set.test.n);
            let real = to_unit_range(&set.test.images[..n * 784]);
            let generated = judge.features(&pixels[..n * 784]);
            frechet.push((set.domain, frechet_distance_of(&generated, &judge.features(&real), FEATURES)));
        }
    }
    Scores {
        accuracy: total_correct as f64 / requests.len().max(1) as f64,
        per_class: per_class.into_iter().map(|(c, k, n)| (c, k as f64 / n.max(1) as f64)).collect(),
        frechet,
    }
}

/// The real-against-real floor of each data set: the Fréchet distance between the first
/// `n` test images and the next `n` (fewer if the test set is short).
pub fn real_floor(judges: &[(Domain, ImageJudge)], data: &DalleData, n: usize) -> Vec<(Domain, f64)> {
    data.sets
        .iter()
        .map(|set| {
            let judge = judge_of(judges, set.domain);
            let n = n.min(set.test.n / 2).max(2);
            let a = judge.features(&to_unit_range(&set.test.images[..n * 784]));
            let b = judge.features(&to_unit_range(&set.test.images[n * 784..2 * n * 784]));
            (set.domain, frechet_distance_of(&a, &b, FEATURES))
        })
        .collect()
}
