// ferrolab::Sweep: a 2^4-structure grid of small films runs, reports progress, refuses a
// second run of the same path while running, and cancels. Prints "sweep: all checks passed".
#include <thread>

#include "check.hpp"

int main() {
    ferrolab::Config cfg;
    cfg.set("sweep.levels", 2);
    cfg.set("pf.cells_width", 16);
    cfg.set("pf.points", 20);
    cfg.set("pf.hold_steps", 5);
    EXPECT_ERROR(ferrolab::Sweep(cfg, "cpp_sweep", 2, 2), FERROLAB_ERR_INVALID_ARGUMENT, "shard");
    ferrolab::Sweep sweep(cfg, "cpp_sweep");
    CHECK(sweep.progress().second == 0);

    // While it runs, a twin on the same path is busy; then run to the end.
    std::thread worker([&] { sweep.run(); });
    ferrolab::Sweep twin(cfg, "cpp_sweep");
    bool busy_seen = false;
    for (int tries = 0; tries < 2000 && !busy_seen; tries++) {
        // A finished structure means the worker's run holds the lock (the total is known from
        // the start, so it would let the twin win the race and the worker throw BUSY).
        if (sweep.progress().first > 0) {
            try {
                twin.run(); // the run may also have finished already
                break;
            } catch (const ferrolab::Error &e) {
                busy_seen = e.status() == FERROLAB_ERR_BUSY &&
                            std::string(e.what()).find("in use") != std::string::npos;
                CHECK(busy_seen);
                CHECK(twin.last_error() == e.what());
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    worker.join();
    CHECK(sweep.progress() == std::make_pair(size_t{16}, size_t{16}));
    ferrolab::Progress p = sweep.progress_info();
    CHECK(p.done == 16 && p.total == 16 && p.stage == 0 && std::isnan(p.last_loss));
    CHECK(ferrolab::Dataset("cpp_sweep.json").shape().n_structures == 16);

    // A cancelled run throws CANCELLED (or finishes first) and a later run completes.
    ferrolab::Sweep other(cfg, "cpp_sweep2");
    std::thread canceller([&] {
        while (other.progress().first == 0) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
        other.request_cancel();
    });
    try {
        other.run();
    } catch (const ferrolab::Error &e) {
        CHECK(e.status() == FERROLAB_ERR_CANCELLED);
    }
    canceller.join();
    other.run();
    CHECK(other.progress().first == 16);
    ferrolab::Sweep moved = std::move(other);
    EXPECT_ERROR(other.run(), FERROLAB_ERR_NULL_POINTER, "");
    return finish("sweep");
}
