//! What the text-to-video milestone reports: its measurements and notes, and the
//! pictures — animated GIFs and PNG strips of generated clips (space-time model,
//! per-frame baseline, real clips), the headline prompts, and the loss curves.

use super::data::CANVAS;
use super::measure::{quality_and_motion, Outcome, Scores};
use super::Settings;
use crate::{MilestoneError, Run, RunSettings};
use descent_models::diffusion::DdimOptions;
use descent_models::text_diffusion::TextToVideo;
use descent_report::{write_clips_gif, ClipOptions, GridOptions, LineChart, Normalize};

/// The scores of one set of clips, keys prefixed by `key`.
fn scores(run: &mut Run, key: &str, s: &Scores) {
    run.measure(&format!("{key}_identity"), s.identity);
    run.measure(&format!("{key}_direction"), s.direction);
    run.measure(&format!("{key}_consistency"), s.consistency);
    run.measure(&format!("{key}_jitter_px"), s.jitter);
    run.measure(&format!("{key}_empty_frames"), s.empty);
}

/// One set of clips' scores as a log line.
fn line(label: &str, s: &Scores) -> String {
    format!(
        "{label}: identity {:.1}%, direction {:.1}%, frame-to-frame identity {:.1}%, path jitter {:.2} px, empty frames {:.1}%",
        s.identity * 100.0,
        s.direction * 100.0,
        s.consistency * 100.0,
        s.jitter,
        s.empty * 100.0
    )
}

/// Records the measurements (the verdict's first) and the notes on the protocol.
pub(crate) fn record(run: &mut Run, s: &Settings, o: &Outcome) {
    let (st, pf, real) = (&o.space_time.1, &o.per_frame.1, &o.real.1);
    scores(run, "space_time", st);
    scores(run, "per_frame", pf);
    scores(run, "real", real);
    run.measure("judge_real_accuracy", o.judge_accuracy);
    for (label, scores) in [("space-time model", st), ("per-frame baseline", pf), ("real clips", real)] {
        run.log(&line(label, scores));
    }
    run.measure("clips_per_model", o.requests.len() as u64);
    run.measure("frames", s.frames as u64);
    run.measure("ddim_steps", s.ddim_steps as u64);
    run.measure("guidance", s.guidance as f64);
    notes(run, s, o);
}

/// How the verdict and the motion were measured, and which half of it failed.
fn notes(run: &mut Run, s: &Settings, o: &Outcome) {
    let bars = s.bars;
    let (quality, motion) = quality_and_motion(s, o);
    run.note(&format!(
        "Judged: the space-time model's frames read as the asked digit ≥ {:.0}%, clips moving the asked way ≥ {:.0}% (chance 25%), consecutive frames read as the same digit ≥ {:.0}%, and its motion beats the per-frame baseline's (direction accuracy not lower, jitter around a straight path lower). Digits {:?}, {} clips per model.",
        bars.identity * 100.0,
        bars.direction * 100.0,
        bars.consistency * 100.0,
        s.digits,
        o.requests.len()
    ));
    run.note("Direction: least-squares velocity of the ink centroid over the frames, ≥ 0.5 px/frame along the asked direction and less than half of that across it. Real clips move 1–2 px/frame; their scores (real_*) calibrate the measures, including the judge's own errors.");
    if !quality {
        run.note("The space-time model missed a bar (identity, direction or consistency): see space_time_* against real_*.");
    }
    if !motion {
        run.note("The temporal layers did not beat the per-frame baseline on motion in this run (space_time_direction/jitter against per_frame_*).");
    }
    if !run.full() {
        run.note(&format!(
            "Quick run: digits {:?} from the embedded MNIST subset, a {}-wide network trained {} steps of {} items, lower bars; `--full` trains a {}-wide network on all ten digits of MNIST at bars of 80%.",
            s.digits,
            s.sizes.channels,
            s.train.steps,
            s.train.batch_size,
            Settings::full().sizes.channels
        ));
    }
}

/// GIF options: `cols` clips a row, at three times their size, 150 ms a frame.
fn clip_options(cols: usize) -> ClipOptions {
    ClipOptions {
        cols,
        scale: 3,
        frame_ms: 150,
        low: -1.0,
        high: 1.0,
    }
}

