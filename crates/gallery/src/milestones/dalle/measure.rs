//! What the text-to-image verdict rests on: judges (a LeNet per data set, trained in
//! the run) read generated images as the asked class or not; sample sets for lists of
//! (class, caption) requests over a sweep of guidance scales, the held-out paraphrases
//! and the headline prompts; the Fréchet distance of the judge's features against real
//! test images, beside the real-against-real floor; and the caption encoder's own
//! zero-shot accuracy after its pre-training.

use super::captions::{self, captions, ClassId, Domain};
use super::data::{to_signed, DalleData};
use super::Settings;
use crate::common::contrastive::{zero_shot_accuracy, ItemEncoder};
use crate::common::diffusion::sample_captions;
use crate::common::frechet::frechet_distance_of;
use crate::common::image_judge::{unit_from_signed, ImageJudge, JudgeRecipe, FEATURES};
use crate::{Phase, Run};
use descent_data::to_unit_range;
use descent_models::diffusion::DdimOptions;
use descent_models::text_diffusion::TextToImage;

/// What the run measured.
pub(crate) struct Outcome {
    /// Each swept guidance scale and its scores on the training captions.
    pub(crate) sweep: Vec<(f32, Scores)>,
    /// Held-out paraphrases at the headline scale.
    pub(crate) unseen: Scores,
    /// Headline prompts: (prompt, class, accuracy, images).
    pub(crate) prompts: Vec<(String, ClassId, f64, Vec<f32>)>,
    /// Real-vs-real Fréchet floor per data set.
    pub(crate) floor: Vec<(Domain, f64)>,
    /// Judge accuracy on real test images per data set (mean over the run's classes).
    pub(crate) judge_accuracy: Vec<(Domain, f64)>,
    /// The training-caption requests and their images at the headline scale.
    pub(crate) seen: (Vec<Request>, Vec<f32>),
    /// The held-out requests and their images.
    pub(crate) unseen_samples: (Vec<Request>, Vec<f32>),
}

impl Outcome {
    /// The scores on the training captions at the headline guidance scale.
    pub(crate) fn headline(&self, guidance: f32) -> &Scores {
        &self
            .sweep
            .iter()
            .find(|(w, _)| *w == guidance)
            .expect("the sweep includes the headline scale")
            .1
    }
}

/// The verdict: at the headline scale, the training captions of each data set read as
/// asked at least `target` of the time (Fashion-MNIST: `target` × what its judge reads
/// on real test clothes), and so each headline prompt.
pub(crate) fn verdict(s: &Settings, o: &Outcome) -> bool {
    let main = o.headline(s.guidance);
    let mut passed = true;
    for &(domain, judge_acc) in &o.judge_accuracy {
        let seen = main.domain_accuracy(domain).unwrap_or(0.0);
        // Clothes are judged against what the judge reads on real clothes.
        let bar = if domain == Domain::Fashion {
            s.target * judge_acc
        } else {
            s.target
        };
        passed &= seen >= bar;
    }
    for (_, _, accuracy, _) in &o.prompts {
        passed &= *accuracy >= s.target;
    }
    passed
}

/// Trains a judge per data set on its training images (the run's seed, cosine
/// schedule); logs each one's accuracy on the real test images.
pub(crate) fn train_judges(run: &Run, data: &DalleData, epochs: usize) -> Vec<(Domain, ImageJudge)> {
    let phase = run.phase("judges", data.sets.iter().map(|s| (s.train.n * epochs) as u64).sum());
    let recipe = JudgeRecipe {
        epochs,
        init_seed: run.seed(),
        seed: run.seed(),
        cosine: true,
    };
    let judges: Vec<(Domain, ImageJudge)> = data
        .sets
        .iter()
        .map(|s| (s.domain, ImageJudge::train(&s.train, &s.test, recipe, &phase)))
        .collect();
    for (domain, j) in &judges {
        run.log(&format!(
            "judge for {domain:?}: {:.2}% on real test images",
            j.test_accuracy * 100.0
        ));
    }
    judges
}

/// Real test images of the run's classes (up to 500 per data set) in [−1, 1], with
/// their index in `classes`.
fn real_test_images(data: &DalleData, classes: &[ClassId]) -> (Vec<f32>, Vec<usize>) {
    let (mut values, mut labels) = (Vec::new(), Vec::new());
    for set in &data.sets {
        let mut taken = 0;
        for (i, &l) in set.test.labels.iter().enumerate() {
            let Some(k) = classes.iter().position(|&c| c == ClassId::of(set.domain, l as usize)) else {
                continue;
            };
            if taken == 500 {
                break;
            }
            values.extend(to_signed(&set.test.images[i * 784..(i + 1) * 784]));
            labels.push(k);
            taken += 1;
        }
    }
    (values, labels)
}

