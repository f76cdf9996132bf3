//! The text readers on files written here: good files (gzip and plain, either name),
//! missing files, malformed lines (skipped and counted, or the file rejected), bounded
//! decompression (a gzip bomb), non-UTF-8 bytes, and paths that are not regular files.

mod common;

use std::io::Write;
use std::path::PathBuf;

use common::{gzip, write_file, ScratchDir};
use descent_data::{
    decode_text, parse_pairs, parse_poems, parse_sst2, read_pairs, read_poems, read_sst2, read_text_file, read_tiny_shakespeare, DataError,
    DataLocator, RootSource, SearchRoot, Sought, Sst2Split, MAX_TEXT_BYTES, TANG_JUEJU_LUSHI,
};
use flate2::write::GzEncoder;
use flate2::Compression;

const POEMS: &str = "李白\t静夜思\t床前明月光，疑是地上霜。举头望明月，低头思故乡。\n\
                     孟浩然\t春晓\t春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\n";

fn locator(root: &std::path::Path) -> DataLocator {
    DataLocator::with_roots(vec![SearchRoot {
        path: root.to_path_buf(),
        source: RootSource::CommandLine,
    }])
}

#[test]
fn poems_are_read_from_gzip_or_plain_under_either_name() {
    let scratch = ScratchDir::new("text-good");
    let gz_root = scratch.path.join("gz");
    write_file(&gz_root.join("poetry"), "tang_jueju_lushi.tsv.gz", &gzip(POEMS.as_bytes()));
    // Plain text under the name without .gz, with a BOM, CRLF line ends and a blank line.
    let plain_root = scratch.path.join("plain");
    let windows = format!("\u{feff}{}\r\n", POEMS.replace('\n', "\r\n"));
    write_file(&plain_root.join("poetry"), "tang_jueju_lushi.tsv", windows.as_bytes());
    for root in [gz_root, plain_root] {
        let read = read_poems(&locator(&root), &TANG_JUEJU_LUSHI).unwrap();
        assert_eq!(read.rows.len(), 2);
        assert_eq!(read.skipped, 0);
        assert_eq!(read.rows[0].author, "李白");
        assert_eq!(read.rows[0].title, "静夜思");
        assert_eq!(read.rows[1].text, "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。");
    }
}

#[test]
fn a_missing_file_is_not_found_with_every_place_and_the_fix() {
    let scratch = ScratchDir::new("text-missing");
    std::fs::create_dir_all(scratch.path.join("a/translation")).unwrap();
    let loc = DataLocator::with_roots(vec![
        SearchRoot {
            path: scratch.path.join("a"),
            source: RootSource::CommandLine,
        },
        SearchRoot {
            path: scratch.path.join("b"),
            source: RootSource::Environment,
        },
    ]);
    let err = read_pairs(&loc).unwrap_err();
    let DataError::NotFound { dataset, looked } = &err else {
        panic!("expected NotFound, got {err:?}");
    };
    assert!(matches!(dataset, Sought::Text(f) if f.name == "cmn-eng.tsv.gz"));
    assert_eq!(looked.len(), 2);
    let msg = err.to_string();
    assert!(msg.contains("translation/cmn-eng.tsv.gz"), "{msg}");
    assert!(msg.contains("no cmn-eng.tsv.gz (or cmn-eng.tsv)"), "{msg}");
    assert!(msg.contains("no such folder"), "{msg}");
    assert!(msg.contains("DESCENT_DATA") && msg.contains("--data-dir"), "{msg}");
    assert!(read_tiny_shakespeare(&loc)
        .unwrap_err()
        .to_string()
        .contains("text/tinyshakespeare.txt"));
}

#[test]
fn a_few_malformed_lines_are_skipped_and_counted() {
    // 19 good poems and one line with two fields: skipped, reported with its line number.
    let good = "王维\t鹿柴\t空山不见人，但闻人语响。返景入深林，复照青苔上。\n";
    let mut text = good.repeat(10);
    text.push_str("王维\t鹿柴\n\n");
    text.push_str(&good.repeat(9));
    let read = parse_poems(&text, "poems.tsv").unwrap();
    assert_eq!((read.rows.len(), read.skipped), (19, 1));
    assert_eq!(read.first_skipped, Some((11, "2 tab-separated fields, expected 3".to_string())));
    let note = read.skipped_note("poems.tsv").unwrap();
    assert!(
        note.contains("skipped 1 malformed line(s) of 20") && note.contains("line 11"),
        "{note}"
    );
}

