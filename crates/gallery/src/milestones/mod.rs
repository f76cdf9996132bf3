//! One module per milestone of the article, oldest first. Each opens with the paper, the
//! year, what it introduced, what we test and how to run it; the registry
//! (`crate::GALLERY`) lists them.

pub mod alexnet;
pub mod backprop;
pub mod bert;
pub mod clip;
pub mod dalle;
pub mod dbn;
pub mod gan;
pub mod gpt;
pub mod lenet;
pub mod lstm;
pub mod mcculloch_pitts;
pub mod perceptron;
pub mod snn;
pub mod sora;
pub mod transformer;
pub mod vqa;
pub mod xor;
