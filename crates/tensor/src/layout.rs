//! Shapes, strides and the index arithmetic that makes views free.
//!
//! A [`Layout`] says where each logical element of a tensor lives in its storage:
//! `offset + Σ index[d] · strides[d]`. Reshape of a contiguous tensor, permute,
//! narrow and broadcast only build a new layout; no element moves.

/// Row-major strides of a contiguous tensor of this shape.
pub fn contiguous_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut step = 1;
    for d in (0..shape.len()).rev() {
        strides[d] = step;
        step *= shape[d];
    }
    strides
}

/// NumPy broadcasting of two shapes; panics naming both shapes and the op when they clash.
pub fn broadcast_shapes(a: &[usize], b: &[usize], op: &str) -> Vec<usize> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
        let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => panic!("{op}: shapes {a:?} and {b:?} cannot be broadcast together"),
        };
    }
    out
}

/// Where the elements of a tensor live inside its storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Logical dimensions.
    pub shape: Vec<usize>,
    /// Storage distance between neighbours along each dimension (0 = broadcast).
    pub strides: Vec<usize>,
    /// Storage index of element `[0, 0, ...]`.
    pub offset: usize,
}

impl Layout {
    /// The contiguous row-major layout of `shape`.
    pub fn contiguous(shape: &[usize]) -> Self {
        Layout {
            shape: shape.to_vec(),
            strides: contiguous_strides(shape),
            offset: 0,
        }
    }

    /// Number of logical elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when elements are stored densely in row-major order (size-1 dims ignored).
    pub fn is_contiguous(&self) -> bool {
        let mut expected = 1;
        for d in (0..self.shape.len()).rev() {
            if self.shape[d] != 1 && self.strides[d] != expected {
                return false;
            }
            expected *= self.shape[d];
        }
        true
    }

    /// This layout read through `shape`, with stride 0 on broadcast dimensions.
    pub fn broadcast_to(&self, shape: &[usize], op: &str) -> Layout {
        assert!(
            shape.len() >= self.shape.len(),
            "{op}: cannot broadcast shape {:?} to fewer dims {shape:?}",
            self.shape
        );
        let extra = shape.len() - self.shape.len();
        let mut strides = vec![0; shape.len()];
        for d in 0..self.shape.len() {
            let (from, to) = (self.shape[d], shape[d + extra]);
            if from == to {
                strides[d + extra] = self.strides[d];
            } else {
                assert!(from == 1, "{op}: cannot broadcast shape {:?} to {shape:?}", self.shape);
            }
        }
        Layout {
            shape: shape.to_vec(),
            strides,
            offset: self.offset,
        }
    }

    /// Dimensions reordered: new dim `i` is old dim `perm[i]`.
    pub fn permute(&self, perm: &[usize]) -> Layout {
        let rank = self.shape.len();
        let mut seen = vec![false; rank];
        assert!(
            perm.len() == rank && perm.iter().all(|&p| p < rank && !std::mem::replace(&mut seen[p], true)),
            "permute: {perm:?} is not a permutation of the {rank} dims of shape {:?}",
            self.shape
        );
        Layout {
            shape: perm.iter().map(|&p| self.shape[p]).collect(),
            strides: perm.iter().map(|&p| self.strides[p]).collect(),
            offset: self.offset,
        }
    }

    /// Elements `start..start + len` along `dim`.
    pub fn narrow(&self, dim: usize, start: usize, len: usize) -> Layout {
        assert!(
            dim < self.shape.len() && start + len <= self.shape[dim],
            "narrow: range {start}..{} of dim {dim} is outside shape {:?}",
            start + len,
            self.shape
        );
        let mut shape = self.shape.clone();
        shape[dim] = len;
        Layout {
            shape,
            strides: self.strides.clone(),
            offset: self.offset + start * self.strides[dim],
        }
    }

    /// Storage offsets of every element in row-major logical order (tests and cold paths).
    pub fn offsets(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.numel());
        for_each_offset(&self.shape, &self.strides, self.offset, |o| out.push(o));
        out
    }
}

