//! The tour page's timeline, numbers and summary: every event drawn with the right
//! status, missing figures said to be missing, caller text escaped, tables that wrap.

mod common;

use descent_report::{
    article_timeline, fact_keys, timeline_svg, tour_page_html, write_tour_page, Fact, MilestoneReport, TourEntry, TourFacts, TourPage,
};

fn ran(id: &str, year: u32, passed: bool, measured: &[(&str, serde_json::Value)]) -> TourEntry {
    let mut report = MilestoneReport::new(id, &format!("Title of {id}"), year, &format!("claim of {id}"));
    for (key, value) in measured {
        report.measure(key, value.clone());
    }
    report.passed = passed;
    report.seconds = 1.5;
    TourEntry::ran(report, id)
}

fn bare(id: &str, year: u32) -> MilestoneReport {
    MilestoneReport::new(id, &format!("Title of {id}"), year, "a claim")
}

/// A tour with every status: pass, fail, error, skipped, and a milestone the
/// timeline names but the tour did not run.
fn tour() -> (Vec<descent_report::TimelineEvent>, Vec<TourEntry>) {
    let entries = vec![
        ran("mcculloch-pitts", 1943, true, &[]),
        ran("perceptron", 1958, false, &[]),
        ran("xor", 1969, true, &[]),
        ran("backprop", 1986, true, &[]),
        TourEntry::errored(bare("backprop-check", 1986), "gradient check diverged"),
        TourEntry::skipped(bare("lenet", 1989), "MNIST not found", "descent data fetch mnist"),
    ];
    let mut timeline = article_timeline();
    let attach = |key: &str, ids: &[&str], timeline: &mut Vec<descent_report::TimelineEvent>| {
        let event = timeline.iter_mut().find(|e| e.key == key).unwrap();
        event.milestones = ids.iter().map(|s| s.to_string()).collect();
    };
    attach("neuron", &["mcculloch-pitts"], &mut timeline);
    attach("perceptron", &["perceptron"], &mut timeline);
    attach("backprop", &["backprop", "backprop-check"], &mut timeline);
    attach("lenet", &["lenet"], &mut timeline);
    attach("transformer", &["transformer"], &mut timeline);
    (timeline, entries)
}

#[test]
fn article_timeline_has_the_articles_events() {
    let years: Vec<u32> = article_timeline().iter().map(|e| e.year).collect();
    assert_eq!(years, [1943, 1958, 1986, 1989, 2012, 2014, 2017, 2018, 2020, 2022, 2024, 2025]);
    assert!(
        article_timeline().iter().all(|e| e.milestones.is_empty()),
        "the caller maps milestones"
    );
}

#[test]
fn timeline_draws_every_event_with_its_status() {
    let (timeline, entries) = tour();
    let svg = timeline_svg(&timeline, &entries);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for event in &timeline {
        assert!(svg.contains(&format!(">{}</text>", event.year)), "year {} missing", event.year);
        let title = event.title.replace('&', "&amp;");
        assert!(svg.contains(&format!(">{title}</text>")), "{} missing", event.title);
    }
    assert_eq!(svg.matches("<g class=\"event ").count(), timeline.len());
    for (key, class) in [
        ("neuron", "status-pass"),
        ("perceptron", "status-fail"),
        // The worst of its milestones: one passed, one errored.
        ("backprop", "status-error"),
        ("lenet", "status-skipped"),
        // Named by the caller but absent from this tour.
        ("transformer", "status-notrun"),
        ("alexnet", "status-none"),
        ("gan", "status-none"),
        ("sora", "status-none"),
    ] {
        let group = format!("<g class=\"event event-{key} {class}\">");
        assert!(svg.contains(&group), "missing {group}");
    }
    // Chips name each milestone with its verdict; tooltips spell the event out.
    for chip in [
        "mcculloch-pitts PASS",
        "perceptron FAIL",
        "backprop-check ERROR",
        "lenet SKIPPED",
        "transformer not run",
    ] {
        assert!(svg.contains(&format!(">{chip}</text>")), "missing chip {chip}");
    }
    assert!(svg.contains("<title>1986 Backpropagation: backprop PASS, backprop-check ERROR</title>"));
    assert!(svg.contains("<title>2014 GAN: not re-created in the gallery yet</title>"));
    // A milestone no event names (xor, 1969) gets the lane at the bottom.
    assert!(svg.contains(">also in this tour</text>"));
    assert!(svg.contains("<g class=\"milestone status-pass\">\n<title>1969 Title of xor (xor): PASS</title>"));
    assert_eq!(svg.matches("<g class=\"milestone ").count(), 1);
}

