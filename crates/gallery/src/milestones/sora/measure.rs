//! Measuring clips: each frame is cut to a 28×28 window around its ink's centroid and
//! read by a LeNet trained in the run on such windows of real Moving-MNIST frames
//! (digit identity, and frame-to-frame identity for temporal consistency); the
//! centroids' straight-line fit gives the motion (direction against the asked one) and
//! how far the path strays from a straight line (jitter, in pixels). Both models' clips
//! are scored beside real clips for the same requests; the caption encoder's own
//! zero-shot accuracy after its pre-training is measured on real test clips.

use super::data::{captions, random_clip, render, Direction, Path, SmallDigits, CANVAS};
use super::Settings;
use crate::common::contrastive::{zero_shot_accuracy, ItemEncoder};
use crate::common::diffusion::sample_captions;
use crate::common::image_judge::{unit_from_signed, ImageJudge, JudgeRecipe};
use crate::{Phase, Run};
use descent_data::ImageSet;
use descent_models::diffusion::DdimOptions;
use descent_models::text_diffusion::TextToVideo;
use descent_tensor::Rng;

/// What the run measured.
pub(crate) struct Outcome {
    /// The requests measured (digit × direction × `per_combo`).
    pub(crate) requests: Vec<Request>,
    /// Real clips for the same requests and their scores.
    pub(crate) real: (Vec<f32>, Scores),
    /// The space-time model's clips and scores.
    pub(crate) space_time: (Vec<f32>, Scores),
    /// The per-frame baseline's clips and scores.
    pub(crate) per_frame: (Vec<f32>, Scores),
    /// The judge's accuracy on windows of real test frames.
    pub(crate) judge_accuracy: f64,
}

/// The two halves of the verdict: quality (the space-time model's identity, direction
/// and consistency reach their bars) and motion (its direction accuracy is not lower
/// than the per-frame baseline's and its path jitter is lower).
pub(crate) fn quality_and_motion(s: &Settings, o: &Outcome) -> (bool, bool) {
    let (st, pf) = (&o.space_time.1, &o.per_frame.1);
    let bars = s.bars;
    let quality = st.identity >= bars.identity && st.direction >= bars.direction && st.consistency >= bars.consistency;
    // NaN jitter (no clip with ink in every frame) fails the comparison.
    let motion = st.direction >= pf.direction && st.jitter < pf.jitter;
    (quality, motion)
}

/// The verdict: quality and motion both ([`quality_and_motion`]).
pub(crate) fn verdict(s: &Settings, o: &Outcome) -> bool {
    let (quality, motion) = quality_and_motion(s, o);
    quality && motion
}

/// Trains the frame judge ([`frame_judge`]) from the run's seed; logs its accuracy.
pub(crate) fn train_judge(run: &Run, train: &SmallDigits, test: &SmallDigits, epochs: usize) -> ImageJudge {
    let phase = run.phase("frame judge", (train.labels.len() * epochs) as u64);
    let judge = frame_judge(train, test, epochs, run.seed(), &phase);
    run.log(&format!(
        "frame judge: {:.2}% on windows of real test frames",
        judge.test_accuracy * 100.0
    ));
    judge
}

/// The pre-trained caption encoder's zero-shot accuracy over the run's (digit,
/// direction) pairs, on 400 fresh test clips: each pair's captions are its prototype.
pub(crate) fn text_zero_shot(run: &Run, model: &TextToVideo, items: &ItemEncoder, test: &SmallDigits, s: &Settings) -> f64 {
    let shape = [s.frames, 1, CANVAS, CANVAS];
    let combos: Vec<(usize, Direction)> = s
        .digits
        .iter()
        .flat_map(|&d| Direction::ALL.into_iter().map(move |dir| (d, dir)))
        .collect();
    let prototypes: Vec<Vec<Vec<usize>>> = combos
        .iter()
        .map(|&(d, dir)| {
            captions(d, dir)
                .iter()
                .map(|t| {
                    model
                        .vocab
                        .encode(t, model.text.config.max_len)
                        .expect("captions use the vocabulary")
                })
                .collect()
        })
        .collect();
    let usable = test.indices_of(&s.digits);
    let mut rng = Rng::new(run.seed() ^ 0x2e50);
    let (mut values, mut labels) = (Vec::new(), Vec::new());
    for _ in 0..400 {
        let (pixels, digit, dir, _) = random_clip(test, &usable, s.frames, &mut rng);
        values.extend(pixels);
        labels.push(combos.iter().position(|&c| c == (digit, dir)).expect("drawn from the run's digits"));
    }
    let accuracy = zero_shot_accuracy(items, &model.text, &shape, &values, &labels, &prototypes);
    run.log(&format!(
        "caption pre-training: zero-shot {:.1}% on 400 test clips over {} (digit, direction) pairs",
        accuracy * 100.0,
        combos.len()
    ));
    accuracy
}

