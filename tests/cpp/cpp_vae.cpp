// ferrolab::Vae: a short training equals the C API's (same seed, same weights, by decoding),
// history, encode, decode, grid, save and load, checkpoint, cancel, bad input. Prints
// "vae: all checks passed".
#include "check.hpp"

int main() {
    const size_t n = 64, d = 16;
    ferrolab::Matrix x(n, d);
    for (size_t i = 0; i < n; i++) {
        double ps = 0.1 + 0.2 * double(i % 7) / 6.0, vc = 0.5 + double(i % 5) / 4.0;
        for (size_t j = 0; j < d; j++) {
            double v = -3.0 + 6.0 * double(j) / double(d - 1);
            x(i, j) = ps * std::tanh((v - vc) / 0.4) + 0.01 * v;
        }
    }
    ferrolab::Config cfg;
    cfg.set("vae.hidden", std::vector<int64_t>{16});
    cfg.set("vae.epochs", 4);
    cfg.set("vae.batch_size", 16);
    cfg.set("vae.learning_rate", 3e-3);

    ferrolab::Vae vae(d, cfg);
    CHECK(vae.shape().input_dim == d && vae.shape().latent_dim == 2);
    EXPECT_ERROR(vae.encode(x), FERROLAB_ERR_INVALID_ARGUMENT, "");
    vae.set_checkpoint(std::string("cpp_vae.ckpt"));
    vae.set_checkpoint(std::nullopt);
    CHECK(vae.train(x) == 4);
    CHECK(vae.progress() == std::make_pair(size_t{4}, size_t{4}));
    ferrolab::Matrix history = vae.history();
    CHECK(history.rows == 4 && history.cols == 3 && history(3, 0) > 0.0);
    ferrolab::Progress p = vae.progress_info();
    CHECK(p.done == 4 && p.total == 4 && p.stage == 0 && p.last_loss > 0.0);

    // The C API with the same settings gives the same model.
    ferrolab_vae *raw = nullptr;
    CHECK(ferrolab_vae_new(cfg.get(), d, &raw) == FERROLAB_OK);
    std::vector<double> loss(12);
    size_t epochs = 0;
    CHECK(ferrolab_vae_train(raw, x.data.data(), n, d, loss.data(), 4, &epochs) == FERROLAB_OK && epochs == 4);
    CHECK(same(history.data, loss));
    std::vector<double> z_mean(n * 2), z_log_var(n * 2), decoded(3 * d);
    CHECK(ferrolab_vae_encode(raw, x.data.data(), n, d, z_mean.data(), z_log_var.data(), 2) == FERROLAB_OK);
    ferrolab::Vae::Encoding e = vae.encode(x);
    CHECK(same(e.z_mean.data, z_mean) && same(e.z_log_var.data, z_log_var));
    ferrolab::Matrix z(3, 2, {0.0, 0.0, 1.0, -1.0, -0.5, 0.5});
    CHECK(ferrolab_vae_decode(raw, z.data.data(), 3, 2, decoded.data(), d) == FERROLAB_OK);
    ferrolab::Matrix dec = vae.decode(z);
    CHECK(dec.rows == 3 && dec.cols == d && same(dec.data, decoded));
    CHECK(ferrolab_vae_free(raw) == FERROLAB_OK);

    ferrolab::Vae::Grid grid = vae.decode_grid(-2.0, 2.0, 3);
    CHECK(grid.z.rows == 9 && grid.x.rows == 9 && grid.x.cols == d);
    CHECK(grid.z(0, 0) == -2.0 && grid.z(0, 1) == -2.0 && grid.z(1, 1) == 0.0 && grid.z(8, 0) == 2.0);
    EXPECT_ERROR(vae.decode_grid(-2.0, 2.0, 1), FERROLAB_ERR_INVALID_ARGUMENT, "");

    // Save and load: identical decoding and history.
    vae.save("cpp_vae.safetensors");
    ferrolab::Vae loaded = ferrolab::Vae::load("cpp_vae.safetensors");
    CHECK(same(loaded.decode(z).data, decoded) && same(loaded.history().data, history.data));
    EXPECT_ERROR(ferrolab::Vae::load("missing.safetensors"), FERROLAB_ERR_IO, "missing.safetensors");

    // Cancelling before a run is allowed; other data than before is refused.
    vae.request_cancel();
    EXPECT_ERROR(vae.decode(ferrolab::Matrix(1, 3)), FERROLAB_ERR_INVALID_ARGUMENT, "");
    EXPECT_ERROR(ferrolab::Vae(0, cfg), FERROLAB_ERR_INVALID_ARGUMENT, "input_dim");
    EXPECT_ERROR(vae.train(ferrolab::Matrix(4, d)), FERROLAB_ERR_INVALID_ARGUMENT, "");
    CHECK(!vae.last_error().empty());
    ferrolab::Vae moved = std::move(vae);
    EXPECT_ERROR(vae.shape(), FERROLAB_ERR_NULL_POINTER, "");
    CHECK(moved.shape().input_dim == d);
    return finish("vae");
}
