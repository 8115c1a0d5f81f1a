// ferrolab.hpp: a header-only C++17 wrapper over ferrolab.h. Handles become move-only RAII
// objects and failed calls become ferrolab::Error exceptions carrying the status and message.
// The C header stays the source of truth; this file adds no behaviour of its own.
#ifndef FERROLAB_HPP
#define FERROLAB_HPP

#include <cstdint>
#include <stdexcept>
#include <string>
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
// The calling thread's last failure message, in full.
inline std::string last_error_message() {
    std::string text(256, '\0');
    size_t needed = 0;
    while (ferrolab_last_error(text.data(), text.size(), &needed) == FERROLAB_WARN_TRUNCATED) {
        text.resize(needed);
    }
    text.resize(needed > 0 ? needed - 1 : 0);
    return text;
}

inline void check(int32_t status) {
    if (status < 0) {
        throw Error(status, last_error_message());
    }
}

// Read an snprintf-style string output in full, growing the buffer as needed.
template <typename Call> std::string read_string(Call call) {
    std::string text(64, '\0');
    for (;;) {
        size_t needed = 0;
        int32_t status = call(text.data(), text.size(), &needed);
        if (status == FERROLAB_OK) {
            text.resize(needed - 1);
            return text;
        }
        check(status);
        text.resize(needed);
    }
}
} // namespace detail

// The library version ("MAJOR.MINOR.PATCH").
inline std::string version() { return ferrolab_version_string(); }

// Size ferrolab's worker pool (0 = one thread per core).
inline void set_num_threads(size_t n) { detail::check(ferrolab_set_num_threads(n)); }

// Set the process's memory budget in bytes (0 = the default: half the physical memory).
inline void set_max_alloc_bytes(uint64_t n) { detail::check(ferrolab_set_max_alloc_bytes(n)); }

// Options: every key at its default until set; see ferrolab_config_* in ferrolab.h.
class Config {
public:
    Config() { detail::check(ferrolab_config_new(&handle_)); }
    ~Config() { ferrolab_config_free(handle_); }
    Config(const Config &) = delete;
    Config &operator=(const Config &) = delete;
    Config(Config &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Config &operator=(Config &&other) noexcept {
        std::swap(handle_, other.handle_);
        return *this;
    }

    void set(const std::string &key, double value) {
        detail::check(ferrolab_config_set_f64(handle_, key.c_str(), value));
    }
    void set(const std::string &key, int64_t value) {
        detail::check(ferrolab_config_set_i64(handle_, key.c_str(), value));
    }
    void set(const std::string &key, const std::string &value) {
        detail::check(ferrolab_config_set_str(handle_, key.c_str(), value.c_str()));
    }
    void set(const std::string &key, const std::vector<double> &values) {
        detail::check(ferrolab_config_set_f64_array(handle_, key.c_str(), values.data(), values.size()));
    }
    void set(const std::string &key, const std::vector<int64_t> &values) {
        detail::check(ferrolab_config_set_i64_array(handle_, key.c_str(), values.data(), values.size()));
    }
    void reset(const std::string &key) { detail::check(ferrolab_config_reset(handle_, key.c_str())); }

    double get_f64(const std::string &key) const {
        double value = 0.0;
        detail::check(ferrolab_config_get_f64(handle_, key.c_str(), &value));
        return value;
    }
    int64_t get_i64(const std::string &key) const {
        int64_t value = 0;
        detail::check(ferrolab_config_get_i64(handle_, key.c_str(), &value));
        return value;
    }
    std::string get_str(const std::string &key) const {
        return detail::read_string([&](char *b, size_t c, size_t *n) {
            return ferrolab_config_get_str(handle_, key.c_str(), b, c, n);
        });
    }

    // Every known key, in name order.
    static std::vector<std::string> keys() {
        size_t count = 0;
        detail::check(ferrolab_config_key_count(&count));
        std::vector<std::string> names;
        for (size_t i = 0; i < count; i++) {
            names.push_back(detail::read_string(
                [&](char *b, size_t c, size_t *n) { return ferrolab_config_key_name(i, b, c, n); }));
        }
        return names;
    }
    // Type, unit, valid range, default and doc of a key.
    static std::string describe(const std::string &key) {
        return detail::read_string([&](char *b, size_t c, size_t *n) {
            return ferrolab_config_key_describe(key.c_str(), b, c, n);
        });
    }

    const ferrolab_config *get() const noexcept { return handle_; }
    ferrolab_config *get() noexcept { return handle_; }

private:
    ferrolab_config *handle_ = nullptr;
};

} // namespace ferrolab

#endif // FERROLAB_HPP