/// Clips of both models (`[space-time, per-frame]`) for every request, and real clips
/// for the same requests, all scored by the judge.
pub(crate) fn measure(run: &Run, models: [&TextToVideo; 2], judge: &ImageJudge, test: &SmallDigits, s: &Settings) -> Outcome {
    let reqs = requests(&s.digits, s.per_combo);
    let phase = run.phase("sampling", 2 * reqs.len() as u64);
    let options = DdimOptions {
        steps: s.ddim_steps,
        guidance: s.guidance,
        seed: run.seed() ^ 0x50a,
    };
    let scored = |model: &TextToVideo, label: &str| {
        phase.status(label);
        let clips = generate(model, &reqs, options, s.sample_batch, &phase);
        let scores = score(judge, &reqs, &clips, s.frames);
        (clips, scores)
    };
    let space_time = scored(models[0], "space-time model");
    let per_frame = scored(models[1], "per-frame baseline");
    let real = real_clips(test, &reqs, s.frames, run.seed() ^ 0x4ea1);
    let real_scores = score(judge, &reqs, &real, s.frames);
    Outcome {
        requests: reqs,
        real: (real, real_scores),
        space_time,
        per_frame,
        judge_accuracy: judge.test_accuracy as f64,
    }
}

/// Side of the window the judge reads.
const WINDOW: usize = 28;

/// The ink centroid (x, y) of a frame in [−1, 1], or `None` when it is (nearly) empty.
fn centroid(frame: &[f32]) -> Option<(f32, f32)> {
    let (mut mass, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &v) in frame.iter().enumerate() {
        let w = (((v + 1.0) / 2.0) - 0.3).max(0.0) as f64;
        mass += w;
        sx += w * (i % CANVAS) as f64;
        sy += w * (i / CANVAS) as f64;
    }
    (mass >= 3.0).then(|| ((sx / mass) as f32, (sy / mass) as f32))
}

/// The 28×28 window of `frame` centred on `at` (background outside the canvas).
fn window(frame: &[f32], at: (f32, f32)) -> Vec<f32> {
    let half = (WINDOW / 2) as isize;
    let (cx, cy) = (at.0.round() as isize, at.1.round() as isize);
    let mut out = vec![-1.0f32; WINDOW * WINDOW];
    for y in 0..WINDOW as isize {
        for x in 0..WINDOW as isize {
            let (fx, fy) = (cx - half + x, cy - half + y);
            if (0..CANVAS as isize).contains(&fx) && (0..CANVAS as isize).contains(&fy) {
                out[(y * WINDOW as isize + x) as usize] = frame[(fy * CANVAS as isize + fx) as usize];
            }
        }
    }
    out
}

/// Real frame windows of every image of `digits` (one random position each), as bytes.
fn windows_of(digits: &SmallDigits, seed: u64) -> ImageSet {
    let mut rng = Rng::new(seed);
    let mut images = Vec::with_capacity(digits.labels.len() * WINDOW * WINDOW);
    for i in 0..digits.labels.len() {
        let path = Path::random(Direction::ALL[rng.below(4)], 1, &mut rng);
        let frame = render(digits, i, &path, 1);
        let at = centroid(&frame).unwrap_or((CANVAS as f32 / 2.0, CANVAS as f32 / 2.0));
        images.extend(
            window(&frame, at)
                .iter()
                .map(|&v| ((v + 1.0) * 127.5).round().clamp(0.0, 255.0) as u8),
        );
    }
    let labels = digits.labels.iter().map(|&l| l as u8).collect();
    ImageSet {
        images,
        labels,
        n: digits.labels.len(),
        rows: WINDOW,
        cols: WINDOW,
    }
}

/// Trains the frame judge on windows of real training frames; its test accuracy is on
/// windows of real test frames.
pub fn frame_judge(train: &SmallDigits, test: &SmallDigits, epochs: usize, seed: u64, phase: &Phase) -> ImageJudge {
    let recipe = JudgeRecipe {
        epochs,
        init_seed: seed,
        seed,
        cosine: true,
    };
    ImageJudge::train(&windows_of(train, seed ^ 0x71), &windows_of(test, seed ^ 0x72), recipe, phase)
}

/// One clip to generate or render: the digit and direction its caption asks for.
#[derive(Clone, Debug)]
pub struct Request {
    /// Asked digit.
    pub digit: usize,
    /// Asked direction.
    pub direction: Direction,
    /// The caption.
    pub caption: String,
}

/// `per_combo` requests per (digit, direction), cycling through the captions.
pub fn requests(digits: &[usize], per_combo: usize) -> Vec<Request> {
    let mut out = Vec::new();
    for &digit in digits {
        for direction in Direction::ALL {
            let list = captions(digit, direction);
            out.extend((0..per_combo).map(|i| Request {
                digit,
                direction,
                caption: list[i % list.len()].clone(),
            }));
        }
    }
    out
}

