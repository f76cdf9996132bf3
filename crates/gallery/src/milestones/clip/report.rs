//! What the CLIP milestone reports: measurements and notes, then the artifacts
//! (similarity matrix, per-class zero-shot accuracy, the 2-D embedding picture, loss
//! curves) and the saved model.

use super::captions::{caption, templates, Domain, Lang, TemplateSet, CLASSES};
use super::data::{self, ClipData};
use super::measure::{self, embed_prompts, EmbeddedImages, Outcome, PromptEmbeddings};
use super::train::{map_images, Prompts};
use super::{Settings, CHECKPOINT, PASS_ACCURACY};
use crate::{MilestoneError, Run, Training};
use descent_models::clip::Clip;
use descent_models::clip::{ClipModel, ClipModelConfig};
use descent_models::saved::Snapshot;
use descent_nn::param_count;
use descent_report::{fact_keys, scatter_chart_svg, BarChart, LineChart, ScatterChart, ScatterPoint, Series};
use descent_tensor::Rng;
use descent_text::Tokenizer;

/// Accuracy of a 10-way guess.
const CHANCE: f64 = 0.1;

/// Writes the measurements, logs the verdict (`passed`) and adds the notes.
pub(crate) fn record(run: &mut Run, o: &Outcome, data: &ClipData, settings: &Settings, model: &Clip, passed: bool) {
    let (en, zh) = (o.zero_shot_en.mean(), o.zero_shot_zh.mean());
    let probe = measure::mean(o.probe.iter().flatten().copied());
    let supervised = measure::mean(o.supervised.iter().flatten().copied());
    run.measure("zero_shot_accuracy_en", en);
    run.measure("zero_shot_accuracy_zh", zh);
    run.measure("linear_probe_accuracy", probe);
    run.measure("supervised_accuracy", supervised);
    run.measure("chance_accuracy", CHANCE);
    per_domain(run, o);
    retrieval_and_training(run, o, data, settings);
    facts(run, model, data, settings);
    run.log(&format!(
        "clip: zero-shot {:.1}% (en) / {:.1}% (zh), linear probe {:.1}%, supervised {:.1}%, chance {:.0}% — {}",
        100.0 * en,
        100.0 * zh,
        100.0 * probe,
        100.0 * supervised,
        100.0 * CHANCE,
        if passed { "PASS" } else { "FAIL" }
    ));
    notes(run, o, data, settings);
}

/// Zero-shot, probe and supervised accuracy of each data set present.
fn per_domain(run: &mut Run, o: &Outcome) {
    for (i, domain) in Domain::ALL.iter().enumerate() {
        let key = domain.dataset().to_lowercase().replace('-', "");
        for (name, value) in [
            ("zero_shot_en", o.zero_shot_en.per_domain[i]),
            ("zero_shot_zh", o.zero_shot_zh.per_domain[i]),
            ("linear_probe", o.probe[i]),
            ("supervised", o.supervised[i]),
        ] {
            if let Some(v) = value {
                run.measure(&format!("{name}_{key}"), v);
            }
        }
    }
}

/// Retrieval recall, the compositional check, the learned temperature and the sizes.
fn retrieval_and_training(run: &mut Run, o: &Outcome, data: &ClipData, settings: &Settings) {
    let r = o.recall;
    run.measure("recall_at_1_image_to_text", r.image_to_text_at_1);
    run.measure("recall_at_5_image_to_text", r.image_to_text_at_5);
    run.measure("recall_at_1_text_to_image", r.text_to_image_at_1);
    run.measure("recall_at_5_text_to_image", r.text_to_image_at_5);
    run.measure("retrieval_pool_size", r.pool_size as u64);
    run.measure("compositional_unseen_accuracy", o.compositional.unseen);
    run.measure("compositional_seen_accuracy", o.compositional.seen);
    run.measure("compositional_unseen_pairs", o.compositional.unseen_pairs as u64);
    run.measure("learned_logit_scale", o.logit_scale as f64);
    run.measure("epochs", settings.budget.epochs as u64);
    run.measure("train_images", data.train.len() as u64);
    run.measure("test_images", data.test.len() as u64);
    run.measure("held_out_characters_unseen_in_training", o.unseen_chars.len() as u64);
}

