// ferrolab.hpp: a header-only C++17 wrapper over ferrolab.h. Handles become move-only RAII
// objects and failed calls become ferrolab::Error exceptions carrying the status and message.
// The C header stays the source of truth; this file adds no behaviour of its own.
//
// Conventions:
// - Every C function returning a negative status throws ferrolab::Error, whose status() is
//   that code and whose what() is the calling thread's `ferrolab_last_error` message.
//   Warnings (positive statuses, e.g. FERROLAB_WARN_TRUNCATED) are handled here or ignored.
// - Arrays in: std::vector for 1-D data, ferrolab::Matrix (row-major, rows x cols) for 2-D.
//   Their sizes are checked before C is called; a mismatch throws ferrolab::Error with
//   status FERROLAB_ERR_INVALID_ARGUMENT and a message naming the function and argument
//   (one exception type for every failure, whichever side found it).
// - Arrays out are returned by value, already sized from the inputs or the handle's shape.
// - Optional configuration: functions take `ConfigRef cfg = {}`, which is either a Config
//   or nothing (the C API's NULL: the defaults).
// - A moved-from object holds no handle; calls on it reach C with NULL and throw
//   (FERROLAB_ERR_NULL_POINTER). Handles are released by the destructors (`ferrolab_*_free`).
// Thread-safety is the C API's: const methods may run concurrently on one object.
#ifndef FERROLAB_HPP
#define FERROLAB_HPP

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ferrolab.h"

namespace ferrolab {

// A failed call: the status code and the message ferrolab recorded for it.
class Error : public std::runtime_error {
public:
    Error(int32_t status, const std::string &message)
        : std::runtime_error(message), status_(status) {}
    int32_t status() const noexcept { return status_; }

private:
    int32_t status_;
};

namespace detail {
// Read an snprintf-style string output in full, growing the buffer as needed. `on_error`
// turns a negative status into an exception.
template <typename Call, typename OnError> std::string read_string_with(Call call, OnError on_error) {
    std::string text(64, '\0');
    for (;;) {
        size_t needed = 0;
        int32_t status = call(&text[0], text.size(), &needed);
        if (status < 0) {
            on_error(status);
        }
        if (needed <= text.size()) {
            text.resize(needed > 0 ? needed - 1 : 0);
            return text;
        }
        text.resize(needed);
    }
}

// The calling thread's last failure message, in full.
inline std::string last_error_message() {
    return read_string_with([](char *b, size_t c, size_t *n) { return ferrolab_last_error(b, c, n); },
                            [](int32_t) {});
}

inline void check(int32_t status) {
    if (status < 0) {
        throw Error(status, last_error_message());
    }
}

template <typename Call> std::string read_string(Call call) {
    return read_string_with(call, [](int32_t status) { check(status); });
}

// A size check done on this side of the boundary.
inline void require(bool ok, const std::string &message) {
    if (!ok) {
        throw Error(FERROLAB_ERR_INVALID_ARGUMENT, message);
    }
}

// Owns one C handle and frees it once.
template <typename T, int32_t (*Free)(T *)> class Owned {
public:
    Owned() = default;
    explicit Owned(T *handle) : handle_(handle) {}
    ~Owned() { Free(handle_); }
    Owned(const Owned &) = delete;
    Owned &operator=(const Owned &) = delete;
    Owned(Owned &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Owned &operator=(Owned &&other) noexcept {
        if (this != &other) {
            Free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    T *get() const noexcept { return handle_; }
    T **out() noexcept { return &handle_; }

private:
    T *handle_ = nullptr;
};
} // namespace detail

// A row-major matrix of doubles: rows x cols values in `data`.
struct Matrix {
    size_t rows = 0;
    size_t cols = 0;
    std::vector<double> data;

    Matrix() = default;
    // Zero-filled.
    Matrix(size_t r, size_t c) : rows(r), cols(c), data(r * c, 0.0) {}
    // From values; throws Error (FERROLAB_ERR_INVALID_ARGUMENT) unless values.size() == r * c.
    Matrix(size_t r, size_t c, std::vector<double> values) : rows(r), cols(c), data(std::move(values)) {
        detail::require(c == 0 || (r <= data.size() / c && data.size() == r * c),
                        "ferrolab::Matrix: " + std::to_string(data.size()) + " values for a " +
                            std::to_string(r) + " x " + std::to_string(c) + " matrix");
    }
    double &operator()(size_t i, size_t j) { return data[i * cols + j]; }
    double operator()(size_t i, size_t j) const { return data[i * cols + j]; }
    // Re-checks the shape (the members are public and may have been changed).
    void validate(const char *what) const {
        detail::require(cols == 0 || (rows <= data.size() / cols && data.size() == rows * cols),
                        std::string(what) + ": " + std::to_string(data.size()) + " values for a " +
                            std::to_string(rows) + " x " + std::to_string(cols) + " matrix");
    }
};

// Progress of a handle's long jobs (`ferrolab_*_progress_info`).
struct Progress {
    uint64_t done = 0;
    uint64_t total = 0;
    int32_t stage = 0;
    double last_loss = 0.0;
};

// ---- Process-wide functions ----

// The library version ("MAJOR.MINOR.PATCH").
inline std::string version() { return ferrolab_version_string(); }
// The C ABI version of the loaded library (compare with FERROLAB_ABI_VERSION).
inline int32_t abi_version() { return ferrolab_abi_version(); }
// Static English text for a status code.
inline std::string status_str(int32_t code) { return ferrolab_status_str(code); }
// The calling thread's last failure message ("" if none).
inline std::string last_error() { return detail::last_error_message(); }

// Size ferrolab's worker pool (0 = one thread per core).
inline void set_num_threads(size_t n) { detail::check(ferrolab_set_num_threads(n)); }
inline size_t num_threads() {
    size_t n = 0;
    detail::check(ferrolab_num_threads(&n));
    return n;
}

// Set the process's memory budget in bytes (0 = the default: half the physical memory).
inline void set_max_alloc_bytes(uint64_t n) { detail::check(ferrolab_set_max_alloc_bytes(n)); }
inline uint64_t max_alloc_bytes() {
    uint64_t n = 0;
    detail::check(ferrolab_max_alloc_bytes(&n));
    return n;
}

// ---- Config ----

// Options: every key at its default until set; see ferrolab_config_* in ferrolab.h.
//
// `set` picks the C setter from the value's type: any integer type or bool -> set_i64,
// float/double -> set_f64, const char * / std::string -> set_str, std::vector<double> ->
// set_f64_array, std::vector of an integer type -> set_i64_array. So `cfg.set("pf.seed", 7)`
// and `cfg.set("pf.grain_diameter_nm", 10.0)` both compile. (A braced list such as {1, 2} is
// ambiguous: write std::vector<int64_t>{1, 2}.)
class Config {
public:
    Config() { detail::check(ferrolab_config_new(h_.out())); }

    template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
    void set(const std::string &key, T value) {
        if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
            detail::require(value <= static_cast<T>(std::numeric_limits<int64_t>::max()),
                            "ferrolab::Config::set: " + key + " = " + std::to_string(value) +
                                " does not fit in int64_t");
        }
        detail::check(ferrolab_config_set_i64(h_.get(), key.c_str(), static_cast<int64_t>(value)));
    }
    template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
    void set(const std::string &key, T value) {
        detail::check(ferrolab_config_set_f64(h_.get(), key.c_str(), static_cast<double>(value)));
    }
    void set(const std::string &key, const char *value) {
        detail::check(ferrolab_config_set_str(h_.get(), key.c_str(), value));
    }
    void set(const std::string &key, const std::string &value) { set(key, value.c_str()); }
    void set(const std::string &key, const std::vector<double> &values) {
        detail::check(ferrolab_config_set_f64_array(h_.get(), key.c_str(), values.data(), values.size()));
    }
    void set(const std::string &key, const std::vector<int64_t> &values) {
        detail::check(ferrolab_config_set_i64_array(h_.get(), key.c_str(), values.data(), values.size()));
    }
    template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, int64_t>, int> = 0>
    void set(const std::string &key, const std::vector<T> &values) {
        std::vector<int64_t> wide;
        wide.reserve(values.size());
        for (T v : values) {
            if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
                detail::require(v <= static_cast<T>(std::numeric_limits<int64_t>::max()),
                                "ferrolab::Config::set: " + key + " holds a value beyond int64_t");
            }
            wide.push_back(static_cast<int64_t>(v));
        }
        set(key, wide);
    }
    void reset(const std::string &key) { detail::check(ferrolab_config_reset(h_.get(), key.c_str())); }

    double get_f64(const std::string &key) const {
        double value = 0.0;
        detail::check(ferrolab_config_get_f64(h_.get(), key.c_str(), &value));
        return value;
    }
    int64_t get_i64(const std::string &key) const {
        int64_t value = 0;
        detail::check(ferrolab_config_get_i64(h_.get(), key.c_str(), &value));
        return value;
    }
    std::string get_str(const std::string &key) const {
        return detail::read_string([&](char *b, size_t c, size_t *n) {
            return ferrolab_config_get_str(h_.get(), key.c_str(), b, c, n);
        });
    }
    std::vector<double> get_f64_array(const std::string &key) const {
        return get_array<double>(key, ferrolab_config_get_f64_array);
    }
    std::vector<int64_t> get_i64_array(const std::string &key) const {
        return get_array<int64_t>(key, ferrolab_config_get_i64_array);
    }

    // The message of the last failed call on this config (from any thread).
    std::string last_error() const {
        return detail::read_string([&](char *b, size_t c, size_t *n) {
            return ferrolab_config_last_error(h_.get(), b, c, n);
        });
    }
    // A config runs no jobs: 0 of 0, stage 0, NaN.
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_config_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }

    static size_t key_count() {
        size_t count = 0;
        detail::check(ferrolab_config_key_count(&count));
        return count;
    }
    // Name of key `index` (name order).
    static std::string key_name(size_t index) {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_config_key_name(index, b, c, n); });
    }
    // Every known key, in name order.
    static std::vector<std::string> keys() {
        std::vector<std::string> names;
        for (size_t i = 0, count = key_count(); i < count; i++) {
            names.push_back(key_name(i));
        }
        return names;
    }
    // Type, unit, valid range, default and doc of a key.
    static std::string describe(const std::string &key) {
        return detail::read_string([&](char *b, size_t c, size_t *n) {
            return ferrolab_config_key_describe(key.c_str(), b, c, n);
        });
    }

    const ferrolab_config *get() const noexcept { return h_.get(); }
    ferrolab_config *get() noexcept { return h_.get(); }

private:
    template <typename T, typename Fn> std::vector<T> get_array(const std::string &key, Fn fn) const {
        size_t len = 0;
        detail::check(fn(h_.get(), key.c_str(), nullptr, 0, &len));
        std::vector<T> values(len);
        for (;;) {
            size_t now = 0;
            detail::check(fn(h_.get(), key.c_str(), values.data(), values.size(), &now));
            if (now <= values.size()) {
                values.resize(now);
                return values;
            }
            values.resize(now);
        }
    }
    detail::Owned<ferrolab_config, ferrolab_config_free> h_;
};

// A Config or nothing (the defaults): the `cfg` argument of functions that take options.
class ConfigRef {
public:
    ConfigRef() = default;
    ConfigRef(std::nullptr_t) {}
    ConfigRef(const Config &cfg) : ptr_(cfg.get()) {}
    const ferrolab_config *get() const noexcept { return ptr_; }

private:
    const ferrolab_config *ptr_ = nullptr;
};

// ---- Analysis (stateless) ----

enum class Center : int32_t { None = 0, Mean = 1, Standardize = 2 };

struct PcaResult {
    Matrix components;                       // k x d
    std::vector<double> explained_variance; // k
    Matrix scores;                           // n x k
};
inline PcaResult pca(const Matrix &x, size_t k, Center center = Center::Mean) {
    x.validate("ferrolab::pca: x");
    PcaResult r{Matrix(k, x.cols), std::vector<double>(k), Matrix(x.rows, k)};
    detail::check(ferrolab_pca(x.data.data(), x.rows, x.cols, k, static_cast<int32_t>(center),
                               r.components.data.data(), r.explained_variance.data(),
                               r.scores.data.data()));
    return r;
}

struct NmfResult {
    Matrix w; // n x k
    Matrix h; // k x d
    double reconstruction_error = 0.0;
};
inline NmfResult nmf(const Matrix &x, size_t k, ConfigRef cfg = {}) {
    x.validate("ferrolab::nmf: x");
    NmfResult r{Matrix(x.rows, k), Matrix(k, x.cols), 0.0};
    detail::check(ferrolab_nmf(cfg.get(), x.data.data(), x.rows, x.cols, k, r.w.data.data(),
                               r.h.data.data(), &r.reconstruction_error));
    return r;
}

struct DictionaryResult {
    Matrix codes;      // n x k
    Matrix dictionary; // k x d
    double mse = 0.0;
};
inline DictionaryResult dictionary_learning(const Matrix &x, size_t k, double lambda, ConfigRef cfg = {}) {
    x.validate("ferrolab::dictionary_learning: x");
    DictionaryResult r{Matrix(x.rows, k), Matrix(k, x.cols), 0.0};
    detail::check(ferrolab_dictionary_learning(cfg.get(), x.data.data(), x.rows, x.cols, k, lambda,
                                               r.codes.data.data(), r.dictionary.data.data(), &r.mse));
    return r;
}

// Correlation of every column of a (n x p) with every column of b (n x q): p x q.
inline Matrix pearson_matrix(const Matrix &a, const Matrix &b) {
    a.validate("ferrolab::pearson_matrix: a");
    b.validate("ferrolab::pearson_matrix: b");
    detail::require(a.rows == b.rows, "ferrolab::pearson_matrix: a has " + std::to_string(a.rows) +
                                          " rows, b " + std::to_string(b.rows));
    Matrix r(a.cols, b.cols);
    detail::check(ferrolab_pearson_matrix(a.data.data(), b.data.data(), a.rows, a.cols, b.cols, r.data.data()));
    return r;
}

struct KmeansResult {
    Matrix centres;              // k x d
    std::vector<int32_t> labels; // n
    double inertia = 0.0;
};
inline KmeansResult kmeans(const Matrix &x, size_t k, ConfigRef cfg = {}) {
    x.validate("ferrolab::kmeans: x");
    KmeansResult r{Matrix(k, x.cols), std::vector<int32_t>(x.rows), 0.0};
    detail::check(ferrolab_kmeans(cfg.get(), x.data.data(), x.rows, x.cols, k, r.centres.data.data(),
                                  r.labels.data(), &r.inertia));
    return r;
}

struct GmmResult {
    std::vector<double> weights;     // k
    Matrix means;                    // k x d
    std::vector<double> covariances; // k x d x d
    std::vector<int32_t> labels;     // n
    double mean_log_likelihood = 0.0;
};
inline GmmResult gmm(const Matrix &x, size_t k, ConfigRef cfg = {}) {
    x.validate("ferrolab::gmm: x");
    GmmResult r{std::vector<double>(k), Matrix(k, x.cols), std::vector<double>(k * x.cols * x.cols),
                std::vector<int32_t>(x.rows), 0.0};
    detail::check(ferrolab_gmm(cfg.get(), x.data.data(), x.rows, x.cols, k, r.weights.data(),
                               r.means.data.data(), r.covariances.data(), r.labels.data(),
                               &r.mean_log_likelihood));
    return r;
}

// Kernel density of `data` (n x d) at `points` (m x d).
inline std::vector<double> kde(const Matrix &data, const Matrix &points, ConfigRef cfg = {}) {
    data.validate("ferrolab::kde: data");
    points.validate("ferrolab::kde: points");
    detail::require(data.cols == points.cols, "ferrolab::kde: data has " + std::to_string(data.cols) +
                                                  " columns, points " + std::to_string(points.cols));
    std::vector<double> density(points.rows);
    detail::check(ferrolab_kde(cfg.get(), data.data.data(), data.rows, data.cols, points.data.data(),
                               points.rows, density.data()));
    return density;
}

// ---- Manifold learning (stateless): t-SNE, MDS, Isomap, trustworthiness ----
// x is n x d (one sample per row); `k` sets the embedding's dimension (n x k) and the keys
// tsne.n_components, mds.n_components and isomap.n_components are not read (as in C).

struct TsneResult {
    Matrix embedding; // n x k
    double kl_divergence = 0.0;
};
// t-SNE with the tsne.* keys of `cfg` (scikit-learn's defaults; perplexity 30, below n).
inline TsneResult tsne(const Matrix &x, size_t k = 2, ConfigRef cfg = {}) {
    x.validate("ferrolab::tsne: x");
    TsneResult r{Matrix(x.rows, k), 0.0};
    detail::check(ferrolab_tsne(cfg.get(), x.data.data(), x.rows, x.cols, k, r.embedding.data.data(),
                                &r.kl_divergence));
    return r;
}

struct MdsResult {
    Matrix embedding;   // n x k
    double stress = 0.0; // raw stress: sum over pairs of (distance - dissimilarity)^2
};
// Metric MDS with the mds.* keys of `cfg` (SMACOF; mds.method = "classical" for Torgerson's).
inline MdsResult mds(const Matrix &x, size_t k = 2, ConfigRef cfg = {}) {
    x.validate("ferrolab::mds: x");
    MdsResult r{Matrix(x.rows, k), 0.0};
    detail::check(ferrolab_mds(cfg.get(), x.data.data(), x.rows, x.cols, k, r.embedding.data.data(), &r.stress));
    return r;
}

struct IsomapResult {
    Matrix embedding; // n x k (each component's sign is arbitrary)
    double reconstruction_error = 0.0;
};
// Isomap with the isomap.* keys of `cfg` (5 neighbours).
inline IsomapResult isomap(const Matrix &x, size_t k = 2, ConfigRef cfg = {}) {
    x.validate("ferrolab::isomap: x");
    IsomapResult r{Matrix(x.rows, k), 0.0};
    detail::check(ferrolab_isomap(cfg.get(), x.data.data(), x.rows, x.cols, k, r.embedding.data.data(),
                                  &r.reconstruction_error));
    return r;
}

// Trustworthiness of the embedding y (n x k) of x (n x d), scikit-learn's.
inline double trustworthiness(const Matrix &x, const Matrix &y, size_t n_neighbors = 5) {
    x.validate("ferrolab::trustworthiness: x");
    y.validate("ferrolab::trustworthiness: y");
    detail::require(x.rows == y.rows, "ferrolab::trustworthiness: x has " + std::to_string(x.rows) + " rows, y " +
                                          std::to_string(y.rows));
    double out = 0.0;
    detail::check(ferrolab_trustworthiness(x.data.data(), y.data.data(), x.rows, x.cols, y.cols, n_neighbors, &out));
    return out;
}