/// Generates one clip per request, `batch` clips at a time (seed + batch index).
fn generate(model: &TextToVideo, requests: &[Request], options: DdimOptions, batch: usize, phase: &Phase) -> Vec<f32> {
    let captions = requests.iter().map(|r| r.caption.as_str());
    sample_captions(
        &model.vocab,
        model.text.config.max_len,
        captions,
        batch,
        options,
        phase,
        |ids, options| model.sample_each(ids, CANVAS, options),
    )
}

/// Real clips for the requests (fresh random test images and paths): the calibration.
pub fn real_clips(digits: &SmallDigits, requests: &[Request], frames: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for r in requests {
        let pool = digits.indices_of(&[r.digit]);
        let index = pool[rng.below(pool.len())];
        out.extend(render(digits, index, &Path::random(r.direction, frames, &mut rng), frames));
    }
    out
}

/// What a set of clips scored.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scores {
    /// Share of frames read as the asked digit.
    pub identity: f64,
    /// Share of clips whose centroid path goes the asked way.
    pub direction: f64,
    /// Share of consecutive frame pairs read as the same digit.
    pub consistency: f64,
    /// Mean distance of the centroids from their straight-line fit (pixels; clips with
    /// an empty frame left out).
    pub jitter: f64,
    /// Share of frames with no ink to read.
    pub empty: f64,
}

/// Least-squares velocity and RMS residual of one coordinate over frames.
fn line_fit(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean_t = (n - 1.0) / 2.0;
    let mean_v = values.iter().map(|&v| v as f64).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (t, &v) in values.iter().enumerate() {
        num += (t as f64 - mean_t) * (v as f64 - mean_v);
        den += (t as f64 - mean_t).powi(2);
    }
    let slope = num / den.max(1e-9);
    let sq: f64 = values
        .iter()
        .enumerate()
        .map(|(t, &v)| (v as f64 - mean_v - slope * (t as f64 - mean_t)).powi(2))
        .sum();
    (slope, sq / n)
}

/// Whether velocity (vx, vy) is the asked direction: at least half a pixel a frame
/// along it, and less than half as much across it.
fn goes(direction: Direction, vx: f64, vy: f64) -> bool {
    let (ux, uy) = direction.step();
    let along = vx * ux as f64 + vy * uy as f64;
    let across = (vx * uy as f64 - vy * ux as f64).abs();
    along >= 0.5 && across <= 0.5 * along
}

/// Scores clips (frames × 32 × 32 each, in [−1, 1]) made for `requests`.
pub fn score(judge: &ImageJudge, requests: &[Request], clips: &[f32], frames: usize) -> Scores {
    let frame_len = CANVAS * CANVAS;
    let mut windows = Vec::with_capacity(requests.len() * frames * WINDOW * WINDOW);
    let mut centroids = Vec::with_capacity(requests.len() * frames);
    for frame in clips.chunks_exact(frame_len) {
        let c = centroid(frame);
        windows.extend(window(frame, c.unwrap_or((16.0, 16.0))));
        centroids.push(c);
    }
    let reads = judge.classify(&unit_from_signed(&windows));
    let (mut identity, mut pairs, mut same, mut direction, mut jitter, mut fitted) = (0usize, 0usize, 0usize, 0usize, 0.0f64, 0usize);
    for (k, r) in requests.iter().enumerate() {
        let read: Vec<Option<usize>> = (0..frames)
            .map(|f| centroids[k * frames + f].map(|_| reads[k * frames + f]))
            .collect();
        identity += read.iter().filter(|&&p| p == Some(r.digit)).count();
        for w in read.windows(2) {
            pairs += 1;
            same += usize::from(w[0].is_some() && w[0] == w[1]);
        }
        let path: Option<Vec<(f32, f32)>> = (0..frames).map(|f| centroids[k * frames + f]).collect();
        if let Some(path) = path {
            let xs: Vec<f32> = path.iter().map(|p| p.0).collect();
            let ys: Vec<f32> = path.iter().map(|p| p.1).collect();
            let ((vx, ex), (vy, ey)) = (line_fit(&xs), line_fit(&ys));
            direction += usize::from(goes(r.direction, vx, vy));
            jitter += (ex + ey).sqrt();
            fitted += 1;
        }
    }
    let n = requests.len().max(1) as f64;
    Scores {
        identity: identity as f64 / (n * frames as f64),
        direction: direction as f64 / n,
        consistency: same as f64 / pairs.max(1) as f64,
        jitter: if fitted == 0 { f64::NAN } else { jitter / fitted as f64 },
        empty: centroids.iter().filter(|c| c.is_none()).count() as f64 / centroids.len().max(1) as f64,
    }
}