/// The report's key facts for the tour.
fn facts(run: &mut Run, model: &Clip, data: &ClipData, settings: &Settings) {
    run.measure(fact_keys::PARAMS, param_count(model) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (2 * data.train.len() * settings.budget.epochs) as u64);
    run.measure(fact_keys::DATA_BYTES, (data.train.len() * data::IMAGE_LEN) as u64);
}

/// How zero-shot, the references, retrieval and the compositional check were measured.
fn notes(run: &mut Run, o: &Outcome, data: &ClipData, settings: &Settings) {
    let r = o.recall;
    run.note(&format!(
        "Zero-shot: each test image is compared (cosine) with the prompts of the ten classes of its own data set, written with templates held out of training ({} per language and data set); accuracy is averaged over those templates, then over the data sets present. Pass: at least {:.0}% (4× chance) in English and in Chinese.",
        templates(Domain::Photo, Lang::En, TemplateSet::HeldOut).len(),
        100.0 * PASS_ACCURACY
    ));
    run.note("References: a linear probe (logistic regression on the frozen CLIP image features, standardised) and a supervised network (the same image encoder + a linear layer over the 30 classes, trained on the labels with CLIP's batches, epochs and schedule); both predict within the image's own data set, as zero-shot does.");
    run.note(&format!(
        "Retrieval: pools of {} image–caption pairs (a random test image of each class with a held-out caption of its class, random language), {} pools; recall@k counts the paired item among the top k (chance: k/{}). Captions only name classes, so retrieval here is retrieval of the class.",
        r.pool_size, settings.pools, r.pool_size
    ));
    run.note(&format!(
        "Compositional check: each class misses one training template per language in training ({} class–template–language combinations); accuracy on them {:.1}% vs {:.1}% on the combinations seen.",
        o.compositional.unseen_pairs,
        100.0 * o.compositional.unseen,
        100.0 * o.compositional.seen
    ));
    if !o.unseen_chars.is_empty() {
        run.note(&format!(
            "Held-out prompts use characters no training caption has ({}); their embeddings stayed at their initial values.",
            o.unseen_chars.iter().collect::<String>()
        ));
    }
    if data.domains.len() < Domain::ALL.len() {
        let missing: Vec<&str> = Domain::ALL
            .iter()
            .filter(|d| !data.domains.contains(d))
            .map(|d| d.dataset())
            .collect();
        run.note(&format!(
            "Not in this run: {} (no embedded subset in this build); means are over the data sets present.",
            missing.join(", ")
        ));
    }
    if !run.full() {
        run.note(
            "Quick run: small embedded subsets, a small model and a few epochs; `--full` trains a larger model longer on the full files.",
        );
    }
}

/// Writes the artifacts and saves the model with its tokenizer.
pub(crate) fn artifacts(
    run: &mut Run,
    model: &Clip,
    tokenizer: &Tokenizer,
    data: &ClipData,
    prompts: &Prompts,
    o: &Outcome,
    settings: &Settings,
) -> Result<(), MilestoneError> {
    let rows = map_images(&data.test, |x| model.image_embeddings(x));
    let images = EmbeddedImages {
        rows: &rows,
        width: model.config.embed_dim,
        labels: &data.test.labels,
    };
    let table = embed_prompts(model, prompts);
    similarity(run, &images, &table, data)?;
    zero_shot_bars(run, o)?;
    embedding_picture(run, &images, &table)?;
    loss_curves(run, o)?;
    let config = ClipModelConfig {
        net: model.config,
        tokenizer: tokenizer.clone(),
    };
    let snapshot = Snapshot::parts::<ClipModel>(&config, model);
    run.save(CHECKPOINT, snapshot, Training::finished(settings.budget.epochs))
}

