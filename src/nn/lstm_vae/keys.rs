//! The `lstm_vae.*` configuration keys. Defaults are paper 001's toy model and schedule.

use super::super::error::NnError;
use super::super::schedule::StagedSchedule;
use crate::config::Valid;
use crate::config::settings::Validate;
use std::ops::Bound::{Excluded, Included};

crate::text_option! {
    /// Which of the paper's two networks (`lstm_vae.variant`).
    pub enum Variant {
        /// The toy model: one channel in and out, LayerNorm in the blocks and before the
        /// output, BatchNorm after the encoder.
        Toy = "toy",
        /// The BEPS model of the paper's code: rows of 2 x N values (piezoresponse and
        /// resonance interleaved) read as one 2N-step channel, decoded to N steps of two
        /// channels, no normalisation layers.
        Beps = "beps",
    }
}

crate::text_option! {
    /// How the beta added per stage is chosen (`lstm_vae.beta_step_rule`).
    pub enum BetaStepRule {
        /// `lstm_vae.beta_step` as given.
        Fixed = "fixed",
        /// The paper's rule: beta * KL is 60 % of the loss at the end of priming, so
        /// `beta_step = 1.5 MSE / KL` of the last priming epoch.
        Auto60 = "auto60",
    }
}

crate::text_option! {
    /// What the optimiser does between stages (`lstm_vae.stage_optimizer`).
    pub enum StageOptimizer {
        /// Adam's moments carry on across stages.
        Keep = "keep",
        /// Each stage restarts from the previous stage's best weights with a fresh Adam, as
        /// the paper's code does.
        Restart = "restart",
    }
}

crate::text_option! {
    /// How rows are standardised before training (`lstm_vae.scaling`); the statistics come from
    /// the first training data and are stored with the model.
    pub enum Scaling {
        /// The paper's choice for the variant: per step for "toy", one mean and std per
        /// channel for "beps".
        Variant = "variant",
        /// One mean and std per step and channel (the paper's toy spectra).
        PerStep = "per_step",
        /// One mean and std per channel over all steps (the paper's BEPS loops).
        PerChannel = "per_channel",
        /// Rows are used as given.
        None = "none",
    }
}

