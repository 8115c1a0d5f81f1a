// ferrolab::Config and the process-wide functions: every setter overload (literal ints and
// doubles included), round trips, errors with status and message, moves. Prints
// "config: all checks passed".
#include <cstdint>

#include "check.hpp"

int main() {
    CHECK(ferrolab::version() == ferrolab_version_string());
    CHECK(ferrolab::abi_version() == FERROLAB_ABI_VERSION);
    CHECK(ferrolab::status_str(FERROLAB_ERR_UNKNOWN_KEY) == ferrolab_status_str(FERROLAB_ERR_UNKNOWN_KEY));
    ferrolab::set_num_threads(2);
    CHECK(ferrolab::num_threads() == 2);
    uint64_t budget = ferrolab::max_alloc_bytes();
    ferrolab::set_max_alloc_bytes(1 << 30);
    CHECK(ferrolab::max_alloc_bytes() == (uint64_t{1} << 30));
    ferrolab::set_max_alloc_bytes(0);
    CHECK(ferrolab::max_alloc_bytes() == budget);

    ferrolab::Config cfg;
    // Literals of every arithmetic type pick the right setter.
    cfg.set("pf.seed", 7);
    CHECK(cfg.get_i64("pf.seed") == 7);
    cfg.set("pf.seed", 8L);
    cfg.set("pf.seed", 9LL);
    cfg.set("pf.seed", 10u);
    cfg.set("pf.seed", static_cast<short>(11));
    CHECK(cfg.get_i64("pf.seed") == 11);
    cfg.set("pf.seed", 0);
    CHECK(cfg.get_i64("pf.seed") == 0);
    cfg.set("pf.grain_diameter_nm", 10.0);
    CHECK(cfg.get_f64("pf.grain_diameter_nm") == 10.0);
    cfg.set("pf.grain_diameter_nm", 12.5f);
    CHECK(cfg.get_f64("pf.grain_diameter_nm") == 12.5);
    cfg.set("gp.normalize_y", true);
    CHECK(cfg.get_i64("gp.normalize_y") == 1);
    cfg.set("gp.normalize_y", false);
    CHECK(cfg.get_i64("gp.normalize_y") == 0);
    cfg.set("nmf.init", "random");
    CHECK(cfg.get_str("nmf.init") == "random");
    cfg.set("nmf.init", std::string("nndsvda"));
    CHECK(cfg.get_str("nmf.init") == "nndsvda");
    cfg.set("vae.hidden", std::vector<int64_t>{64, 32});
    CHECK(cfg.get_i64_array("vae.hidden") == (std::vector<int64_t>{64, 32}));
    cfg.set("vae.hidden", std::vector<int>{16});
    CHECK(cfg.get_i64_array("vae.hidden") == std::vector<int64_t>{16});

    // Errors carry the status and the thread's message, which names the key.
    EXPECT_ERROR(cfg.set("pf.nope", 1.0), FERROLAB_ERR_UNKNOWN_KEY, "pf.nope");
    EXPECT_ERROR(cfg.set("pf.seed", 1.5), FERROLAB_ERR_WRONG_TYPE, "pf.seed");
    EXPECT_ERROR(cfg.set("pf.seed", -3), FERROLAB_ERR_OUT_OF_RANGE, "pf.seed");
    EXPECT_ERROR(cfg.set("pf.grain_diameter_nm", -1.0), FERROLAB_ERR_OUT_OF_RANGE, "pf.grain_diameter_nm");
    EXPECT_ERROR(cfg.set("pf.seed", UINT64_MAX), FERROLAB_ERR_INVALID_ARGUMENT, "does not fit in int64_t");
    EXPECT_ERROR(cfg.get_str("pf.seed"), FERROLAB_ERR_WRONG_TYPE, "pf.seed");
    CHECK(cfg.last_error().find("pf.seed") != std::string::npos);
    CHECK(ferrolab::last_error().find("pf.seed") != std::string::npos);
    try {
        cfg.set("pf.nope", 1);
    } catch (const std::runtime_error &e) { // Error is a std::runtime_error
        CHECK(std::string(e.what()) == ferrolab::last_error());
    }

    // Round trips and defaults.
    cfg.reset("pf.grain_diameter_nm");
    CHECK(cfg.get_f64("pf.grain_diameter_nm") == 16.2);
    cfg.reset("vae.hidden");
    CHECK(cfg.get_i64_array("vae.hidden") == std::vector<int64_t>{256});
    ferrolab::Progress p = cfg.progress_info();
    CHECK(p.done == 0 && p.total == 0 && p.stage == 0 && std::isnan(p.last_loss));

    // Keys: count, names in order, long descriptions read in full.
    std::vector<std::string> keys = ferrolab::Config::keys();
    CHECK(keys.size() == ferrolab::Config::key_count() && keys.size() > 20);
    CHECK(ferrolab::Config::key_name(0) == keys[0]);
    EXPECT_ERROR(ferrolab::Config::key_name(keys.size()), FERROLAB_ERR_INVALID_ARGUMENT, "");
    std::string description = ferrolab::Config::describe("pf.grain_diameter_nm");
    CHECK(description.size() > 64 && description.find("default 16.2") != std::string::npos);

    // A list of reals round trips through every key of that type.
    for (const std::string &key : keys) {
        if (ferrolab::Config::describe(key).find("list of reals") != std::string::npos) {
            std::vector<double> before = cfg.get_f64_array(key);
            cfg.set(key, before);
            CHECK(cfg.get_f64_array(key) == before);
        }
    }

    // Moves transfer the handle once; a moved-from object throws on use.
    cfg.set("pf.grain_diameter_nm", 64.0);
    ferrolab::Config moved = std::move(cfg);
    CHECK(cfg.get() == nullptr);
    CHECK(moved.get_f64("pf.grain_diameter_nm") == 64.0);
    EXPECT_ERROR(cfg.get_f64("pf.grain_diameter_nm"), FERROLAB_ERR_NULL_POINTER, "");
    ferrolab::Config other;
    other = std::move(moved);
    CHECK(other.get_f64("pf.grain_diameter_nm") == 64.0);
    return finish("config");
}
