/* Every export fed NULLs, zero and mismatched sizes, NaN, freed and foreign handles, unknown
 * keys and wrong types: each call must return the documented status and a message naming the
 * argument or key, and nothing may crash. Prints "bad_input: all checks passed" on success. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ferrolab.h"
#include "check.h"


int main(void) {
    char buf[256];
    size_t needed = 0;
    double x = 0.0;
    int64_t i = 0;
    size_t n = 0;
    const double values[3] = {1.0, 2.0, NAN};
    const int64_t ints[2] = {1, 2};

    /* Library-wide functions. */
    if (strcmp(ferrolab_status_str(-12345), "unknown status code") != 0) {
        printf("FAIL unknown status text\n");
        failures++;
    }
    if (ferrolab_version_string() == NULL || ferrolab_abi_version() != FERROLAB_ABI_VERSION) {
        printf("FAIL version\n");
        failures++;
    }
    EXPECT(ferrolab_last_error(NULL, 4, &needed), FERROLAB_ERR_NULL_POINTER, NULL);
    EXPECT(ferrolab_set_num_threads(100000), FERROLAB_ERR_OUT_OF_RANGE, "n = 100000");
    EXPECT(ferrolab_num_threads(NULL), FERROLAB_ERR_NULL_POINTER, "ferrolab_num_threads: argument out is NULL");
    EXPECT(ferrolab_num_threads(&n), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_key_count(NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_config_key_count(&n), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_key_name(n, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "index");
    EXPECT(ferrolab_config_key_name(0, NULL, 8, NULL), FERROLAB_ERR_NULL_POINTER, "argument buf");
    EXPECT(ferrolab_config_key_name(0, NULL, 0, &needed), FERROLAB_WARN_TRUNCATED, "needs a buffer");
    EXPECT(ferrolab_config_key_describe(NULL, buf, sizeof buf, NULL), FERROLAB_ERR_NULL_POINTER, "argument key");
    EXPECT(ferrolab_config_key_describe("pf.nope", buf, sizeof buf, NULL), FERROLAB_ERR_UNKNOWN_KEY, "pf.nope");
    EXPECT(ferrolab_config_key_describe("pf.seed", buf, 4, &needed), FERROLAB_WARN_TRUNCATED, NULL);
    if (strlen(buf) != 3 || needed <= 4) {
        printf("FAIL truncation: \"%s\", needed %zu\n", buf, needed);
        failures++;
    }

    /* Creating and freeing. */
    EXPECT(ferrolab_config_new(NULL), FERROLAB_ERR_NULL_POINTER, "ferrolab_config_new: argument out is NULL");
    EXPECT(ferrolab_config_free(NULL), FERROLAB_OK, NULL);
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);

    /* NULL handle, NULL key, NULL outputs. */
    EXPECT(ferrolab_config_set_f64(NULL, "pf.seed", 1.0), FERROLAB_ERR_NULL_POINTER, "argument cfg");
    EXPECT(ferrolab_config_set_f64(cfg, NULL, 1.0), FERROLAB_ERR_NULL_POINTER, "argument key");
    EXPECT(ferrolab_config_set_str(cfg, "pf.seed", NULL), FERROLAB_ERR_NULL_POINTER, "argument value");
    EXPECT(ferrolab_config_get_f64(cfg, "pf.grain_diameter_nm", NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_config_get_i64(NULL, "pf.seed", &i), FERROLAB_ERR_NULL_POINTER, "argument cfg");
    EXPECT(ferrolab_config_get_str(cfg, NULL, buf, sizeof buf, NULL), FERROLAB_ERR_NULL_POINTER, "argument key");
    EXPECT(ferrolab_config_set_f64_array(cfg, "pf.grain_diameter_nm", NULL, 3), FERROLAB_ERR_NULL_POINTER, "argument values");
    EXPECT(ferrolab_config_set_i64_array(cfg, "pf.seed", NULL, 2), FERROLAB_ERR_NULL_POINTER, "argument values");
    EXPECT(ferrolab_config_reset(cfg, NULL), FERROLAB_ERR_NULL_POINTER, "argument key");
    /* Reading a handle's message, even when that fails, leaves the thread's message alone. */
    EXPECT(ferrolab_config_last_error(NULL, buf, sizeof buf, NULL), FERROLAB_ERR_NULL_POINTER,
           "ferrolab_config_reset: argument key is NULL");

    /* Unknown keys, with a hint for a near miss; invalid UTF-8. */
    EXPECT(ferrolab_config_set_f64(cfg, "pf.grain_diametre_nm", 10.0), FERROLAB_ERR_UNKNOWN_KEY,
           "did you mean \"pf.grain_diameter_nm\"?");
    EXPECT(ferrolab_config_get_f64(cfg, "no.such_key", &x), FERROLAB_ERR_UNKNOWN_KEY, "\"no.such_key\"");
    EXPECT(ferrolab_config_reset(cfg, "no.such_key"), FERROLAB_ERR_UNKNOWN_KEY, "no.such_key");
    EXPECT(ferrolab_config_set_f64(cfg, "pf.\xff", 1.0), FERROLAB_ERR_INVALID_UTF8, "argument key");

    /* Non-finite and out-of-range values name the key; wrong types name both types. */
    EXPECT(ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", NAN), FERROLAB_ERR_NON_FINITE, "pf.grain_diameter_nm");
    EXPECT(ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", INFINITY), FERROLAB_ERR_NON_FINITE, "pf.grain_diameter_nm");
    EXPECT(ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", 0.0), FERROLAB_ERR_OUT_OF_RANGE, "\"pf.grain_diameter_nm\": value 0");
    EXPECT(ferrolab_config_set_f64(cfg, "pf.polar_fraction", -0.1), FERROLAB_ERR_OUT_OF_RANGE, "[0, 1]");
    EXPECT(ferrolab_config_set_i64(cfg, "pf.seed", -1), FERROLAB_ERR_OUT_OF_RANGE, "pf.seed");
    EXPECT(ferrolab_config_set_i64(cfg, "pf.grain_diameter_nm", 100), FERROLAB_ERR_WRONG_TYPE,
           "\"pf.grain_diameter_nm\" holds a real number, not an integer");
    EXPECT(ferrolab_config_set_f64(cfg, "pf.seed", 1.0), FERROLAB_ERR_WRONG_TYPE, "holds an integer");
    EXPECT(ferrolab_config_set_str(cfg, "pf.seed", "one"), FERROLAB_ERR_WRONG_TYPE, "not text");
    EXPECT(ferrolab_config_set_f64_array(cfg, "pf.grain_diameter_nm", values, 3), FERROLAB_ERR_NON_FINITE, "values[2]");
    EXPECT(ferrolab_config_set_f64_array(cfg, "pf.grain_diameter_nm", values, 2), FERROLAB_ERR_WRONG_TYPE, "list of real");
    EXPECT(ferrolab_config_set_f64_array(cfg, "pf.grain_diameter_nm", NULL, 0), FERROLAB_ERR_WRONG_TYPE, NULL);
    EXPECT(ferrolab_config_set_i64_array(cfg, "pf.seed", ints, 2), FERROLAB_ERR_WRONG_TYPE, "list of integers");
    EXPECT(ferrolab_config_get_i64(cfg, "pf.grain_diameter_nm", &i), FERROLAB_ERR_WRONG_TYPE, "not an integer");
    EXPECT(ferrolab_config_get_f64(cfg, "pf.seed", &x), FERROLAB_ERR_WRONG_TYPE, "not a real number");
    EXPECT(ferrolab_config_get_str(cfg, "pf.seed", buf, sizeof buf, &needed), FERROLAB_ERR_WRONG_TYPE, "not text");
    EXPECT(ferrolab_config_get_f64_array(cfg, "pf.seed", NULL, 0, &n), FERROLAB_ERR_WRONG_TYPE, NULL);
    EXPECT(ferrolab_config_get_i64_array(cfg, "pf.grain_diameter_nm", NULL, 0, &n), FERROLAB_ERR_WRONG_TYPE, NULL);

    /* Failed calls changed nothing; the handle kept the last message. */
    EXPECT(ferrolab_config_get_f64(cfg, "pf.grain_diameter_nm", &x), FERROLAB_OK, NULL);
    if (x != 16.2) {
        printf("FAIL pf.grain_diameter_nm changed to %g by failed calls\n", x);
        failures++;
    }
    EXPECT(ferrolab_config_last_error(cfg, buf, sizeof buf, NULL), FERROLAB_OK, NULL);
    if (strstr(buf, "ferrolab_config_get_i64_array") == NULL) {
        printf("FAIL handle message: %s\n", buf);
        failures++;
    }
    EXPECT(ferrolab_config_set_f64(cfg, "pf.nope", 1.0), FERROLAB_ERR_UNKNOWN_KEY, "pf.nope");
    EXPECT(ferrolab_gp_last_error((const ferrolab_gp *)(uintptr_t)7, buf, sizeof buf, NULL),
           FERROLAB_ERR_INVALID_HANDLE, "ferrolab_config_set_f64: unknown configuration key \"pf.nope\"");
    EXPECT(ferrolab_config_last_error(cfg, buf, 3, &needed), FERROLAB_WARN_TRUNCATED,
           "ferrolab_config_set_f64: unknown configuration key \"pf.nope\"");

    /* Freed and foreign handles: refused, never dereferenced (valgrind checks the latter). */
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(cfg), FERROLAB_ERR_INVALID_HANDLE, "argument cfg is not a live ferrolab_config handle");
    EXPECT(ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", 64.0), FERROLAB_ERR_INVALID_HANDLE, "freed");
    EXPECT(ferrolab_config_set_i64(cfg, "pf.seed", 1), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_set_str(cfg, "pf.seed", "x"), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_set_f64_array(cfg, "pf.grain_diameter_nm", values, 2), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_set_i64_array(cfg, "pf.seed", ints, 2), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_reset(cfg, "pf.seed"), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_get_f64(cfg, "pf.grain_diameter_nm", &x), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_get_i64(cfg, "pf.seed", &i), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_get_str(cfg, "pf.seed", buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_get_f64_array(cfg, "pf.grain_diameter_nm", NULL, 0, &n), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_get_i64_array(cfg, "pf.seed", NULL, 0, &n), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_last_error(cfg, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE,
           "ferrolab_config_get_i64_array: argument cfg is not a live ferrolab_config handle");

    /* A new handle reuses the slot but the stale pointer stays dead. */
    ferrolab_config *fresh = NULL;
    EXPECT(ferrolab_config_new(&fresh), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_get_f64(cfg, "pf.grain_diameter_nm", &x), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_get_f64(fresh, "pf.grain_diameter_nm", &x), FERROLAB_OK, NULL);

    double not_a_handle = 0.0;
    ferrolab_config *foreign = (ferrolab_config *)(void *)&not_a_handle;
    EXPECT(ferrolab_config_get_f64(foreign, "pf.grain_diameter_nm", &x), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_config_free(foreign), FERROLAB_ERR_INVALID_HANDLE, NULL);

    /* Films: NULL config means defaults; shapes must match; handles are typed. */
    ferrolab_polycrystal *film = NULL;
    int32_t cells[20 * 256];
    double grain_theta[6];
    EXPECT(ferrolab_polycrystal_new(NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_polycrystal_new(foreign, &film), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    if (film != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_polycrystal_new\n");
        failures++;
    }
    EXPECT(ferrolab_polycrystal_new(NULL, &film), FERROLAB_OK, NULL);
    EXPECT(ferrolab_polycrystal_shape(film, NULL, &n), FERROLAB_ERR_NULL_POINTER, "argument n_rows");
    EXPECT(ferrolab_polycrystal_grain_count(film, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_polycrystal_cells(film, cells, NULL, NULL, 256, 20), FERROLAB_ERR_INVALID_ARGUMENT,
           "n_rows x n_cols = 256 x 20, but the film is 20 x 256");
    EXPECT(ferrolab_polycrystal_cells(film, cells, NULL, NULL, 20, 256), FERROLAB_OK, NULL);
    EXPECT(ferrolab_polycrystal_cells(film, NULL, NULL, NULL, 20, 256), FERROLAB_OK, NULL);
    EXPECT(ferrolab_polycrystal_grains(film, grain_theta, NULL, NULL, 5), FERROLAB_ERR_INVALID_ARGUMENT,
           "n_grains = 5, but the film has 6 grains");
    EXPECT(ferrolab_polycrystal_grains(film, grain_theta, NULL, NULL, 6), FERROLAB_OK, NULL);
    EXPECT(ferrolab_polycrystal_last_error(film, buf, sizeof buf, NULL), FERROLAB_OK, NULL);
    if (strstr(buf, "n_grains = 5") == NULL) {
        printf("FAIL film message: %s\n", buf);
        failures++;
    }
    /* A config handle is not a film, and a film is not a config. */
    EXPECT(ferrolab_polycrystal_shape((const ferrolab_polycrystal *)(const void *)fresh, &n, &n),
           FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_polycrystal handle");
    EXPECT(ferrolab_config_get_f64((const ferrolab_config *)(const void *)film, "pf.grain_diameter_nm", &x),
           FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_config handle");
    EXPECT(ferrolab_polycrystal_free((ferrolab_polycrystal *)(void *)fresh), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_polycrystal_free(film), FERROLAB_OK, NULL);
    EXPECT(ferrolab_polycrystal_free(film), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_polycrystal_free(NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_polycrystal_cells(film, cells, NULL, NULL, 20, 256), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_polycrystal_grains(film, NULL, NULL, NULL, 6), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_polycrystal_grain_count(film, &n), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_polycrystal_last_error(film, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);

    /* A film from a config with inconsistent keys names them. */
    EXPECT(ferrolab_config_set_f64(fresh, "pf.gb_width_min_nm", 3.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_polycrystal_new(fresh, &film), FERROLAB_ERR_OUT_OF_RANGE, "pf.gb_width_min_nm = 3 exceeds pf.gb_width_max_nm = 2");
    EXPECT(ferrolab_config_free(fresh), FERROLAB_OK, NULL);

    /* Loops: size queries, small buffers, bad configs; features of bad samples. */
    double v[8] = {-1.0, -0.5, 0.0, 0.5, 1.0, 0.5, 0.0, -0.5};
    double p[8] = {-0.2, -0.2, -0.2, -0.1, 0.2, 0.2, 0.2, 0.1};
    double features[FERROLAB_LOOP_FEATURE_COUNT];
    size_t n_points = 0;
    EXPECT(ferrolab_pf_simulate_loop(NULL, NULL, NULL, 0, NULL), FERROLAB_ERR_NULL_POINTER, "argument n_points");
    EXPECT(ferrolab_pf_simulate_loop(NULL, NULL, NULL, 0, &n_points), FERROLAB_WARN_TRUNCATED, "pf.points = 400");
    if (n_points != 400) {
        printf("FAIL n_points %zu\n", n_points);
        failures++;
    }
    EXPECT(ferrolab_pf_simulate_loop(NULL, NULL, NULL, 400, &n_points), FERROLAB_ERR_NULL_POINTER, "argument voltage");
    EXPECT(ferrolab_pf_simulate_loop(foreign, v, p, 8, &n_points), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    ferrolab_config *loop_cfg = NULL;
    EXPECT(ferrolab_config_new(&loop_cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(loop_cfg, "pf.points", 7), FERROLAB_OK, NULL);
    EXPECT(ferrolab_pf_simulate_loop(loop_cfg, v, p, 8, &n_points), FERROLAB_ERR_OUT_OF_RANGE, "pf.points = 7 must be even");
    /* A field beyond the runaway limit on a single polar grain: an error naming a cell, not NaN. */
    EXPECT(ferrolab_config_set_i64(loop_cfg, "pf.points", 8), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(loop_cfg, "pf.cells_width", 4), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(loop_cfg, "pf.grain_diameter_nm", 100.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(loop_cfg, "pf.polar_fraction", 1.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(loop_cfg, "pf.orientation_spread_rad", 0.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(loop_cfg, "pf.orientation_mean_rad", 0.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(loop_cfg, "pf.gb_width_min_nm", 0.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(loop_cfg, "pf.gb_width_max_nm", 0.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(loop_cfg, "pf.v_max", 12.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_pf_simulate_loop(loop_cfg, v, p, 8, &n_points), FERROLAB_ERR_NUMERICAL, "runaway polarization");
    EXPECT(ferrolab_config_free(loop_cfg), FERROLAB_OK, NULL);

    EXPECT(ferrolab_loop_features(v, p, 8, 10e-9, features, 7), FERROLAB_ERR_INVALID_ARGUMENT, "cap = 7");
    EXPECT(ferrolab_loop_features(NULL, p, 8, 10e-9, features, 8), FERROLAB_ERR_NULL_POINTER, "argument voltage");
    EXPECT(ferrolab_loop_features(v, p, 8, 10e-9, NULL, 8), FERROLAB_ERR_NULL_POINTER, "argument features");
    EXPECT(ferrolab_loop_features(v, p, 8, 0.0, features, 8), FERROLAB_ERR_OUT_OF_RANGE, "thickness_m = 0");
    EXPECT(ferrolab_loop_features(v, p, 2, 10e-9, features, 8), FERROLAB_ERR_INVALID_ARGUMENT, "no complete cycle");
    p[3] = NAN;
    EXPECT(ferrolab_loop_features(v, p, 8, 10e-9, features, 8), FERROLAB_ERR_NON_FINITE, "polarization[3]");
    p[3] = -0.1;
    EXPECT(ferrolab_loop_features(v, p, 8, 10e-9, features, 8), FERROLAB_OK, NULL);
    if (features[1] != 0.2 || features[6] != 1.0) {
        printf("FAIL features: Pr %g, crossings %g\n", features[1], features[6]);
        failures++;
    }

    /* Gaussian processes. */
    double gx[6] = {0.0, 1.0, 2.0, 3.0, 4.0, 5.0}, gy[6] = {0.0, 0.8, 0.9, 0.1, -0.7, -1.0};
    double gq[2] = {0.5, NAN}, gmean[2], gstd[2], glml[1], gsig, glen[1], gnoise, gjit;
    size_t gnl = 0, gd = 0, gm = 0;
    ferrolab_gp *gp = NULL;
    EXPECT(ferrolab_gp_fit(NULL, NULL, 6, 1, gy, 1, &gp), FERROLAB_ERR_NULL_POINTER, "argument x");
    EXPECT(ferrolab_gp_fit(NULL, gx, 0, 1, gy, 1, &gp), FERROLAB_ERR_INVALID_ARGUMENT, "x is 0 x 1");
    EXPECT(ferrolab_gp_fit(NULL, gx, 6, 1, gy, 0, &gp), FERROLAB_ERR_INVALID_ARGUMENT, "y is 6 x 0");
    gy[2] = INFINITY;
    EXPECT(ferrolab_gp_fit(NULL, gx, 6, 1, gy, 1, &gp), FERROLAB_ERR_NON_FINITE, "y[2]");
    gy[2] = 1e308; /* finite, but its square is not: a numerical error, never NaN predictions */
    EXPECT(ferrolab_gp_fit(NULL, gx, 6, 1, gy, 1, &gp), FERROLAB_ERR_NUMERICAL, "rescale x and y");
    if (gp != NULL) {
        printf("FAIL gp_fit with 1e308 left a handle\n");
        failures++;
    }
    gy[2] = 0.9;
    EXPECT(ferrolab_gp_fit(foreign, gx, 6, 1, gy, 1, &gp), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    EXPECT(ferrolab_gp_fit(NULL, gx, 6, 1, gy, 1, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_gp_fit(NULL, gx, 6, 1, gy, 1, &gp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_gp_shape(gp, &gd, &gm), FERROLAB_OK, NULL);
    if (gd != 1 || gm != 1) {
        printf("FAIL gp shape %zu %zu\n", gd, gm);
        failures++;
    }
    EXPECT(ferrolab_gp_predict(gp, gq, 2, 1, gmean, gstd), FERROLAB_ERR_NON_FINITE, "xq[1]");
    double gq2[2] = {0.5, 0.6};
    EXPECT(ferrolab_gp_predict(gp, gq2, 1, 2, gmean, gstd), FERROLAB_ERR_INVALID_ARGUMENT, "xq has 2 columns");
    EXPECT(ferrolab_gp_predict(gp, gq, 1, 1, NULL, gstd), FERROLAB_ERR_NULL_POINTER, "argument mean");
    EXPECT(ferrolab_gp_predict(gp, gq, 1, 1, gmean, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_gp_log_marginal_likelihood(gp, glml, 2), FERROLAB_ERR_INVALID_ARGUMENT, "m = 2");
    double gcov[4], gsamples[6];
    EXPECT(ferrolab_gp_predict_covariance(gp, gq2, 2, 1, 3, gcov), FERROLAB_ERR_INVALID_ARGUMENT, "output = 3");
    EXPECT(ferrolab_gp_predict_covariance(gp, gq2, 2, 1, 0, NULL), FERROLAB_ERR_NULL_POINTER, "argument cov");
    EXPECT(ferrolab_gp_predict_covariance(gp, gq2, 2, 1, 0, gcov), FERROLAB_OK, NULL);
    if (!(gcov[1] == gcov[2] && gcov[0] > 0.0)) {
        printf("FAIL covariance not symmetric positive: %g %g %g\n", gcov[0], gcov[1], gcov[2]);
        failures++;
    }
    EXPECT(ferrolab_gp_sample(gp, gq2, 2, 1, 0, 0, 7, gsamples), FERROLAB_ERR_INVALID_ARGUMENT, "samples is 0 x 2");
    EXPECT(ferrolab_gp_sample(gp, gq2, 2, 1, 0, 3, 7, gsamples), FERROLAB_OK, NULL);
    EXPECT(ferrolab_gp_hyperparameters(gp, 1, &gsig, glen, 1, &gnl, &gnoise, &gjit), FERROLAB_ERR_INVALID_ARGUMENT, "output = 1");
    EXPECT(ferrolab_gp_hyperparameters(gp, 0, &gsig, NULL, 0, &gnl, &gnoise, &gjit), FERROLAB_WARN_TRUNCATED, NULL);
    EXPECT(ferrolab_gp_save(gp, NULL), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_gp_save(gp, "/nonexistent-dir/model.gp"), FERROLAB_ERR_IO, "/nonexistent-dir/model.gp");
    ferrolab_gp *other = NULL;
    EXPECT(ferrolab_gp_load("no_such_model.gp", &other), FERROLAB_ERR_IO, "no_such_model.gp");
    FILE *junk = fopen("junk.gp", "wb");
    if (junk != NULL) {
        fputs("this is not a model file at all", junk);
        fclose(junk);
    }
    EXPECT(ferrolab_gp_load("junk.gp", &other), FERROLAB_ERR_CORRUPT_FILE, "not a ferrolab GP model");
    remove("junk.gp");
    EXPECT(ferrolab_gp_free(gp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_gp_predict(gp, gq, 1, 1, gmean, NULL), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_gp");
    EXPECT(ferrolab_gp_free(gp), FERROLAB_ERR_INVALID_HANDLE, NULL);

    /* Loop parameters of a one-step "loop": an input error, not a caught panic. */
    double one_v = 0.0, fit9[9] = {-1, 2, 2, -1, 0, 1, 1, 1, 1}, lp[FERROLAB_LOOP_PARAMETER_COUNT];
    EXPECT(ferrolab_loop_parameters(&one_v, 1, fit9, 1, lp), FERROLAB_ERR_INVALID_ARGUMENT, "n_steps = 1");
    double two_v[2] = {-1.0, 1.0};
    EXPECT(ferrolab_loop_parameters(two_v, 2, fit9, SIZE_MAX / 4, lp), FERROLAB_ERR_INVALID_ARGUMENT, NULL);

    return finish("bad_input");
}
