//! Moving MNIST made on the fly: one real MNIST digit, shrunk to 20×20 (area averaging),
//! slides in a straight line across a 32×32 canvas for a few frames, left, right, up or
//! down, at 1 to 2 pixels a frame from a random start; each clip has captions naming the
//! digit and the direction in English and Chinese ("a 3 moving left", "一个3向左移动").
//! Clips are pixels in [−1, 1], (frames, 1, 32, 32) row-major.

use super::Settings;
use crate::{MilestoneError, Run};
use descent_data::{mnist_subset, Dataset, ImageSet, Split};
use descent_tensor::Rng;

/// Side of the canvas.
pub const CANVAS: usize = 32;
/// Side of the shrunk digit.
pub(crate) const DIGIT: usize = 20;

/// The run's digits, shrunk: MNIST from the data folder (full runs) or the embedded
/// subset, the training set capped at `max_train`; records which data the run uses.
pub(crate) fn load(run: &mut Run, s: &Settings) -> Result<(SmallDigits, SmallDigits), MilestoneError> {
    let (train_set, test_set, identity) = if run.full() {
        let locator = run.data();
        let train = locator.load(Dataset::Mnist, Split::Train)?;
        let test = locator.load(Dataset::Mnist, Split::Test)?;
        let id = format!("MNIST {}/{}", train.n, test.n);
        (train, test, id)
    } else {
        let (train, test) = mnist_subset();
        (train, test, "MNIST embedded subset".to_string())
    };
    let train_set = s.max_train.map_or(train_set.clone(), |n| train_set.take(n));
    run.uses_data(
        &format!("{identity}, train {}, digits {:?}", train_set.n, s.digits),
        &format!(
            "Moving MNIST made on the fly from {identity} (train {} images): {DIGIT}×{DIGIT} digits in {CANVAS}×{CANVAS}, {} frames",
            train_set.n, s.frames
        ),
    );
    Ok((SmallDigits::from_set(&train_set), SmallDigits::from_set(&test_set)))
}

/// Where a clip's digit goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Towards smaller x.
    Left,
    /// Towards larger x.
    Right,
    /// Towards smaller y (the top of the picture).
    Up,
    /// Towards larger y.
    Down,
}

impl Direction {
    /// All four, in caption order.
    pub(crate) const ALL: [Direction; 4] = [Direction::Left, Direction::Right, Direction::Up, Direction::Down];

    /// The unit step (dx, dy) in pixel coordinates (y down).
    pub(crate) fn step(self) -> (f32, f32) {
        match self {
            Direction::Left => (-1.0, 0.0),
            Direction::Right => (1.0, 0.0),
            Direction::Up => (0.0, -1.0),
            Direction::Down => (0.0, 1.0),
        }
    }

    /// The English word.
    pub(crate) fn english(self) -> &'static str {
        match self {
            Direction::Left => "left",
            Direction::Right => "right",
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// The Chinese character.
    pub(crate) fn chinese(self) -> &'static str {
        match self {
            Direction::Left => "左",
            Direction::Right => "右",
            Direction::Up => "上",
            Direction::Down => "下",
        }
    }
}

/// The training captions of a digit moving one way (English and Chinese).
pub(crate) fn captions(digit: usize, direction: Direction) -> Vec<String> {
    let (en, zh) = (direction.english(), direction.chinese());
    vec![
        format!("a {digit} moving {en}"),
        format!("the digit {digit} moving {en}"),
        format!("一个{digit}向{zh}移动"),
        format!("数字{digit}向{zh}移动"),
    ]
}

/// MNIST digits shrunk to [`DIGIT`]×[`DIGIT`], with their labels.
pub struct SmallDigits {
    /// (n, 20, 20) pixels 0..255.
    pub(crate) pixels: Vec<u8>,
    /// The digit of each.
    pub(crate) labels: Vec<usize>,
}

impl SmallDigits {
    /// Shrinks each 28×28 image of `set` to [`DIGIT`]×[`DIGIT`] by area averaging.
    pub fn from_set(set: &ImageSet) -> SmallDigits {
        assert_eq!(
            (set.rows, set.cols),
            (28, 28),
            "SmallDigits: images are {}x{}, not 28x28",
            set.rows,
            set.cols
        );
        let weights = box_weights(28, DIGIT);
        let mut pixels = Vec::with_capacity(set.n * DIGIT * DIGIT);
        let mut rows = vec![0f32; DIGIT * 28];
        for i in 0..set.n {
            let img = set.image(i);
            // Columns first (28 rows × DIGIT), then rows.
            for y in 0..28 {
                for (x, w) in weights.iter().enumerate() {
                    rows[x * 28 + y] = w.iter().map(|&(src, a)| a * img[y * 28 + src] as f32).sum();
                }
            }
            for wy in &weights {
                for x in 0..DIGIT {
                    let v: f32 = wy.iter().map(|&(src, a)| a * rows[x * 28 + src]).sum();
                    pixels.push(v.round().clamp(0.0, 255.0) as u8);
                }
            }
        }
        SmallDigits {
            pixels,
            labels: set.labels_usize(),
        }
    }

