// Checks shared by the C++ test clients: a failure counter, CHECK on a condition, EXPECT_ERROR
// on the status and message of a ferrolab::Error, and the closing line the Rust harness reads.
#ifndef FERROLAB_TEST_CHECK_HPP
#define FERROLAB_TEST_CHECK_HPP

#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "ferrolab.hpp"

static int failures = 0;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::cout << "FAIL line " << __LINE__ << ": " #cond "\n";                \
            failures++;                                                              \
        }                                                                            \
    } while (0)

// `call` throws ferrolab::Error with status `want` and a message containing `fragment`.
template <typename F> static void expect_error(int line, F call, int32_t want, const char *fragment) {
    try {
        call();
        std::cout << "FAIL line " << line << ": no exception, want status " << want << "\n";
        failures++;
    } catch (const ferrolab::Error &e) {
        if (e.status() != want || std::string(e.what()).find(fragment) == std::string::npos) {
            std::cout << "FAIL line " << line << ": status " << e.status() << " \"" << e.what() << "\", want "
                      << want << " with \"" << fragment << "\"\n";
            failures++;
        }
    }
}
#define EXPECT_ERROR(call, want, fragment) expect_error(__LINE__, [&] { call; }, (want), (fragment))

// Bitwise-equal doubles (NaN equals NaN): the wrapper must give exactly what C gives.
static inline bool same(const std::vector<double> &a, const std::vector<double> &b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

static inline int finish(const char *name) {
    if (failures != 0) {
        std::cout << name << ": " << failures << " checks failed\n";
        return 1;
    }
    std::cout << name << ": all checks passed\n";
    return 0;
}

#endif
