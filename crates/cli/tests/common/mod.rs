//! Helpers of the process tests: run the real binary (with a deadline, so a hang fails
//! instead of blocking), check the one-line error contract, make scratch folders and
//! small checkpoints with random weights.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use descent_models::saved::{self, Extras, Snapshot};
use descent_nn::Checkpoint;
use descent_tensor::Rng;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a finished run printed.
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// `descent args...`, stdout and stderr captured.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_descent"));
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// Waits for `child` at most `limit`; kills it and fails the test if it is still running.
pub fn wait_with_deadline(mut child: Child, limit: Duration, what: &str) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?} (hung?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `descent args...` to the end (at most two minutes).
pub fn descent(args: &[&str]) -> Output {
    let child = command(args).spawn().expect("the descent binary runs");
    finish(child, Duration::from_secs(120), &args.join(" "))
}

/// Collects the output of `child` (stdout and stderr piped), waiting at most `limit`;
/// `what` names the run if it has to be killed.
pub fn finish(mut child: Child, limit: Duration, what: &str) -> Output {
    // Both pipes are drained on threads, so the deadline holds even when the child hangs.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status = wait_with_deadline(child, limit, what);
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// Checks the contract for bad input: non-zero exit, exactly one `error: ...` line on
/// stderr containing every one of `needles`, and no panic or backtrace text.
pub fn assert_one_line_error(out: &Output, needles: &[&str]) {
    let err = out.stderr.trim_end();
    assert!(!out.status.success(), "exit 0 for bad input; stdout: {}", out.stdout);
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "panic text on stderr:\n{err}"
    );
    assert_eq!(err.lines().count(), 1, "not one line:\n{err}");
    assert!(err.starts_with("error: "), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
}

/// A fresh scratch folder for one test.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves a LeNet (modern) with random weights as `descent run lenet` would, with
/// `tweak` applied to the checkpoint first.
pub fn save_lenet(path: &Path, tweak: impl FnOnce(&mut Checkpoint)) {
    let model = descent_models::LeNet::new(descent_models::LeNetVariant::Modern, &mut Rng::new(5));
    let mut ck = saved::to_checkpoint(&Snapshot::of(&model), Extras::default());
    tweak(&mut ck);
    ck.save(path).unwrap();
}

/// Letters and space: the vocabulary of the small text models below.
pub const LETTERS: &str = " abcdefghijklmnopqrstuvwxyz";

/// Saves a small character LSTM with random weights, as `descent run lstm` would.
pub fn save_char_lstm(path: &Path) {
    let tokenizer = descent_text::Tokenizer::Char(descent_text::CharTokenizer::from_texts([LETTERS]));
    let config = descent_models::CharLstmConfig {
        vocab_size: tokenizer.vocab_size(),
        embed_dim: 8,
        hidden_size: 16,
        num_layers: 1,
    };
    let model = descent_models::TextModel {
        net: descent_models::CharLstm::new(config, &mut Rng::new(1)),
        tokenizer,
        bos: String::new(),
        stop: String::new(),
        prompt_format: None,
    };
    saved::save(path, &Snapshot::of(&model), Extras::default()).unwrap();
}

/// Saves a small GPT with random weights, as `descent run gpt` would.
pub fn save_gpt(path: &Path) {
    let tokenizer = descent_text::Tokenizer::Char(descent_text::CharTokenizer::from_texts([LETTERS]));
    let config = descent_models::GptConfig {
        vocab_size: tokenizer.vocab_size(),
        context: 16,
        d_model: 16,
        n_heads: 2,
        n_layers: 2,
    };
    let model = descent_models::TextModel {
        net: descent_models::Gpt::new(config, &mut Rng::new(2)),
        tokenizer,
        bos: String::new(),
        stop: String::new(),
        prompt_format: None,
    };
    saved::save(path, &Snapshot::of(&model), Extras::default()).unwrap();
}

/// Saves a small VQA model with random weights (64-pixel canvas), as `descent run vqa`
/// would, reading questions made of the characters of `questions`.
pub fn save_small_vqa(path: &Path, questions: &str, answers: &[&str]) {
    use descent_models::vqa::{AnswerVocab, Vqa, VqaConfig, VqaInputs, VqaModel};
    use descent_text::{CharTokenizer, Tokenizer};
    let tokenizer = Tokenizer::Char(CharTokenizer::from_texts([questions]));
    let vocab = AnswerVocab::new(answers.iter().map(|a| a.to_string()));
    let config = VqaConfig {
        image_side: 64,
        patch: 8,
        stem: 4,
        question_vocab: tokenizer.vocab_size(),
        question_len: 24,
        answer_vocab: vocab.len(),
        answer_len: 5,
        d_model: 16,
        n_heads: 2,
        encoder_layers: 1,
        decoder_layers: 1,
        inputs: VqaInputs::Both,
    };
    let model = VqaModel {
        vqa: Vqa::new(config, &mut Rng::new(3)),
        tokenizer,
        answers: vocab,
    };
    saved::save(path, &Snapshot::of(&model), Extras::default()).unwrap();
}