    /// The indices of the images showing one of `digits`.
    pub fn indices_of(&self, digits: &[usize]) -> Vec<usize> {
        (0..self.labels.len()).filter(|&i| digits.contains(&self.labels[i])).collect()
    }

    /// The pixels of image `i`.
    fn digit(&self, i: usize) -> &[u8] {
        &self.pixels[i * DIGIT * DIGIT..(i + 1) * DIGIT * DIGIT]
    }
}

/// For each of `to` output cells, the source cells of a `from`-long line it covers and
/// the share of each (a box filter: the weights of a cell sum to one).
fn box_weights(from: usize, to: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = from as f32 / to as f32;
    (0..to)
        .map(|j| {
            let (lo, hi) = (j as f32 * scale, (j + 1) as f32 * scale);
            (lo.floor() as usize..(hi.ceil() as usize).min(from))
                .map(|i| (i, ((i + 1) as f32).min(hi) - (i as f32).max(lo)))
                .filter(|&(_, a)| a > 1e-6)
                .map(|(i, a)| (i, a / scale))
                .collect()
        })
        .collect()
}

/// One clip's path: the digit's top-left corner in the first frame and its speed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Path {
    /// Where it goes.
    pub(crate) direction: Direction,
    /// Top-left (x, y) at frame 0.
    pub(crate) start: (f32, f32),
    /// Pixels per frame.
    pub(crate) speed: f32,
}

impl Path {
    /// A random path that keeps the digit inside the canvas for `frames` frames.
    pub(crate) fn random(direction: Direction, frames: usize, rng: &mut Rng) -> Path {
        let room = (CANVAS - DIGIT) as f32;
        // 1 to 2 pixels a frame, as fast as the canvas leaves room for.
        let extra = (room / (frames - 1).max(1) as f32 - 1.0).clamp(0.0, 1.0);
        let speed = 1.0 + rng.uniform() * extra;
        let travel = speed * (frames - 1) as f32;
        let (dx, dy) = direction.step();
        let along = |d: f32, rng: &mut Rng| {
            let s = rng.uniform() * (room - travel).max(0.0);
            if d < 0.0 {
                room - s
            } else {
                s
            }
        };
        let across = |rng: &mut Rng| rng.uniform() * room;
        let x = if dx != 0.0 { along(dx, rng) } else { across(rng) };
        let y = if dy != 0.0 { along(dy, rng) } else { across(rng) };
        Path {
            direction,
            start: (x, y),
            speed,
        }
    }

    /// The top-left corner (whole pixels) at frame `f`.
    pub(crate) fn corner(&self, f: usize) -> (usize, usize) {
        let (dx, dy) = self.direction.step();
        let room = (CANVAS - DIGIT) as f32;
        let at = |s: f32, d: f32| (s + d * self.speed * f as f32).round().clamp(0.0, room) as usize;
        (at(self.start.0, dx), at(self.start.1, dy))
    }
}

/// Renders image `index` of `digits` along `path` as `frames` frames in [−1, 1].
pub(crate) fn render(digits: &SmallDigits, index: usize, path: &Path, frames: usize) -> Vec<f32> {
    let mut out = vec![-1.0f32; frames * CANVAS * CANVAS];
    for (f, frame) in out.chunks_exact_mut(CANVAS * CANVAS).enumerate() {
        render_frame(digits, index, path, f, frame);
    }
    out
}

/// Draws frame `f` of image `index` along `path` into a background-filled `frame`.
fn render_frame(digits: &SmallDigits, index: usize, path: &Path, f: usize, frame: &mut [f32]) {
    let digit = digits.digit(index);
    let (x0, y0) = path.corner(f);
    for y in 0..DIGIT {
        for x in 0..DIGIT {
            frame[(y0 + y) * CANVAS + x0 + x] = digit[y * DIGIT + x] as f32 / 127.5 - 1.0;
        }
    }
}

