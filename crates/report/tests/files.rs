//! Writes are atomic and failures name the path.

mod common;

use descent_report::{line_chart_svg, write_atomic, write_heatmap_png, write_tour_html, LineChart, MilestoneReport, ReportError};

#[test]
fn writes_replace_whole_files_and_leave_no_temp_files() {
    let dir = common::temp_dir("atomic");
    let path = dir.join("nested/deeper/report.json");
    write_atomic(&path, b"old contents that are longer").unwrap();
    write_atomic(&path, b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["report.json"], "temp file renamed away");
}

#[test]
fn unwritable_destinations_name_the_path() {
    let dir = common::temp_dir("unwritable");
    let chart = LineChart {
        title: "t".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        series: vec![],
        log_y: false,
    };
    let report = MilestoneReport::new("m", "t", 2000, "c");
    let svg = common::unwritable_path(&dir, "loss.svg");
    let png = svg.with_file_name("heat.png");
    let json = svg.with_file_name("report.json");
    let html = svg.with_file_name("tour.html");
    let errors = [
        (svg.clone(), line_chart_svg(&svg, &chart).unwrap_err()),
        (png.clone(), write_heatmap_png(&png, &[1.0], 1, 1, 1).unwrap_err()),
        (json.clone(), report.write_json(&json).unwrap_err()),
        (html.clone(), write_tour_html(&html, &[]).unwrap_err()),
    ];
    for (path, err) in errors {
        assert!(matches!(err, ReportError::Io { .. }), "{err:?}");
        assert_eq!(err.path(), path);
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
    }
}

#[test]
fn a_failed_write_keeps_the_old_file() {
    let dir = common::temp_dir("keep-old");
    let path = dir.join("target");
    // A directory where the temp file's rename target is: rename fails, nothing lost.
    std::fs::create_dir_all(path.join("occupied")).unwrap();
    assert!(write_atomic(&path, b"x").is_err());
    assert!(path.join("occupied").is_dir());
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(leftovers, 1, "temp file cleaned up");
}

#[test]
fn temp_files_of_killed_writers_are_removed_on_the_next_write() {
    let dir = common::temp_dir("stale");
    let path = dir.join("report.json");
    // 4e9 is above any Linux pid; pid 1 always runs.
    let dead = dir.join(".report.json.4000000000.0.tmp");
    let alive = dir.join(".report.json.1.0.tmp");
    std::fs::write(&dead, b"half").unwrap();
    std::fs::write(&alive, b"half").unwrap();
    write_atomic(&path, b"{}").unwrap();
    if std::path::Path::new("/proc/self").exists() {
        assert!(!dead.exists(), "a stale temp file was left");
        assert!(alive.exists(), "the temp file of a running process was removed");
    }
}
