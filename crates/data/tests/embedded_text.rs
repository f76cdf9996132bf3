//! The text compiled into the binary is the real text: counts and first rows here, and,
//! when the data folder is there (`DESCENT_DATA`), exactly the rows the script in
//! `tools/make_text_fixtures.py` says it cut from the source files.

use std::collections::{HashMap, HashSet};

use descent_data::{
    embedded_pairs, embedded_poems, embedded_sst2, read_pairs, read_poems, read_sst2, read_tiny_shakespeare, tiny_shakespeare_head,
    DataError, DataLocator, Poem, Sst2Split, EMBEDDED, TANG_JUEJU_LUSHI,
};

/// `Some(value)` when the data folder has the file; `None` (and a printed reason) when not.
fn with_data<T>(read: Result<T, DataError>) -> Option<T> {
    match read {
        Ok(v) => Some(v),
        Err(DataError::NotFound { .. }) => {
            eprintln!("skipped the comparison with the source: no data folder (set DESCENT_DATA)");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn embedded_poems_are_the_common_character_poems_of_the_real_file() {
    let poems = embedded_poems();
    assert_eq!(poems.len(), descent_data::text::poems::EMBEDDED_POEM_COUNT);
    assert_eq!(
        poems[0],
        Poem {
            author: "太宗皇帝".into(),
            title: "秋暮言志".into(),
            text: "朝光浮烧野，霜华净碧空。结浪冰初镜，在迳菊方丛。约岭烟深翠，分旗霞散红。抽思滋泉侧，飞想傅岩中。".into(),
        }
    );
    let distinct: HashSet<char> = poems.iter().flat_map(|p| p.text.chars()).collect();
    assert_eq!(distinct.len(), 2000);
    let Some(full) = with_data(read_poems(&DataLocator::new(None), &TANG_JUEJU_LUSHI)) else {
        return;
    };
    // The rule of the script: the poems using only the 2,000 most frequent characters
    // (count descending, then code point), in file order.
    let mut counts: HashMap<char, usize> = HashMap::new();
    full.rows
        .iter()
        .flat_map(|p| p.text.chars())
        .for_each(|c| *counts.entry(c).or_default() += 1);
    let mut ranked: Vec<(char, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let known: HashSet<char> = ranked.iter().take(2000).map(|&(c, _)| c).collect();
    let expected: Vec<&Poem> = full.rows.iter().filter(|p| p.text.chars().all(|c| known.contains(&c))).collect();
    assert_eq!(full.rows.len(), 37_848);
    assert_eq!(expected, poems.iter().collect::<Vec<_>>());
}

#[test]
fn embedded_pairs_are_the_first_lines_of_cmn_eng() {
    let pairs = embedded_pairs();
    assert_eq!(pairs.len(), descent_data::text::translation::EMBEDDED_PAIR_COUNT);
    // The file's byte-order mark is not part of the first sentence.
    assert_eq!((pairs[0].english.as_str(), pairs[0].chinese.as_str()), ("Hi.", "嗨。"));
    assert!(pairs[0]
        .attribution
        .starts_with("CC-BY 2.0 (France) Attribution: tatoeba.org #538123"));
    assert_eq!(pairs[8999].english, "I didn't sell Tom my car.");
    assert!(pairs.iter().all(|p| !p.attribution.is_empty()), "the licence asks for attribution");
    let Some(full) = with_data(read_pairs(&DataLocator::new(None))) else {
        return;
    };
    assert_eq!(full.rows.len(), 29_155);
    assert_eq!(full.rows[..9000], pairs[..]);
}

#[test]
fn embedded_sst2_is_the_real_rows_with_the_published_label_counts() {
    let positives = |rows: &[descent_data::LabelledSentence]| rows.iter().filter(|r| r.label == 1).count();
    let train = embedded_sst2(Sst2Split::Train);
    assert_eq!(train.len(), 5000);
    assert_eq!(train[0].text, "when are bears bears and");
    assert_eq!(train[0].label, 1);
    assert_eq!(train[3].text, "has so many flaws it would be easy for critics to shred it");
    assert_eq!(train[3].label, 0);
    assert_eq!(positives(&train), 2743);
    let dev = embedded_sst2(Sst2Split::Dev);
    assert_eq!((dev.len(), positives(&dev)), (6735, 3741));
    let test = embedded_sst2(Sst2Split::Test);
    assert_eq!((test.len(), positives(&test)), (872, 444));
    assert_eq!(test[0].text, "it 's a charming and often affecting journey .");
    for split in Sst2Split::ALL {
        assert_eq!(embedded_sst2(split).len(), split.embedded_count());
        let Some(full) = with_data(read_sst2(&DataLocator::new(None), split)) else {
            return;
        };
        let embedded = embedded_sst2(split);
        assert_eq!(full.rows[..embedded.len()], embedded[..], "{split:?}");
    }
}

#[test]
fn embedded_shakespeare_is_the_start_of_the_real_text() {
    let head = tiny_shakespeare_head();
    assert_eq!(head.chars().count(), 300_000);
    assert!(head.starts_with("First Citizen:\nBefore we proceed any further, hear me speak."));
    if let Some(full) = with_data(read_tiny_shakespeare(&DataLocator::new(None))) {
        assert_eq!(full.len(), 1_115_394);
        assert!(full.starts_with(&head));
    }
}

#[test]
fn the_embedded_table_is_complete_and_within_budget() {
    let mut names = HashSet::new();
    for file in EMBEDDED {
        assert!(names.insert(file.name), "{} listed twice", file.name);
        assert!(!file.bytes.is_empty() && !file.content.is_empty() && !file.source.is_empty() && !file.licence.is_empty());
        assert!(std::ptr::eq(descent_data::embedded::get(file.name).unwrap(), file));
        let on_disk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(file.name);
        assert_eq!(std::fs::read(&on_disk).unwrap(), file.bytes, "{}", file.name);
    }
    // Every file under fixtures/ (but the README) is in the table.
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files = Vec::new();
    walk(&root, &mut files);
    for path in files {
        let name = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        assert!(name == "README.md" || names.contains(name.as_str()), "{name} is not in EMBEDDED");
    }
    // The text sets together stay within 3 MB of gzip (issue 8's budget).
    let text_bytes: usize = EMBEDDED
        .iter()
        .filter(|f| {
            ["text/", "poetry/", "translation/", "sentiment/"]
                .iter()
                .any(|p| f.name.starts_with(p))
        })
        .map(|f| f.bytes.len())
        .sum();
    assert!(text_bytes <= 3_000_000, "{text_bytes} bytes of embedded text");
}
