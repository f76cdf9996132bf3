//! How the LSTM kernel's work is split and synchronised: hidden units cut into chunks
//! (one per worker), buffers written by several workers at disjoint columns
//! ([`Scatter`]), and [`lockstep`], a team of workers that runs the steps in order
//! with a spinning barrier instead of one rayon fork-join per step.

use super::LstmDims;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a worker spins at the step barrier before yielding its core: about one
/// step's work at W4's sizes (its (B, H)·(H, 4H) gate product); a partner later than that
/// was probably descheduled.
const SPIN_BEFORE_YIELD: Duration = Duration::from_micros(30);

// ---- chunks and shared output buffers ------------------------------------------------------

/// The hidden units `start..start + len` that one worker owns.
#[derive(Clone, Copy, Debug)]
pub(super) struct Chunk {
    pub(super) start: usize,
    pub(super) len: usize,
}

/// One chunk per worker when a step has enough work to share, cut at multiples of 16
/// units (one AVX-512 vector); a single chunk otherwise.
pub(super) fn chunks(d: &LstmDims) -> Vec<Chunk> {
    let workers = rayon::current_num_threads();
    let step_work = d.batch * d.hidden * 4 * d.hidden;
    let count = if step_work < 1 << 16 {
        1
    } else {
        workers.min(d.hidden / 16).max(1)
    };
    let per = d.hidden.div_ceil(count).div_ceil(16) * 16;
    let mut out = Vec::new();
    let mut start = 0;
    while start < d.hidden {
        let len = per.min(d.hidden - start);
        out.push(Chunk { start, len });
        start += len;
    }
    out
}

/// A buffer that several workers write at disjoint places (the columns of their own
/// units), which safe Rust cannot express for interleaved ranges. `T` is `f32` over an
/// initialised buffer ([`Scatter::new`]) and `MaybeUninit<f32>` over spare capacity
/// that is written before it is read ([`Scatter::unfilled`]). The handle borrows the
/// buffer exclusively for `'a`, so the buffer itself is out of reach while copies of it
/// are alive.
#[derive(Clone, Copy)]
pub(super) struct Scatter<'a, T> {
    ptr: *mut T,
    len: usize,
    _buffer: PhantomData<&'a mut [T]>,
}

// SAFETY: a `Scatter` is a `&mut [T]` cut up at run time; access goes through `slice` and
// `read`, whose contracts keep the pieces that threads hold apart, so sending or sharing
// the handle is sound when sending a `&mut [T]` would be (T: Send).
unsafe impl<T: Send> Send for Scatter<'_, T> {}
// SAFETY: as for `Send`: shared handles only hand out disjoint pieces (see `slice`).
unsafe impl<T: Send> Sync for Scatter<'_, T> {}

impl<'a, T> Scatter<'a, T> {
    /// `buffer[offset..offset + len]` for writing.
    ///
    /// SAFETY: while the returned slice lives, no other slice may cover any of these
    /// elements (each job asks only for its own units' columns).
    #[allow(clippy::mut_from_ref)]
    pub(super) unsafe fn slice(&self, offset: usize, len: usize) -> &mut [T] {
        assert!(offset + len <= self.len, "Scatter: {offset}+{len} past {}", self.len);
        // SAFETY: in bounds (asserted) of a buffer borrowed for 'a; the caller keeps the
        // slice exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(offset), len) }
    }

    /// `buffer[offset..offset + len]` read as `f32`s.
    ///
    /// SAFETY: these elements are initialised (written in an earlier round of
    /// [`lockstep`], or by the caller before the call) and nobody writes them while the
    /// returned slice lives.
    pub(super) unsafe fn read(&self, offset: usize, len: usize) -> &[f32] {
        const { assert!(size_of::<T>() == size_of::<f32>() && align_of::<T>() == align_of::<f32>()) };
        assert!(offset + len <= self.len, "Scatter: {offset}+{len} past {}", self.len);
        // SAFETY: in bounds (asserted); `T` is `f32` or `MaybeUninit<f32>` (same layout,
        // checked above), and the caller promises the elements are initialised and not
        // written meanwhile.
        unsafe { std::slice::from_raw_parts(self.ptr.add(offset).cast::<f32>(), len) }
    }
}

