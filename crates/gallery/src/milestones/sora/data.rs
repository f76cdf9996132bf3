//! Moving MNIST made on the fly: one real MNIST digit, shrunk to 14×14 (2×2 means),
//! slides in a straight line across a 32×32 canvas for a few frames, left, right, up or
//! down, at 1 to 2 pixels a frame from a random start; each clip has captions naming the
//! digit and the direction in English and Chinese ("a 3 moving left", "一个3向左移动").
//! Clips are pixels in [−1, 1], (frames, 1, 32, 32) row-major.

use descent_data::ImageSet;
use descent_tensor::Rng;

/// Side of the canvas.
pub const CANVAS: usize = 32;
/// Side of the shrunk digit.
pub const DIGIT: usize = 14;

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
    pub const ALL: [Direction; 4] = [Direction::Left, Direction::Right, Direction::Up, Direction::Down];

    /// The unit step (dx, dy) in pixel coordinates (y down).
    pub fn step(self) -> (f32, f32) {
        match self {
            Direction::Left => (-1.0, 0.0),
            Direction::Right => (1.0, 0.0),
            Direction::Up => (0.0, -1.0),
            Direction::Down => (0.0, 1.0),
        }
    }

    /// The English word.
    pub fn english(self) -> &'static str {
        match self {
            Direction::Left => "left",
            Direction::Right => "right",
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// The Chinese character.
    pub fn chinese(self) -> &'static str {
        match self {
            Direction::Left => "左",
            Direction::Right => "右",
            Direction::Up => "上",
            Direction::Down => "下",
        }
    }
}

/// The training captions of a digit moving one way (English and Chinese).
pub fn captions(digit: usize, direction: Direction) -> Vec<String> {
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
    /// (n, 14, 14) pixels 0..255.
    pub pixels: Vec<u8>,
    /// The digit of each.
    pub labels: Vec<usize>,
}

impl SmallDigits {
    /// Shrinks each 28×28 image of `set` by 2×2 means.
    pub fn from_set(set: &ImageSet) -> SmallDigits {
        assert_eq!(
            (set.rows, set.cols),
            (28, 28),
            "SmallDigits: images are {}x{}, not 28x28",
            set.rows,
            set.cols
        );
        let mut pixels = Vec::with_capacity(set.n * DIGIT * DIGIT);
        for i in 0..set.n {
            let img = set.image(i);
            for y in 0..DIGIT {
                for x in 0..DIGIT {
                    let sum: u32 = [(0, 0), (0, 1), (1, 0), (1, 1)]
                        .iter()
                        .map(|(a, b)| img[(2 * y + a) * 28 + 2 * x + b] as u32)
                        .sum();
                    pixels.push((sum / 4) as u8);
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

    fn digit(&self, i: usize) -> &[u8] {
        &self.pixels[i * DIGIT * DIGIT..(i + 1) * DIGIT * DIGIT]
    }
}

/// One clip's path: the digit's top-left corner in the first frame and its speed.
#[derive(Clone, Copy, Debug)]
pub struct Path {
    /// Where it goes.
    pub direction: Direction,
    /// Top-left (x, y) at frame 0.
    pub start: (f32, f32),
    /// Pixels per frame.
    pub speed: f32,
}

impl Path {
    /// A random path that keeps the digit inside the canvas for `frames` frames.
    pub fn random(direction: Direction, frames: usize, rng: &mut Rng) -> Path {
        let room = (CANVAS - DIGIT) as f32;
        let speed = 1.0 + rng.uniform();
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
    pub fn corner(&self, f: usize) -> (usize, usize) {
        let (dx, dy) = self.direction.step();
        let room = (CANVAS - DIGIT) as f32;
        let at = |s: f32, d: f32| (s + d * self.speed * f as f32).round().clamp(0.0, room) as usize;
        (at(self.start.0, dx), at(self.start.1, dy))
    }
}

/// Renders image `index` of `digits` along `path` as `frames` frames in [−1, 1].
pub fn render(digits: &SmallDigits, index: usize, path: &Path, frames: usize) -> Vec<f32> {
    let mut out = vec![-1.0f32; frames * CANVAS * CANVAS];
    let digit = digits.digit(index);
    for f in 0..frames {
        let (x0, y0) = path.corner(f);
        let frame = &mut out[f * CANVAS * CANVAS..(f + 1) * CANVAS * CANVAS];
        for y in 0..DIGIT {
            for x in 0..DIGIT {
                frame[(y0 + y) * CANVAS + x0 + x] = digit[y * DIGIT + x] as f32 / 127.5 - 1.0;
            }
        }
    }
    out
}

/// One training clip: a random image of `usable`, a random direction and path, and a
/// random caption of it; returns (pixels, digit, direction, caption).
pub fn random_clip(digits: &SmallDigits, usable: &[usize], frames: usize, rng: &mut Rng) -> (Vec<f32>, usize, Direction, String) {
    let index = usable[rng.below(usable.len())];
    let direction = Direction::ALL[rng.below(4)];
    let path = Path::random(direction, frames, rng);
    let digit = digits.labels[index];
    let options = captions(digit, direction);
    let caption = options[rng.below(options.len())].clone();
    (render(digits, index, &path, frames), digit, direction, caption)
}

#[cfg(test)]
mod tests {
    use super::*;

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
