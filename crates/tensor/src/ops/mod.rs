//! Op families, one file each; every forward records its [`crate::Op`] node.

pub(crate) mod attention;
pub(crate) mod batch_norm;
pub(crate) mod bias_gelu;
pub(crate) mod conv;
pub(crate) mod conv_transpose;
pub(crate) mod elementwise;
pub(crate) mod loss;
pub(crate) mod matmul;
pub(crate) mod norm;
pub(crate) mod pointwise_loss;
pub(crate) mod random;
pub(crate) mod recurrent;
pub(crate) mod reduce;
pub(crate) mod shape;
pub(crate) mod softmax;
pub(crate) mod upsample;
