// ferrolab::LstmVae: a short staged training equals the C API's (same settings, same history,
// stages and encodings), the selection warning and a selected stage, the stage folder, encode,
// decode, reconstruct, residuals, save and load, bad input. Prints "lstm_vae: all checks passed".
#include "check.hpp"

int main() {
    const size_t n = 16, steps = 6, latent = 2, emb = 3;
    ferrolab::Matrix x(n, steps);
    for (size_t i = 0; i < n; i++) {
        double height = 0.5 + double(i % 5) / 4.0, centre = 1.0 + double(i % 4);
        for (size_t t = 0; t < steps; t++) {
            double u = (double(t) - centre) / 1.5;
            x(i, t) = height * std::exp(-u * u) + 0.02 * std::sin(double(i + t));
        }
    }
    ferrolab::Config cfg;
    cfg.set("lstm_vae.hidden", 4);
    cfg.set("lstm_vae.blocks", 1);
    cfg.set("lstm_vae.latent", int64_t(latent));
    cfg.set("lstm_vae.embedding", int64_t(emb));
    cfg.set("lstm_vae.epochs", 6);
    cfg.set("lstm_vae.priming_epochs", 2);
    cfg.set("lstm_vae.stage_epochs", 2);
    cfg.set("lstm_vae.batch_size", 8);
    cfg.set("lstm_vae.target_active", 1);
    cfg.set("lstm_vae.learning_rate", 3e-3);
    cfg.set("lstm_vae.active_threshold", 1e6); // no channel is ever active: no selection

    ferrolab::LstmVae vae(steps, cfg);
    ferrolab::LstmVae::Shape shape = vae.shape();
    CHECK(shape.row_len == steps && shape.latent == latent && shape.embedding == emb && shape.epochs_done == 0 &&
          shape.parameter_count > 0);
    vae.set_checkpoint(std::string("cpp_lstm_vae.ckpt"));
    vae.set_checkpoint(std::nullopt);
    vae.set_stage_dir(std::string("."));
    ferrolab::LstmVae::TrainResult trained = vae.train(x);
    CHECK(trained.epochs == 6 && trained.warning.find("active channels per stage") != std::string::npos);
    CHECK(vae.selected_stage() == -1);
    CHECK(vae.progress() == std::make_pair(size_t{6}, size_t{6}));
    ferrolab::Matrix history = vae.history();
    CHECK(history.rows == 6 && history.cols == FERROLAB_LSTM_VAE_HISTORY_FIELDS && history(5, 0) == 6.0);
    ferrolab::LstmVae::Stages stages = vae.stages();
    CHECK(stages.records.rows == 3 && stages.records.cols == FERROLAB_LSTM_VAE_STAGE_FIELDS &&
          stages.channel_kl.rows == 3 && stages.channel_kl.cols == latent && stages.records(2, 0) == 2.0);
    ferrolab::Progress p = vae.progress_info();
    CHECK(p.done == 6 && p.total == 6 && p.stage == 0 && p.last_loss == history(5, 3));

    // The C API with the same settings gives the same model.
    ferrolab_lstm_vae *raw = nullptr;
    CHECK(ferrolab_lstm_vae_new(cfg.get(), steps, &raw) == FERROLAB_OK);
    size_t epochs = 0;
    CHECK(ferrolab_lstm_vae_train(raw, x.data.data(), n, steps, &epochs) == FERROLAB_WARN_NO_SELECTION);
    std::vector<double> h(6 * FERROLAB_LSTM_VAE_HISTORY_FIELDS), records(3 * FERROLAB_LSTM_VAE_STAGE_FIELDS),
        kl(3 * latent);
    size_t count = 0;
    CHECK(ferrolab_lstm_vae_history(raw, h.data(), 6, &epochs) == FERROLAB_OK && epochs == 6);
    CHECK(ferrolab_lstm_vae_stages(raw, records.data(), kl.data(), 3, latent, &count) == FERROLAB_OK && count == 3);
    CHECK(same(history.data, h) && same(stages.records.data, records) && same(stages.channel_kl.data, kl));
    std::vector<double> mu(n * latent), log_var(n * latent), z(n * latent), embedding(n * emb);
    CHECK(ferrolab_lstm_vae_encode(raw, x.data.data(), n, steps, mu.data(), log_var.data(), z.data(),
                                   embedding.data(), latent, emb) == FERROLAB_OK);
    ferrolab::LstmVae::Encoding e = vae.encode(x);
    CHECK(same(e.mu.data, mu) && same(e.log_var.data, log_var) && same(e.z.data, z) &&
          same(e.embedding.data, embedding));
    std::vector<double> decoded(n * steps);
    CHECK(ferrolab_lstm_vae_decode(raw, mu.data(), n, latent, decoded.data(), steps) == FERROLAB_OK);
    ferrolab::Matrix recon = vae.reconstruct(x);
    CHECK(same(vae.decode(e.mu).data, decoded) && same(recon.data, decoded));
    ferrolab::Matrix res = vae.residuals(x);
    CHECK(res.rows == n && res.cols == steps && std::isfinite(res(3, 2)));
    CHECK(ferrolab_lstm_vae_free(raw) == FERROLAB_OK);

    // Save and load: identical encoding, history and stages; the stage folder's models load.
    vae.save("cpp_lstm_vae.safetensors");
    ferrolab::LstmVae loaded = ferrolab::LstmVae::load("cpp_lstm_vae.safetensors");
    CHECK(same(loaded.encode(x).mu.data, mu) && same(loaded.history().data, history.data) &&
          same(loaded.stages().records.data, records));
    CHECK(ferrolab::LstmVae::load("stage-001.safetensors").stages().records.rows == 2);
    EXPECT_ERROR(ferrolab::LstmVae::load("missing.safetensors"), FERROLAB_ERR_IO, "missing.safetensors");

    // Every channel active above a threshold of 1e-12 with the target at both: stage 1 selected.
    cfg.set("lstm_vae.active_threshold", 1e-12);
    cfg.set("lstm_vae.target_active", int64_t(latent));
    ferrolab::LstmVae selecting(steps, cfg);
    CHECK(selecting.train(x).warning.empty() && selecting.selected_stage() == 1);

    // Bad input: refused by the wrapper or by C, with the status and the argument named.
    vae.request_cancel(); // allowed before a run
    EXPECT_ERROR(ferrolab::LstmVae(0, cfg), FERROLAB_ERR_INVALID_ARGUMENT, "row_len = 0");
    EXPECT_ERROR(vae.encode(ferrolab::Matrix(2, steps + 1)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "ferrolab::LstmVae::encode: x has 7 columns");
    EXPECT_ERROR(vae.decode(ferrolab::Matrix(1, 3)), FERROLAB_ERR_INVALID_ARGUMENT, "latent = 3");
    EXPECT_ERROR(vae.reconstruct(ferrolab::Matrix(1, 2)), FERROLAB_ERR_INVALID_ARGUMENT, "cols = 2");
    EXPECT_ERROR(vae.train(ferrolab::Matrix(4, steps)), FERROLAB_ERR_INVALID_ARGUMENT, "differ from the data");
    ferrolab::Matrix broken(2, steps);
    broken.data.pop_back();
    EXPECT_ERROR(vae.residuals(broken), FERROLAB_ERR_INVALID_ARGUMENT, "ferrolab::LstmVae::residuals: x");
    EXPECT_ERROR(vae.set_stage_dir(std::string("no_such_dir")), FERROLAB_ERR_IO, "no_such_dir");
    CHECK(vae.last_error().find("no_such_dir") != std::string::npos);
    ferrolab::LstmVae moved = std::move(vae);
    EXPECT_ERROR(vae.shape(), FERROLAB_ERR_NULL_POINTER, "argument lstm_vae");
    CHECK(moved.shape().row_len == steps);
    return finish("lstm_vae");
}