struct ShoFit {
    Matrix params;              // n_spectra x 4: amplitude, frequency (Hz), Q, phase (rad)
    Matrix std_errors;          // n_spectra x 4
    std::vector<double> r2;     // n_spectra
    std::vector<int32_t> flags; // n_spectra
};
// Fit spectra `re`, `im` (n_spectra x n_freq) sampled at `freq_hz` (n_freq).
inline ShoFit sho_fit(const std::vector<double> &freq_hz, const Matrix &re, const Matrix &im, ConfigRef cfg = {}) {
    re.validate("ferrolab::sho_fit: re");
    im.validate("ferrolab::sho_fit: im");
    detail::require(re.rows == im.rows && re.cols == im.cols && re.cols == freq_hz.size(),
                    "ferrolab::sho_fit: re and im must both be n_spectra x " + std::to_string(freq_hz.size()));
    size_t n = re.rows;
    ShoFit r{Matrix(n, 4), Matrix(n, 4), std::vector<double>(n), std::vector<int32_t>(n)};
    detail::check(ferrolab_sho_fit(cfg.get(), freq_hz.data(), freq_hz.size(), re.data.data(), im.data.data(), n,
                                   r.params.data.data(), r.std_errors.data.data(), r.r2.data(), r.flags.data()));
    return r;
}

// ---- BEPS and loops (stateless) ----

inline double phase_rotation(const std::vector<double> &amplitude, const std::vector<double> &phase) {
    detail::require(amplitude.size() == phase.size(), "ferrolab::phase_rotation: amplitude and phase differ in length");
    double theta = 0.0;
    detail::check(ferrolab_phase_rotation(amplitude.data(), phase.data(), amplitude.size(), &theta));
    return theta;
}

inline std::vector<double> piezoresponse(const std::vector<double> &amplitude, const std::vector<double> &phase,
                                         double theta) {
    detail::require(amplitude.size() == phase.size(), "ferrolab::piezoresponse: amplitude and phase differ in length");
    std::vector<double> out(amplitude.size());
    detail::check(ferrolab_piezoresponse(amplitude.data(), phase.data(), amplitude.size(), theta, out.data()));
    return out;
}

struct LoopFit {
    Matrix params;          // n_loops x 9
    std::vector<double> r2; // n_loops
};
// Fit `loops` (n_loops x n_steps) measured at `voltage` (n_steps).
inline LoopFit loop_fit(const std::vector<double> &voltage, const Matrix &loops) {
    loops.validate("ferrolab::loop_fit: loops");
    detail::require(loops.cols == voltage.size(), "ferrolab::loop_fit: loops must have " +
                                                      std::to_string(voltage.size()) + " columns (one per voltage)");
    LoopFit r{Matrix(loops.rows, 9), std::vector<double>(loops.rows)};
    detail::check(ferrolab_loop_fit(voltage.data(), voltage.size(), loops.data.data(), loops.rows,
                                    r.params.data.data(), r.r2.data()));
    return r;
}

// Switching parameters (n_loops x FERROLAB_LOOP_PARAMETER_COUNT) of fitted loops (n_loops x 9).
inline Matrix loop_parameters(const std::vector<double> &voltage, const Matrix &params) {
    params.validate("ferrolab::loop_parameters: params");
    detail::require(params.cols == 9, "ferrolab::loop_parameters: params must have 9 columns");
    Matrix out(params.rows, FERROLAB_LOOP_PARAMETER_COUNT);
    detail::check(ferrolab_loop_parameters(voltage.data(), voltage.size(), params.data.data(), params.rows,
                                           out.data.data()));
    return out;
}

// Features of a P-V loop: Ec, Pr, Ps, area, imprint, offset, crossings up, crossings down.
inline std::array<double, FERROLAB_LOOP_FEATURE_COUNT>
loop_features(const std::vector<double> &voltage, const std::vector<double> &polarization, double thickness_m) {
    detail::require(voltage.size() == polarization.size(),
                    "ferrolab::loop_features: voltage and polarization differ in length");
    std::array<double, FERROLAB_LOOP_FEATURE_COUNT> f{};
    detail::check(ferrolab_loop_features(voltage.data(), polarization.data(), voltage.size(), thickness_m, f.data(),
                                         f.size()));
    return f;
}

// ---- Phase field ----

struct Loop {
    std::vector<double> voltage;      // V
    std::vector<double> polarization; // C/m^2
};
// Simulate one P-V loop of the film described by `cfg`.
inline Loop pf_simulate_loop(ConfigRef cfg = {}) {
    size_t n = 0;
    detail::check(ferrolab_pf_simulate_loop(cfg.get(), nullptr, nullptr, 0, &n));
    Loop loop{std::vector<double>(n), std::vector<double>(n)};
    detail::check(ferrolab_pf_simulate_loop(cfg.get(), loop.voltage.data(), loop.polarization.data(), n, &n));
    detail::require(n == loop.voltage.size(), "ferrolab::pf_simulate_loop: the loop length changed");
    return loop;
}

// A generated film (`ferrolab_polycrystal_*`).
class Polycrystal {
public:
    explicit Polycrystal(ConfigRef cfg = {}) { detail::check(ferrolab_polycrystal_new(cfg.get(), h_.out())); }

    struct Shape {
        size_t rows = 0; // across the thickness
        size_t cols = 0; // across the width
    };
    Shape shape() const {
        Shape s;
        detail::check(ferrolab_polycrystal_shape(h_.get(), &s.rows, &s.cols));
        return s;
    }
    size_t grain_count() const {
        size_t n = 0;
        detail::check(ferrolab_polycrystal_grain_count(h_.get(), &n));
        return n;
    }
    struct Cells {
        size_t rows = 0, cols = 0;
        std::vector<int32_t> classes;        // 0 polar, 1 non-polar grain, 2 grain boundary
        std::vector<int32_t> grains;         // nearest grain
        std::vector<double> orientation_rad; // polar axis from the film normal
    };
    Cells cells() const {
        Shape s = shape();
        size_t n = s.rows * s.cols;
        Cells c{s.rows, s.cols, std::vector<int32_t>(n), std::vector<int32_t>(n), std::vector<double>(n)};
        detail::check(ferrolab_polycrystal_cells(h_.get(), c.classes.data(), c.grains.data(),
                                                 c.orientation_rad.data(), s.rows, s.cols));
        return c;
    }
    struct Grains {
        std::vector<double> orientation_rad;
        std::vector<int32_t> polar; // 1 polar, 0 non-polar
        Matrix seeds_nm;            // n_grains x 2: across the thickness, across the width
    };
    Grains grains() const {
        size_t n = grain_count();
        Grains g{std::vector<double>(n), std::vector<int32_t>(n), Matrix(n, 2)};
        detail::check(ferrolab_polycrystal_grains(h_.get(), g.orientation_rad.data(), g.polar.data(),
                                                  g.seeds_nm.data.data(), n));
        return g;
    }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_polycrystal_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_polycrystal_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_polycrystal *get() const noexcept { return h_.get(); }

private:
    detail::Owned<ferrolab_polycrystal, ferrolab_polycrystal_free> h_;
};

// ---- Sweep and dataset ----

