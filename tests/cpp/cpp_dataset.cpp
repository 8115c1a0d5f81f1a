// ferrolab::Dataset: a small sweep read back, with the same arrays as the C API's, and the
// errors of missing files. Prints "dataset: all checks passed".
#include "check.hpp"

int main() {
    ferrolab::Config cfg;
    cfg.set("sweep.levels", 2);
    cfg.set("pf.cells_width", 16);
    cfg.set("pf.points", 20);
    cfg.set("pf.hold_steps", 5);
    ferrolab::Sweep(cfg, "cpp_data").run();

    ferrolab::Dataset data("cpp_data.json");
    ferrolab::Dataset::Shape shape = data.shape();
    CHECK(shape.n_structures == 16 && shape.n_points == 20);
    ferrolab::Dataset::Loops loops = data.loops();
    CHECK(loops.voltage.size() == 20 && loops.voltage[0] == -4.0);
    CHECK(loops.polarization.rows == 16 && loops.polarization.cols == 20);
    ferrolab::Dataset::Structures s = data.structures();
    CHECK(s.parameters(0, 0) == 5.0 && s.parameters(15, 0) == 25.0 && s.index[15] == 15);

    ferrolab_dataset *raw = nullptr;
    CHECK(ferrolab_dataset_open("cpp_data.npz", &raw) == FERROLAB_OK);
    std::vector<double> v(20), p(16 * 20), params(16 * 4), features(16 * FERROLAB_LOOP_FEATURE_COUNT);
    std::vector<int32_t> status(16);
    std::vector<uint64_t> seed(16), index(16);
    CHECK(ferrolab_dataset_loops(raw, v.data(), p.data(), 16, 20) == FERROLAB_OK);
    CHECK(ferrolab_dataset_structures(raw, params.data(), features.data(), status.data(), seed.data(), index.data(),
                                      16) == FERROLAB_OK);
    CHECK(same(loops.voltage, v) && same(loops.polarization.data, p));
    CHECK(same(s.parameters.data, params) && same(s.features.data, features));
    CHECK(s.status == status && s.seed == seed && s.index == index);
    CHECK(ferrolab_dataset_free(raw) == FERROLAB_OK);
    for (size_t k = 0; k < 16; k++) {
        CHECK(s.status[k] != 0 || std::fabs(loops.polarization(k, 10)) < 1.0);
    }

    ferrolab::Progress pr = data.progress_info();
    CHECK(pr.done == 0 && pr.total == 0 && std::isnan(pr.last_loss));
    CHECK(data.last_error().empty());
    EXPECT_ERROR(ferrolab::Dataset("no_such_data.json"), FERROLAB_ERR_IO, "no_such_data");
    ferrolab::Dataset moved = std::move(data);
    EXPECT_ERROR(data.shape(), FERROLAB_ERR_NULL_POINTER, "");
    CHECK(moved.shape().n_points == 20);
    return finish("dataset");
}