/// The token ids of each class's seen captions (or, `unseen`, its paraphrases): the
/// prototypes of zero-shot classification.
fn class_captions(model: &TextToImage, classes: &[ClassId], unseen: bool) -> Vec<Vec<Vec<usize>>> {
    classes
        .iter()
        .map(|&class| {
            let set = captions(class);
            let texts = if unseen { set.unseen } else { set.seen };
            texts
                .iter()
                .map(|t| {
                    model
                        .vocab
                        .encode(t, model.text.config.max_len)
                        .expect("captions use the vocabulary (tested)")
                })
                .collect()
        })
        .collect()
}

/// The pre-trained caption encoder's zero-shot accuracy on real test images (each
/// class's captions as its prototype), with the seen captions and with the
/// paraphrases: `(measurement key, accuracy)`.
pub(crate) fn text_zero_shot(
    run: &Run,
    model: &TextToImage,
    items: &ItemEncoder,
    data: &DalleData,
    classes: &[ClassId],
) -> Vec<(String, f64)> {
    let (values, labels) = real_test_images(data, classes);
    let mut zero_shot = Vec::new();
    for (key, unseen) in [("seen", false), ("unseen", true)] {
        let prototypes = class_captions(model, classes, unseen);
        let accuracy = zero_shot_accuracy(items, &model.text, &[1, 28, 28], &values, &labels, &prototypes);
        run.log(&format!(
            "caption pre-training: zero-shot {:.1}% on {} real test images with the {key} captions",
            accuracy * 100.0,
            labels.len()
        ));
        zero_shot.push((format!("text_zero_shot_{key}_captions"), accuracy));
    }
    zero_shot
}

/// Samples and scores every set of the measurement, sharing a model, its judges and
/// one progress phase.
struct Sampler<'a> {
    /// The model drawing.
    model: &'a TextToImage,
    /// A judge per data set.
    judges: &'a [(Domain, ImageJudge)],
    /// The real images (Fréchet distances).
    data: &'a DalleData,
    /// DDIM steps and images per batch.
    settings: &'a Settings,
    /// Progress over all the sampling.
    phase: Phase,
}

impl Sampler<'_> {
    /// Images for `requests` at guidance `guidance` from seed `seed`, and their scores.
    fn draw(&self, requests: &[Request], guidance: f32, seed: u64) -> (Scores, Vec<f32>) {
        let options = DdimOptions {
            steps: self.settings.ddim_steps,
            guidance,
            seed,
        };
        let images = generate(self.model, requests, options, self.settings.sample_batch, &self.phase);
        (score(self.judges, self.data, requests, &images), images)
    }
}

/// The sweep of guidance scales on the training captions, the held-out paraphrases and
/// the headline prompts, the Fréchet floor and the judges' own accuracy.
pub(crate) fn measure(
    run: &Run,
    model: &TextToImage,
    data: &DalleData,
    judges: &[(Domain, ImageJudge)],
    classes: &[ClassId],
    s: &Settings,
) -> Outcome {
    let seed = run.seed() ^ 0x5eed;
    let seen = requests(classes, CaptionSet::Seen, s.per_class);
    let unseen_requests = requests(classes, CaptionSet::Unseen, s.per_class);
    let prompts: Vec<(&str, ClassId)> = captions::headline_prompts()
        .into_iter()
        .filter(|(_, c)| classes.contains(c))
        .collect();
    let total = (seen.len() * s.sweep.len() + unseen_requests.len() + prompts.len() * s.prompt_samples) as u64;
    let sampler = Sampler {
        model,
        judges,
        data,
        settings: s,
        phase: run.phase("sampling", total),
    };
    let sweep = sweep(run, &sampler, &seen, seed);
    sampler.phase.status("held-out paraphrases");
    let (unseen, images) = sampler.draw(&unseen_requests, s.guidance, seed + 1000);
    let prompt_results = prompt_results(&sampler, &prompts, seed);
    let main_images = sweep
        .iter()
        .find(|(w, _, _)| *w == s.guidance)
        .map(|(_, _, i)| i.clone())
        .unwrap_or_default();
    Outcome {
        sweep: sweep.into_iter().map(|(w, sc, _)| (w, sc)).collect(),
        unseen,
        prompts: prompt_results,
        floor: real_floor(judges, data, 10 * s.per_class),
        judge_accuracy: judge_accuracy(judges, classes),
        seen: (seen, main_images),
        unseen_samples: (unseen_requests, images),
    }
}