// A sweep run writing `path.npz` and `path.json` (`ferrolab_sweep_*`).
class Sweep {
public:
    Sweep(ConfigRef cfg, const std::string &path, size_t shard_index = 0, size_t shard_count = 1) {
        detail::check(ferrolab_sweep_new(cfg.get(), path.c_str(), shard_index, shard_count, h_.out()));
    }
    // Blocks until done; throws Error(FERROLAB_ERR_CANCELLED) after request_cancel.
    void run() const { detail::check(ferrolab_sweep_run(h_.get())); }
    // Structures done and total.
    std::pair<size_t, size_t> progress() const {
        size_t done = 0, total = 0;
        detail::check(ferrolab_sweep_progress(h_.get(), &done, &total));
        return {done, total};
    }
    void request_cancel() const { detail::check(ferrolab_sweep_request_cancel(h_.get())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_sweep_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_sweep_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_sweep *get() const noexcept { return h_.get(); }

private:
    detail::Owned<ferrolab_sweep, ferrolab_sweep_free> h_;
};

// A dataset read from disk (`ferrolab_dataset_*`); `path` is NAME, NAME.json or NAME.npz.
class Dataset {
public:
    explicit Dataset(const std::string &path) { detail::check(ferrolab_dataset_open(path.c_str(), h_.out())); }

    struct Shape {
        size_t n_structures = 0;
        size_t n_points = 0;
    };
    Shape shape() const {
        Shape s;
        detail::check(ferrolab_dataset_shape(h_.get(), &s.n_structures, &s.n_points));
        return s;
    }
    struct Loops {
        std::vector<double> voltage; // n_points
        Matrix polarization;         // n_structures x n_points
    };
    Loops loops() const {
        Shape s = shape();
        Loops l{std::vector<double>(s.n_points), Matrix(s.n_structures, s.n_points)};
        detail::check(ferrolab_dataset_loops(h_.get(), l.voltage.data(), l.polarization.data.data(), s.n_structures,
                                             s.n_points));
        return l;
    }
    struct Structures {
        Matrix parameters;           // n x 4: D_G nm, nu, mu rad, sigma rad
        Matrix features;             // n x FERROLAB_LOOP_FEATURE_COUNT
        std::vector<int32_t> status; // 0 ok, 1 runaway, 2 failed
        std::vector<uint64_t> seed;
        std::vector<uint64_t> index;
    };
    Structures structures() const {
        size_t n = shape().n_structures;
        Structures s{Matrix(n, 4), Matrix(n, FERROLAB_LOOP_FEATURE_COUNT), std::vector<int32_t>(n),
                     std::vector<uint64_t>(n), std::vector<uint64_t>(n)};
        detail::check(ferrolab_dataset_structures(h_.get(), s.parameters.data.data(), s.features.data.data(),
                                                  s.status.data(), s.seed.data(), s.index.data(), n));
        return s;
    }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_dataset_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_dataset_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_dataset *get() const noexcept { return h_.get(); }

private:
    detail::Owned<ferrolab_dataset, ferrolab_dataset_free> h_;
};

// ---- Models ----

// Fitted Gaussian processes, one per output column (`ferrolab_gp_*`).
class GaussianProcess {
public:
    // Fit on x (n x d) and y (n x m).
    static GaussianProcess fit(const Matrix &x, const Matrix &y, ConfigRef cfg = {}) {
        x.validate("ferrolab::GaussianProcess::fit: x");
        y.validate("ferrolab::GaussianProcess::fit: y");
        detail::require(x.rows == y.rows, "ferrolab::GaussianProcess::fit: x has " + std::to_string(x.rows) +
                                              " rows, y " + std::to_string(y.rows));
        GaussianProcess gp;
        detail::check(ferrolab_gp_fit(cfg.get(), x.data.data(), x.rows, x.cols, y.data.data(), y.cols, gp.h_.out()));
        return gp;
    }
    static GaussianProcess load(const std::string &path) {
        GaussianProcess gp;
        detail::check(ferrolab_gp_load(path.c_str(), gp.h_.out()));
        return gp;
    }

    struct Shape {
        size_t d = 0; // inputs
        size_t m = 0; // outputs
    };
    Shape shape() const {
        Shape s;
        detail::check(ferrolab_gp_shape(h_.get(), &s.d, &s.m));
        return s;
    }
    struct Prediction {
        Matrix mean; // nq x m
        Matrix std;  // nq x m
    };
    Prediction predict(const Matrix &xq) const {
        xq.validate("ferrolab::GaussianProcess::predict: xq");
        size_t m = shape().m;
        Prediction p{Matrix(xq.rows, m), Matrix(xq.rows, m)};
        detail::check(
            ferrolab_gp_predict(h_.get(), xq.data.data(), xq.rows, xq.cols, p.mean.data.data(), p.std.data.data()));
        return p;
    }
    // Predictive covariance (nq x nq) of one output.
    Matrix predict_covariance(const Matrix &xq, size_t output) const {
        xq.validate("ferrolab::GaussianProcess::predict_covariance: xq");
        Matrix cov(xq.rows, xq.rows);
        detail::check(
            ferrolab_gp_predict_covariance(h_.get(), xq.data.data(), xq.rows, xq.cols, output, cov.data.data()));
        return cov;
    }
    // Joint posterior draws (n_samples x nq) of one output.
    Matrix sample(const Matrix &xq, size_t output, size_t n_samples, uint64_t seed) const {
        xq.validate("ferrolab::GaussianProcess::sample: xq");
        Matrix s(n_samples, xq.rows);
        detail::check(ferrolab_gp_sample(h_.get(), xq.data.data(), xq.rows, xq.cols, output, n_samples, seed,
                                         s.data.data()));
        return s;
    }
    std::vector<double> log_marginal_likelihood() const {
        std::vector<double> lml(shape().m);
        detail::check(ferrolab_gp_log_marginal_likelihood(h_.get(), lml.data(), lml.size()));
        return lml;
    }
    struct Hyperparameters {
        double signal_variance = 0.0;
        std::vector<double> length_scales; // 1, or d for ARD
        double noise_variance = 0.0;
        double jitter = 0.0;
    };
    Hyperparameters hyperparameters(size_t output) const {
        Hyperparameters hp;
        hp.length_scales.resize(shape().d);
        size_t n = 0;
        detail::check(ferrolab_gp_hyperparameters(h_.get(), output, &hp.signal_variance, hp.length_scales.data(),
                                                  hp.length_scales.size(), &n, &hp.noise_variance, &hp.jitter));
        hp.length_scales.resize(n < hp.length_scales.size() ? n : hp.length_scales.size());
        return hp;
    }
    void save(const std::string &path) const { detail::check(ferrolab_gp_save(h_.get(), path.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_gp_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_gp_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_gp *get() const noexcept { return h_.get(); }

private:
    GaussianProcess() = default;
    detail::Owned<ferrolab_gp, ferrolab_gp_free> h_;
};

// A variational autoencoder (`ferrolab_vae_*`).
class Vae {
public:
    // Untrained, for rows of `input_dim` values, with the vae.* keys of `cfg`.
    explicit Vae(size_t input_dim, ConfigRef cfg = {}) {
        detail::check(ferrolab_vae_new(cfg.get(), input_dim, h_.out()));
    }
    static Vae load(const std::string &path) {
        Vae vae;
        detail::check(ferrolab_vae_load(path.c_str(), vae.h_.out()));
        return vae;
    }

    // Checkpoint file of later train() calls; std::nullopt for none.
    void set_checkpoint(const std::optional<std::string> &path) const {
        detail::check(ferrolab_vae_set_checkpoint(h_.get(), path ? path->c_str() : nullptr));
    }
    // Train on x (n x d) up to vae.epochs epochs in total; returns the epochs done. The loss
    // history is read with history(). Throws Error(FERROLAB_ERR_CANCELLED) after request_cancel.
    size_t train(const Matrix &x) const {
        x.validate("ferrolab::Vae::train: x");
        size_t epochs = 0;
        detail::check(ferrolab_vae_train(h_.get(), x.data.data(), x.rows, x.cols, nullptr, 0, &epochs));
        return epochs;
    }
    // Epochs done and epochs of the run.
    std::pair<size_t, size_t> progress() const {
        size_t done = 0, total = 0;
        detail::check(ferrolab_vae_progress(h_.get(), &done, &total));
        return {done, total};
    }
    void request_cancel() const { detail::check(ferrolab_vae_request_cancel(h_.get())); }
    struct Shape {
        size_t input_dim = 0;
        size_t latent_dim = 0;
    };
    Shape shape() const {
        Shape s;
        detail::check(ferrolab_vae_shape(h_.get(), &s.input_dim, &s.latent_dim));
        return s;
    }
    // Training history: epochs x 3 (total, reconstruction, KL).
    Matrix history() const {
        size_t epochs = 0;
        detail::check(ferrolab_vae_history(h_.get(), nullptr, 0, &epochs));
        for (;;) {
            Matrix h(epochs, 3);
            size_t now = 0;
            detail::check(ferrolab_vae_history(h_.get(), h.data.data(), epochs, &now));
            if (now <= epochs) {
                return Matrix(now, 3, std::vector<double>(h.data.begin(), h.data.begin() + 3 * now));
            }
            epochs = now;
        }
    }
    struct Encoding {
        Matrix z_mean;    // n x latent_dim
        Matrix z_log_var; // n x latent_dim
    };
    Encoding encode(const Matrix &x) const {
        x.validate("ferrolab::Vae::encode: x");
        size_t latent = shape().latent_dim;
        Encoding e{Matrix(x.rows, latent), Matrix(x.rows, latent)};
        detail::check(ferrolab_vae_encode(h_.get(), x.data.data(), x.rows, x.cols, e.z_mean.data.data(),
                                          e.z_log_var.data.data(), latent));
        return e;
    }
    // Decode z (n x latent_dim) into n x input_dim.
    Matrix decode(const Matrix &z) const {
        z.validate("ferrolab::Vae::decode: z");
        Matrix x(z.rows, shape().input_dim);
        detail::check(ferrolab_vae_decode(h_.get(), z.data.data(), z.rows, z.cols, x.data.data(), x.cols));
        return x;
    }
    struct Grid {
        Matrix z; // steps^latent_dim x latent_dim
        Matrix x; // steps^latent_dim x input_dim
    };
    // Decode the regular grid over [lo, hi]^latent_dim, `steps` points per axis.
    Grid decode_grid(double lo, double hi, size_t steps) const {
        Shape s = shape();
        size_t rows = 1;
        for (size_t i = 0; i < s.latent_dim; i++) {
            detail::require(steps == 0 || rows <= size_t(10000000) / steps,
                            "ferrolab::Vae::decode_grid: more than 10^7 grid points");
            rows *= steps;
        }
        Grid g{Matrix(rows, s.latent_dim), Matrix(rows, s.input_dim)};
        detail::check(ferrolab_vae_decode_grid(h_.get(), lo, hi, steps, g.z.data.data(), g.x.data.data(), rows,
                                               s.input_dim));
        return g;
    }
    void save(const std::string &path) const { detail::check(ferrolab_vae_save(h_.get(), path.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_vae_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_vae_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_vae *get() const noexcept { return h_.get(); }

private:
    Vae() = default;
    detail::Owned<ferrolab_vae, ferrolab_vae_free> h_;
};

// Paper 001's LSTM beta-VAE with its staged training (`ferrolab_lstm_vae_*`).
class LstmVae {
public:
    // Untrained, for rows of `row_len` values, with the lstm_vae.* keys of `cfg`.
    explicit LstmVae(size_t row_len, ConfigRef cfg = {}) {
        detail::check(ferrolab_lstm_vae_new(cfg.get(), row_len, h_.out()));
    }
    // A model saved by save() (or a checkpoint, or a stage folder's stage-NNN.safetensors).
    static LstmVae load(const std::string &path) {
        LstmVae vae;
        detail::check(ferrolab_lstm_vae_load(path.c_str(), vae.h_.out()));
        return vae;
    }

    // Checkpoint file of later train() calls; std::nullopt for none.
    void set_checkpoint(const std::optional<std::string> &path) const {
        detail::check(ferrolab_lstm_vae_set_checkpoint(h_.get(), path ? path->c_str() : nullptr));
    }
    // Folder where train() keeps each finished stage's best weights; std::nullopt for none.
    void set_stage_dir(const std::optional<std::string> &dir) const {
        detail::check(ferrolab_lstm_vae_set_stage_dir(h_.get(), dir ? dir->c_str() : nullptr));
    }
    struct TrainResult {
        size_t epochs = 0;
        // Empty, or the message of FERROLAB_WARN_NO_SELECTION: training finished but no stage
        // reached lstm_vae.target_active active channels (every stage's count).
        std::string warning;
    };
    // Train on x (n x row_len) up to lstm_vae.epochs epochs in total, stage by stage. Throws
    // Error(FERROLAB_ERR_CANCELLED) after request_cancel, Error(FERROLAB_ERR_BUSY) while another
    // thread trains this model.
    TrainResult train(const Matrix &x) const {
        x.validate("ferrolab::LstmVae::train: x");
        TrainResult r;
        int32_t status = ferrolab_lstm_vae_train(h_.get(), x.data.data(), x.rows, x.cols, &r.epochs);
        detail::check(status);
        if (status == FERROLAB_WARN_NO_SELECTION) {
            r.warning = last_error();
        }
        return r;
    }
    // Epochs done and epochs of the run.
    std::pair<size_t, size_t> progress() const {
        size_t done = 0, total = 0;
        detail::check(ferrolab_lstm_vae_progress(h_.get(), &done, &total));
        return {done, total};
    }
    void request_cancel() const { detail::check(ferrolab_lstm_vae_request_cancel(h_.get())); }
    struct Shape {
        size_t row_len = 0;
        size_t latent = 0;
        size_t embedding = 0;
        size_t parameter_count = 0;
        size_t epochs_done = 0;
    };
    Shape shape() const {
        Shape s;
        detail::check(ferrolab_lstm_vae_shape(h_.get(), &s.row_len, &s.latent, &s.embedding, &s.parameter_count,
                                              &s.epochs_done));
        return s;
    }
    // Training history: epochs x FERROLAB_LSTM_VAE_HISTORY_FIELDS (epoch, beta, lambda, total,
    // reconstruction, KL, L1).
    Matrix history() const {
        // Sized from the epochs done, so that C does not truncate (which would leave a warning
        // as the handle's last message).
        const size_t f = FERROLAB_LSTM_VAE_HISTORY_FIELDS;
        size_t epochs = shape().epochs_done;
        for (;;) {
            Matrix h(epochs, f);
            size_t now = 0;
            detail::check(ferrolab_lstm_vae_history(h_.get(), h.data.data(), epochs, &now));
            if (now <= epochs) {
                return Matrix(now, f, std::vector<double>(h.data.begin(), h.data.begin() + f * now));
            }
            epochs = now;
        }
    }
    struct Stages {
        // stages x FERROLAB_LSTM_VAE_STAGE_FIELDS: stage, beta, lambda, best epoch, best loss,
        // active channels.
        Matrix records;
        // stages x latent: mean KL per latent channel (nat) at the stage's best weights.
        Matrix channel_kl;
    };
    // The finished stages, priming first.
    Stages stages() const {
        // Every stage of a run has at least one epoch: room for as many stages as epochs done
        // (only a stage folder's file, which keeps no training state, needs a second call).
        const Shape shape_now = shape();
        const size_t f = FERROLAB_LSTM_VAE_STAGE_FIELDS, latent = shape_now.latent;
        size_t count = shape_now.epochs_done;
        for (;;) {
            Stages s{Matrix(count, f), Matrix(count, latent)};
            size_t now = 0;
            detail::check(
                ferrolab_lstm_vae_stages(h_.get(), s.records.data.data(), s.channel_kl.data.data(), count, latent, &now));
            if (now <= count) {
                return Stages{
                    Matrix(now, f, std::vector<double>(s.records.data.begin(), s.records.data.begin() + f * now)),
                    Matrix(now, latent,
                           std::vector<double>(s.channel_kl.data.begin(), s.channel_kl.data.begin() + latent * now))};
            }
            count = now;
        }
    }
    // The selected stage, or -1 when none is.
    int64_t selected_stage() const {
        int64_t stage = -1;
        detail::check(ferrolab_lstm_vae_selected_stage(h_.get(), &stage));
        return stage;
    }
    struct Encoding {
        Matrix mu;        // n x latent
        Matrix log_var;   // n x latent
        Matrix z;         // n x latent: one sample
        Matrix embedding; // n x embedding
    };
    Encoding encode(const Matrix &x) const {
        x.validate("ferrolab::LstmVae::encode: x");
        Shape s = shape();
        detail::require(x.cols == s.row_len, "ferrolab::LstmVae::encode: x has " + std::to_string(x.cols) +
                                                 " columns; the model takes rows of " + std::to_string(s.row_len));
        Encoding e{Matrix(x.rows, s.latent), Matrix(x.rows, s.latent), Matrix(x.rows, s.latent),
                   Matrix(x.rows, s.embedding)};
        detail::check(ferrolab_lstm_vae_encode(h_.get(), x.data.data(), x.rows, x.cols, e.mu.data.data(),
                                               e.log_var.data.data(), e.z.data.data(), e.embedding.data.data(),
                                               s.latent, s.embedding));
        return e;
    }
    // Decode z (n x latent) into n x row_len, in the data's units.
    Matrix decode(const Matrix &z) const {
        z.validate("ferrolab::LstmVae::decode: z");
        Matrix x(z.rows, shape().row_len);
        detail::check(ferrolab_lstm_vae_decode(h_.get(), z.data.data(), z.rows, z.cols, x.data.data(), x.cols));
        return x;
    }
    // x (n x row_len) through the encoder's means and the decoder, in the data's units.
    Matrix reconstruct(const Matrix &x) const {
        x.validate("ferrolab::LstmVae::reconstruct: x");
        Matrix out(x.rows, x.cols);
        detail::check(ferrolab_lstm_vae_reconstruct(h_.get(), x.data.data(), x.rows, x.cols, out.data.data()));
        return out;
    }
    // Reconstruction minus x (n x row_len) in standardised units.
    Matrix residuals(const Matrix &x) const {
        x.validate("ferrolab::LstmVae::residuals: x");
        Matrix out(x.rows, x.cols);
        detail::check(ferrolab_lstm_vae_residuals(h_.get(), x.data.data(), x.rows, x.cols, out.data.data()));
        return out;
    }
    void save(const std::string &path) const { detail::check(ferrolab_lstm_vae_save(h_.get(), path.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_lstm_vae_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_lstm_vae_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_lstm_vae *get() const noexcept { return h_.get(); }

private:
    LstmVae() = default;
    detail::Owned<ferrolab_lstm_vae, ferrolab_lstm_vae_free> h_;
};

// The rotationally invariant VAE of papers 002/004 (`ferrolab_rvae_*`): images of height x
// width pixels, one per row, encoded to an angle, two offsets and content latents.
class Rvae {
public:
    // Untrained, for images of height x width pixels, with the rvae.* keys of `cfg`.
    Rvae(size_t height, size_t width, ConfigRef cfg = {}) {
        detail::check(ferrolab_rvae_new(cfg.get(), height, width, h_.out()));
    }
    // A model saved by save() (or a checkpoint).
    static Rvae load(const std::string &path) {
        Rvae r;
        detail::check(ferrolab_rvae_load(path.c_str(), r.h_.out()));
        return r;
    }
    // Checkpoint file of later train() calls; std::nullopt for none.
    void set_checkpoint(const std::optional<std::string> &path) const {
        detail::check(ferrolab_rvae_set_checkpoint(h_.get(), path ? path->c_str() : nullptr));
    }
    // Train on images (n x height*width) up to rvae.epochs epochs in total; returns the epochs
    // done. Throws Error(FERROLAB_ERR_CANCELLED) after request_cancel, Error(FERROLAB_ERR_BUSY)
    // while another thread trains this model.
    size_t train(const Matrix &images) const {
        images.validate("ferrolab::Rvae::train: images");
        size_t epochs = 0;
        detail::check(ferrolab_rvae_train(h_.get(), images.data.data(), images.rows, images.cols, &epochs));
        return epochs;
    }
    // Epochs done and epochs of the run.
    std::pair<size_t, size_t> progress() const {
        size_t done = 0, total = 0;
        detail::check(ferrolab_rvae_progress(h_.get(), &done, &total));
        return {done, total};
    }
    void request_cancel() const { detail::check(ferrolab_rvae_request_cancel(h_.get())); }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_rvae_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    struct Shape {
        size_t height = 0;
        size_t width = 0;
        size_t content_latents = 0;
        size_t parameter_count = 0;
        size_t epochs_done = 0;
        size_t pixels() const { return height * width; }
    };
    Shape shape() const {
        Shape s;
        detail::check(ferrolab_rvae_shape(h_.get(), &s.height, &s.width, &s.content_latents, &s.parameter_count,
                                          &s.epochs_done));
        return s;
    }
    // Training history: epochs x FERROLAB_RVAE_HISTORY_FIELDS (epoch, train total,
    // reconstruction, KL, test total, reconstruction, KL; the test values NaN without a split).
    Matrix history() const {
        const size_t f = FERROLAB_RVAE_HISTORY_FIELDS;
        size_t epochs = shape().epochs_done;
        for (;;) {
            Matrix h(epochs, f);
            size_t now = 0;
            detail::check(ferrolab_rvae_history(h_.get(), h.data.data(), epochs, &now));
            if (now <= epochs) {
                return Matrix(now, f, std::vector<double>(h.data.begin(), h.data.begin() + f * now));
            }
            epochs = now;
        }
    }
    struct Encoding {
        std::vector<double> angle;    // n, radians
        std::vector<double> angle_sd; // n
        Matrix offsets;               // n x 2 (dx, dy)
        Matrix offsets_sd;            // n x 2
        Matrix content;               // n x content_latents
        Matrix content_sd;            // n x content_latents
    };
    // Latent means and standard deviations of images (n x height*width).
    Encoding encode(const Matrix &images) const {
        images.validate("ferrolab::Rvae::encode: images");
        Shape s = shape();
        detail::require(images.cols == s.pixels(), "ferrolab::Rvae::encode: images has " +
                                                       std::to_string(images.cols) +
                                                       " columns; the model takes images of " +
                                                       std::to_string(s.pixels()) + " pixels");
        const size_t n = images.rows, k = s.content_latents;
        Encoding e{std::vector<double>(n), std::vector<double>(n), Matrix(n, 2), Matrix(n, 2), Matrix(n, k),
                   Matrix(n, k)};
        detail::check(ferrolab_rvae_encode(h_.get(), images.data.data(), n, images.cols, e.angle.data(),
                                           e.angle_sd.data(), e.offsets.data.data(), e.offsets_sd.data.data(),
                                           e.content.data.data(), e.content_sd.data.data(), k));
        return e;
    }
    // Images (n x height*width) drawn at `angle` (n, radians), `offsets` (n x 2) and `content`
    // (n x content_latents).
    Matrix decode(const std::vector<double> &angle, const Matrix &offsets, const Matrix &content) const {
        offsets.validate("ferrolab::Rvae::decode: offsets");
        content.validate("ferrolab::Rvae::decode: content");
        const size_t n = content.rows;
        detail::require(angle.size() == n && offsets.rows == n && offsets.cols == 2,
                        "ferrolab::Rvae::decode: angle has " + std::to_string(angle.size()) + " values and offsets " +
                            std::to_string(offsets.rows) + " x " + std::to_string(offsets.cols) + " for " +
                            std::to_string(n) + " content rows (want n and n x 2)");
        Matrix out(n, shape().pixels());
        detail::check(ferrolab_rvae_decode(h_.get(), angle.data(), offsets.data.data(), content.data.data(), n,
                                           content.cols, out.data.data(), out.cols));
        return out;
    }
    // Images of `content` upright and centred (angle 0, offsets 0): the latent-grid decoding.
    Matrix decode_upright(const Matrix &content) const {
        content.validate("ferrolab::Rvae::decode_upright: content");
        Matrix out(content.rows, shape().pixels());
        detail::check(ferrolab_rvae_decode(h_.get(), nullptr, nullptr, content.data.data(), content.rows,
                                           content.cols, out.data.data(), out.cols));
        return out;
    }
    void save(const std::string &path) const { detail::check(ferrolab_rvae_save(h_.get(), path.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_rvae_last_error(h_.get(), b, c, n); });
    }
    const ferrolab_rvae *get() const noexcept { return h_.get(); }

private:
    Rvae() = default;
    detail::Owned<ferrolab_rvae, ferrolab_rvae_free> h_;
};

// An inverse-design run writing into `out_dir` (`ferrolab_design_*`). `dataset`: std::nullopt
// to simulate the loops (`full` for the paper's 10^4 grid), else an existing dataset's path.
class Design {
public:
    Design(ConfigRef cfg, const std::string &out_dir, const std::optional<std::string> &dataset = std::nullopt,
           bool full = false) {
        detail::check(ferrolab_design_new(cfg.get(), out_dir.c_str(), dataset ? dataset->c_str() : nullptr,
                                          full ? 1 : 0, h_.out()));
    }
    // Blocks until done; throws Error(FERROLAB_ERR_CANCELLED) after request_cancel.
    void run() const { detail::check(ferrolab_design_run(h_.get())); }
    struct Stage {
        int32_t stage = 0; // 0 dataset, 1 training, 2 analysis, 3 inverse design, 4 verification, 5 report
        size_t done = 0;
        size_t total = 0;
    };
    Stage progress() const {
        Stage s;
        detail::check(ferrolab_design_progress(h_.get(), &s.stage, &s.done, &s.total));
        return s;
    }
    void request_cancel() const { detail::check(ferrolab_design_request_cancel(h_.get())); }
    struct Result {
        std::array<double, 2> z{};
        std::array<double, 4> mean{}; // D_G nm, nu, mu rad, sigma rad
        std::array<double, 4> std{};
    };
    Result result() const {
        Result r;
        detail::check(ferrolab_design_result(h_.get(), r.z.data(), r.mean.data(), r.std.data()));
        return r;
    }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_design_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_design_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_design *get() const noexcept { return h_.get(); }

private:
    detail::Owned<ferrolab_design, ferrolab_design_free> h_;
};

// ---- Paper 003: encoder-decoders, the automated-experiment session, the simulated sample ----

// The simulated sample (`ferrolab_sample_generate`) of the sample.* keys of `cfg`; `rows`, `cols`
// and `steps` must equal sample.rows, sample.cols and sample.steps (60, 60, 64 by default).
struct Sample {
    Matrix image;                 // rows x cols
    Matrix loops;                 // (rows * cols) x steps: pixel (r, c) is row r * cols + c
    std::vector<double> voltage;  // steps
    std::vector<int32_t> anomaly; // rows * cols, 1 where the loop does not follow the structure
};
inline Sample sample_generate(size_t rows, size_t cols, size_t steps, ConfigRef cfg = {}) {
    detail::require(cols == 0 || rows <= std::numeric_limits<size_t>::max() / cols,
                    "ferrolab::sample_generate: rows * cols overflows");
    detail::require(steps == 0 || rows * cols <= std::numeric_limits<size_t>::max() / steps,
                    "ferrolab::sample_generate: rows * cols * steps overflows");
    Sample s{Matrix(rows, cols), Matrix(rows * cols, steps), std::vector<double>(steps),
             std::vector<int32_t>(rows * cols)};
    detail::check(ferrolab_sample_generate(cfg.get(), s.image.data.data(), rows, cols, s.loops.data.data(), steps,
                                           s.voltage.data(), s.anomaly.data()));
    return s;
}

// Sizes of an im2spec or spec2im model (`ferrolab_im2spec_shape`, `ferrolab_spec2im_shape`).
struct EncoderDecoderShape {
    size_t patch_h = 0;
    size_t patch_w = 0;
    size_t spectrum_len = 0;
    size_t latent = 0;
    size_t parameter_count = 0;
    size_t epochs_done = 0;
};

namespace detail {
// Epochs of loss history train() returns (a longer run keeps its first ones: C's truncation
// warning is ignored).
constexpr size_t kHistoryCap = 1 << 16;

inline void require_rows(const Matrix &m, size_t rows, size_t cols, const std::string &what) {
    m.validate(what.c_str());
    detail::require(m.rows == rows && m.cols == cols, what + ": " + std::to_string(m.rows) + " x " +
                                                          std::to_string(m.cols) + " given, want " +
                                                          std::to_string(rows) + " x " + std::to_string(cols));
}
} // namespace detail

// Paper 003's im2spec (`ferrolab_im2spec_*`): a structure patch -> the spectrum at its centre.
// Patches are matrices of n rows of patch_h * patch_w values (each patch row-major), spectra n
// rows of spectrum_len values.
class Im2Spec {
public:
    // Untrained, with the im2spec.* keys of `cfg`.
    Im2Spec(size_t patch_h, size_t patch_w, size_t spectrum_len, ConfigRef cfg = {}) {
        detail::check(ferrolab_im2spec_new(cfg.get(), patch_h, patch_w, spectrum_len, h_.out()));
    }
    static Im2Spec load(const std::string &path) {
        Im2Spec m;
        detail::check(ferrolab_im2spec_load(path.c_str(), m.h_.out()));
        return m;
    }
    // Checkpoint file of later train() calls; std::nullopt for none.
    void set_checkpoint(const std::optional<std::string> &path) const {
        detail::check(ferrolab_im2spec_set_checkpoint(h_.get(), path ? path->c_str() : nullptr));
    }
    // Train until im2spec.epochs epochs are done in total; returns this run's loss per epoch.
    // Throws Error(FERROLAB_ERR_CANCELLED) after request_cancel (calling it again continues).
    std::vector<double> train(const Matrix &patches, const Matrix &spectra) const {
        EncoderDecoderShape s = shape();
        patches.validate("ferrolab::Im2Spec::train: patches");
        detail::require_rows(patches, patches.rows, s.patch_h * s.patch_w, "ferrolab::Im2Spec::train: patches");
        detail::require_rows(spectra, patches.rows, s.spectrum_len, "ferrolab::Im2Spec::train: spectra");
        std::vector<double> history(detail::kHistoryCap);
        size_t epochs = 0;
        detail::check(ferrolab_im2spec_train(h_.get(), patches.data.data(), patches.rows, s.patch_h, s.patch_w,
                                             spectra.data.data(), s.spectrum_len, history.data(), history.size(),
                                             &epochs));
        history.resize(std::min(epochs, history.size()));
        return history;
    }
    void request_cancel() const { detail::check(ferrolab_im2spec_request_cancel(h_.get())); }
    // n x spectrum_len spectra of n patches.
    Matrix predict(const Matrix &patches) const {
        EncoderDecoderShape s = shape();
        patches.validate("ferrolab::Im2Spec::predict: patches");
        detail::require_rows(patches, patches.rows, s.patch_h * s.patch_w, "ferrolab::Im2Spec::predict: patches");
        Matrix out(patches.rows, s.spectrum_len);
        detail::check(ferrolab_im2spec_predict(h_.get(), patches.data.data(), patches.rows, s.patch_h, s.patch_w,
                                               s.spectrum_len, out.data.data(), nullptr));
        return out;
    }
    // n x latent vectors of n patches.
    Matrix encode(const Matrix &patches) const {
        EncoderDecoderShape s = shape();
        patches.validate("ferrolab::Im2Spec::encode: patches");
        detail::require_rows(patches, patches.rows, s.patch_h * s.patch_w, "ferrolab::Im2Spec::encode: patches");
        Matrix out(patches.rows, s.latent);
        detail::check(ferrolab_im2spec_encode(h_.get(), patches.data.data(), patches.rows, s.patch_h, s.patch_w,
                                              out.data.data(), s.latent));
        return out;
    }
    // n x spectrum_len spectra decoded from z (n x latent).
    Matrix decode(const Matrix &z) const {
        EncoderDecoderShape s = shape();
        detail::require_rows(z, z.rows, s.latent, "ferrolab::Im2Spec::decode: z");
        Matrix out(z.rows, s.spectrum_len);
        detail::check(ferrolab_im2spec_decode(h_.get(), z.data.data(), z.rows, s.latent, s.spectrum_len,
                                              out.data.data()));
        return out;
    }
    EncoderDecoderShape shape() const {
        EncoderDecoderShape s;
        detail::check(ferrolab_im2spec_shape(h_.get(), &s.patch_h, &s.patch_w, &s.spectrum_len, &s.latent,
                                             &s.parameter_count, &s.epochs_done));
        return s;
    }
    void save(const std::string &path) const { detail::check(ferrolab_im2spec_save(h_.get(), path.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_im2spec_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_im2spec_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_im2spec *get() const noexcept { return h_.get(); }

private:
    Im2Spec() = default;
    detail::Owned<ferrolab_im2spec, ferrolab_im2spec_free> h_;
};

// Paper 003's spec2im (`ferrolab_spec2im_*`): a spectrum -> the structure patch around it
// (sides multiples of 4). Matrices as for Im2Spec.
class Spec2Im {
public:
    // Untrained, with the spec2im.* keys of `cfg`.
    Spec2Im(size_t spectrum_len, size_t patch_h, size_t patch_w, ConfigRef cfg = {}) {
        detail::check(ferrolab_spec2im_new(cfg.get(), spectrum_len, patch_h, patch_w, h_.out()));
    }
    static Spec2Im load(const std::string &path) {
        Spec2Im m;
        detail::check(ferrolab_spec2im_load(path.c_str(), m.h_.out()));
        return m;
    }
    void set_checkpoint(const std::optional<std::string> &path) const {
        detail::check(ferrolab_spec2im_set_checkpoint(h_.get(), path ? path->c_str() : nullptr));
    }
    // As Im2Spec::train, the other way round.
    std::vector<double> train(const Matrix &spectra, const Matrix &patches) const {
        EncoderDecoderShape s = shape();
        spectra.validate("ferrolab::Spec2Im::train: spectra");
        detail::require_rows(spectra, spectra.rows, s.spectrum_len, "ferrolab::Spec2Im::train: spectra");
        detail::require_rows(patches, spectra.rows, s.patch_h * s.patch_w, "ferrolab::Spec2Im::train: patches");
        std::vector<double> history(detail::kHistoryCap);
        size_t epochs = 0;
        detail::check(ferrolab_spec2im_train(h_.get(), spectra.data.data(), spectra.rows, s.spectrum_len,
                                             patches.data.data(), s.patch_h, s.patch_w, history.data(),
                                             history.size(), &epochs));
        history.resize(std::min(epochs, history.size()));
        return history;
    }
    void request_cancel() const { detail::check(ferrolab_spec2im_request_cancel(h_.get())); }
    // n x (patch_h * patch_w) patches of n spectra.
    Matrix predict(const Matrix &spectra) const {
        EncoderDecoderShape s = shape();
        spectra.validate("ferrolab::Spec2Im::predict: spectra");
        detail::require_rows(spectra, spectra.rows, s.spectrum_len, "ferrolab::Spec2Im::predict: spectra");
        Matrix out(spectra.rows, s.patch_h * s.patch_w);
        detail::check(ferrolab_spec2im_predict(h_.get(), spectra.data.data(), spectra.rows, s.spectrum_len,
                                               s.patch_h, s.patch_w, out.data.data(), nullptr));
        return out;
    }
    Matrix encode(const Matrix &spectra) const {
        EncoderDecoderShape s = shape();
        spectra.validate("ferrolab::Spec2Im::encode: spectra");
        detail::require_rows(spectra, spectra.rows, s.spectrum_len, "ferrolab::Spec2Im::encode: spectra");
        Matrix out(spectra.rows, s.latent);
        detail::check(ferrolab_spec2im_encode(h_.get(), spectra.data.data(), spectra.rows, s.spectrum_len,
                                              out.data.data(), s.latent));
        return out;
    }
    Matrix decode(const Matrix &z) const {
        EncoderDecoderShape s = shape();
        detail::require_rows(z, z.rows, s.latent, "ferrolab::Spec2Im::decode: z");
        Matrix out(z.rows, s.patch_h * s.patch_w);
        detail::check(ferrolab_spec2im_decode(h_.get(), z.data.data(), z.rows, s.latent, s.patch_h, s.patch_w,
                                              out.data.data()));
        return out;
    }
    EncoderDecoderShape shape() const {
        EncoderDecoderShape s;
        detail::check(ferrolab_spec2im_shape(h_.get(), &s.patch_h, &s.patch_w, &s.spectrum_len, &s.latent,
                                             &s.parameter_count, &s.epochs_done));
        return s;
    }
    void save(const std::string &path) const { detail::check(ferrolab_spec2im_save(h_.get(), path.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_spec2im_last_error(h_.get(), b, c, n); });
    }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_spec2im_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_spec2im *get() const noexcept { return h_.get(); }

private:
    Spec2Im() = default;
    detail::Owned<ferrolab_spec2im, ferrolab_spec2im_free> h_;
};

// The automated-experiment session over one structural image (`ferrolab_ae_*`): rank where to
// measure, add what was measured, update the ensemble. Locations are pixel rows and columns.
class AeSession {
public:
    // `image` (height x width), `voltage` (spectrum_len), the ae.* and im2spec.* keys of `cfg`.
    AeSession(const Matrix &image, const std::vector<double> &voltage, ConfigRef cfg = {}) {
        image.validate("ferrolab::AeSession: image");
        detail::check(ferrolab_ae_new(cfg.get(), image.data.data(), image.rows, image.cols, voltage.data(),
                                      voltage.size(), h_.out()));
    }
    // A session saved by save() into directory `dir`.
    static AeSession load(const std::string &dir) {
        AeSession s;
        detail::check(ferrolab_ae_load(dir.c_str(), s.h_.out()));
        return s;
    }
    struct Shape {
        size_t height = 0;
        size_t width = 0;
        size_t spectrum_len = 0;
        size_t latent_dim = 0;
        size_t measurements = 0;
        bool trained = false;
    };
    Shape shape() const {
        Shape s;
        int32_t trained = 0;
        detail::check(ferrolab_ae_shape(h_.get(), &s.height, &s.width, &s.spectrum_len, &s.latent_dim,
                                        &s.measurements, &trained));
        s.trained = trained != 0;
        return s;
    }
    // Record spectra (n x spectrum_len) measured at (rows[k], cols[k]); returns each one's
    // surprise (NaN while no model is trained). A location already measured, or given twice,
    // throws (FERROLAB_ERR_INVALID_ARGUMENT) and nothing is added.
    std::vector<double> add_measurements(const std::vector<int64_t> &rows, const std::vector<int64_t> &cols,
                                         const Matrix &spectra) const {
        Shape s = shape();
        detail::require(cols.size() == rows.size(), "ferrolab::AeSession::add_measurements: " +
                                                        std::to_string(rows.size()) + " rows but " +
                                                        std::to_string(cols.size()) + " cols");
        detail::require_rows(spectra, rows.size(), s.spectrum_len, "ferrolab::AeSession::add_measurements: spectra");
        std::vector<double> surprise(rows.size());
        detail::check(ferrolab_ae_add_measurements(h_.get(), rows.data(), cols.data(), spectra.data.data(),
                                                   rows.size(), s.spectrum_len, surprise.data()));
        return surprise;
    }
    // (Re)train the ensemble, blocking. Throws Error(FERROLAB_ERR_CANCELLED) after
    // request_cancel (calling it again continues the members that did not finish).
    void update() const { detail::check(ferrolab_ae_update(h_.get())); }
    void request_cancel() const { detail::check(ferrolab_ae_request_cancel(h_.get())); }
    struct Ranking {
        std::vector<int64_t> rows;
        std::vector<int64_t> cols;
        std::vector<double> scores;
        Matrix pred;     // n x spectrum_len
        Matrix pred_std; // n x spectrum_len
    };
    // The next (at most) k locations to measure, best first. Needs update() first.
    Ranking rank(size_t k) const {
        size_t l = shape().spectrum_len;
        detail::require(l == 0 || k <= std::numeric_limits<size_t>::max() / l / sizeof(double),
                        "ferrolab::AeSession::rank: k too large");
        Ranking r{std::vector<int64_t>(k), std::vector<int64_t>(k), std::vector<double>(k), Matrix(k, l), Matrix(k, l)};
        size_t n = 0;
        detail::check(ferrolab_ae_rank(h_.get(), k, r.rows.data(), r.cols.data(), r.scores.data(),
                                       r.pred.data.data(), r.pred_std.data.data(), l, &n));
        r.rows.resize(n);
        r.cols.resize(n);
        r.scores.resize(n);
        r.pred = Matrix(n, l, std::vector<double>(r.pred.data.begin(), r.pred.data.begin() + n * l));
        r.pred_std = Matrix(n, l, std::vector<double>(r.pred_std.data.begin(), r.pred_std.data.begin() + n * l));
        return r;
    }
    struct Prediction {
        Matrix pred;     // n x spectrum_len
        Matrix pred_std; // n x spectrum_len
        Matrix latent;   // n x latent_dim (the first member's)
    };
    Prediction predict(const std::vector<int64_t> &rows, const std::vector<int64_t> &cols) const {
        Shape s = shape();
        detail::require(cols.size() == rows.size(), "ferrolab::AeSession::predict: " + std::to_string(rows.size()) +
                                                        " rows but " + std::to_string(cols.size()) + " cols");
        size_t n = rows.size();
        Prediction p{Matrix(n, s.spectrum_len), Matrix(n, s.spectrum_len), Matrix(n, s.latent_dim)};
        detail::check(ferrolab_ae_predict(h_.get(), rows.data(), cols.data(), n, p.pred.data.data(),
                                          p.pred_std.data.data(), s.spectrum_len, p.latent.data.data(),
                                          p.latent.data.size(), nullptr));
        return p;
    }
    struct Maps {
        Matrix score;              // height x width, NaN where undefined
        Matrix err_nrms;           // height x width
        Matrix err_mse;            // height x width
        Matrix err_area;           // height x width
        std::vector<double> latent; // height x width x latent_dim
    };
    Maps maps() const {
        Shape s = shape();
        Maps m{Matrix(s.height, s.width), Matrix(s.height, s.width), Matrix(s.height, s.width),
               Matrix(s.height, s.width), std::vector<double>(s.height * s.width * s.latent_dim)};
        detail::check(ferrolab_ae_maps(h_.get(), s.height, s.width, m.score.data.data(), m.err_nrms.data.data(),
                                       m.err_mse.data.data(), m.err_area.data.data(), m.latent.data(),
                                       m.latent.size(), nullptr));
        return m;
    }
    // Save into directory `dir` (created if missing), atomically as a whole.
    void save(const std::string &dir) const { detail::check(ferrolab_ae_save(h_.get(), dir.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_ae_last_error(h_.get(), b, c, n); });
    }
    // Stage k: member k training (from 1).
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_ae_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    const ferrolab_ae *get() const noexcept { return h_.get(); }

private:
    AeSession() = default;
    detail::Owned<ferrolab_ae, ferrolab_ae_free> h_;
};

// AtomAI's U-Net of papers 002/004 (`ferrolab_unet_*`): per-pixel classes. Training crops are
// a Matrix of n rows of height * width values (each crop row-major) with their masks, n *
// height * width class bytes in the same order; a frame is a height x width Matrix of any size.
class Unet {
public:
    // Untrained, with the unet.* keys of `cfg` (none: AtomAI's network for 3 classes).
    explicit Unet(ConfigRef cfg = {}) { detail::check(ferrolab_unet_new(cfg.get(), h_.out())); }
    // A model saved by save() (or a checkpoint).
    static Unet load(const std::string &path) {
        Unet u{Empty{}};
        detail::check(ferrolab_unet_load(path.c_str(), u.h_.out()));
        return u;
    }
    // Checkpoint file of later train() calls; std::nullopt for none.
    void set_checkpoint(const std::optional<std::string> &path) const {
        detail::check(ferrolab_unet_set_checkpoint(h_.get(), path ? path->c_str() : nullptr));
    }
    // Train on crops `images` (n x height*width; sides multiples of 8) and their `masks` (n *
    // height * width classes below unet.classes) until unet.epochs epochs are done in total;
    // returns this run's mean training cross-entropy per epoch. Throws
    // Error(FERROLAB_ERR_CANCELLED) after request_cancel (calling it again continues),
    // Error(FERROLAB_ERR_BUSY) while another thread trains this model.
    std::vector<double> train(const Matrix &images, const std::vector<uint8_t> &masks, size_t height,
                              size_t width) const {
        const std::string where = "ferrolab::Unet::train: ";
        detail::require(height > 0 && width > 0 && height % 8 == 0 && width % 8 == 0,
                        where + "crops of " + std::to_string(height) + " x " + std::to_string(width) +
                            " pixels: sides must be positive multiples of 8");
        detail::require_rows(images, images.rows, height * width, where + "images");
        detail::require(masks.size() == images.data.size(), where + "masks has " + std::to_string(masks.size()) +
                                                                " values for " + std::to_string(images.data.size()) +
                                                                " pixels of images");
        std::vector<double> history(detail::kHistoryCap);
        size_t epochs = 0;
        detail::check(ferrolab_unet_train(h_.get(), images.data.data(), masks.data(), images.rows, height, width,
                                          history.data(), history.size(), &epochs));
        history.resize(std::min(epochs, history.size()));
        return history;
    }
    void request_cancel() const { detail::check(ferrolab_unet_request_cancel(h_.get())); }
    Progress progress_info() const {
        Progress p;
        detail::check(ferrolab_unet_progress_info(h_.get(), &p.done, &p.total, &p.stage, &p.last_loss));
        return p;
    }
    struct Shape {
        size_t classes = 0;
        size_t filters = 0;
        size_t crop_height = 0; // 0 before training
        size_t crop_width = 0;
        size_t parameter_count = 0;
        size_t epochs_done = 0;
    };
    Shape shape() const {
        Shape s;
        detail::check(ferrolab_unet_shape(h_.get(), &s.classes, &s.filters, &s.crop_height, &s.crop_width,
                                          &s.parameter_count, &s.epochs_done));
        return s;
    }
    // Class probabilities of a frame: classes x height x width floats, class-major.
    struct ClassMaps {
        size_t classes = 0;
        size_t height = 0;
        size_t width = 0;
        std::vector<float> data;
        float operator()(size_t c, size_t i, size_t j) const { return data[(c * height + i) * width + j]; }
    };
    // Class probabilities of a whole frame (height x width, any size), in inference mode.
    ClassMaps probabilities(const Matrix &frame) const {
        check_frame(frame, "ferrolab::Unet::probabilities: frame");
        const size_t k = shape().classes;
        ClassMaps p{k, frame.rows, frame.cols, std::vector<float>(k * frame.data.size())};
        detail::check(ferrolab_unet_probabilities(h_.get(), frame.data.data(), frame.rows, frame.cols, p.data.data(),
                                                  k));
        return p;
    }
    // The most likely class of every pixel of a whole frame: height * width bytes, row-major.
    std::vector<uint8_t> segment(const Matrix &frame) const {
        check_frame(frame, "ferrolab::Unet::segment: frame");
        std::vector<uint8_t> out(frame.data.size());
        detail::check(ferrolab_unet_segment(h_.get(), frame.data.data(), frame.rows, frame.cols, out.data()));
        return out;
    }
    // The atoms of a whole frame for a model trained to mark atom centres: n_atoms x
    // FERROLAB_UNET_ATOM_FIELDS (row, column: pixels, sub-pixel, 0-based; class).
    Matrix find_atoms(const Matrix &frame) const {
        check_frame(frame, "ferrolab::Unet::find_atoms: frame");
        const size_t f = FERROLAB_UNET_ATOM_FIELDS;
        size_t cap = std::max<size_t>(64, frame.data.size() / 64);
        for (;;) {
            Matrix atoms(cap, f);
            size_t count = 0;
            int32_t status = ferrolab_unet_find_atoms(h_.get(), frame.data.data(), frame.rows, frame.cols,
                                                      atoms.data.data(), cap, &count);
            detail::check(status);
            if (status != FERROLAB_WARN_TRUNCATED) {
                return Matrix(count, f, std::vector<double>(atoms.data.begin(), atoms.data.begin() + f * count));
            }
            cap = count; // more atoms than the first guess: run again at their number
        }
    }
    void save(const std::string &path) const { detail::check(ferrolab_unet_save(h_.get(), path.c_str())); }
    std::string last_error() const {
        return detail::read_string(
            [&](char *b, size_t c, size_t *n) { return ferrolab_unet_last_error(h_.get(), b, c, n); });
    }
    const ferrolab_unet *get() const noexcept { return h_.get(); }

private:
    struct Empty {};
    explicit Unet(Empty) {}
    static void check_frame(const Matrix &frame, const char *what) {
        frame.validate(what);
        detail::require(frame.rows > 0 && frame.cols > 0, std::string(what) + " of " + std::to_string(frame.rows) +
                                                              " x " + std::to_string(frame.cols) +
                                                              " pixels is empty");
    }
    detail::Owned<ferrolab_unet, ferrolab_unet_free> h_;
};

} // namespace ferrolab

#endif // FERROLAB_HPP
