// ferrolab::Design: arguments checked, no result before a run, a run that is busy for a second
// caller and cancelled (the full pipeline takes too long for this test; tests/c/design.c runs
// it). Prints "design: all checks passed".
#include <thread>

#include "check.hpp"

int main() {
    ferrolab::Config cfg;
    cfg.set("design.samples", 40);
    cfg.set("pf.cells_width", 32);
    cfg.set("pf.points", 40);
    cfg.set("pf.hold_steps", 200);  // loops of ~40 ms, so the cancel lands while stage 0 runs
    EXPECT_ERROR(ferrolab::Design(cfg, "cpp_design", std::string("x.json"), true), FERROLAB_ERR_INVALID_ARGUMENT,
                 "full = 1");
    ferrolab::Design design(cfg, "cpp_design");
    EXPECT_ERROR(design.result(), FERROLAB_ERR_INVALID_ARGUMENT, "no design");
    CHECK(design.last_error().find("no design") != std::string::npos);
    ferrolab::Design::Stage stage = design.progress();
    CHECK(stage.stage == 0 && stage.done == 0);

    int32_t run_status = FERROLAB_OK;
    std::thread worker([&] {
        try {
            design.run();
        } catch (const ferrolab::Error &e) {
            run_status = e.status();
        }
    });
    for (int tries = 0; tries < 20000; tries++) {
        stage = design.progress();
        if (stage.stage > 0 || stage.done >= 2) {
            EXPECT_ERROR(design.run(), FERROLAB_ERR_BUSY, "");
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    design.request_cancel();
    worker.join();
    CHECK(run_status == FERROLAB_ERR_CANCELLED);
    ferrolab::Progress p = design.progress_info();
    CHECK(p.stage == 0 && p.done >= 2 && p.total == 40);

    // A missing dataset is named when the run reads it.
    ferrolab::Design missing(cfg, "cpp_design2", std::string("no_such_dataset.json"));
    EXPECT_ERROR(missing.run(), FERROLAB_ERR_IO, "no_such_dataset");
    ferrolab::Design moved = std::move(missing);
    EXPECT_ERROR(missing.progress(), FERROLAB_ERR_NULL_POINTER, "");
    CHECK(moved.last_error().find("no_such_dataset") != std::string::npos);
    return finish("design");
}
