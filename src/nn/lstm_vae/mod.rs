//! Paper 001's LSTM beta-VAE (docs/models.md): residual BiLSTM blocks, L1-penalised
//! embeddings around a 16-channel latent layer, trained with staged beta and lambda.

mod architecture;
mod block;
mod io;
mod keys;
mod model;
mod network;
mod objective;
#[cfg(test)]
mod toy_ci;

pub use architecture::LstmVaeArchitecture;
pub use io::{KIND, VERSION};
pub use keys::{BetaStepRule, LstmVaeSettings, Scaling, StageOptimizer, Variant};
pub use model::{Encoding, LstmVae, StageRecord};
