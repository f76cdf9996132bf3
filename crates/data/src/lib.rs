//! `descent-data`: the real data sets of deep learning's history, read, checked,
//! found, fetched and batched.
//!
//! descent re-creates the milestones on *real* data, so this crate is about getting
//! genuine bytes into memory and being honest when it cannot. It stays at the level of
//! plain `Vec<u8>` / `Vec<f32>`: it knows nothing of tensors (it uses `descent-tensor`
//! only for its seeded [`Rng`](descent_tensor::Rng)), and the model code turns batches
//! into tensors itself.
//!
//! # Map
//! - [`idx`]: the IDX container of MNIST, raw or gzip (detected by magic bytes), with
//!   every malformation reported as a [`DataError`] naming the file — never a panic.
//! - [`mnist`]: MNIST and Fashion-MNIST ([`Dataset`]): file names, class names,
//!   hard-coded checksums, [`ImageSet::load`], and [`normalize_mnist`], which is
//!   bit-exact with PyTorch's `ToTensor()` + `Normalize((0.1307,), (0.3081,))`.
//! - [`locate`]: [`DataLocator`] searches `--data-dir`, then `$DESCENT_DATA`, then
//!   `./data`, each holding `<root>/mnist/` and `<root>/fashion-mnist/`; when nothing
//!   is found the error lists every place looked at and the three ways to fix it.
//! - [`download`]: [`fetch`] from the canonical mirrors into a temporary file in the
//!   destination folder, verified, then renamed atomically; nothing partial is left.
//! - [`checksum`]: SHA-256 of the *uncompressed* content, since mirrors recompress
//!   gzip differently while the data is the same.
//! - [`mod@status`]: what `descent data list` prints — present, missing, verified or not.
//! - [`loader`]: [`BatchLoader`], mini-batches with a per-epoch seeded shuffle whose
//!   order depends only on `(seed, epoch)`; the last partial batch is kept.
//! - [`mod@iris`] and [`embedded`]: small real data compiled into the binary (Fisher's
//!   Iris, the first 6,000 + 1,000 MNIST digits), so the early milestones and the
//!   tests need no data folder and no network.
//! - [`easy_vqa`]: easy-VQA's PNG scenes and questions, from a folder or the real
//!   subset embedded in the binary.
//!
//! # Invariants
//! - Bad input files produce a [`DataError`] whose message says what was wrong, in
//!   which file, and what to do; only programming errors (such as a loader built over
//!   inputs that do not match its labels) panic.
//! - A file in a data folder is either absent or complete: downloads never leave a
//!   partial file under a final name.
//! - All shuffling flows from an explicit seed.
#![warn(missing_docs)]

pub mod checksum;
pub mod download;
pub mod easy_vqa;
pub mod embedded;
pub mod embedded_text;
pub mod error;
pub mod idx;
pub mod iris;
pub mod loader;
pub mod locate;
pub mod mnist;
pub mod status;

pub use checksum::{sha256_hex, sha256_uncompressed};
pub use download::{fetch, fetch_from, Progress};
pub use easy_vqa::{easy_vqa_subset, load_easy_vqa, EasyVqa, EasyVqaSplit, VqaQuestion, EASY_VQA_DIR, EASY_VQA_IMAGE_LEN, EASY_VQA_SIDE};
pub use embedded::{mnist_subset, MNIST_SUBSET_TEST, MNIST_SUBSET_TRAIN};
pub use embedded_text::tiny_shakespeare_head;
pub use error::DataError;
pub use idx::{encode_idx, is_gzip, parse_idx, read_idx, IdxArray};
pub use iris::{iris, parse_iris_csv, Iris, IRIS_FEATURE_NAMES};
pub use loader::{epoch_seed, Batch, BatchLoader, Epoch};
pub use locate::{DataLocator, LookedAt, RootSource, SearchRoot, DATA_ENV_VAR};
pub use mnist::{
    normalize, normalize_mnist, to_unit_range, Dataset, FileSpec, ImageSet, Split, FILE_NAMES, IMAGE_SIDE, MNIST_MEAN, MNIST_STD, N_CLASSES,
};
pub use status::{dataset_status, status, DatasetStatus, FileState, FileStatus};
