//! Paper 001's LSTM beta-VAE (docs/models.md): residual BiLSTM blocks, L1-penalised
//! embeddings around a 16-channel latent layer, trained with staged beta and lambda.

mod architecture;
// The public model (training with staged beta and lambda, files) builds on these next; until
// then only their tests use them.
#[allow(dead_code)]
mod block;
#[allow(dead_code)]
mod network;

pub use architecture::LstmVaeArchitecture;
