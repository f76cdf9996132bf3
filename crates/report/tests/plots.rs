//! SVG charts: well-formed, labelled, and robust to bad data.

mod common;

use descent_report::{
    bar_chart_svg, bar_chart_to_string, confusion_matrix_svg, line_chart_svg, line_chart_to_string, BarChart, LineChart, ReportError,
    Series,
};

fn loss_chart(log_y: bool) -> LineChart {
    let train: Vec<f64> = (0..100).map(|i| 2.0 * (-(i as f64) / 20.0).exp() + 1e-3).collect();
    let test: Vec<f32> = (0..100).map(|i| 2.2 * (-(i as f32) / 25.0).exp() + 0.05).collect();
    LineChart {
        title: "Training loss <MNIST & friends>".into(),
        x_label: "epoch".into(),
        y_label: "cross-entropy".into(),
        series: vec![Series::indexed("train", &train), Series::indexed_f32("test", &test)],
        log_y,
    }
}

/// Checks the document is closed and every `<tag` opened is matched or self-closed.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    for tag in ["text", "svg"] {
        let opens = svg.matches(&format!("<{tag} ")).count() + svg.matches(&format!("<{tag}>")).count();
        assert_eq!(opens, svg.matches(&format!("</{tag}>")).count(), "<{tag}> balance");
    }
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "no non-finite coordinates");
}

#[test]
fn line_chart_has_axes_ticks_legend_and_escaped_title() {
    for log_y in [false, true] {
        let svg = line_chart_to_string(&loss_chart(log_y));
        assert_well_formed(&svg);
        assert!(svg.contains(">train</text>") && svg.contains(">test</text>"));
        assert!(svg.contains(">epoch</text>") && svg.contains(">cross-entropy</text>"));
        assert!(svg.contains("Training loss &lt;MNIST &amp; friends&gt;"));
        assert!(svg.contains("#1f77b4") && svg.contains("#ff7f0e"), "distinct colours");
        assert!(svg.contains("rotate(-90"), "rotated y title");
    }
    let log = line_chart_to_string(&loss_chart(true));
    assert!(log.contains(">0.01</text>") && log.contains(">1</text>"), "decade ticks");
}

#[test]
fn non_finite_points_are_skipped_and_break_the_line() {
    let points = vec![
        (0.0, 1.0),
        (1.0, f64::NAN),
        (2.0, 0.5),
        (3.0, f64::INFINITY),
        (f64::NAN, 1.0),
        (4.0, 0.25),
        (5.0, 0.2),
    ];
    let chart = LineChart {
        title: "diverged".into(),
        x_label: "step".into(),
        y_label: "loss".into(),
        series: vec![Series::new("loss", points), Series::new("empty", vec![])],
        log_y: false,
    };
    let svg = line_chart_to_string(&chart);
    assert_well_formed(&svg);
    assert!(svg.contains(">empty</text>"), "empty series still in legend");
    // Runs: [0], [2], [4, 5] -> one polyline for the data, plus two legend swatches.
    assert_eq!(svg.matches("<polyline").count(), 3);
}

#[test]
fn empty_and_degenerate_charts_do_not_panic() {
    let empty = LineChart {
        title: "nothing".into(),
        x_label: "x".into(),
        y_label: "y".into(),
        series: vec![],
        log_y: true,
    };
    let svg = line_chart_to_string(&empty);
    assert_well_formed(&svg);
    assert!(svg.contains("no data"));
    let flat = LineChart {
        series: vec![
            Series::new("one point", vec![(3.0, 0.0)]),
            Series::new("negative", vec![(1.0, -2.0)]),
        ],
        ..empty
    };
    assert_well_formed(&line_chart_to_string(&flat)); // log axis, no positive values
    assert_well_formed(&line_chart_to_string(&LineChart { log_y: false, ..flat }));
}

#[test]
fn bar_chart_draws_one_bar_per_finite_value() {
    let bars: Vec<(String, f64)> = (0..50).map(|t| (t.to_string(), 0.8f64.powi(t))).collect();
    let mut chart = BarChart {
        title: "gradient norm per time step".into(),
        x_label: "time step".into(),
        y_label: "norm".into(),
        bars,
        log_y: true,
    };
    chart.bars[3].1 = f64::NAN;
    let svg = bar_chart_to_string(&chart);
    assert_well_formed(&svg);
    // Background rect + 49 bars.
    assert_eq!(svg.matches("<rect").count(), 1 + 49);
    chart.log_y = false;
    chart.bars[4].1 = -0.5;
    let svg = bar_chart_to_string(&chart);
    assert_well_formed(&svg);
    assert_eq!(svg.matches("<rect").count(), 1 + 49);
    chart.bars.clear();
    assert_well_formed(&bar_chart_to_string(&chart));
}

#[test]
fn charts_and_confusion_matrix_are_written_to_files() {
    let dir = common::temp_dir("plots");
    line_chart_svg(&dir.join("loss.svg"), &loss_chart(false)).unwrap();
    line_chart_svg(&dir.join("loss_log.svg"), &loss_chart(true)).unwrap();
    let bars = (0..10).map(|c| (format!("class {c}"), 0.9 + c as f64 * 0.01)).collect();
    let chart = BarChart {
        title: "accuracy per class".into(),
        x_label: "class".into(),
        y_label: "accuracy".into(),
        bars,
        log_y: false,
    };
    bar_chart_svg(&dir.join("per_class.svg"), &chart).unwrap();

    let names = ["airplane", "automobile", "bird"];
    let counts = vec![vec![90, 5, 5], vec![3, 95, 2], vec![10, 0, 0]];
    let path = dir.join("confusion.svg");
    confusion_matrix_svg(&path, &counts, &names).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert_well_formed(&svg);
    assert!(svg.contains(">95</text>") && svg.contains(">automobile</text>"));
    assert!(svg.contains("accuracy 88.10%"), "185 of 210 correct");

    let err = confusion_matrix_svg(&dir.join("bad.svg"), &[vec![1, 2]], &[]).unwrap_err();
    assert!(matches!(err, ReportError::Invalid { .. }) && err.path().ends_with("bad.svg"));
    let err = confusion_matrix_svg(&dir.join("bad.svg"), &counts, &["a"]).unwrap_err();
    assert!(err.to_string().contains("1 class names for 3 classes"));
    confusion_matrix_svg(&dir.join("unnamed.svg"), &vec![vec![0; 12]; 12], &[]).unwrap();
}
