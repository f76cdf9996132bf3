//! What the text-to-image milestone reports: its measurements and notes, and the
//! pictures — sample grids per class and per prompt, the denoising strip, the guidance
//! sweep and the loss curves.

use super::captions::{self, class_name, ClassId, Domain};
use super::measure::{Outcome, Request, Scores};
use super::Settings;
use crate::{MilestoneError, Run};
use descent_models::diffusion::DdimOptions;
use descent_models::text_diffusion::TextToImage;
use descent_report::{GridOptions, LineChart, Normalize, Series};

/// The data set's name in measurement keys.
fn domain_key(domain: Domain) -> &'static str {
    match domain {
        Domain::Digits => "digits",
        Domain::Fashion => "fashion",
    }
}

/// Records the measurements (the verdict's first) and the notes on the protocol.
pub(crate) fn record(run: &mut Run, s: &Settings, o: &Outcome) {
    let main = o.headline(s.guidance);
    run.measure("seen_caption_accuracy", main.accuracy);
    run.measure("unseen_paraphrase_accuracy", o.unseen.accuracy);
    for &(domain, judge_acc) in &o.judge_accuracy {
        let key = domain_key(domain);
        let seen = main.domain_accuracy(domain).unwrap_or(0.0);
        run.measure(&format!("{key}_seen_accuracy"), seen);
        run.measure(&format!("{key}_unseen_accuracy"), o.unseen.domain_accuracy(domain).unwrap_or(0.0));
        run.measure(&format!("{key}_judge_real_accuracy"), judge_acc);
        if let Some(fd) = main.domain_frechet(domain) {
            run.measure(&format!("{key}_frechet"), fd);
        }
        if let Some((_, floor)) = o.floor.iter().find(|(d, _)| *d == domain) {
            run.measure(&format!("{key}_frechet_real_vs_real"), *floor);
        }
    }
    for (prompt, _, accuracy, _) in &o.prompts {
        run.measure(&format!("prompt_accuracy \"{prompt}\""), *accuracy);
    }
    for (w, scores) in &o.sweep {
        run.record("sweep_accuracy", *w as f64, scores.accuracy);
        for (domain, fd) in &scores.frechet {
            run.record(&format!("sweep_frechet_{}", domain_key(*domain)), *w as f64, *fd);
        }
    }
    run.measure("guidance", s.guidance as f64);
    run.measure("ddim_steps", s.ddim_steps as u64);
    run.measure("samples_per_class", s.per_class as u64);
    notes(run, s);
}

/// How the verdict and the Fréchet distance were measured.
fn notes(run: &mut Run, s: &Settings) {
    run.note(&format!(
        "Judged: each headline prompt and the mean over training captions read as the asked class ≥ {:.0}% (Fashion-MNIST: ≥ {:.0}% of the judge's accuracy on real test clothes); held-out paraphrases reported.",
        s.target * 100.0,
        s.target * 100.0
    ));
    run.note("The Fréchet distance uses the judge LeNet's 84 penultimate features, against as many real test images; real_vs_real is two disjoint halves of the test set (the floor at this sample size).");
    if !run.full() {
        run.note("Quick run: digits only (embedded MNIST subset; no Fashion-MNIST subset is embedded yet), a 16-wide U-Net and a short training, judged at 80%; `--full` trains the 32-wide U-Net on both data sets and tests the 90% claim.");
    }
}

/// `per_row` images of each class, one class per row, from requests ordered by class.
fn rows_by_class(requests: &[Request], images: &[f32], per_row: usize) -> (Vec<f32>, Vec<ClassId>) {
    let mut out = Vec::new();
    let mut classes: Vec<ClassId> = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        if !classes.contains(&r.class) {
            classes.push(r.class);
        }
        let before = requests[..i].iter().filter(|q| q.class == r.class).count();
        if before < per_row {
            out.extend_from_slice(&images[i * 784..(i + 1) * 784]);
        }
    }
    (out, classes)
}

/// A grid of `cols` greyscale images in [−1, 1], at twice their size.
fn grid(cols: usize) -> GridOptions {
    GridOptions {
        cols,
        scale: 2,
        channels: 1,
        normalize: Normalize::Fixed { low: -1.0, high: 1.0 },
        borders: vec![],
    }
}

/// Writes the pictures and tables.
pub(crate) fn artifacts(run: &mut Run, model: &TextToImage, s: &Settings, o: &Outcome, classes: &[ClassId]) -> Result<(), MilestoneError> {
    samples(run, s, o, classes)?;
    denoising_strip(run, model, s, classes)?;
    let history = run.history();
    let loss = LineChart {
        title: format!("Denoising loss ({} prediction)", s.train.prediction.name()),
        x_label: "step".into(),
        y_label: "MSE (mean of 20 steps)".into(),
        series: vec![history.series("train_loss", "train loss")],
        log_y: false,
    };
    run.line_chart("loss.svg", &loss)?;
    crate::common::contrastive::write_loss_chart(run)?;
    guidance_sweep(run, s, o)
}