#[test]
fn timeline_escapes_caller_text() {
    let mut timeline = article_timeline();
    timeline[0].title = "<b>neuron</b> & co".into();
    timeline[0].key = "a\"b c".into();
    timeline[0].milestones = vec!["<x>".into()];
    let entries = vec![ran("<x>", 1943, true, &[])];
    let svg = timeline_svg(&timeline, &entries);
    assert!(svg.contains("&lt;b&gt;neuron&lt;/b&gt; &amp; co"));
    assert!(svg.contains("class=\"event event-a-b-c status-pass\""));
    assert!(svg.contains("&lt;x&gt; PASS"));
    assert!(!svg.contains("<b>") && !svg.contains("<x>"));
}

#[test]
fn facts_come_from_conventional_keys_of_runs_that_finished() {
    use serde_json::json;
    let entries = vec![
        ran(
            "small",
            1958,
            true,
            &[(fact_keys::PARAMS, json!(5)), (fact_keys::CPU_SECONDS, json!(1.0))],
        ),
        ran(
            "lenet",
            1989,
            false,
            &[
                (fact_keys::PARAMS, json!(61_706)),
                (fact_keys::DATA_BYTES, json!(47_040_000)),
                (fact_keys::EXAMPLES_SEEN, json!(300_000)),
                (fact_keys::MNIST_TEST_ERROR_PERCENT, json!(1.2)),
                (fact_keys::CPU_SECONDS, json!(20.5)),
            ],
        ),
        ran(
            "lenet-full",
            1998,
            true,
            &[
                (fact_keys::MNIST_TEST_ERROR_PERCENT, json!(0.8)),
                // Not numbers, not finite, or not a percentage: ignored, not guessed.
                (fact_keys::CIFAR10_TEST_ERROR_PERCENT, json!(140.0)),
                (fact_keys::PARAMS, json!("huge")),
                (fact_keys::CPU_SECONDS, json!(2.5)),
            ],
        ),
    ];
    let mut skipped = bare("gpt", 2020);
    skipped.measure(fact_keys::PARAMS, 10_000_000);
    let mut errored = bare("gan", 2014);
    errored.measure(fact_keys::MNIST_TEST_ERROR_PERCENT, 0.1);
    let mut all = entries.clone();
    all.push(TourEntry::skipped(skipped, "no data", "fetch it"));
    all.push(TourEntry::errored(errored, "diverged"));

    let facts = TourFacts::from_entries(&all);
    assert_eq!(facts.largest_model_params, Some(Fact::new(61_706.0, "lenet")));
    assert_eq!(facts.largest_data_bytes, Some(Fact::new(47_040_000.0, "lenet")));
    assert_eq!(facts.most_examples_seen, Some(Fact::new(300_000.0, "lenet")));
    assert_eq!(facts.best_mnist_error_percent, Some(Fact::new(0.8, "lenet-full")));
    assert_eq!(facts.best_cifar10_error_percent, None);
    assert_eq!(facts.matmul_gflops, None, "the caller measures compute");
    assert_eq!(facts.cpu_seconds, Some(Fact::new(24.0, "3 milestone runs")));
    assert_eq!(facts.wall_seconds, Some(Fact::new(4.5, "3 milestone runs")));

    // CPU time is summed only when every finished run recorded it.
    let partial = [entries[0].clone(), ran("quiet", 1960, true, &[])];
    assert_eq!(TourFacts::from_entries(&partial).cpu_seconds, None);
    assert_eq!(TourFacts::from_entries(&[]), TourFacts::default());
}

fn page(entries: &[TourEntry], facts: &TourFacts) -> String {
    let (timeline, _) = tour();
    let page = TourPage {
        entries,
        timeline: &timeline,
        facts: Some(facts),
    };
    tour_page_html(&page, std::path::Path::new("."))
}

