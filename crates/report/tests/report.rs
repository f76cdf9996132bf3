//! MilestoneReport JSON shape and summaries, the tour table, bench records.

mod common;

use descent_report::{append_json_lines, summary_table, BenchRecord, MilestoneReport, ReportError, TourEntry, TourStatus};
use serde_json::Value;

fn perceptron() -> MilestoneReport {
    let mut report = MilestoneReport::new(
        "perceptron",
        "The Perceptron",
        1958,
        "learns a linearly separable problem to zero training error",
    );
    report
        .measure("train_accuracy", 1.0)
        .measure("epochs", 7)
        .measure("converged", true)
        .measure("final_loss", f64::NAN)
        .artifact("errors.svg")
        .note("sonar substituted by two Gaussian blobs");
    report.passed = true;
    report.seconds = 0.42;
    report
}

#[test]
fn report_json_has_the_documented_shape() {
    let json = perceptron().to_json();
    assert!(!json.contains('\n'), "one line: {json}");
    assert!(json.starts_with(r#"{"milestone":"perceptron","claim":"#), "{json}");
    let value: Value = serde_json::from_str(&json).unwrap();
    let object = value.as_object().unwrap();
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    let expected = [
        "milestone",
        "claim",
        "measured",
        "passed",
        "title",
        "year",
        "seconds",
        "artifacts",
        "notes",
    ];
    assert_eq!(keys, expected);
    assert_eq!(object["year"], 1958);
    assert_eq!(object["passed"], true);
    assert_eq!(object["artifacts"][0], "errors.svg");
    // Measured values keep insertion order, and NaN becomes null.
    let measured: Vec<&str> = object["measured"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(measured, ["train_accuracy", "epochs", "converged", "final_loss"]);
    assert_eq!(object["measured"]["epochs"], 7);
    assert!(object["measured"]["final_loss"].is_null());
}

#[test]
fn report_round_trips_through_a_file() {
    let dir = common::temp_dir("round-trip");
    let path = dir.join("perceptron/report.json");
    let mut report = perceptron();
    report.seconds = f64::INFINITY;
    report.write_json(&path).unwrap();
    let back = MilestoneReport::read_json(&path).unwrap();
    assert!(back.seconds.is_nan(), "non-finite seconds come back as NaN");
    report.seconds = back.seconds;
    report.measured["final_loss"] = Value::Null;
    assert_eq!(format!("{back:?}"), format!("{report:?}"));
    let err = MilestoneReport::from_json("{").unwrap_err();
    assert!(matches!(err, ReportError::Json { .. }));
}

#[test]
fn human_summary_lists_everything() {
    let text = perceptron().human_summary();
    for needle in [
        "The Perceptron (1958)",
        "zero training error",
        "train_accuracy",
        "epochs",
        "= 7",
        "PASS",
        "0.42s",
        "errors.svg",
        "Gaussian",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    let mut failed = perceptron();
    failed.passed = false;
    assert!(failed.human_summary().contains("FAIL"));
}

#[test]
fn summary_table_aligns_columns() {
    let ran = TourEntry::ran(perceptron(), "perceptron");
    assert_eq!(ran.artifacts, ["perceptron/errors.svg"]);
    let lenet = MilestoneReport::new("lenet5", "LeNet-5", 1998, "convolutions read digits");
    let skipped = TourEntry::skipped(lenet, "MNIST not found", "descent fetch mnist");
    let table = summary_table(&[ran, skipped]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("milestone"), "{table}");
    // The year column starts at the same character offset on every row.
    let year_at = lines[0].find("year").unwrap();
    assert_eq!(&lines[2][year_at..year_at + 4], "1958");
    assert_eq!(&lines[3][year_at..year_at + 4], "1998");
    assert!(lines[2].contains("PASS") && lines[2].contains("train_accuracy=1 epochs=7"));
    assert!(!lines[2].contains("final_loss"), "only the first few measures");
    assert!(lines[3].contains("SKIPPED") && lines[3].contains("descent fetch mnist"));
    assert!(table.contains("1 passed, 0 failed, 0 errored, 1 skipped"));
    assert!(table.lines().all(|l| l == l.trim_end()), "no trailing spaces");
}

#[test]
fn failed_report_becomes_failed_entry() {
    let mut report = perceptron();
    report.passed = false;
    let entry = TourEntry::ran(report, "");
    assert_eq!(entry.status, TourStatus::Failed);
    assert_eq!(entry.artifacts, ["errors.svg"]);
}

#[test]
fn bench_record_prints_fixed_keys_first() {
    let record = BenchRecord::new("matmul", "gflops", 812.5).with("n", 1024).with("threads", 2);
    let line = record.to_json_line();
    assert_eq!(
        line,
        r#"{"system":"descent","workload":"matmul","metric":"gflops","value":812.5,"n":1024,"threads":2}"#
    );
    let dir = common::temp_dir("bench");
    let path = dir.join("bench.jsonl");
    append_json_lines(&path, std::slice::from_ref(&record)).unwrap();
    append_json_lines(&path, &[record]).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| serde_json::from_str::<Value>(l).is_ok()));
}

#[test]
#[should_panic(expected = "fixed key")]
fn bench_record_rejects_a_second_value_key() {
    let _ = BenchRecord::new("matmul", "gflops", 1.0).with("value", 2.0);
}