/// Sample grids of the seen captions and the paraphrases (a row per class), one grid
/// per headline prompt with an index, and the share read as asked per class.
fn samples(run: &mut Run, s: &Settings, o: &Outcome, classes: &[ClassId]) -> Result<(), MilestoneError> {
    let per_row = s.per_class.min(10);
    for (name, (requests, images)) in [("samples_seen.png", &o.seen), ("samples_unseen.png", &o.unseen_samples)] {
        if !images.is_empty() {
            let (pixels, _) = rows_by_class(requests, images, per_row);
            run.image_grid(name, &pixels, 28, 28, &grid(per_row))?;
        }
    }
    let mut index = String::from("file\tprompt\tread as asked\n");
    for (i, (prompt, _, accuracy, images)) in o.prompts.iter().enumerate() {
        let name = format!("prompt_{i}.png");
        run.image_grid(&name, images, 28, 28, &grid(8))?;
        index.push_str(&format!("{name}\t{prompt}\t{:.1}%\n", accuracy * 100.0));
    }
    let mut table = String::from("class\tseen captions\theld-out paraphrases\n");
    let main = o.headline(s.guidance);
    for &class in classes {
        let get = |scores: &Scores| scores.per_class.iter().find(|(c, _)| *c == class).map_or(f64::NAN, |(_, a)| *a);
        table.push_str(&format!(
            "{}\t{:.1}%\t{:.1}%\n",
            class_name(class),
            get(main) * 100.0,
            get(&o.unseen) * 100.0
        ));
    }
    run.write_text("prompts.txt", &index)?;
    run.write_text("per_class.txt", &table)
}

/// The guidance sweep: share read as asked against the Fréchet distance, per data set,
/// as a chart and a table.
fn guidance_sweep(run: &mut Run, s: &Settings, o: &Outcome) -> Result<(), MilestoneError> {
    let mut series = Vec::new();
    let mut text = String::from("guidance\tread as asked\tFréchet (per data set)\n");
    for &(domain, _) in &o.judge_accuracy {
        let points: Vec<(f64, f64)> = o
            .sweep
            .iter()
            .filter_map(|(_, sc)| Some((sc.domain_accuracy(domain)?, sc.domain_frechet(domain)?)))
            .collect();
        series.push(Series::new(&format!("{} (guidance {:?})", domain_key(domain), s.sweep), points));
    }
    for (w, sc) in &o.sweep {
        let fds: Vec<String> = sc.frechet.iter().map(|(d, f)| format!("{} {f:.2}", domain_key(*d))).collect();
        text.push_str(&format!("{w}\t{:.1}%\t{}\n", sc.accuracy * 100.0, fds.join(", ")));
    }
    run.write_text("guidance_sweep.txt", &text)?;
    let chart = LineChart {
        title: "Classifier-free guidance: fidelity against distance".into(),
        x_label: "share read as the asked class".into(),
        y_label: "Fréchet distance to real test images".into(),
        series,
        log_y: false,
    };
    run.line_chart("guidance_sweep.svg", &chart)
}

/// One sample per prompt (up to four classes), shown at ten points of its DDIM path
/// from pure noise to the image: each row a prompt.
fn denoising_strip(run: &mut Run, model: &TextToImage, s: &Settings, classes: &[ClassId]) -> Result<(), MilestoneError> {
    const SHOWN: usize = 10;
    let mut pixels = Vec::new();
    for (i, &class) in classes.iter().take(4).enumerate() {
        let caption = captions::captions(class).seen[0].clone();
        let ids = model.vocab.encode(&caption, model.text.config.max_len).expect("training caption");
        let options = DdimOptions {
            steps: s.ddim_steps,
            guidance: s.guidance,
            seed: run.seed() + 77 + i as u64,
        };
        let mut frames: Vec<Vec<f32>> = Vec::new();
        let keep: Vec<usize> = (0..SHOWN).map(|k| k * (s.ddim_steps - 1) / (SHOWN - 1)).collect();
        model.sample(&ids, 1, 28, options, &mut |step, x, _| {
            if keep.contains(&step) {
                frames.push(x.to_vec());
            }
        });
        frames.iter().for_each(|f| pixels.extend_from_slice(f));
    }
    run.image_grid("denoising_strip.png", &pixels, 28, 28, &grid(SHOWN))
}