#[test]
fn missing_figures_say_not_measured() {
    let html = page(&[], &TourFacts::default());
    // Params, bytes, examples, GFLOP/s, MNIST, CIFAR-10, CPU-seconds, wall-clock.
    assert_eq!(html.matches(">not measured<").count(), 8, "{html}");
    assert!(!html.contains("NaN") && !html.contains("inf"));
    for article in [
        "1,000 → 1.8 trillion parameters",
        "1 MB → 10 PB",
        "0.1 GFLOPS → 600,000 TFLOPS",
        "30% → 1%",
    ] {
        assert!(html.contains(article), "article figure {article} missing");
    }
    // No gauge without a figure to place on it.
    assert!(!html.contains("where this tour&#39;s figure sits"));

    let facts = TourFacts {
        largest_model_params: Some(Fact::new(1_234_567.0, "gpt")),
        matmul_gflops: Some(Fact::new(183.4, "f32 matmul 1024³ <2 threads>")),
        best_mnist_error_percent: Some(Fact::new(0.91, "lenet")),
        cpu_seconds: Some(Fact::new(f64::NAN, "broken clock")),
        ..TourFacts::default()
    };
    let entries = [ran("gpt", 2020, true, &[])];
    let html = page(&entries, &facts);
    assert!(html.contains("<strong>1.23 million parameters</strong>"));
    assert!(
        html.contains("<a href=\"#m-gpt\">gpt</a>"),
        "a milestone source links to its section"
    );
    assert!(html.contains("<strong>183 GFLOP/s</strong> <span class=\"source\">f32 matmul 1024³ &lt;2 threads&gt;</span>"));
    assert!(html.contains("<strong>0.91%</strong>"));
    // A non-finite figure is not a measurement. Bytes, examples, CIFAR, CPU, wall remain.
    assert_eq!(html.matches(">not measured<").count(), 5);
    assert!(html.contains("×10<sup>3.1</sup> above then · ×10<sup>6.2</sup> below now"));
}

#[test]
fn summary_table_wraps_and_keeps_full_text() {
    let long_claim = format!("{} <end of claim>", "a very long claim ".repeat(30));
    let long_value = "x".repeat(300);
    let mut report = MilestoneReport::new("long", "A <long> one", 2000, &long_claim);
    report.measure("unbroken", long_value.as_str()).measure("accuracy", 0.5);
    report.passed = true;
    let entries = [
        TourEntry::ran(report, "long"),
        TourEntry::errored(bare("broken", 2001), "cannot read \"weights\" <file>"),
    ];
    let html = page(&entries, &TourFacts::default());
    // The CSS: fixed layout with column widths, and long words may break anywhere.
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    assert!(style.contains("table-layout: fixed"));
    assert!(style.contains("overflow-wrap: anywhere"));
    assert!(style.contains(".summary col.c-milestone { width:"));
    assert!(style.contains("-webkit-line-clamp: 3"), "long claims are clamped to three lines");
    // Narrow windows stack the wide tables into cards instead of squeezing columns.
    assert!(style.contains("@media (max-width: 640px)") && style.contains("grid-template-areas"));
    assert!(html.contains("<table class=\"summary\">\n<colgroup>"));
    // The full claim stays available in the tooltip, escaped; the long value is cut
    // in the chip and whole in its tooltip.
    let escaped_claim = long_claim.replace('<', "&lt;").replace('>', "&gt;");
    assert!(html.contains(&format!("<div class=\"claim\" title=\"{escaped_claim}\">")));
    assert!(html.contains(&format!("title=\"unbroken = {long_value}\"")));
    assert!(html.contains(&format!("<span class=\"k\">unbroken</span> {}…</span>", "x".repeat(31))));
    assert!(html.contains("A &lt;long&gt; one"));
    assert!(html.contains("<span class=\"status ERROR\">ERROR</span>"));
    assert!(html.contains("title=\"cannot read &quot;weights&quot; &lt;file&gt;\""));
    assert!(html.contains("1 passed, 0 failed, 1 errored, 0 skipped"));
}

#[test]
fn page_has_every_part_and_no_scripts() {
    let (timeline, entries) = tour();
    let facts = TourFacts::from_entries(&entries);
    let dir = common::temp_dir("tour-page");
    let path = dir.join("report.html");
    let page = TourPage {
        entries: &entries,
        timeline: &timeline,
        facts: Some(&facts),
    };
    write_tour_page(&path, &page).unwrap();
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    for id in ["id=\"timeline\"", "id=\"numbers\"", "id=\"milestones\"", "id=\"m-lenet\""] {
        assert!(html.contains(id), "missing {id}");
    }
    assert_eq!(html.matches("<svg").count(), 1, "the timeline; no gauge without a figure");

    // Without a timeline or facts, those sections (and their links) are left out.
    let plain = tour_page_html(&TourPage::new(&entries), &dir);
    assert!(!plain.contains("id=\"timeline\"") && !plain.contains("id=\"numbers\""));
    assert!(!plain.contains("href=\"#timeline\""));
}
