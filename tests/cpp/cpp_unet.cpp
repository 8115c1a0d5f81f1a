// ferrolab::Unet: a short training equals the C API's (same settings, same loss history,
// probabilities, classes and atoms), save and load, bad input. Prints "unet: all checks passed".
#include "check.hpp"

#include <cstdint>

static bool same_floats(const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

int main() {
    // 8 crops of 16 x 16: a bright 4 x 5 block (class 1) at a place of its own on a dim ramp.
    const size_t n = 8, side = 16, pixels = side * side;
    ferrolab::Matrix x(n, pixels);
    std::vector<uint8_t> masks(n * pixels, 0);
    for (size_t k = 0; k < n; k++) {
        for (size_t p = 0; p < pixels; p++) {
            size_t r = p / side, c = p % side;
            bool on = r >= 2 + k && r < 6 + k && c + k / 2 >= 9 && c + k / 2 < 14;
            x(k, p) = 0.1 + 0.01 * double(c) + (on ? 0.8 : 0.0);
            masks[k * pixels + p] = on ? 1 : 0;
        }
    }
    ferrolab::Config cfg;
    cfg.set("unet.classes", 2);
    cfg.set("unet.filters", 2);
    cfg.set("unet.epochs", 3);
    cfg.set("unet.batch_size", 4);
    cfg.set("unet.learning_rate", 1e-2);
    cfg.set("unet.test_fraction", 0.25);
    cfg.set("unet.atom_threshold", 0.3);

    ferrolab::Unet unet(cfg);
    ferrolab::Unet::Shape shape = unet.shape();
    CHECK(shape.classes == 2 && shape.filters == 2 && shape.crop_height == 0 && shape.crop_width == 0 &&
          shape.epochs_done == 0 && shape.parameter_count > 0);
    unet.set_checkpoint(std::string("cpp_unet.ckpt"));
    unet.set_checkpoint(std::nullopt);
    std::vector<double> history = unet.train(x, masks, side, side);
    CHECK(history.size() == 3 && std::isfinite(history[2]));
    shape = unet.shape();
    CHECK(shape.crop_height == side && shape.crop_width == side && shape.epochs_done == 3);
    ferrolab::Progress p = unet.progress_info();
    CHECK(p.done == 3 && p.total == 3 && p.stage == 0 && p.last_loss == history[2]);

    // The C API with the same settings gives the same model, on a 13 x 20 frame.
    ferrolab::Matrix frame(13, 20);
    for (size_t i = 0; i < 13; i++)
        for (size_t j = 0; j < 20; j++) frame(i, j) = x(1 + j / side, (i * side + j % side) % pixels);
    ferrolab_unet *raw = nullptr;
    CHECK(ferrolab_unet_new(cfg.get(), &raw) == FERROLAB_OK);
    std::vector<double> h(3);
    size_t epochs = 0;
    CHECK(ferrolab_unet_train(raw, x.data.data(), masks.data(), n, side, side, h.data(), 3, &epochs) == FERROLAB_OK &&
          epochs == 3);
    CHECK(same(history, h));
    std::vector<float> proba(2 * 13 * 20);
    CHECK(ferrolab_unet_probabilities(raw, frame.data.data(), 13, 20, proba.data(), 2) == FERROLAB_OK);
    ferrolab::Unet::ClassMaps maps = unet.probabilities(frame);
    CHECK(maps.classes == 2 && maps.height == 13 && maps.width == 20 && same_floats(maps.data, proba));
    CHECK(std::fabs(maps(0, 4, 7) + maps(1, 4, 7) - 1.0f) < 1e-5f && maps(1, 4, 7) == proba[13 * 20 + 4 * 20 + 7]);
    std::vector<uint8_t> classes(13 * 20);
    CHECK(ferrolab_unet_segment(raw, frame.data.data(), 13, 20, classes.data()) == FERROLAB_OK);
    CHECK(unet.segment(frame) == classes);
    size_t count = 0;
    CHECK(ferrolab_unet_find_atoms(raw, frame.data.data(), 13, 20, nullptr, 0, &count) >= FERROLAB_OK);
    std::vector<double> atoms(count * FERROLAB_UNET_ATOM_FIELDS);
    CHECK(ferrolab_unet_find_atoms(raw, frame.data.data(), 13, 20, atoms.data(), count, &count) == FERROLAB_OK);
    ferrolab::Matrix found = unet.find_atoms(frame);
    CHECK(found.rows == count && found.cols == FERROLAB_UNET_ATOM_FIELDS && same(found.data, atoms));
    std::cout << "unet: " << count << " atoms in the frame\n";
    CHECK(ferrolab_unet_free(raw) == FERROLAB_OK);

    // Save and load: identical probabilities and shape.
    unet.save("cpp_unet.safetensors");
    ferrolab::Unet loaded = ferrolab::Unet::load("cpp_unet.safetensors");
    CHECK(same_floats(loaded.probabilities(frame).data, proba) && loaded.shape().crop_width == side);
    EXPECT_ERROR(ferrolab::Unet::load("missing.safetensors"), FERROLAB_ERR_IO, "missing.safetensors");

    // Bad input: refused by the wrapper or by C, with the status and the argument named.
    unet.request_cancel(); // allowed before a run
    EXPECT_ERROR(unet.train(ferrolab::Matrix(2, 12 * 16), std::vector<uint8_t>(2 * 12 * 16), 12, 16),
                 FERROLAB_ERR_INVALID_ARGUMENT, "ferrolab::Unet::train: crops of 12 x 16 pixels");
    EXPECT_ERROR(unet.train(x, std::vector<uint8_t>(pixels), side, side), FERROLAB_ERR_INVALID_ARGUMENT,
                 "ferrolab::Unet::train: masks has 256 values");
    EXPECT_ERROR(unet.train(x, masks, 16, 8), FERROLAB_ERR_INVALID_ARGUMENT,
                 "ferrolab::Unet::train: images: 8 x 256 given, want 8 x 128");
    std::vector<uint8_t> bad = masks;
    bad[5] = 2;
    EXPECT_ERROR(unet.train(x, bad, side, side), FERROLAB_ERR_INVALID_ARGUMENT, "unet.classes = 2");
    CHECK(unet.last_error().find("unet.classes") != std::string::npos);
    EXPECT_ERROR(unet.segment(ferrolab::Matrix(0, 5)), FERROLAB_ERR_INVALID_ARGUMENT, "is empty");
    EXPECT_ERROR(unet.set_checkpoint(std::string("no_such_dir/x.ckpt")), FERROLAB_ERR_IO, "no_such_dir");
    ferrolab::Unet moved = std::move(unet);
    EXPECT_ERROR(unet.shape(), FERROLAB_ERR_NULL_POINTER, "unet");
    CHECK(moved.shape().crop_height == side);
    return finish("unet");
}
