// ferrolab::Rvae: a short training equals the C API's (same settings, same history and
// encodings), encode, decode at the encoded and at zero pose, save and load, bad input. Prints
// "rvae: all checks passed".
#include "check.hpp"

int main() {
    const size_t n = 12, side = 6, pixels = side * side, k = 2;
    ferrolab::Matrix x(n, pixels);
    for (size_t i = 0; i < n; i++) {
        double t = 0.5 * double(i), bx = 0.5 * std::cos(t), by = 0.5 * std::sin(t);
        for (size_t p = 0; p < pixels; p++) {
            double px = -1.0 + 2.0 * double(p % side) / double(side - 1);
            double py = 1.0 - 2.0 * double(p / side) / double(side - 1);
            x(i, p) = std::exp(-((px - bx) * (px - bx) + (py - by) * (py - by)) / 0.18);
        }
    }
    ferrolab::Config cfg;
    cfg.set("rvae.filters", 2);
    cfg.set("rvae.hidden", 8);
    cfg.set("rvae.epochs", 2);
    cfg.set("rvae.batch_size", 4);
    cfg.set("rvae.learning_rate", 1e-2);
    cfg.set("rvae.test_fraction", 0.25);

    ferrolab::Rvae rvae(side, side, cfg);
    ferrolab::Rvae::Shape shape = rvae.shape();
    CHECK(shape.height == side && shape.width == side && shape.content_latents == k && shape.epochs_done == 0 &&
          shape.parameter_count > 0);
    rvae.set_checkpoint(std::string("cpp_rvae.ckpt"));
    rvae.set_checkpoint(std::nullopt);
    CHECK(rvae.train(x) == 2);
    CHECK(rvae.progress() == std::make_pair(size_t{2}, size_t{2}));
    ferrolab::Matrix history = rvae.history();
    CHECK(history.rows == 2 && history.cols == FERROLAB_RVAE_HISTORY_FIELDS && history(1, 0) == 2.0 &&
          std::isfinite(history(1, 4)));
    ferrolab::Progress p = rvae.progress_info();
    CHECK(p.done == 2 && p.total == 2 && p.stage == 0 && p.last_loss == history(1, 1));

    // The C API with the same settings gives the same model.
    ferrolab_rvae *raw = nullptr;
    CHECK(ferrolab_rvae_new(cfg.get(), side, side, &raw) == FERROLAB_OK);
    size_t epochs = 0;
    CHECK(ferrolab_rvae_train(raw, x.data.data(), n, pixels, &epochs) == FERROLAB_OK && epochs == 2);
    std::vector<double> h(2 * FERROLAB_RVAE_HISTORY_FIELDS);
    CHECK(ferrolab_rvae_history(raw, h.data(), 2, &epochs) == FERROLAB_OK && epochs == 2);
    CHECK(same(history.data, h));
    std::vector<double> angle(n), angle_sd(n), offsets(n * 2), offsets_sd(n * 2), content(n * k), content_sd(n * k);
    CHECK(ferrolab_rvae_encode(raw, x.data.data(), n, pixels, angle.data(), angle_sd.data(), offsets.data(),
                               offsets_sd.data(), content.data(), content_sd.data(), k) == FERROLAB_OK);
    ferrolab::Rvae::Encoding e = rvae.encode(x);
    CHECK(same(e.angle, angle) && same(e.angle_sd, angle_sd) && same(e.offsets.data, offsets) &&
          same(e.offsets_sd.data, offsets_sd) && same(e.content.data, content) && same(e.content_sd.data, content_sd));
    std::vector<double> decoded(n * pixels), upright(n * pixels);
    CHECK(ferrolab_rvae_decode(raw, angle.data(), offsets.data(), content.data(), n, k, decoded.data(), pixels) ==
          FERROLAB_OK);
    CHECK(ferrolab_rvae_decode(raw, nullptr, nullptr, content.data(), n, k, upright.data(), pixels) == FERROLAB_OK);
    CHECK(same(rvae.decode(e.angle, e.offsets, e.content).data, decoded));
    CHECK(same(rvae.decode_upright(e.content).data, upright));
    CHECK(same(rvae.decode(std::vector<double>(n), ferrolab::Matrix(n, 2), e.content).data, upright));
    CHECK(ferrolab_rvae_free(raw) == FERROLAB_OK);

    // Save and load: identical encoding and history.
    rvae.save("cpp_rvae.safetensors");
    ferrolab::Rvae loaded = ferrolab::Rvae::load("cpp_rvae.safetensors");
    CHECK(same(loaded.encode(x).angle, angle) && same(loaded.encode(x).content.data, content) &&
          same(loaded.history().data, history.data));
    EXPECT_ERROR(ferrolab::Rvae::load("missing.safetensors"), FERROLAB_ERR_IO, "missing.safetensors");

    // Bad input: refused by the wrapper or by C, with the status and the argument named.
    rvae.request_cancel(); // allowed before a run
    EXPECT_ERROR(ferrolab::Rvae(1, side, cfg), FERROLAB_ERR_INVALID_ARGUMENT, "at least 2 x 2");
    EXPECT_ERROR(rvae.encode(ferrolab::Matrix(2, pixels + 1)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "ferrolab::Rvae::encode: images has 37 columns");
    EXPECT_ERROR(rvae.decode_upright(ferrolab::Matrix(1, 3)), FERROLAB_ERR_INVALID_ARGUMENT, "content_latents = 3");
    EXPECT_ERROR(rvae.decode(std::vector<double>(2), ferrolab::Matrix(1, 2), ferrolab::Matrix(1, k)),
                 FERROLAB_ERR_INVALID_ARGUMENT, "ferrolab::Rvae::decode: angle has 2 values");
    EXPECT_ERROR(rvae.train(ferrolab::Matrix(4, pixels)), FERROLAB_ERR_INVALID_ARGUMENT, "images differ");
    ferrolab::Matrix broken(2, pixels);
    broken.data.pop_back();
    EXPECT_ERROR(rvae.train(broken), FERROLAB_ERR_INVALID_ARGUMENT, "ferrolab::Rvae::train: images");
    EXPECT_ERROR(rvae.set_checkpoint(std::string("no_such_dir/x.ckpt")), FERROLAB_ERR_IO, "no_such_dir");
    CHECK(rvae.last_error().find("no_such_dir") != std::string::npos);
    ferrolab::Rvae moved = std::move(rvae);
    EXPECT_ERROR(rvae.shape(), FERROLAB_ERR_NULL_POINTER, "argument rvae");
    CHECK(moved.shape().height == side);
    return finish("rvae");
}