/// The similarity matrix of one retrieval pool (rows images, columns their captions)
/// as a heatmap, and what each row and column is.
fn similarity(run: &mut Run, images: &EmbeddedImages, table: &dyn PromptEmbeddings, data: &ClipData) -> Result<(), MilestoneError> {
    let pool = measure::draw_pool(images, &mut Rng::new(run.seed() ^ 0x51A));
    let sims = measure::pool_similarities(images, table, &pool);
    let k = pool.0.len();
    run.heatmap("similarity.png", &sims, k, k, 16)?;
    let mut text = String::from("# similarity.png: cosine similarity, rows = test images, columns = captions (same order)\n\n");
    for (row, (&i, &(class, lang, t))) in pool.0.iter().zip(&pool.1).enumerate() {
        let template = templates(CLASSES[class].domain, lang, TemplateSet::HeldOut)[t];
        text.push_str(&format!(
            "{row:>2}: image #{i} ({}) | caption \"{}\"\n",
            CLASSES[data.test.labels[i]].en,
            caption(template, class)
        ));
    }
    run.write_text("similarity.txt", &text)
}

/// Zero-shot accuracy per class, one bar chart per language.
fn zero_shot_bars(run: &mut Run, o: &Outcome) -> Result<(), MilestoneError> {
    for (lang, zero_shot) in [(Lang::En, &o.zero_shot_en), (Lang::Zh, &o.zero_shot_zh)] {
        let bars: Vec<(String, f64)> = zero_shot
            .per_class
            .iter()
            .enumerate()
            .filter_map(|(c, v)| v.map(|v| (label(c, lang).to_string(), v)))
            .collect();
        let chart = BarChart {
            title: format!("Zero-shot accuracy per class, held-out {} prompts", lang_name(lang)),
            x_label: "class".into(),
            y_label: "accuracy".into(),
            bars,
            log_y: false,
        };
        run.bar_chart(&format!("zero_shot_per_class_{}.svg", lang.code()), &chart)?;
    }
    Ok(())
}

/// CLIP's contrastive loss and the supervised reference's cross-entropy per epoch.
fn loss_curves(run: &mut Run, o: &Outcome) -> Result<(), MilestoneError> {
    let history = run.history();
    let mut series = vec![history.series("clip_loss", "CLIP contrastive loss")];
    series.push(Series::new(
        "supervised cross-entropy",
        o.supervised_losses
            .iter()
            .enumerate()
            .map(|(e, l)| ((e + 1) as f64, *l as f64))
            .collect(),
    ));
    let curves = LineChart {
        title: "Training loss per epoch".into(),
        x_label: "epoch".into(),
        y_label: "loss".into(),
        series,
        log_y: false,
    };
    run.line_chart("loss.svg", &curves)
}

/// The language's name in English.
fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "English",
        Lang::Zh => "Chinese",
    }
}

/// The class's name in `lang`.
fn label(class: usize, lang: Lang) -> &'static str {
    match lang {
        Lang::En => CLASSES[class].en,
        Lang::Zh => CLASSES[class].zh,
    }
}

/// Test images (up to 40 per class) and each class's first held-out prompt in both
/// languages, projected on the first two principal components of them all.
fn embedding_picture(run: &mut Run, images: &EmbeddedImages, table: &dyn PromptEmbeddings) -> Result<(), MilestoneError> {
    let width = images.width;
    let (mut rows, mut points) = (Vec::new(), Vec::new());
    let mut per_class = vec![0usize; CLASSES.len()];
    for (i, &class) in images.labels.iter().enumerate() {
        if per_class[class] < 40 {
            per_class[class] += 1;
            rows.extend_from_slice(&images.rows[i * width..(i + 1) * width]);
            points.push((class, None));
        }
    }
    for class in (0..CLASSES.len()).filter(|&c| per_class[c] > 0) {
        for lang in Lang::ALL {
            rows.extend_from_slice(table.embedding(class, lang, TemplateSet::HeldOut, 0));
            let template = templates(CLASSES[class].domain, lang, TemplateSet::HeldOut)[0];
            points.push((class, Some(caption(template, class))));
        }
    }
    let coords = crate::common::pca::pca_2d(&rows, width);
    let chart = ScatterChart {
        title: "Images (dots) and held-out prompts (rings) in the shared space, PCA".into(),
        x_label: "principal component 1".into(),
        y_label: "principal component 2".into(),
        points: coords
            .iter()
            .zip(points)
            .map(|(&(x, y), (group, label))| ScatterPoint { x, y, group, label })
            .collect(),
    };
    scatter_chart_svg(&run.path("embedding.svg")?, &chart)?;
    run.artifact("embedding.svg");
    Ok(())
}
