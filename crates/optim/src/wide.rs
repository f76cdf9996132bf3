//! The update loops compiled a second time for AVX2 + FMA, picked at run time: a build for
//! any x86-64 vectorises them 4 lanes wide (SSE), this 8. Rust never fuses a multiply and
//! an add on its own, so both versions give the same bits.

/// Runs `update` (an elementwise loop over parameter chunks) in a function compiled for
/// AVX2 + FMA when the CPU has them, so the loop inlined into it vectorises 8 wide.
#[inline(always)]
pub(crate) fn with_wide_simd(update: impl FnOnce()) {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn wide(update: impl FnOnce()) {
            update()
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports the features `wide` was compiled for.
            return unsafe { wide(update) };
        }
    }
    update()
}