impl<'a> Scatter<'a, f32> {
    /// Over `buffer`, which is initialised.
    pub(super) fn new(buffer: &'a mut [f32]) -> Self {
        Scatter {
            ptr: buffer.as_mut_ptr(),
            len: buffer.len(),
            _buffer: PhantomData,
        }
    }
}

impl<'a> Scatter<'a, MaybeUninit<f32>> {
    /// Over the first `len` elements of `buffer`'s capacity, which need not be
    /// initialised: the jobs write them all before [`filled`] declares them so. Saves
    /// zeroing buffers that are overwritten anyway (13 MB per (B, T, 4H) at W4's sizes).
    pub(super) fn unfilled(buffer: &'a mut Vec<f32>, len: usize) -> Self {
        buffer.clear();
        buffer.reserve_exact(len);
        Scatter {
            ptr: buffer.spare_capacity_mut().as_mut_ptr(),
            len,
            _buffer: PhantomData,
        }
    }
}

/// Writes `src` into `dst` (same lengths): `copy_from_slice` into uninitialised memory.
#[inline]
pub(super) fn write_copy(dst: &mut [MaybeUninit<f32>], src: &[f32]) {
    assert_eq!(dst.len(), src.len(), "write_copy: {} elements into {}", src.len(), dst.len());
    dst.iter_mut().zip(src).for_each(|(d, &s)| {
        d.write(s);
    });
}

/// Declares the `len` elements written through [`Scatter::unfilled`] initialised.
///
/// SAFETY: every one of them was written.
pub(super) unsafe fn filled(buffer: &mut Vec<f32>, len: usize) {
    debug_assert!(buffer.capacity() >= len);
    // SAFETY: `Scatter::unfilled` reserved `len`, and the caller promises all `len` were written.
    unsafe { buffer.set_len(len) };
}

/// Runs `job(round, chunk)` for every round in order and every chunk, the chunks of a
/// round in parallel, a round starting only when the previous one is complete.
///
/// A per-step rayon fork-join costs a sleep and a wake-up of the workers (as much as
/// the step's own work), so instead the workers stay in one scope for all rounds and
/// meet at a spinning barrier. Jobs are claimed from one counter in round
/// order and a waiting worker holds no unfinished job, so the team always progresses,
/// even when fewer workers than chunks join (one worker then runs every job).
/// Writes of a round are visible to the next (release/acquire on `done`).
pub(super) fn lockstep(rounds: usize, chunks: usize, job: impl Fn(usize, usize) + Sync) {
    if chunks == 1 {
        (0..rounds).for_each(|r| job(r, 0));
        return;
    }
    let total = rounds * chunks;
    let (next, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let work = || loop {
        let j = next.fetch_add(1, Ordering::Relaxed);
        if j >= total {
            return;
        }
        let round = j / chunks;
        let mut waited: Option<Instant> = None;
        while done.load(Ordering::Acquire) < round * chunks {
            // Spin through the short waits of a quiet machine; once a wait outlasts a
            // step's work the partner was probably descheduled, so give the core away.
            let since = *waited.get_or_insert_with(Instant::now);
            if since.elapsed() < SPIN_BEFORE_YIELD {
                (0..32).for_each(|_| std::hint::spin_loop());
            } else {
                std::thread::yield_now();
            }
        }
        job(round, j % chunks);
        done.fetch_add(1, Ordering::Release);
    };
    rayon::scope(|s| {
        for _ in 1..chunks {
            s.spawn(|_| work());
        }
        work();
    });
}

/// Locks a per-chunk state (never contended: one job per chunk per round).
pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().expect("an LSTM kernel job panicked")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_hidden_units_once() {
        for hidden in [1, 3, 16, 32, 100, 256, 257] {
            let cs = chunks(&LstmDims {
                batch: 64,
                steps: 1,
                hidden,
            });
            assert_eq!(cs.iter().map(|c| c.len).sum::<usize>(), hidden);
            assert!(cs.windows(2).all(|w| w[0].start + w[0].len == w[1].start));
        }
    }
}
