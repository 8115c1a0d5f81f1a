// The C++ wrapper: moves transfer ownership exactly once, errors become exceptions with the
// right status, long strings are read in full. Prints "wrapper: all checks passed".
#include <iostream>
#include <string>

#include "ferrolab.hpp"

static int failures = 0;

static void check(bool ok, const std::string &what) {
    if (!ok) {
        std::cout << "FAIL " << what << "\n";
        failures++;
    }
}

template <typename F> static int32_t status_of(F call) {
    try {
        call();
    } catch (const ferrolab::Error &e) {
        return e.status();
    }
    return FERROLAB_OK;
}

int main() {
    ferrolab::Config a;
    a.set("pf.grain_diameter_nm", 64.0);
    ferrolab::Config b = std::move(a);
    check(a.get() == nullptr, "moved-from handle is empty");
    check(b.get_f64("pf.grain_diameter_nm") == 64.0, "moved config keeps its values");
    check(status_of([&] { a.get_f64("pf.grain_diameter_nm"); }) == FERROLAB_ERR_NULL_POINTER, "moved-from use");
    check(status_of([&] { b.set("pf.nope", 1.0); }) == FERROLAB_ERR_UNKNOWN_KEY, "unknown key");
    check(status_of([&] { b.set("pf.seed", 1.0); }) == FERROLAB_ERR_WRONG_TYPE, "wrong type");
    check(status_of([&] { b.set("pf.seed", int64_t{-3}); }) == FERROLAB_ERR_OUT_OF_RANGE, "range");
    b.reset("pf.grain_diameter_nm");
    check(b.get_f64("pf.grain_diameter_nm") == 16.2, "reset to default");
    std::string description = ferrolab::Config::describe("pf.grain_diameter_nm");
    check(description.size() > 64 && description.find("default 16.2") != std::string::npos,
          "long description read in full: " + description);
    check(!ferrolab::Config::keys().empty(), "keys listed");
    if (failures != 0) {
        std::cout << "wrapper: " << failures << " checks failed\n";
        return 1;
    }
    std::cout << "wrapper: all checks passed\n";
    return 0;
}
