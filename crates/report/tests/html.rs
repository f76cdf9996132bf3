//! The tour page: escaping, structure, inlined artifacts.

mod common;

use descent_report::{line_chart_svg, write_tour_html, LineChart, MilestoneReport, Series, TourEntry};

#[test]
fn tour_page_escapes_and_inlines() {
    let dir = common::temp_dir("tour");
    let run = dir.join("xor");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("log.txt"), "epoch 1 <loss> & 0.5\n").unwrap();
    let chart = LineChart {
        title: "loss".into(),
        x_label: "epoch".into(),
        y_label: "loss".into(),
        series: vec![Series::indexed("train", &[1.0, 0.5, 0.25])],
        log_y: false,
    };
    line_chart_svg(&run.join("loss.svg"), &chart).unwrap();

    let mut report = MilestoneReport::new(
        "xor",
        "Backprop <b>solves</b> XOR",
        1986,
        "<script>alert('x')</script> hidden units & backprop",
    );
    report.measure("accuracy", 1.0).measure("<key>", "a\"b");
    report
        .artifact("loss.svg")
        .artifact("log.txt")
        .artifact("weights.bin")
        .artifact("missing.txt");
    report.note("note with <i>tags</i>");
    report.passed = true;
    let skipped = TourEntry::skipped(
        MilestoneReport::new("lenet5", "LeNet-5", 1998, "convolutions read digits"),
        "MNIST not found",
        "descent fetch mnist",
    );
    let path = dir.join("tour.html");
    write_tour_html(&path, &[TourEntry::ran(report, "xor"), skipped]).unwrap();
    let html = std::fs::read_to_string(&path).unwrap();

    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(!html.contains("<script"), "no script tags at all, even from claims");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; hidden units &amp; backprop"));
    assert!(html.contains("Backprop &lt;b&gt;solves&lt;/b&gt; XOR"));
    assert!(html.contains("note with &lt;i&gt;tags&lt;/i&gt;"));
    assert!(html.contains("&lt;key&gt;") && html.contains("a&quot;b"));
    // Summary table, then one section per milestone.
    assert!(html.contains("<table class=\"summary\">"));
    assert!(html.contains("href=\"#m-xor\"") && html.contains("id=\"m-xor\""));
    assert!(html.contains(">PASS<") && html.contains(">SKIPPED<"));
    assert!(html.contains("descent fetch mnist") && html.contains("skipped: MNIST not found"));
    // Artifacts: image inline, text embedded escaped, others linked, missing noted.
    assert!(html.contains("<img src=\"xor/loss.svg\""));
    assert!(html.contains("<pre>epoch 1 &lt;loss&gt; &amp; 0.5\n</pre>"));
    assert!(html.contains("<a href=\"xor/weights.bin\">"));
    assert!(html.contains("could not read xor/missing.txt"));
}