#[test]
fn a_file_of_mostly_bad_lines_is_rejected_naming_the_file_and_line() {
    // A CSV where a TSV belongs: every line is one field.
    let err = parse_pairs("Hi.,嗨。\nRun.,跑。\nWait!,等等！\n", "cmn-eng.tsv").unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            DataError::Malformed {
                bad: 3,
                total: 3,
                line: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(msg.starts_with("cmn-eng.tsv: 3 of 3 lines are malformed"), "{msg}");
    assert!(!msg.contains('\n'), "one line: {msg}");
    // Just over one in ten bad is rejected too.
    let mut pairs = "Hi.\t嗨。\tCC-BY\n".repeat(8);
    pairs.push_str("only one field\n");
    assert!(matches!(
        parse_pairs(&pairs, "p").unwrap_err(),
        DataError::Malformed { bad: 1, total: 9, .. }
    ));
    // An empty file is an error, not an empty data set.
    assert!(matches!(parse_poems("\n\n", "empty.tsv").unwrap_err(), DataError::Parse { .. }));
}

#[test]
fn sst2_needs_its_header_and_binary_labels() {
    let file = "sentence\tlabel\nit 's a charming journey . \t1\nunflinchingly bleak \t0\n";
    let read = parse_sst2(file, "test.tsv").unwrap();
    assert_eq!(read.rows.len(), 2);
    assert_eq!(read.rows[0].text, "it 's a charming journey .");
    assert_eq!((read.rows[0].label, read.rows[1].label), (1, 0));
    let err = parse_sst2("it 's good\t1\n", "test.tsv").unwrap_err().to_string();
    assert!(err.starts_with("test.tsv line 1: expected the header line"), "{err}");
    let mut labels = String::from("sentence\tlabel\n");
    labels.push_str(&"fine\t1\n".repeat(10));
    labels.push_str("odd\t2\n");
    let read = parse_sst2(&labels, "x").unwrap();
    assert_eq!(
        (read.skipped, read.first_skipped.unwrap()),
        (1, (12, "label `2` is not 0 or 1".to_string()))
    );
    // Found in its folder, by split.
    let scratch = ScratchDir::new("text-sst2");
    write_file(&scratch.path.join("sentiment/sst2"), "dev.tsv.gz", &gzip(file.as_bytes()));
    let loc = locator(&scratch.path);
    assert_eq!(read_sst2(&loc, Sst2Split::Dev).unwrap().rows.len(), 2);
    assert!(matches!(read_sst2(&loc, Sst2Split::Train), Err(DataError::NotFound { .. })));
}

#[test]
fn decompression_is_bounded() {
    // A gzip bomb: 80 MiB of one byte, about 80 KB compressed.
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..80 {
        encoder.write_all(&chunk).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    let scratch = ScratchDir::new("text-bomb");
    write_file(&scratch.path.join("poetry"), "tang_jueju_lushi.tsv.gz", &bomb);
    let err = read_poems(&locator(&scratch.path), &TANG_JUEJU_LUSHI).unwrap_err();
    assert!(matches!(err, DataError::TooLarge { limit: MAX_TEXT_BYTES, .. }), "{err:?}");
    assert!(err.to_string().contains("tang_jueju_lushi.tsv.gz"), "{err}");
    // The same bound for content in memory, and for a plain file.
    assert!(matches!(
        decode_text(&gzip(&[b'x'; 1000]), "m", 999),
        Err(DataError::TooLarge { .. })
    ));
    assert_eq!(decode_text(&gzip(&[b'x'; 1000]), "m", 1000).unwrap().len(), 1000);
    let plain = write_file(&scratch.path, "big.txt", &[b'y'; 5000]);
    assert!(matches!(read_text_file(&plain, 4096), Err(DataError::TooLarge { .. })));
}

#[test]
fn bytes_that_are_not_text_or_not_a_file_are_clear_errors() {
    let err = decode_text(b"line one\nline \xff two\n", "poems.tsv", 1000)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("poems.tsv line 2: not UTF-8 text"), "{err}");
    let corrupt = &gzip(POEMS.as_bytes())[..30];
    assert!(matches!(decode_text(corrupt, "cut.gz", 1000), Err(DataError::Gzip { .. })));
    // A folder, or a device such as /dev/zero, is refused before reading: no hang, no memory.
    let scratch = ScratchDir::new("text-notfile");
    let mut paths = vec![scratch.path.clone()];
    if cfg!(unix) {
        paths.push(PathBuf::from("/dev/zero"));
    }
    for path in paths {
        let err = read_text_file(&path, MAX_TEXT_BYTES).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
