//! The shapes of paper 001's LSTM beta-VAE (docs/models.md, "LSTM beta-VAE"): the paper-size
//! toy model and the two-channel BEPS variant of the paper's code.

/// Sizes and options of one LSTM beta-VAE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LstmVaeArchitecture {
    /// Encoder sequence length (toy 25; BEPS 192: both loops interleaved).
    pub steps: usize,
    /// Encoder channels per step (1).
    pub channels: usize,
    /// Decoder sequence length (toy 25; BEPS 96).
    pub output_steps: usize,
    /// Decoder channels per step (toy 1; BEPS 2: piezoresponse and resonance). A decoded row,
    /// flattened row-major, lines up with an encoder row: `steps * channels` values.
    pub output_channels: usize,
    /// LSTM units per direction (paper: 128).
    pub hidden: usize,
    /// Residual BiLSTM blocks on each side (paper: 3).
    pub blocks: usize,
    /// Width of the L1-penalised dense layers before and after the latent layer (16).
    pub embedding: usize,
    /// Latent channels (16).
    pub latent: usize,
    /// LayerNorm in the blocks and before the output, BatchNorm after the encoder's last
    /// BiLSTM (toy: yes; the BEPS variant of the paper's code has neither).
    pub normalisation: bool,
}

impl LstmVaeArchitecture {
    /// Paper 001's toy model: 25 steps of one channel, h = 128, 3 blocks, 16 + 16 latents,
    /// with normalisation (5.0 M parameters).
    pub fn toy() -> Self {
        Self {
            steps: 25,
            channels: 1,
            output_steps: 25,
            output_channels: 1,
            hidden: 128,
            blocks: 3,
            embedding: 16,
            latent: 16,
            normalisation: true,
        }
    }

    /// The BEPS variant: 96 steps of (piezoresponse, resonance) read as one 192-step channel,
    /// decoded to 96 steps of two channels, without normalisation layers.
    pub fn beps() -> Self {
        Self {
            steps: 192,
            output_steps: 96,
            output_channels: 2,
            normalisation: false,
            ..Self::toy()
        }
    }

    /// Values per data row.
    pub fn row_len(&self) -> usize {
        self.steps * self.channels
    }
}