/// The training captions at each guidance scale of the sweep: (scale, scores, images).
fn sweep(run: &Run, sampler: &Sampler, seen: &[Request], seed: u64) -> Vec<(f32, Scores, Vec<f32>)> {
    let mut sweep = Vec::new();
    for &w in &sampler.settings.sweep {
        sampler.phase.status(&format!("guidance {w}"));
        let (scores, images) = sampler.draw(seen, w, seed);
        run.log(&format!(
            "guidance {w}: {:.1}% read as asked (training captions)",
            scores.accuracy * 100.0
        ));
        sweep.push((w, scores, images));
    }
    sweep
}

/// `prompt_samples` images of each headline prompt at the headline scale (seeds
/// `seed + 2000 + 100 i`): (prompt, class, share read as asked, images).
fn prompt_results(sampler: &Sampler, prompts: &[(&str, ClassId)], seed: u64) -> Vec<(String, ClassId, f64, Vec<f32>)> {
    let s = sampler.settings;
    let mut results = Vec::new();
    for (i, (prompt, class)) in prompts.iter().enumerate() {
        let reqs: Vec<Request> = (0..s.prompt_samples)
            .map(|_| Request {
                class: *class,
                caption: prompt.to_string(),
            })
            .collect();
        let (scores, images) = sampler.draw(&reqs, s.guidance, seed + 2000 + i as u64 * 100);
        results.push((prompt.to_string(), *class, scores.accuracy, images));
    }
    results
}

/// Each judge's mean accuracy over the run's classes of its data set, on real test images.
fn judge_accuracy(judges: &[(Domain, ImageJudge)], classes: &[ClassId]) -> Vec<(Domain, f64)> {
    judges
        .iter()
        .map(|(domain, j)| {
            let wanted: Vec<f32> = (0..10)
                .filter(|&i| classes.contains(&ClassId::of(*domain, i)))
                .map(|i| j.class_accuracy[i])
                .collect();
            (*domain, wanted.iter().sum::<f32>() as f64 / wanted.len().max(1) as f64)
        })
        .collect()
}

/// One image to generate: its class and the caption it is generated from.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    /// The class the caption names.
    pub(crate) class: ClassId,
    /// The caption.
    pub(crate) caption: String,
}

/// Which captions a request set uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CaptionSet {
    /// Training captions.
    Seen,
    /// Held-out paraphrases.
    Unseen,
}

/// `per_class` requests per class, cycling through the class's captions of `set`.
fn requests(classes: &[ClassId], set: CaptionSet, per_class: usize) -> Vec<Request> {
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
fn generate(model: &TextToImage, requests: &[Request], options: DdimOptions, batch: usize, phase: &Phase) -> Vec<f32> {
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
pub(crate) struct Scores {
    /// Share read as the asked class, over all requests.
    pub(crate) accuracy: f64,
    /// Per class: (class, share read as it).
    pub(crate) per_class: Vec<(ClassId, f64)>,
    /// Per data set: the Fréchet distance of the generated images to real test images.
    pub(crate) frechet: Vec<(Domain, f64)>,
}

impl Scores {
    /// Mean accuracy over the classes of `domain`.
    pub(crate) fn domain_accuracy(&self, domain: Domain) -> Option<f64> {
        let values: Vec<f64> = self
            .per_class
            .iter()
            .filter(|(c, _)| c.split().0 == domain)
            .map(|(_, a)| *a)
            .collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    }

    /// The Fréchet distance of `domain`.
    pub(crate) fn domain_frechet(&self, domain: Domain) -> Option<f64> {
        self.frechet.iter().find(|(d, _)| *d == domain).map(|(_, f)| *f)
    }
}

/// The judge of `domain`.
fn judge_of(judges: &[(Domain, ImageJudge)], domain: Domain) -> &ImageJudge {
    judges
        .iter()
        .find(|j| j.0 == domain)
        .map(|j| &j.1)
        .expect("a judge per loaded data set")
}

/// Scores `images` generated for `requests`; the Fréchet distance compares each data
/// set's generated images with as many real test images (the first ones).
fn score(judges: &[(Domain, ImageJudge)], data: &DalleData, requests: &[Request], images: &[f32]) -> Scores {
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
fn real_floor(judges: &[(Domain, ImageJudge)], data: &DalleData, n: usize) -> Vec<(Domain, f64)> {
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
