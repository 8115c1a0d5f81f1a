// ferrolab::Polycrystal: the film of examples/c/polycrystal_map.c (13 grains on 20 x 128
// cells) and maps identical to the C API's. Prints "polycrystal: all checks passed".
#include "check.hpp"

int main() {
    ferrolab::Config cfg;
    cfg.set("pf.grain_diameter_nm", 8.0);
    cfg.set("pf.cells_width", 128);
    cfg.set("pf.seed", 2024);
    ferrolab::Polycrystal film(cfg);
    // 8 nm grains on 10 nm x 64 nm: round(4 * 640 / (pi * 64)) = 13 grains.
    CHECK(film.grain_count() == 13);
    ferrolab::Polycrystal::Shape shape = film.shape();
    CHECK(shape.rows == 20 && shape.cols == 128);

    // The same maps as the C API's.
    ferrolab_polycrystal *raw = nullptr;
    CHECK(ferrolab_polycrystal_new(cfg.get(), &raw) == FERROLAB_OK);
    size_t n = 20 * 128;
    std::vector<int32_t> classes(n), grains(n);
    std::vector<double> orientation(n);
    CHECK(ferrolab_polycrystal_cells(raw, classes.data(), grains.data(), orientation.data(), 20, 128) == FERROLAB_OK);
    ferrolab::Polycrystal::Cells cells = film.cells();
    CHECK(cells.rows == 20 && cells.cols == 128);
    CHECK(cells.classes == classes && cells.grains == grains && same(cells.orientation_rad, orientation));
    bool has_boundary = false;
    for (int32_t c : cells.classes) {
        has_boundary |= c == 2;
    }
    CHECK(has_boundary);
    std::vector<double> grain_orientation(13), seeds(26);
    std::vector<int32_t> polar(13);
    CHECK(ferrolab_polycrystal_grains(raw, grain_orientation.data(), polar.data(), seeds.data(), 13) == FERROLAB_OK);
    ferrolab::Polycrystal::Grains g = film.grains();
    CHECK(same(g.orientation_rad, grain_orientation) && g.polar == polar && same(g.seeds_nm.data, seeds));
    CHECK(g.seeds_nm.rows == 13 && g.seeds_nm.cols == 2 && g.seeds_nm(0, 0) >= 0.0 && g.seeds_nm(0, 0) <= 10.0);
    CHECK(ferrolab_polycrystal_free(raw) == FERROLAB_OK);

    ferrolab::Progress p = film.progress_info();
    CHECK(p.done == 0 && p.total == 0 && std::isnan(p.last_loss));
    CHECK(film.last_error().empty());

    // Inconsistent keys: the error names them; a moved-from film throws.
    EXPECT_ERROR(cfg.set("pf.cells_width", 0), FERROLAB_ERR_OUT_OF_RANGE, "pf.cells_width");
    cfg.set("pf.gb_width_min_nm", 3.0);
    cfg.set("pf.gb_width_max_nm", 1.0);
    EXPECT_ERROR(ferrolab::Polycrystal bad(cfg), FERROLAB_ERR_OUT_OF_RANGE, "pf.gb_width");
    ferrolab::Polycrystal moved = std::move(film);
    CHECK(moved.grain_count() == 13);
    EXPECT_ERROR(film.grain_count(), FERROLAB_ERR_NULL_POINTER, "");
    ferrolab::Polycrystal defaults;
    CHECK(defaults.shape().rows == 20);
    return finish("polycrystal");
}