/// A strip of a clip's `frames` frames a row, at twice their size.
fn strip(frames: usize) -> GridOptions {
    GridOptions {
        cols: frames,
        scale: 2,
        channels: 1,
        normalize: Normalize::Fixed { low: -1.0, high: 1.0 },
        borders: vec![],
    }
}

/// The first clip of each (digit, direction) request group, in request order.
fn one_per_combo(o: &Outcome, clips: &[f32], clip_len: usize, per_combo: usize) -> Vec<f32> {
    (0..o.requests.len())
        .step_by(per_combo.max(1))
        .flat_map(|i| clips[i * clip_len..(i + 1) * clip_len].iter().copied())
        .collect()
}

/// Writes the GIFs, strips, headline-prompt clips, loss chart and a per-clip table.
pub(crate) fn artifacts(run: &mut Run, model: &TextToVideo, s: &Settings, o: &Outcome) -> Result<(), MilestoneError> {
    let clip_len = s.frames * CANVAS * CANVAS;
    let cols = 4; // one row per digit: left, right, up, down
    for (key, clips) in [("space_time", &o.space_time.0), ("per_frame", &o.per_frame.0), ("real", &o.real.0)] {
        let shown = one_per_combo(o, clips, clip_len, s.per_combo);
        let gif = format!("{key}_clips.gif");
        write_clips_gif(&run.path(&gif)?, &shown, s.frames, CANVAS, CANVAS, &clip_options(cols))?;
        run.artifact(&gif);
        run.image_grid(&format!("{key}_strips.png"), &shown, CANVAS, CANVAS, &strip(s.frames))?;
    }
    headline_prompts(run, model, s)?;
    let history = run.history();
    let chart = LineChart {
        title: format!("Denoising loss ({} prediction)", s.train.prediction.name()),
        x_label: "step".into(),
        y_label: "MSE (mean of 10 steps)".into(),
        series: vec![
            history.series("loss_space_time", "space-time (temporal attention)"),
            history.series("loss_per_frame", "per-frame baseline"),
        ],
        log_y: false,
    };
    run.line_chart("loss.svg", &chart)?;
    crate::common::contrastive::write_loss_chart(run)?;
    let mut table = String::from("model\tidentity\tdirection\tframe-to-frame identity\tjitter px\tempty frames\n");
    for (label, sc) in [("space-time", &o.space_time.1), ("per-frame", &o.per_frame.1), ("real", &o.real.1)] {
        table.push_str(&format!(
            "{label}\t{:.3}\t{:.3}\t{:.3}\t{:.2}\t{:.3}\n",
            sc.identity, sc.direction, sc.consistency, sc.jitter, sc.empty
        ));
    }
    run.write_text("scores.txt", &table)
}

/// A clip of each headline prompt from the space-time model, as a GIF and strips, with
/// an index.
fn headline_prompts(run: &mut Run, model: &TextToVideo, s: &Settings) -> Result<(), MilestoneError> {
    let prompts = ["a 3 moving left", "一个3向左移动", "a 7 moving up", "一个0向右移动"];
    let mut shown = Vec::new();
    let mut index = String::from("row\tprompt\n");
    for (i, prompt) in prompts.iter().enumerate() {
        let ids = model
            .vocab
            .encode(prompt, model.text.config.max_len)
            .expect("headline prompts use the vocabulary");
        let options = DdimOptions {
            steps: s.ddim_steps,
            guidance: s.guidance,
            seed: run.seed() + 300 + i as u64,
        };
        shown.extend(model.sample_each(&[&ids], CANVAS, options));
        index.push_str(&format!("{i}\t{prompt}\n"));
    }
    write_clips_gif(&run.path("prompts.gif")?, &shown, s.frames, CANVAS, CANVAS, &clip_options(2))?;
    run.artifact("prompts.gif");
    run.image_grid("prompts_strips.png", &shown, CANVAS, CANVAS, &strip(s.frames))?;
    run.write_text("prompts.txt", &index)
}