crate::settings! {
    /// Everything the `lstm_vae.*` keys set. Defaults: paper 001's toy model (h = 128, three
    /// blocks, 16 + 16 latents) and schedule (2000 priming epochs, stages of 100 epochs, beta
    /// + 0.005 per stage, lambda = 1e-5 10^beta, Adam 3e-5, batch 300, 6500 epochs).
    ///
    /// ```
    /// let s = ferrolab::nn::lstm_vae::LstmVaeSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.hidden, s.blocks, s.latent, s.epochs, s.batch_size), (128, 3, 16, 6500, 300));
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub struct LstmVaeSettings {
        /// LSTM units per direction. Paper 001: 128.
        pub hidden: usize = 128 => "lstm_vae.hidden", valid Valid::Int(Included(1), Included(4096));
        /// Residual BiLSTM blocks in the encoder and in the decoder. Paper 001: 3.
        pub blocks: usize = 3 => "lstm_vae.blocks", valid Valid::Int(Included(0), Included(64));
        /// Width of the L1-penalised dense layers around the latent layer. Paper 001: 16.
        pub embedding: usize = 16 => "lstm_vae.embedding", valid Valid::Int(Included(1), Included(4096));
        /// Latent channels. Paper 001: 16.
        pub latent: usize = 16 => "lstm_vae.latent", valid Valid::Int(Included(1), Included(4096));
        /// "toy" (one channel, normalisation layers) or "beps" (two interleaved channels, no
        /// normalisation), as the paper's two networks.
        pub variant: Variant = Variant::Toy => "lstm_vae.variant";
        /// Epochs in all, priming included. Paper 001: 6500 (toy), 20000 (BEPS).
        pub epochs: usize = 6500
            => "lstm_vae.epochs", unit "epochs", valid Valid::Int(Included(1), Included(10_000_000));
        /// Rows per Adam step. Paper 001: 300.
        pub batch_size: usize = 300
            => "lstm_vae.batch_size", unit "rows", valid Valid::Int(Included(1), Included(1 << 20));
        /// Adam's learning rate. Paper 001: 3e-5.
        pub learning_rate: f64 = 3e-5
            => "lstm_vae.learning_rate", valid Valid::Real(Excluded(0.0), Included(10.0));
        /// Adam's epsilon. Keras (the paper's code): 1e-7.
        pub adam_eps: f64 = 1e-7
            => "lstm_vae.adam_eps", valid Valid::Real(Excluded(0.0), Included(1.0));
        /// Seed of the weights, shuffling and noise; results do not depend on the thread count.
        pub seed: u64 = 0 => "lstm_vae.seed", valid Valid::Int(Included(0), Included(i64::MAX));
        /// Epochs with beta = lambda = 0 before the first stage. Paper 001: 2000.
        pub priming_epochs: usize = 2000
            => "lstm_vae.priming_epochs", unit "epochs", valid Valid::Int(Included(0), Included(10_000_000));
        /// Epochs per stage. Paper 001: 100 (toy), 1000 (BEPS).
        pub stage_epochs: usize = 100
            => "lstm_vae.stage_epochs", unit "epochs", valid Valid::Int(Included(1), Included(10_000_000));
        /// Beta added per stage (with `beta_step_rule = "fixed"`). Paper 001: 0.005 (toy),
        /// 0.0025 (BEPS).
        pub beta_step: f64 = 5e-3
            => "lstm_vae.beta_step", valid Valid::Real(Included(0.0), Included(1e6));
        /// "fixed" (`beta_step`) or "auto60" (beta * KL is 60 % of the loss at the end of
        /// priming).
        pub beta_step_rule: BetaStepRule = BetaStepRule::Fixed => "lstm_vae.beta_step_rule";
        /// Lambda at beta = 0; a stage's lambda is `lambda_base 10^beta`. Paper 001: 1e-5.
        pub lambda_base: f64 = 1e-5
            => "lstm_vae.lambda_base", valid Valid::Real(Included(0.0), Included(1e6));
        /// "keep" (Adam's state carries on) or "restart" (each stage from the previous stage's
        /// best weights with a fresh Adam, as the paper's code).
        pub stage_optimizer: StageOptimizer = StageOptimizer::Keep => "lstm_vae.stage_optimizer";
        /// A latent channel is active when its KL, averaged over the data, exceeds this.
        pub active_threshold: f64 = 0.05
            => "lstm_vae.active_threshold", unit "nat", valid Valid::Real(Excluded(0.0), Included(1e6));
        /// How rows are standardised: "variant" (per step for "toy", per channel for "beps"),
        /// "per_step", "per_channel" or "none".
        pub scaling: Scaling = Scaling::Variant => "lstm_vae.scaling";
        /// Write the checkpoint file (when one is given) every this many epochs and at the
        /// end of every stage; 0: only at stage ends and on cancellation.
        pub checkpoint_every: usize = 50
            => "lstm_vae.checkpoint_every", unit "epochs", valid Valid::Int(Included(0), Included(10_000_000));
        /// The stage selected is the first whose active-channel count equals this. Paper 001:
        /// 3 (toy), 5 (BEPS).
        pub target_active: usize = 3
            => "lstm_vae.target_active", valid Valid::Int(Included(1), Included(4096));
    }
}

impl Validate for LstmVaeSettings {
    type Error = NnError;

    fn check_together(&self) -> Result<(), NnError> {
        if self.target_active > self.latent {
            return Err(NnError::Invalid(format!(
                "lstm_vae.target_active = {} exceeds lstm_vae.latent = {}",
                self.target_active, self.latent
            )));
        }
        if self.beta_step_rule == BetaStepRule::Fixed {
            let schedule = StagedSchedule {
                priming_epochs: self.priming_epochs,
                stage_epochs: self.stage_epochs,
                beta_step: self.beta_step,
                lambda_base: self.lambda_base,
            };
            let last_stage = schedule.stage_of(self.epochs - 1);
            check_lambda_growth(self.beta_step, last_stage, "lstm_vae.beta_step")?;
        }
        Ok(())
    }
}

/// Refuses a beta step whose last stage would raise lambda = lambda_base 10^beta beyond a
/// million-fold: the L1 term would swamp the loss (and overflow f32 soon after).
pub(super) fn check_lambda_growth(
    beta_step: f64,
    last_stage: usize,
    rule: &str,
) -> Result<(), NnError> {
    let beta = beta_step * last_stage as f64;
    if beta.is_finite() && beta <= MAX_FINAL_BETA {
        return Ok(());
    }
    Err(NnError::Invalid(format!(
        "{rule} gives beta = {beta:.3e} at the last stage ({last_stage}), so lambda = lambda_base 10^beta would grow {}-fold; at most beta = {MAX_FINAL_BETA} is allowed: lower lstm_vae.beta_step or the number of stages{}",
        if beta.is_finite() {
            format!("10^{beta:.1}")
        } else {
            "infinitely".into()
        },
        if rule.contains("auto60") {
            " (auto60 divides by the KL at the end of priming, which is tiny here: use beta_step_rule = \"fixed\")"
        } else {
            ""
        }
    )))
}

/// The largest beta of the last stage: lambda grows at most a million-fold.
const MAX_FINAL_BETA: f64 = 6.0;
