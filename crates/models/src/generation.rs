//! GPT generation with or without a KV cache.
//!
//! With the cache, the prompt is run once (prefill) and every new token costs one
//! position per block, attending to the cached keys and values. Without it, each token
//! re-runs the model over the last `context` tokens (nanoGPT's loop). Inside the context
//! window the two give the same tokens (`tests/gpt_generate.rs` checks it). Past the
//! window they differ by design: learned absolute positions end at `context`, so the
//! cached loop drops its cache and re-reads the last `context/2` tokens at positions
//! 0.. ("context shift", as bench.py's `generate_kv`), while the uncached loop slides.

use crate::gpt::Gpt;
use descent_tensor::no_grad;
use descent_text::Sampler;
/// Up to `max_new` tokens after `prompt` (returned without the prompt), stopping early
/// after a token for which `stop` is true (that token is included). Batch 1.
pub fn generate(
    model: &Gpt,
    prompt: &[usize],
    max_new: usize,
    sampler: &mut Sampler,
    use_cache: bool,
    stop: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    let mut out = Vec::with_capacity(max_new.min(1 << 16));
    generate_each(model, prompt, max_new, sampler, use_cache, &mut |t| {
        out.push(t);
        stop(t)
    });
    out
}

/// The loop of [`generate`], handing each new token to `on_token` as soon as it is
/// drawn (so a caller can print it at once) and stopping after one for which it returns
/// true. Memory stays bounded by the context whatever `max_new` is.
pub fn generate_each(
    model: &Gpt,
    prompt: &[usize],
    max_new: usize,
    sampler: &mut Sampler,
    use_cache: bool,
    on_token: &mut dyn FnMut(usize) -> bool,
) {
    assert!(!prompt.is_empty(), "generate: the prompt needs at least one token");
    if max_new == 0 {
        return;
    }
    let ctx = model.config.context;
    no_grad(|| {
        // The last `ctx` tokens: all that the model ever reads again.
        let mut window = prompt[prompt.len().saturating_sub(ctx)..].to_vec();
        let mut caches = model.new_caches(1);
        // Prefill: the last `ctx` prompt tokens.
        let mut logits = if use_cache {
            model.last_logits_cached(&window, 1, &mut caches)
        } else {
            model.last_logits(&window, 1)
        };
        for written in 1..=max_new {
            let next = sampler.sample(&logits.contiguous_data());
            if window.len() == ctx {
                window.remove(0);
            }
            window.push(next);
            if on_token(next) || written == max_new {
                break;
            }
            logits = if !use_cache {
                model.last_logits(&window, 1)
            } else if caches[0].len() >= ctx {
                caches.iter_mut().for_each(|c| c.clear());
                model.last_logits_cached(&window[window.len() - ctx / 2..], 1, &mut caches)
            } else {
                model.last_logits_cached(&[next], 1, &mut caches)
            };
        }
    })
}