/// Frames of unrelated clips sharing one caption, for joint image-video training (Video
/// Diffusion Models): frame `f` is frame `f` of its own clip — another image of `digit`
/// (drawn from `of_digit`, images of that digit), its own path `direction`-wards.
pub(crate) fn independent_frames(digits: &SmallDigits, of_digit: &[usize], direction: Direction, frames: usize, rng: &mut Rng) -> Vec<f32> {
    let mut out = vec![-1.0f32; frames * CANVAS * CANVAS];
    for (f, frame) in out.chunks_exact_mut(CANVAS * CANVAS).enumerate() {
        let index = of_digit[rng.below(of_digit.len())];
        let path = Path::random(direction, frames, rng);
        render_frame(digits, index, &path, f, frame);
    }
    out
}

/// What one training clip shows, drawn before any pixel is rendered: so that an item
/// which needs only the caption (joint training's unrelated frames) renders nothing.
pub(crate) struct ClipDraw {
    /// The image's index in the digit set.
    pub(crate) index: usize,
    /// Its label.
    pub(crate) digit: usize,
    /// Which way it moves.
    pub(crate) direction: Direction,
    /// Where it is in each frame.
    pub(crate) path: Path,
    /// One of the captions of (digit, direction).
    pub(crate) caption: String,
}

impl ClipDraw {
    /// A random image of `usable`, a random direction and path, and a random caption.
    pub(crate) fn random(digits: &SmallDigits, usable: &[usize], frames: usize, rng: &mut Rng) -> ClipDraw {
        let index = usable[rng.below(usable.len())];
        let direction = Direction::ALL[rng.below(4)];
        let path = Path::random(direction, frames, rng);
        let digit = digits.labels[index];
        let options = captions(digit, direction);
        let caption = options[rng.below(options.len())].clone();
        ClipDraw {
            index,
            digit,
            direction,
            path,
            caption,
        }
    }

    /// The clip's pixels.
    pub(crate) fn render(&self, digits: &SmallDigits, frames: usize) -> Vec<f32> {
        render(digits, self.index, &self.path, frames)
    }
}

/// One training clip: a random image of `usable`, a random direction and path, and a
/// random caption of it; returns (pixels, digit, direction, caption).
pub fn random_clip(digits: &SmallDigits, usable: &[usize], frames: usize, rng: &mut Rng) -> (Vec<f32>, usize, Direction, String) {
    let draw = ClipDraw::random(digits, usable, frames, rng);
    (draw.render(digits, frames), draw.digit, draw.direction, draw.caption)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_weights_cover_each_cell_once() {
        for (from, to) in [(28, 14), (28, 20), (28, 28)] {
            let w = box_weights(from, to);
            assert_eq!(w.len(), to);
            for cell in &w {
                let sum: f32 = cell.iter().map(|&(_, a)| a).sum();
                assert!((sum - 1.0).abs() < 1e-5, "{from}→{to}: weights sum to {sum}");
            }
            let mut cover = vec![0f32; from];
            w.iter().flatten().for_each(|&(i, a)| cover[i] += a * from as f32 / to as f32);
            assert!(cover.iter().all(|c| (c - 1.0).abs() < 1e-5), "{from}→{to}: {cover:?}");
        }
        assert_eq!(box_weights(28, 14)[3], vec![(6, 0.5), (7, 0.5)]);
    }

    #[test]
    fn independent_frames_each_hold_one_whole_digit() {
        let pixels: Vec<u8> = (0..2 * DIGIT * DIGIT).map(|i| (i * 37 % 256) as u8).collect();
        let digits = SmallDigits {
            pixels,
            labels: vec![3, 3],
        };
        let ink = |frame: &[f32]| frame.iter().map(|v| (v + 1.0) as f64).sum::<f64>();
        let mut rng = Rng::new(2);
        let frames = independent_frames(&digits, &[1], Direction::Up, 8, &mut rng);
        let whole = ink(&render(&digits, 1, &Path::random(Direction::Up, 8, &mut rng), 1));
        for frame in frames.chunks_exact(CANVAS * CANVAS) {
            assert!((ink(frame) - whole).abs() < 1e-3, "{} vs {whole}", ink(frame));
        }
    }

    #[test]
    fn paths_stay_inside_and_move_the_asked_way() {
        let mut rng = Rng::new(1);
        for d in Direction::ALL {
            for _ in 0..50 {
                let p = Path::random(d, 8, &mut rng);
                let (a, b) = (p.corner(0), p.corner(7));
                let (dx, dy) = (b.0 as f32 - a.0 as f32, b.1 as f32 - a.1 as f32);
                let (ux, uy) = d.step();
                assert!(dx * ux + dy * uy >= 6.0, "{d:?}: {a:?} → {b:?}");
                assert!(dx * uy == 0.0 && dy * ux == 0.0, "{d:?} moves sideways");
            }
        }
    }
}