/// Merges neighbouring dims that every operand walks as one (and drops size-1 dims),
/// so strided loops run over as few, as long, inner rows as possible.
pub fn coalesce(shape: &[usize], strides: &[&[usize]]) -> (Vec<usize>, Vec<Vec<usize>>) {
    let mut out_shape: Vec<usize> = Vec::with_capacity(shape.len());
    let mut out_strides: Vec<Vec<usize>> = vec![Vec::with_capacity(shape.len()); strides.len()];
    for d in 0..shape.len() {
        if shape[d] == 1 {
            continue;
        }
        if let Some(&last) = out_shape.last() {
            let mergeable = strides
                .iter()
                .zip(&out_strides)
                .all(|(s, o)| *o.last().unwrap() == s[d] * shape[d] || (*o.last().unwrap() == 0 && s[d] == 0));
            if mergeable {
                let n = out_shape.len() - 1;
                out_shape[n] = last * shape[d];
                for (s, o) in strides.iter().zip(out_strides.iter_mut()) {
                    o[n] = s[d];
                }
                continue;
            }
        }
        out_shape.push(shape[d]);
        for (s, o) in strides.iter().zip(out_strides.iter_mut()) {
            o.push(s[d]);
        }
    }
    if out_shape.is_empty() {
        out_shape.push(1);
        for o in out_strides.iter_mut() {
            o.push(0);
        }
    }
    (out_shape, out_strides)
}

/// Calls `f` with the storage offset of every element, in row-major logical order.
pub fn for_each_offset(shape: &[usize], strides: &[usize], offset: usize, mut f: impl FnMut(usize)) {
    for_each_row(shape, strides, offset, |base, len, stride| {
        (0..len).for_each(|i| f(base + i * stride))
    });
}

/// The elements of a strided view of `src`, copied out in row-major logical order: a
/// slice copy per row when rows are dense, a strided loop otherwise (no per-element
/// closure or capacity check: a GPT training step makes many such copies).
pub fn gather(src: &[f32], shape: &[usize], strides: &[usize], offset: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(shape.iter().product());
    for_each_row(shape, strides, offset, |base, len, stride| {
        if stride == 1 {
            out.extend_from_slice(&src[base..base + len]);
        } else {
            out.extend((0..len).map(|i| src[base + i * stride]));
        }
    });
    out
}

/// Calls `f(start, len, stride)` for every row of the view (its innermost dimension
/// after merging dimensions that are contiguous with each other), in row-major order.
fn for_each_row(shape: &[usize], strides: &[usize], offset: usize, mut f: impl FnMut(usize, usize, usize)) {
    if shape.contains(&0) {
        return;
    }
    let (shape, strides) = coalesce(shape, &[strides]);
    let strides = &strides[0];
    let rank = shape.len();
    let (inner, inner_stride) = (shape[rank - 1], strides[rank - 1]);
    let outer: usize = shape[..rank - 1].iter().product();
    let mut index = vec![0usize; rank - 1];
    let mut base = offset;
    for _ in 0..outer {
        f(base, inner, inner_stride);
        // Advance the outer multi-index like an odometer.
        for d in (0..rank - 1).rev() {
            index[d] += 1;
            base += strides[d];
            if index[d] < shape[d] {
                break;
            }
            base -= strides[d] * shape[d];
            index[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_copies_views_in_logical_order() {
        let src: Vec<f32> = (0..60).map(|i| i as f32).collect();
        let base = Layout::contiguous(&[3, 4, 5]);
        let views = [
            base.clone(),
            base.permute(&[2, 0, 1]),
            base.permute(&[0, 2, 1]).narrow(1, 1, 3),
            base.narrow(2, 1, 3).narrow(0, 1, 2),
            Layout::contiguous(&[4, 1]).broadcast_to(&[3, 4, 5], "t"),
        ];
        for l in views {
            let want: Vec<f32> = l.offsets().iter().map(|&o| src[o]).collect();
            assert_eq!(gather(&src, &l.shape, &l.strides, l.offset), want, "{l:?}");
        }
    }

    #[test]
    fn permute_and_narrow_offsets() {
        let l = Layout::contiguous(&[2, 3]);
        assert_eq!(l.permute(&[1, 0]).offsets(), vec![0, 3, 1, 4, 2, 5]);
        assert_eq!(l.narrow(1, 1, 2).offsets(), vec![1, 2, 4, 5]);
        assert_eq!(
            Layout::contiguous(&[3]).broadcast_to(&[2, 3], "t").offsets(),
            vec![0, 1, 2, 0, 1, 2]
        );
        assert!(l.is_contiguous() && !l.permute(&[1, 0]).is_contiguous());
    }

    #[test]
    #[should_panic(expected = "shapes [2, 3] and [4] cannot be broadcast")]
    fn broadcast_error_names_both_shapes() {
        broadcast_shapes(&[2, 3], &[4], "add");
    }
}
