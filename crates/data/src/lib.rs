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
//! - [`bounded`]: every read of outside bytes, capped: regular files only, a byte
//!   limit checked before and while reading, gzip inflated only up to its limit.
//! - [`image_file`]: the one image reader of every command: format by content, pixel
//!   and allocation limits set before decoding, one-line errors naming the file.
//! - [`idx`]: the IDX container of MNIST, raw or gzip (detected by magic bytes), with
//!   every malformation reported as a [`DataError`] naming the file — never a panic.
//! - [`mnist`]: MNIST and Fashion-MNIST ([`Dataset`]): file names, class names,
//!   hard-coded checksums, [`ImageSet::load`], and [`normalize_mnist`], which is
//!   bit-exact with PyTorch's `ToTensor()` + `Normalize((0.1307,), (0.3081,))`.
//! - [`locate`]: [`DataLocator`] searches `--data-dir`, then `$DESCENT_DATA`, then
//!   `./data`, each holding one folder per set (`<root>/mnist/`, `<root>/poetry/`); when
//!   nothing is found, [`DataError::NotFound`] lists every place looked at and the ways
//!   to fix it.
//! - [`download`]: [`fetch`] from the canonical mirrors into a temporary file in the
//!   destination folder, verified, then renamed atomically; nothing partial is left.
//! - [`checksum`]: SHA-256 of the *uncompressed* content, since mirrors recompress
//!   gzip differently while the data is the same.
//! - [`pretrained`]: released model folders kept beside the data ([`MINILM`]): found
//!   through the same roots, fetched from the Hugging Face hub with checksums.
//! - [`mod@status`]: what `descent data list` prints — present, missing, verified or not.
//! - [`loader`]: [`BatchLoader`], mini-batches with a per-epoch seeded shuffle whose
//!   order depends only on `(seed, epoch)`; the last partial batch is kept.
//! - [`text`]: the text data sets, one small file each, with typed rows: Tang poems
//!   ([`Poem`]: author, title, text), English–Chinese pairs ([`TranslationPair`]), SST-2
//!   sentences with labels ([`LabelledSentence`]), tiny Shakespeare. A [`TextFile`] is
//!   found under the same roots as the image sets, read gzip or plain, and bounded
//!   ([`MAX_TEXT_BYTES`]); malformed lines are counted and skipped up to one in ten, and
//!   beyond that the file is rejected ([`DataError::Malformed`]).
//! - [`mod@iris`] and [`embedded`]: small real data compiled into the binary, listed with
//!   source and licence in one table ([`EMBEDDED`], which `descent data list` prints):
//!   Fisher's Iris, the first 6,000 + 1,000 MNIST digits, the first 2,500 + 1,000
//!   Fashion-MNIST images, 300,000 characters of tiny
//!   Shakespeare, 11,255 Tang poems, 9,000 English–Chinese pairs, 12,607 SST-2 rows, and
//!   1,500 + 400 CIFAR-10 images (losslessly packed, [`embedded_cifar`]).
//!   Quick runs always read these, so the tour needs no data folder and no network and
//!   gives the same results everywhere; full runs read the data folder.
//! - [`cifar`]: CIFAR-10 in its binary layout (the shared JPEG-derived subset),
//!   per-channel normalisation, class names.
//! - [`easy_vqa`]: easy-VQA's PNG scenes and questions, from a folder or the real
//!   subset embedded in the binary.
//!
//! # Invariants
//! - Bad input files produce a [`DataError`] whose message says what was wrong, in
//!   which file, and what to do; only programming errors (such as a loader built over
//!   inputs that do not match its labels) panic.
//! - A file in a data folder is either absent or complete: downloads never leave a
//!   partial file under a final name.
//! - No reader allocates more than its input can justify: text files and their gzip
//!   content are capped at [`MAX_TEXT_BYTES`].
//! - An embedded file is a real excerpt of the data folder's file, cut by a script in
//!   `tools/`, and a test checks its first rows and its counts against the source.
//! - All shuffling flows from an explicit seed.
#![warn(missing_docs)]

pub mod bounded;
pub mod checksum;
pub mod cifar;
pub mod download;
pub mod easy_vqa;
pub mod embedded;
pub mod embedded_cifar;
pub mod error;
pub mod idx;
pub mod image_file;
pub mod iris;
pub mod loader;
pub mod locate;
pub mod mnist;
pub mod pretrained;
pub mod status;
pub mod text;

pub use bounded::{gunzip_at_most, read_at_most, read_regular_file};
pub use checksum::{sha256_hex, sha256_uncompressed};
pub use cifar::{
    find_cifar10, load_cifar10, normalize_cifar, parse_class_names, CifarSet, CIFAR10_CLASSES, CIFAR10_DIR, CIFAR10_MEAN, CIFAR10_STD,
    CIFAR_IMAGE_BYTES,
};
pub use download::{fetch, fetch_from, Progress};
pub use easy_vqa::{easy_vqa_subset, load_easy_vqa, EasyVqa, EasyVqaSplit, VqaQuestion, EASY_VQA_DIR, EASY_VQA_IMAGE_LEN, EASY_VQA_SIDE};
pub use embedded::{
    fashion_mnist_subset, mnist_subset, EmbeddedFile, EMBEDDED, FASHION_MNIST_SUBSET_TEST, FASHION_MNIST_SUBSET_TRAIN, MNIST_SUBSET_TEST,
    MNIST_SUBSET_TRAIN,
};
pub use embedded_cifar::{cifar_subset, CIFAR_SUBSET_TEST, CIFAR_SUBSET_TRAIN};
pub use error::DataError;
pub use idx::{encode_idx, is_gzip, parse_idx, read_idx, IdxArray};
pub use image_file::{decode_image, read_image, read_rgb, MAX_IMAGE_FILE_BYTES, MAX_IMAGE_PIXELS};
pub use iris::{iris, parse_iris_csv, Iris, IRIS_FEATURE_NAMES};
pub use loader::{epoch_seed, Batch, BatchLoader, Epoch};
pub use locate::{DataLocator, LookedAt, RootSource, SearchRoot, Sought, DATA_ENV_VAR};
pub use mnist::{
    normalize, normalize_mnist, to_unit_range, Dataset, FileSpec, ImageSet, Split, FILE_NAMES, IMAGE_SIDE, MNIST_MEAN, MNIST_STD, N_CLASSES,
};
pub use pretrained::{Pretrained, MINILM, PRETRAINED};
pub use status::{dataset_status, status, DatasetStatus, FileState, FileStatus};
pub use text::poems::{embedded_poems, parse_poems, read_poems, Poem, TANG_JUEJU_LUSHI, TANG_POEMS};
pub use text::sentiment::{embedded_sst2, parse_sst2, read_sst2, LabelledSentence, Sst2Split};
pub use text::shakespeare::{read_tiny_shakespeare, tiny_shakespeare_head, TINY_SHAKESPEARE};
pub use text::translation::{embedded_pairs, parse_pairs, read_pairs, TranslationPair, CMN_ENG};
pub use text::{decode_text, read_text_file, Rows, TextFile, MAX_TEXT_BYTES};
