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
    /* A field beyond the runaway limit on a single polar grain with paper 000's (unbounded)
       coefficients: an error naming a cell, not NaN. */
    EXPECT(ferrolab_config_set_i64(loop_cfg, "pf.points", 8), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_str(loop_cfg, "pf.landau", "paper"), FERROLAB_OK, NULL);
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

    /* Manifold learning: NULLs, zero and overflowing sizes, non-finite values, foreign
     * configurations, arguments out of range. */
    double mx[12 * 2], my[12 * 2], mval = 0.0;
    for (int k = 0; k < 12 * 2; k++) mx[k] = (double)((k * 7) % 11) / 11.0;
    memcpy(my, mx, sizeof my);
    EXPECT(ferrolab_tsne(NULL, NULL, 12, 2, 2, my, NULL), FERROLAB_ERR_NULL_POINTER, "argument x");
    EXPECT(ferrolab_tsne(foreign, mx, 12, 2, 2, my, NULL), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    EXPECT(ferrolab_tsne(NULL, mx, 0, 2, 2, my, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "x is 0 x 2");
    EXPECT(ferrolab_tsne(NULL, mx, SIZE_MAX / 2, 4, 2, my, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    EXPECT(ferrolab_tsne(NULL, mx, 12, 2, 0, my, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "n_components = 0");
    /* The default perplexity, 30, is not below 12 samples. */
    EXPECT(ferrolab_tsne(NULL, mx, 12, 2, 2, my, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "perplexity");
    EXPECT(ferrolab_mds(NULL, mx, 12, 2, 2, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument embedding");
    EXPECT(ferrolab_mds(foreign, mx, 12, 2, 2, my, NULL), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    EXPECT(ferrolab_mds(NULL, mx, 12, 0, 2, my, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "x is 12 x 0");
    EXPECT(ferrolab_mds(NULL, mx, 12, 2, 13, my, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "n_components = 13");
    EXPECT(ferrolab_mds(NULL, mx, 12, 2, 2, my, &mval), FERROLAB_OK, NULL);
    EXPECT(ferrolab_isomap(NULL, NULL, 12, 2, 2, my, NULL), FERROLAB_ERR_NULL_POINTER, "argument x");
    EXPECT(ferrolab_isomap(foreign, mx, 12, 2, 2, my, NULL), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    EXPECT(ferrolab_isomap(NULL, mx, 12, 2, 0, my, NULL), FERROLAB_ERR_INVALID_ARGUMENT, NULL);
    EXPECT(ferrolab_isomap(NULL, mx, 12, 2, 2, my, &mval), FERROLAB_OK, NULL);
    EXPECT(ferrolab_trustworthiness(mx, NULL, 12, 2, 2, 3, &mval), FERROLAB_ERR_NULL_POINTER, "argument y");
    EXPECT(ferrolab_trustworthiness(mx, my, 12, 2, 2, 3, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_trustworthiness(mx, my, 12, 2, 0, 3, &mval), FERROLAB_ERR_INVALID_ARGUMENT, "y is 12 x 0");
    EXPECT(ferrolab_trustworthiness(mx, my, 12, 2, 2, 6, &mval), FERROLAB_ERR_INVALID_ARGUMENT, "n_neighbors = 6");
    mx[3] = NAN;
    EXPECT(ferrolab_tsne(NULL, mx, 12, 2, 2, my, NULL), FERROLAB_ERR_NON_FINITE, "x[3] = NaN");
    EXPECT(ferrolab_mds(NULL, mx, 12, 2, 2, my, NULL), FERROLAB_ERR_NON_FINITE, "x[3]");
    EXPECT(ferrolab_isomap(NULL, mx, 12, 2, 2, my, NULL), FERROLAB_ERR_NON_FINITE, "x[3]");
    EXPECT(ferrolab_trustworthiness(my, mx, 12, 2, 2, 3, &mval), FERROLAB_ERR_NON_FINITE, "y[3]");
    mx[3] = 0.0;
    EXPECT(ferrolab_trustworthiness(mx, my, 12, 2, 2, 3, &mval), FERROLAB_OK, NULL);

    /* LSTM VAEs: every call with NULLs, wrong sizes, non-finite values, foreign and freed handles. */
    ferrolab_lstm_vae *lv = NULL;
    ferrolab_config *lcfg = NULL;
    EXPECT(ferrolab_config_new(&lcfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.hidden", 3), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.blocks", 0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.latent", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.embedding", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.target_active", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.epochs", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.priming_epochs", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.stage_epochs", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_str(lcfg, "lstm_vae.variant", "lstm"), FERROLAB_ERR_OUT_OF_RANGE, "lstm_vae.variant");
    EXPECT(ferrolab_lstm_vae_new(lcfg, 4, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_lstm_vae_new(lcfg, 0, &lv), FERROLAB_ERR_INVALID_ARGUMENT, "row_len = 0");
    EXPECT(ferrolab_lstm_vae_new(foreign, 4, &lv), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    EXPECT(ferrolab_config_set_str(lcfg, "lstm_vae.variant", "beps"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_new(lcfg, 5, &lv), FERROLAB_ERR_INVALID_ARGUMENT, "rows of 2 x N values");
    EXPECT(ferrolab_config_set_str(lcfg, "lstm_vae.variant", "toy"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.target_active", 3), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_new(lcfg, 4, &lv), FERROLAB_ERR_INVALID_ARGUMENT, "lstm_vae.target_active = 3 exceeds");
    if (lv != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_lstm_vae_new\n");
        failures++;
    }
    /* Every channel active above a threshold of 1e-12: stage 1 is selected, train returns OK. */
    EXPECT(ferrolab_config_set_i64(lcfg, "lstm_vae.target_active", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(lcfg, "lstm_vae.active_threshold", 1e-12), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_new(lcfg, 4, &lv), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(lcfg), FERROLAB_OK, NULL);

    double lx[6 * 4], lout[6 * 4], lmu[6 * 2], llv[6 * 2], lz[6 * 2], lemb[6 * 2], lhist[2 * FERROLAB_LSTM_VAE_HISTORY_FIELDS];
    double lrec[3 * FERROLAB_LSTM_VAE_STAGE_FIELDS], lkl[3 * 2];
    for (int k = 0; k < 24; k++) lx[k] = sin(0.7 * k);
    size_t lrow = 0, llat = 0, lemb_w = 0, lparams = 0, lepochs = 0, lcount = 0;
    int64_t lsel = 7;
    EXPECT(ferrolab_lstm_vae_set_checkpoint(NULL, "x.ckpt"), FERROLAB_ERR_NULL_POINTER, "argument lstm_vae is NULL");
    EXPECT(ferrolab_lstm_vae_set_checkpoint(lv, "no_such_dir/x.ckpt"), FERROLAB_ERR_IO, "no_such_dir/x.ckpt");
    EXPECT(ferrolab_lstm_vae_set_checkpoint(lv, "\xff.ckpt"), FERROLAB_ERR_INVALID_UTF8, "argument path");
    EXPECT(ferrolab_lstm_vae_set_checkpoint(lv, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_set_stage_dir(NULL, "."), FERROLAB_ERR_NULL_POINTER, "argument lstm_vae");
    EXPECT(ferrolab_lstm_vae_set_stage_dir(lv, "no_such_dir"), FERROLAB_ERR_IO, "no_such_dir");
    EXPECT(ferrolab_lstm_vae_set_stage_dir(lv, "\xff"), FERROLAB_ERR_INVALID_UTF8, "argument dir");
    EXPECT(ferrolab_lstm_vae_set_stage_dir(lv, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_train(NULL, lx, 6, 4, &lepochs), FERROLAB_ERR_NULL_POINTER, "argument lstm_vae");
    EXPECT(ferrolab_lstm_vae_train(lv, NULL, 6, 4, &lepochs), FERROLAB_ERR_NULL_POINTER, "argument x");
    EXPECT(ferrolab_lstm_vae_train(lv, lx, 6, 4, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_lstm_vae_train(lv, lx, 0, 4, &lepochs), FERROLAB_ERR_INVALID_ARGUMENT, "x is 0 x 4");
    EXPECT(ferrolab_lstm_vae_train(lv, lx, 8, 3, &lepochs), FERROLAB_ERR_INVALID_ARGUMENT, "cols = 3 but the model's is 4");
    EXPECT(ferrolab_lstm_vae_train(lv, lx, SIZE_MAX / 2, 4, &lepochs), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    lx[5] = INFINITY;
    EXPECT(ferrolab_lstm_vae_train(lv, lx, 6, 4, &lepochs), FERROLAB_ERR_NON_FINITE, "x[5] = inf");
    lx[5] = sin(3.5);
    EXPECT(ferrolab_lstm_vae_train(lv, lx, 6, 4, &lepochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_progress(lv, NULL, &lepochs), FERROLAB_ERR_NULL_POINTER, "argument done");
    EXPECT(ferrolab_lstm_vae_progress(NULL, &lepochs, &lepochs), FERROLAB_ERR_NULL_POINTER, "argument lstm_vae");
    EXPECT(ferrolab_lstm_vae_request_cancel(NULL), FERROLAB_ERR_NULL_POINTER, "argument lstm_vae");
    EXPECT(ferrolab_lstm_vae_progress_info(NULL, NULL, NULL, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument lstm_vae");
    EXPECT(ferrolab_lstm_vae_shape(lv, &lrow, &llat, NULL, &lparams, &lepochs), FERROLAB_ERR_NULL_POINTER, "argument embedding");
    EXPECT(ferrolab_lstm_vae_shape(lv, &lrow, &llat, &lemb_w, &lparams, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_lstm_vae_shape(lv, &lrow, &llat, &lemb_w, &lparams, &lepochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_history(lv, NULL, 2, &lepochs), FERROLAB_ERR_NULL_POINTER, "argument history");
    EXPECT(ferrolab_lstm_vae_history(lv, lhist, 2, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_lstm_vae_history(lv, lhist, SIZE_MAX / 2, &lepochs), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    EXPECT(ferrolab_lstm_vae_history(lv, lhist, 1, &lepochs), FERROLAB_WARN_TRUNCATED, "cap = 1 rows but there are 2");
    EXPECT(ferrolab_lstm_vae_stages(lv, lrec, lkl, 3, 3, &lcount), FERROLAB_ERR_INVALID_ARGUMENT, "latent = 3 but the model's is 2");
    EXPECT(ferrolab_lstm_vae_stages(lv, NULL, lkl, 3, 2, &lcount), FERROLAB_ERR_NULL_POINTER, "argument records");
    EXPECT(ferrolab_lstm_vae_stages(lv, lrec, lkl, 3, 2, NULL), FERROLAB_ERR_NULL_POINTER, "argument count");
    EXPECT(ferrolab_lstm_vae_stages(lv, lrec, lkl, SIZE_MAX / 4, 2, &lcount), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    EXPECT(ferrolab_lstm_vae_stages(lv, lrec, lkl, 3, 2, &lcount), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_selected_stage(lv, NULL), FERROLAB_ERR_NULL_POINTER, "argument stage");
    EXPECT(ferrolab_lstm_vae_selected_stage(lv, &lsel), FERROLAB_OK, NULL);
    if (lrow != 4 || llat != 2 || lemb_w != 2 || lepochs != 2 || lcount != 2 || lsel != 1) {
        printf("FAIL lstm vae shape %zu %zu %zu, %zu epochs, %zu stages, selected %lld\n", lrow, llat, lemb_w,
               lepochs, lcount, (long long)lsel);
        failures++;
    }
    EXPECT(ferrolab_lstm_vae_encode(lv, lx, 6, 4, NULL, NULL, NULL, NULL, 2, 2), FERROLAB_ERR_NULL_POINTER, "argument mu");
    EXPECT(ferrolab_lstm_vae_encode(lv, NULL, 6, 4, lmu, NULL, NULL, NULL, 2, 2), FERROLAB_ERR_NULL_POINTER, "argument x");
    EXPECT(ferrolab_lstm_vae_encode(lv, lx, 6, 5, lmu, NULL, NULL, NULL, 2, 2), FERROLAB_ERR_INVALID_ARGUMENT, "cols = 5");
    EXPECT(ferrolab_lstm_vae_encode(lv, lx, 6, 4, lmu, NULL, NULL, NULL, 1, 2), FERROLAB_ERR_INVALID_ARGUMENT, "latent = 1");
    EXPECT(ferrolab_lstm_vae_encode(lv, lx, 6, 4, lmu, NULL, NULL, NULL, 2, 0), FERROLAB_ERR_INVALID_ARGUMENT, "embedding_width = 0");
    lx[7] = NAN;
    EXPECT(ferrolab_lstm_vae_encode(lv, lx, 6, 4, lmu, NULL, NULL, NULL, 2, 2), FERROLAB_ERR_NON_FINITE, "x[7]");
    EXPECT(ferrolab_lstm_vae_reconstruct(lv, lx, 6, 4, lout), FERROLAB_ERR_NON_FINITE, "x[7]");
    EXPECT(ferrolab_lstm_vae_residuals(lv, lx, 6, 4, lout), FERROLAB_ERR_NON_FINITE, "x[7]");
    lx[7] = 0.0;
    EXPECT(ferrolab_lstm_vae_encode(lv, lx, 6, 4, lmu, llv, lz, lemb, 2, 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_decode(lv, NULL, 6, 2, lout, 4), FERROLAB_ERR_NULL_POINTER, "argument z");
    EXPECT(ferrolab_lstm_vae_decode(lv, lz, 6, 2, NULL, 4), FERROLAB_ERR_NULL_POINTER, "argument x_out");
    EXPECT(ferrolab_lstm_vae_decode(lv, lz, 6, 3, lout, 4), FERROLAB_ERR_INVALID_ARGUMENT, "latent = 3");
    EXPECT(ferrolab_lstm_vae_decode(lv, lz, 6, 2, lout, 3), FERROLAB_ERR_INVALID_ARGUMENT, "cols = 3");
    EXPECT(ferrolab_lstm_vae_decode(lv, lz, 0, 2, lout, 4), FERROLAB_ERR_INVALID_ARGUMENT, "z is 0 x 2");
    lz[1] = -INFINITY;
    EXPECT(ferrolab_lstm_vae_decode(lv, lz, 6, 2, lout, 4), FERROLAB_ERR_NON_FINITE, "z[1]");
    lz[1] = 0.0;
    EXPECT(ferrolab_lstm_vae_decode(lv, lz, 6, 2, lout, 4), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_reconstruct(lv, lx, 6, 4, NULL), FERROLAB_ERR_NULL_POINTER, "argument x_out");
    EXPECT(ferrolab_lstm_vae_reconstruct(lv, lx, 6, 3, lout), FERROLAB_ERR_INVALID_ARGUMENT, "cols = 3");
    EXPECT(ferrolab_lstm_vae_reconstruct(lv, lx, 6, 4, lout), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_residuals(lv, lx, 6, 4, NULL), FERROLAB_ERR_NULL_POINTER, "argument residuals");
    EXPECT(ferrolab_lstm_vae_residuals(lv, lx, 0, 4, lout), FERROLAB_ERR_INVALID_ARGUMENT, "x is 0 x 4");
    EXPECT(ferrolab_lstm_vae_residuals(lv, lx, 6, 4, lout), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_save(lv, NULL), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_lstm_vae_save(lv, "/nonexistent-dir/m.safetensors"), FERROLAB_ERR_IO, "/nonexistent-dir/m.safetensors");
    ferrolab_lstm_vae *lother = NULL;
    EXPECT(ferrolab_lstm_vae_load(NULL, &lother), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_lstm_vae_load("x", NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_lstm_vae_load("no_such_model.safetensors", &lother), FERROLAB_ERR_IO, "no_such_model.safetensors");
    junk = fopen("junk.safetensors", "wb");
    if (junk != NULL) {
        fputs("not a model at all, not even safetensors", junk);
        fclose(junk);
    }
    EXPECT(ferrolab_lstm_vae_load("junk.safetensors", &lother), FERROLAB_ERR_CORRUPT_FILE, "junk.safetensors");
    remove("junk.safetensors");
    if (lother != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_lstm_vae_load\n");
        failures++;
    }
    /* A file of the other VAE is refused as foreign, and a handle of one type is not the other. */
    ferrolab_vae *mlp = NULL;
    EXPECT(ferrolab_vae_new(NULL, 4, &mlp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_save(mlp, "mlp.safetensors"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_load("mlp.safetensors", &lother), FERROLAB_ERR_CORRUPT_FILE, "mlp.safetensors");
    remove("mlp.safetensors");
    EXPECT(ferrolab_lstm_vae_shape((const ferrolab_lstm_vae *)(const void *)mlp, &lrow, &llat, &lemb_w, &lparams, &lepochs),
           FERROLAB_ERR_INVALID_HANDLE, "argument lstm_vae is not a live ferrolab_lstm_vae handle");
    EXPECT(ferrolab_lstm_vae_free((ferrolab_lstm_vae *)(void *)mlp), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_vae_free((ferrolab_vae *)(void *)lv), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_vae_free(mlp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_last_error(lv, buf, sizeof buf, NULL), FERROLAB_OK, NULL);
    if (strstr(buf, "ferrolab_lstm_vae_save: cannot") == NULL) {
        printf("FAIL lstm vae message: %s\n", buf);
        failures++;
    }
    EXPECT(ferrolab_lstm_vae_last_error(NULL, buf, sizeof buf, NULL), FERROLAB_ERR_NULL_POINTER, NULL);
    EXPECT(ferrolab_lstm_vae_last_error(lv, NULL, 8, NULL), FERROLAB_ERR_NULL_POINTER, NULL);
    /* Freed: every call refuses the handle; a second free too; free(NULL) is a no-op. */
    EXPECT(ferrolab_lstm_vae_free(lv), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_free(lv), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_lstm_vae handle");
    EXPECT(ferrolab_lstm_vae_free(NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_set_checkpoint(lv, NULL), FERROLAB_ERR_INVALID_HANDLE, "argument lstm_vae");
    EXPECT(ferrolab_lstm_vae_set_stage_dir(lv, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_train(lv, lx, 6, 4, &lepochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_progress(lv, &lepochs, &lepochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_request_cancel(lv), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_progress_info(lv, NULL, NULL, NULL, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_shape(lv, &lrow, &llat, &lemb_w, &lparams, &lepochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_history(lv, lhist, 2, &lepochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_stages(lv, lrec, lkl, 3, 2, &lcount), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_selected_stage(lv, &lsel), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_encode(lv, lx, 6, 4, lmu, NULL, NULL, NULL, 2, 2), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_decode(lv, lz, 6, 2, lout, 4), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_reconstruct(lv, lx, 6, 4, lout), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_residuals(lv, lx, 6, 4, lout), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_save(lv, "never.safetensors"), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_last_error(lv, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_lstm_vae_encode((const ferrolab_lstm_vae *)(uintptr_t)7, lx, 6, 4, lmu, NULL, NULL, NULL, 2, 2),
           FERROLAB_ERR_INVALID_HANDLE, "argument lstm_vae");
    if (strcmp(ferrolab_status_str(FERROLAB_WARN_NO_SELECTION), "unknown status code") == 0) {
        printf("FAIL no text for FERROLAB_WARN_NO_SELECTION\n");
        failures++;
    }

    /* rVAEs: every call with NULLs, wrong sizes, non-finite values, bad keys, bad files, foreign
     * and freed handles. */
    ferrolab_rvae *rv = NULL, *rother = NULL;
    ferrolab_config *rcfg = NULL;
    EXPECT(ferrolab_config_new(&rcfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(rcfg, "rvae.filter", 2), FERROLAB_ERR_UNKNOWN_KEY, "rvae.filter");
    EXPECT(ferrolab_config_set_i64(rcfg, "rvae.filters", 0), FERROLAB_ERR_OUT_OF_RANGE, "rvae.filters");
    EXPECT(ferrolab_config_set_f64(rcfg, "rvae.test_fraction", 1.0), FERROLAB_ERR_OUT_OF_RANGE, "rvae.test_fraction");
    EXPECT(ferrolab_config_set_f64(rcfg, "rvae.hidden", 8.0), FERROLAB_ERR_WRONG_TYPE, "rvae.hidden");
    EXPECT(ferrolab_config_set_i64(rcfg, "rvae.filters", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(rcfg, "rvae.hidden", 4), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(rcfg, "rvae.epochs", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(rcfg, "rvae.test_fraction", 0.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_new(rcfg, 4, 4, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_rvae_new(rcfg, 1, 4, &rv), FERROLAB_ERR_INVALID_ARGUMENT, "at least 2 x 2");
    EXPECT(ferrolab_rvae_new(rcfg, 4, 0, &rv), FERROLAB_ERR_INVALID_ARGUMENT, "at least 2 x 2");
    EXPECT(ferrolab_rvae_new(rcfg, SIZE_MAX / 2, 4, &rv), FERROLAB_ERR_INVALID_ARGUMENT, "overflows");
    EXPECT(ferrolab_rvae_new(rcfg, 1 << 20, 1 << 20, &rv), FERROLAB_ERR_OUT_OF_MEMORY, "rvae.filters = 2");
    EXPECT(ferrolab_rvae_new(foreign, 4, 4, &rv), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    if (rv != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_rvae_new\n");
        failures++;
    }
    EXPECT(ferrolab_rvae_new(rcfg, 4, 4, &rv), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(rcfg), FERROLAB_OK, NULL);
    double rx[3 * 16], rangle[3], rsd[3], roff[6], rcontent[6], rout[3 * 16], rhist[2 * FERROLAB_RVAE_HISTORY_FIELDS];
    for (int i = 0; i < 3 * 16; i++) rx[i] = sin(0.37 * i);
    size_t rh = 0, rw = 0, rk = 0, rparams = 0, repochs = 0;
    EXPECT(ferrolab_rvae_set_checkpoint(NULL, "x.ckpt"), FERROLAB_ERR_NULL_POINTER, "argument rvae is NULL");
    EXPECT(ferrolab_rvae_set_checkpoint(rv, "no_such_dir/x.ckpt"), FERROLAB_ERR_IO, "no_such_dir/x.ckpt");
    EXPECT(ferrolab_rvae_set_checkpoint(rv, "\xff.ckpt"), FERROLAB_ERR_INVALID_UTF8, "argument path");
    EXPECT(ferrolab_rvae_set_checkpoint(rv, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_train(NULL, rx, 3, 16, &repochs), FERROLAB_ERR_NULL_POINTER, "argument rvae");
    EXPECT(ferrolab_rvae_train(rv, NULL, 3, 16, &repochs), FERROLAB_ERR_NULL_POINTER, "argument images");
    EXPECT(ferrolab_rvae_train(rv, rx, 3, 16, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_rvae_train(rv, rx, 0, 16, &repochs), FERROLAB_ERR_INVALID_ARGUMENT, "images is 0 x 16");
    EXPECT(ferrolab_rvae_train(rv, rx, 3, 15, &repochs), FERROLAB_ERR_INVALID_ARGUMENT, "pixels = 15 but the model's is 16");
    EXPECT(ferrolab_rvae_train(rv, rx, SIZE_MAX / 2, 16, &repochs), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    rx[5] = NAN;
    EXPECT(ferrolab_rvae_train(rv, rx, 3, 16, &repochs), FERROLAB_ERR_NON_FINITE, "images[5] = NaN");
    rx[5] = 0.0;
    EXPECT(ferrolab_rvae_train(rv, rx, 3, 16, &repochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_progress(rv, NULL, &repochs), FERROLAB_ERR_NULL_POINTER, "argument done");
    EXPECT(ferrolab_rvae_progress(NULL, &repochs, &repochs), FERROLAB_ERR_NULL_POINTER, "argument rvae");
    EXPECT(ferrolab_rvae_request_cancel(NULL), FERROLAB_ERR_NULL_POINTER, "argument rvae");
    EXPECT(ferrolab_rvae_progress_info(NULL, NULL, NULL, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument rvae");
    EXPECT(ferrolab_rvae_shape(rv, &rh, &rw, NULL, &rparams, &repochs), FERROLAB_ERR_NULL_POINTER, "argument content_latents");
    EXPECT(ferrolab_rvae_shape(rv, &rh, &rw, &rk, &rparams, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_rvae_shape(rv, &rh, &rw, &rk, &rparams, &repochs), FERROLAB_OK, NULL);
    if (rh != 4 || rw != 4 || rk != 2 || repochs != 1) {
        printf("FAIL rvae shape %zu x %zu, %zu latents, %zu epochs\n", rh, rw, rk, repochs);
        failures++;
    }
    EXPECT(ferrolab_rvae_history(rv, NULL, 2, &repochs), FERROLAB_ERR_NULL_POINTER, "argument history");
    EXPECT(ferrolab_rvae_history(rv, rhist, 2, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_rvae_history(rv, rhist, SIZE_MAX / 2, &repochs), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    EXPECT(ferrolab_rvae_history(rv, rhist, 2, &repochs), FERROLAB_OK, NULL);
    if (!isnan(rhist[4])) {
        printf("FAIL rvae test loss without a test split: %g\n", rhist[4]);
        failures++;
    }
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 16, NULL, NULL, roff, NULL, rcontent, NULL, 2), FERROLAB_ERR_NULL_POINTER,
           "argument angle");
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 16, rangle, NULL, NULL, NULL, rcontent, NULL, 2), FERROLAB_ERR_NULL_POINTER,
           "argument offsets");
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 16, rangle, NULL, roff, NULL, NULL, NULL, 2), FERROLAB_ERR_NULL_POINTER,
           "argument content");
    EXPECT(ferrolab_rvae_encode(rv, NULL, 3, 16, rangle, NULL, roff, NULL, rcontent, NULL, 2), FERROLAB_ERR_NULL_POINTER,
           "argument images");
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 17, rangle, NULL, roff, NULL, rcontent, NULL, 2),
           FERROLAB_ERR_INVALID_ARGUMENT, "pixels = 17");
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 16, rangle, NULL, roff, NULL, rcontent, NULL, 3),
           FERROLAB_ERR_INVALID_ARGUMENT, "content_latents = 3");
    EXPECT(ferrolab_rvae_encode(rv, rx, 0, 16, rangle, NULL, roff, NULL, rcontent, NULL, 2),
           FERROLAB_ERR_INVALID_ARGUMENT, "images is 0 x 16");
    rx[7] = INFINITY;
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 16, rangle, NULL, roff, NULL, rcontent, NULL, 2), FERROLAB_ERR_NON_FINITE,
           "images[7]");
    rx[7] = 0.0;
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 16, rangle, rsd, roff, NULL, rcontent, NULL, 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, NULL, 3, 2, rout, 16), FERROLAB_ERR_NULL_POINTER, "argument content");
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 3, 2, NULL, 16), FERROLAB_ERR_NULL_POINTER,
           "argument images_out");
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 3, 3, rout, 16), FERROLAB_ERR_INVALID_ARGUMENT,
           "content_latents = 3");
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 3, 2, rout, 15), FERROLAB_ERR_INVALID_ARGUMENT, "pixels = 15");
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 0, 2, rout, 16), FERROLAB_ERR_INVALID_ARGUMENT,
           "content is 0 x 2");
    rangle[1] = NAN;
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 3, 2, rout, 16), FERROLAB_ERR_NON_FINITE, "angle[1]");
    rangle[1] = 0.0;
    roff[3] = -INFINITY;
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 3, 2, rout, 16), FERROLAB_ERR_NON_FINITE, "offsets[3]");
    roff[3] = 0.0;
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 3, 2, rout, 16), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_decode(rv, NULL, NULL, rcontent, 3, 2, rout, 16), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_save(rv, NULL), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_rvae_save(rv, "/nonexistent-dir/r.safetensors"), FERROLAB_ERR_IO, "/nonexistent-dir/r.safetensors");
    EXPECT(ferrolab_rvae_load(NULL, &rother), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_rvae_load("x", NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_rvae_load("no_such_model.safetensors", &rother), FERROLAB_ERR_IO, "no_such_model.safetensors");
    junk = fopen("junk.safetensors", "wb");
    if (junk != NULL) {
        fputs("not a model at all, not even safetensors", junk);
        fclose(junk);
    }
    EXPECT(ferrolab_rvae_load("junk.safetensors", &rother), FERROLAB_ERR_CORRUPT_FILE, "junk.safetensors");
    remove("junk.safetensors");
    /* A saved model with one byte flipped fails its checksum; a file of another model is foreign. */
    EXPECT(ferrolab_rvae_save(rv, "r.safetensors"), FERROLAB_OK, NULL);
    FILE *rf = fopen("r.safetensors", "r+b");
    if (rf != NULL) {
        fseek(rf, -3, SEEK_END);
        int byte = fgetc(rf);
        fseek(rf, -3, SEEK_END);
        fputc(byte ^ 0x55, rf);
        fclose(rf);
    }
    EXPECT(ferrolab_rvae_load("r.safetensors", &rother), FERROLAB_ERR_CORRUPT_FILE, "r.safetensors");
    remove("r.safetensors");
    if (rother != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_rvae_load\n");
        failures++;
    }
    ferrolab_vae *rmlp = NULL;
    EXPECT(ferrolab_vae_new(NULL, 4, &rmlp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_save(rmlp, "mlp.safetensors"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_load("mlp.safetensors", &rother), FERROLAB_ERR_CORRUPT_FILE, "mlp.safetensors");
    remove("mlp.safetensors");
    EXPECT(ferrolab_rvae_shape((const ferrolab_rvae *)(const void *)rmlp, &rh, &rw, &rk, &rparams, &repochs),
           FERROLAB_ERR_INVALID_HANDLE, "argument rvae is not a live ferrolab_rvae handle");
    EXPECT(ferrolab_rvae_free((ferrolab_rvae *)(void *)rmlp), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_vae_free(rmlp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_last_error(rv, buf, sizeof buf, NULL), FERROLAB_OK, NULL);
    if (strstr(buf, "ferrolab_rvae_save: cannot") == NULL) {
        printf("FAIL rvae message: %s\n", buf);
        failures++;
    }
    EXPECT(ferrolab_rvae_last_error(NULL, buf, sizeof buf, NULL), FERROLAB_ERR_NULL_POINTER, NULL);
    EXPECT(ferrolab_rvae_last_error(rv, NULL, 8, NULL), FERROLAB_ERR_NULL_POINTER, NULL);
    /* Freed: every call refuses the handle; a second free too; free(NULL) is a no-op. */
    EXPECT(ferrolab_rvae_free(rv), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_free(rv), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_rvae handle");
    EXPECT(ferrolab_rvae_free(NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_set_checkpoint(rv, NULL), FERROLAB_ERR_INVALID_HANDLE, "argument rvae");
    EXPECT(ferrolab_rvae_train(rv, rx, 3, 16, &repochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_progress(rv, &repochs, &repochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_request_cancel(rv), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_progress_info(rv, NULL, NULL, NULL, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_shape(rv, &rh, &rw, &rk, &rparams, &repochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_history(rv, rhist, 2, &repochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_encode(rv, rx, 3, 16, rangle, NULL, roff, NULL, rcontent, NULL, 2), FERROLAB_ERR_INVALID_HANDLE,
           NULL);
    EXPECT(ferrolab_rvae_decode(rv, rangle, roff, rcontent, 3, 2, rout, 16), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_save(rv, "never.safetensors"), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_last_error(rv, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_rvae_encode((const ferrolab_rvae *)(uintptr_t)7, rx, 3, 16, rangle, NULL, roff, NULL, rcontent, NULL, 2),
           FERROLAB_ERR_INVALID_HANDLE, "argument rvae");

    /* U-Nets: every call with NULLs, wrong sizes, non-finite values, bad keys, bad files, foreign
     * and freed handles. */
    ferrolab_unet *un = NULL, *uother = NULL;
    ferrolab_config *ucfg = NULL;
    EXPECT(ferrolab_config_new(&ucfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.filter", 2), FERROLAB_ERR_UNKNOWN_KEY, "unet.filter");
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.classes", 1), FERROLAB_ERR_OUT_OF_RANGE, "unet.classes");
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.classes", 256), FERROLAB_ERR_OUT_OF_RANGE, "unet.classes");
    EXPECT(ferrolab_config_set_f64(ucfg, "unet.zoom", 0.5), FERROLAB_ERR_OUT_OF_RANGE, "unet.zoom");
    EXPECT(ferrolab_config_set_str(ucfg, "unet.class_weights", "inverse"), FERROLAB_ERR_OUT_OF_RANGE,
           "unet.class_weights");
    EXPECT(ferrolab_config_set_f64(ucfg, "unet.filters", 2.0), FERROLAB_ERR_WRONG_TYPE, "unet.filters");
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.classes", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.filters", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.epochs", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.batch_size", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(ucfg, "unet.test_fraction", 0.0), FERROLAB_OK, NULL);
    /* Keys checked together when the model is made. */
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.tile", 20), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_new(ucfg, &un), FERROLAB_ERR_INVALID_ARGUMENT, "unet.tile = 20");
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.tile", 16), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ucfg, "unet.tile_margin", 8), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_new(ucfg, &un), FERROLAB_ERR_INVALID_ARGUMENT, "unet.tile_margin = 8 with unet.tile = 16");
    EXPECT(ferrolab_config_reset(ucfg, "unet.tile"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_reset(ucfg, "unet.tile_margin"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_new(ucfg, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_unet_new(foreign, &un), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    if (un != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_unet_new\n");
        failures++;
    }
    EXPECT(ferrolab_unet_new(ucfg, &un), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(ucfg), FERROLAB_OK, NULL);
    /* Two 8 x 8 crops, class 1 where the image is dark. */
    double ux[2 * 64], uhist[2], uatoms[2 * FERROLAB_UNET_ATOM_FIELDS];
    float uprob[2 * 64];
    uint8_t umask[2 * 64], useg[64];
    for (int k = 0; k < 2 * 64; k++) {
        ux[k] = (double)((k * 5) % 7) / 7.0;
        umask[k] = (uint8_t)(ux[k] < 0.3);
    }
    size_t uclasses = 0, ufilters = 0, uch = 0, ucw = 0, uparams = 0, uepochs = 0, ucount = 0;
    EXPECT(ferrolab_unet_set_checkpoint(NULL, "x.ckpt"), FERROLAB_ERR_NULL_POINTER, "argument unet is NULL");
    EXPECT(ferrolab_unet_set_checkpoint(un, "no_such_dir/x.ckpt"), FERROLAB_ERR_IO, "no_such_dir/x.ckpt");
    EXPECT(ferrolab_unet_set_checkpoint(un, "\xff.ckpt"), FERROLAB_ERR_INVALID_UTF8, "argument path");
    EXPECT(ferrolab_unet_set_checkpoint(un, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_train(NULL, ux, umask, 2, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_NULL_POINTER, "argument unet");
    EXPECT(ferrolab_unet_train(un, NULL, umask, 2, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_NULL_POINTER, "argument images");
    EXPECT(ferrolab_unet_train(un, ux, NULL, 2, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_NULL_POINTER, "argument masks");
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 8, 8, NULL, 0, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 8, 8, NULL, 2, &uepochs), FERROLAB_ERR_NULL_POINTER, "loss_history");
    EXPECT(ferrolab_unet_train(un, ux, umask, 0, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_INVALID_ARGUMENT, "images is 0 x 64");
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 0, 8, NULL, 0, &uepochs), FERROLAB_ERR_INVALID_ARGUMENT, "h x w is 0 x 8");
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 4, 8, NULL, 0, &uepochs), FERROLAB_ERR_INVALID_ARGUMENT, "multiples of 8");
    EXPECT(ferrolab_unet_train(un, ux, umask, SIZE_MAX / 2, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_INVALID_ARGUMENT,
           "too large");
    ux[5] = NAN;
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_NON_FINITE, "images[5] = NaN");
    ux[5] = 0.5;
    umask[3] = 2;
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_INVALID_ARGUMENT,
           "masks element 3 is class 2 but unet.classes = 2");
    umask[3] = 0;
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 8, 8, uhist, 2, &uepochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_progress_info(NULL, NULL, NULL, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument unet");
    EXPECT(ferrolab_unet_request_cancel(NULL), FERROLAB_ERR_NULL_POINTER, "argument unet");
    EXPECT(ferrolab_unet_shape(NULL, &uclasses, NULL, NULL, NULL, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument unet");
    EXPECT(ferrolab_unet_shape(un, &uclasses, &ufilters, &uch, &ucw, &uparams, &uepochs), FERROLAB_OK, NULL);
    if (uclasses != 2 || ufilters != 2 || uch != 8 || ucw != 8 || uepochs != 1 || !(uhist[0] > 0)) {
        printf("FAIL unet shape %zu classes, %zu filters, %zu x %zu, %zu epochs, loss %g\n", uclasses, ufilters, uch,
               ucw, uepochs, uhist[0]);
        failures++;
    }
    EXPECT(ferrolab_unet_probabilities(un, NULL, 8, 8, uprob, 2), FERROLAB_ERR_NULL_POINTER, "argument frame");
    EXPECT(ferrolab_unet_probabilities(un, ux, 8, 8, NULL, 2), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_unet_probabilities(un, ux, 8, 8, uprob, 3), FERROLAB_ERR_INVALID_ARGUMENT,
           "classes = 3 but the model has 2");
    EXPECT(ferrolab_unet_probabilities(un, ux, 0, 8, uprob, 2), FERROLAB_ERR_INVALID_ARGUMENT, "frame is 0 x 8");
    EXPECT(ferrolab_unet_probabilities(un, ux, SIZE_MAX / 2, 4, uprob, 2), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    EXPECT(ferrolab_unet_segment(un, ux, 8, 8, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_unet_segment(un, ux, 8, 0, useg), FERROLAB_ERR_INVALID_ARGUMENT, "frame is 8 x 0");
    EXPECT(ferrolab_unet_find_atoms(un, ux, 8, 8, uatoms, 2, NULL), FERROLAB_ERR_NULL_POINTER, "argument count");
    EXPECT(ferrolab_unet_find_atoms(un, ux, 8, 8, NULL, 2, &ucount), FERROLAB_ERR_NULL_POINTER, "argument atoms");
    EXPECT(ferrolab_unet_find_atoms(un, ux, 8, 8, uatoms, SIZE_MAX / 2, &ucount), FERROLAB_ERR_INVALID_ARGUMENT,
           "too large");
    EXPECT(ferrolab_unet_find_atoms(un, NULL, 8, 8, NULL, 0, &ucount), FERROLAB_ERR_NULL_POINTER, "argument frame");
    ux[9] = INFINITY;
    EXPECT(ferrolab_unet_probabilities(un, ux, 8, 8, uprob, 2), FERROLAB_ERR_NON_FINITE, "frame[9] = inf");
    EXPECT(ferrolab_unet_segment(un, ux, 8, 8, useg), FERROLAB_ERR_NON_FINITE, "frame[9]");
    EXPECT(ferrolab_unet_find_atoms(un, ux, 8, 8, NULL, 0, &ucount), FERROLAB_ERR_NON_FINITE, "frame[9]");
    ux[9] = 0.0;
    EXPECT(ferrolab_unet_probabilities(un, ux, 8, 8, uprob, 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_segment(un, ux, 5, 7, useg), FERROLAB_OK, NULL);
    int32_t ustatus = ferrolab_unet_find_atoms(un, ux, 8, 8, NULL, 0, &ucount);
    EXPECT(ustatus, ucount > 0 ? FERROLAB_WARN_TRUNCATED : FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_save(un, NULL), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_unet_save(un, "/nonexistent-dir/u.safetensors"), FERROLAB_ERR_IO, "/nonexistent-dir/u.safetensors");
    EXPECT(ferrolab_unet_load(NULL, &uother), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_unet_load("x", NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_unet_load("no_such_model.safetensors", &uother), FERROLAB_ERR_IO, "no_such_model.safetensors");
    junk = fopen("junk.safetensors", "wb");
    if (junk != NULL) {
        fputs("not a model at all, not even safetensors", junk);
        fclose(junk);
    }
    EXPECT(ferrolab_unet_load("junk.safetensors", &uother), FERROLAB_ERR_CORRUPT_FILE, "junk.safetensors");
    remove("junk.safetensors");
    /* A saved model with one byte flipped fails its checksum; a file of another model is foreign. */
    EXPECT(ferrolab_unet_save(un, "u.safetensors"), FERROLAB_OK, NULL);
    FILE *uf = fopen("u.safetensors", "r+b");
    if (uf != NULL) {
        fseek(uf, -3, SEEK_END);
        int byte = fgetc(uf);
        fseek(uf, -3, SEEK_END);
        fputc(byte ^ 0x55, uf);
        fclose(uf);
    }
    EXPECT(ferrolab_unet_load("u.safetensors", &uother), FERROLAB_ERR_CORRUPT_FILE, "u.safetensors");
    remove("u.safetensors");
    if (uother != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_unet_load\n");
        failures++;
    }
    ferrolab_vae *umlp = NULL;
    EXPECT(ferrolab_vae_new(NULL, 4, &umlp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_save(umlp, "mlp.safetensors"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_load("mlp.safetensors", &uother), FERROLAB_ERR_CORRUPT_FILE, "mlp.safetensors");
    remove("mlp.safetensors");
    EXPECT(ferrolab_unet_shape((const ferrolab_unet *)(const void *)umlp, &uclasses, NULL, NULL, NULL, NULL, NULL),
           FERROLAB_ERR_INVALID_HANDLE, "argument unet is not a live ferrolab_unet handle");
    EXPECT(ferrolab_unet_free((ferrolab_unet *)(void *)umlp), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_vae_free((ferrolab_vae *)(void *)un), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_vae_free(umlp), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_last_error(un, buf, sizeof buf, NULL), FERROLAB_OK, NULL);
    if (strstr(buf, "ferrolab_unet_save: cannot") == NULL) {
        printf("FAIL unet message: %s\n", buf);
        failures++;
    }
    EXPECT(ferrolab_unet_last_error(NULL, buf, sizeof buf, NULL), FERROLAB_ERR_NULL_POINTER, NULL);
    EXPECT(ferrolab_unet_last_error(un, NULL, 8, NULL), FERROLAB_ERR_NULL_POINTER, NULL);
    /* Freed: every call refuses the handle; a second free too; free(NULL) is a no-op. */
    EXPECT(ferrolab_unet_free(un), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_free(un), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_unet handle");
    EXPECT(ferrolab_unet_free(NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_set_checkpoint(un, NULL), FERROLAB_ERR_INVALID_HANDLE, "argument unet");
    EXPECT(ferrolab_unet_train(un, ux, umask, 2, 8, 8, NULL, 0, &uepochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_progress_info(un, NULL, NULL, NULL, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_request_cancel(un), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_probabilities(un, ux, 8, 8, uprob, 2), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_segment(un, ux, 8, 8, useg), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_find_atoms(un, ux, 8, 8, NULL, 0, &ucount), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_shape(un, &uclasses, NULL, NULL, NULL, NULL, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_save(un, "never.safetensors"), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_last_error(un, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_unet_segment((const ferrolab_unet *)(uintptr_t)7, ux, 8, 8, useg), FERROLAB_ERR_INVALID_HANDLE,
           "argument unet");

    /* im2spec / spec2im: NULLs, sizes of the other direction, non-finite data, handles of the
     * other type, a file of the other direction. */
    ferrolab_config *ecfg = NULL;
    EXPECT(ferrolab_config_new(&ecfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "im2spec.filters", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "im2spec.latent", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "im2spec.epochs", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "spec2im.filters", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "spec2im.latent", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "spec2im.epochs", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "im2spec.latent", 0), FERROLAB_ERR_OUT_OF_RANGE, "im2spec.latent");
    ferrolab_im2spec *im = NULL, *im_other = NULL;
    ferrolab_spec2im *sm = NULL, *sm_other = NULL;
    double ep[4 * 16], es[4 * 8], eout[4 * 16], estd[4 * 16], ez[4 * 2], ehist[2];
    size_t eepochs = 0, elat = 0;
    for (int k = 0; k < 4 * 16; k++) ep[k] = (double)((k * 7) % 5) / 5.0;
    for (int k = 0; k < 4 * 8; k++) es[k] = (double)((k * 3) % 8) / 8.0;
    EXPECT(ferrolab_im2spec_new(ecfg, 4, 4, 8, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_im2spec_new(ecfg, 0, 4, 8, &im), FERROLAB_ERR_INVALID_ARGUMENT, "must all be at least 1");
    EXPECT(ferrolab_im2spec_new(foreign, 4, 4, 8, &im), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    EXPECT(ferrolab_spec2im_new(ecfg, 8, 6, 4, &sm), FERROLAB_ERR_INVALID_ARGUMENT, "multiples of 4");
    if (im != NULL || sm != NULL) {
        printf("FAIL *out not NULL after a failed im2spec/spec2im new\n");
        failures++;
    }
    EXPECT(ferrolab_im2spec_new(ecfg, 4, 4, 8, &im), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_new(ecfg, 8, 4, 4, &sm), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_set_checkpoint(NULL, "x.ckpt"), FERROLAB_ERR_NULL_POINTER, "argument im2spec is NULL");
    EXPECT(ferrolab_im2spec_set_checkpoint(im, "no_such_dir/x.ckpt"), FERROLAB_ERR_IO, "no_such_dir/x.ckpt");
    EXPECT(ferrolab_spec2im_set_checkpoint(sm, "\xff.ckpt"), FERROLAB_ERR_INVALID_UTF8, "argument path");
    EXPECT(ferrolab_im2spec_train(NULL, ep, 4, 4, 4, es, 8, NULL, 0, &eepochs), FERROLAB_ERR_NULL_POINTER, "argument im2spec");
    EXPECT(ferrolab_im2spec_train(im, NULL, 4, 4, 4, es, 8, NULL, 0, &eepochs), FERROLAB_ERR_NULL_POINTER, "argument inputs");
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 4, NULL, 8, NULL, 0, &eepochs), FERROLAB_ERR_NULL_POINTER, "argument targets");
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 4, es, 8, NULL, 0, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 4, es, 8, NULL, 2, &eepochs), FERROLAB_ERR_NULL_POINTER, "loss_history");
    EXPECT(ferrolab_im2spec_train(im, ep, 0, 4, 4, es, 8, NULL, 0, &eepochs), FERROLAB_ERR_INVALID_ARGUMENT, "inputs is 0 x 16");
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 5, es, 8, NULL, 0, &eepochs), FERROLAB_ERR_INVALID_ARGUMENT, "patch_w = 5 but the model's is 4");
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 4, es, 9, NULL, 0, &eepochs), FERROLAB_ERR_INVALID_ARGUMENT, "spectrum_len = 9");
    EXPECT(ferrolab_im2spec_train(im, ep, SIZE_MAX / 2, 4, 4, es, 8, NULL, 0, &eepochs), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    /* spec2im takes spectra first: im2spec's order is a size mismatch, not a crash. */
    EXPECT(ferrolab_spec2im_train(sm, ep, 4, 16, es, 4, 4, NULL, 0, &eepochs), FERROLAB_ERR_INVALID_ARGUMENT, "spectrum_len = 16 but the model's is 8");
    es[5] = NAN;
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 4, es, 8, NULL, 0, &eepochs), FERROLAB_ERR_NON_FINITE, "targets[5] = NaN");
    EXPECT(ferrolab_spec2im_predict(sm, es, 4, 8, 4, 4, eout, NULL), FERROLAB_ERR_NON_FINITE, "inputs[5]");
    es[5] = 0.5;
    ep[3] = INFINITY;
    EXPECT(ferrolab_im2spec_predict(im, ep, 4, 4, 4, 8, eout, NULL), FERROLAB_ERR_NON_FINITE, "inputs[3] = inf");
    ep[3] = 0.0;
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 4, es, 8, ehist, 2, &eepochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_train(sm, es, 4, 8, ep, 4, 4, ehist, 2, &eepochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_progress_info(NULL, NULL, NULL, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument im2spec");
    EXPECT(ferrolab_spec2im_request_cancel(NULL), FERROLAB_ERR_NULL_POINTER, "argument spec2im");
    EXPECT(ferrolab_im2spec_predict(im, ep, 4, 4, 4, 8, NULL, estd), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_im2spec_predict(im, ep, 4, 4, 4, 7, eout, estd), FERROLAB_ERR_INVALID_ARGUMENT, "spectrum_len = 7");
    EXPECT(ferrolab_spec2im_predict(sm, es, 4, 8, 4, 8, eout, estd), FERROLAB_ERR_INVALID_ARGUMENT, "patch_w = 8");
    EXPECT(ferrolab_im2spec_encode(im, ep, 4, 4, 4, NULL, 2), FERROLAB_ERR_NULL_POINTER, "argument out_latent");
    EXPECT(ferrolab_im2spec_encode(im, ep, 4, 4, 4, ez, 3), FERROLAB_ERR_INVALID_ARGUMENT, "latent = 3 but the model's is 2");
    EXPECT(ferrolab_spec2im_encode(sm, es, 4, 4, ez, 2), FERROLAB_ERR_INVALID_ARGUMENT, "spectrum_len = 4");
    EXPECT(ferrolab_im2spec_encode(im, ep, 4, 4, 4, ez, 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_decode(im, NULL, 4, 2, 8, eout), FERROLAB_ERR_NULL_POINTER, "argument z");
    EXPECT(ferrolab_spec2im_decode(sm, ez, 4, 2, 4, 4, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_im2spec_decode(im, ez, 4, 1, 8, eout), FERROLAB_ERR_INVALID_ARGUMENT, "latent = 1");
    ez[1] = NAN;
    EXPECT(ferrolab_spec2im_decode(sm, ez, 4, 2, 4, 4, eout), FERROLAB_ERR_NON_FINITE, "z[1]");
    ez[1] = 0.0;
    EXPECT(ferrolab_im2spec_shape(NULL, NULL, NULL, NULL, &elat, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument im2spec");
    EXPECT(ferrolab_spec2im_shape(sm, NULL, NULL, NULL, &elat, NULL, &eepochs), FERROLAB_OK, NULL);
    if (elat != 2 || eepochs != 1) {
        printf("FAIL spec2im shape: latent %zu, %zu epochs\n", elat, eepochs);
        failures++;
    }
    EXPECT(ferrolab_im2spec_save(im, NULL), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_spec2im_save(sm, "/nonexistent-dir/m.safetensors"), FERROLAB_ERR_IO, "/nonexistent-dir/m.safetensors");
    EXPECT(ferrolab_im2spec_save(im, "im.safetensors"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_save(sm, "sm.safetensors"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_load("sm.safetensors", &im_other), FERROLAB_ERR_CORRUPT_FILE,
           "holds a model of kind spec2im and ferrolab_im2spec_load reads kind im2spec only: load it with ferrolab_spec2im_load");
    EXPECT(ferrolab_spec2im_load("im.safetensors", &sm_other), FERROLAB_ERR_CORRUPT_FILE,
           "holds a model of kind im2spec and ferrolab_spec2im_load reads kind spec2im only: load it with ferrolab_im2spec_load");
    EXPECT(ferrolab_im2spec_load("mlp-not-there.safetensors", &im_other), FERROLAB_ERR_IO, "mlp-not-there.safetensors");
    EXPECT(ferrolab_im2spec_load(NULL, &im_other), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_spec2im_load("sm.safetensors", NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    if (im_other != NULL || sm_other != NULL) {
        printf("FAIL *out not NULL after a refused load\n");
        failures++;
    }
    remove("im.safetensors");
    remove("sm.safetensors");
    EXPECT(ferrolab_im2spec_last_error(im, buf, sizeof buf, NULL), FERROLAB_OK, NULL);
    if (strstr(buf, "ferrolab_im2spec_save: argument path is NULL") == NULL) {
        printf("FAIL im2spec message: %s\n", buf);
        failures++;
    }
    /* A handle of one direction is not one of the other. */
    EXPECT(ferrolab_spec2im_predict((const ferrolab_spec2im *)(const void *)im, es, 4, 8, 4, 4, eout, NULL),
           FERROLAB_ERR_INVALID_HANDLE, "argument spec2im is not a live ferrolab_spec2im handle");
    EXPECT(ferrolab_im2spec_free((ferrolab_im2spec *)(void *)sm), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_spec2im_last_error(NULL, buf, sizeof buf, NULL), FERROLAB_ERR_NULL_POINTER, NULL);
    EXPECT(ferrolab_im2spec_free(im), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_free(sm), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_free(im), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_im2spec handle");
    EXPECT(ferrolab_spec2im_free(NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_train(im, ep, 4, 4, 4, es, 8, NULL, 0, &eepochs), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_im2spec_predict(im, ep, 4, 4, 4, 8, eout, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_spec2im_encode(sm, es, 4, 8, ez, 2), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_spec2im_decode(sm, ez, 4, 2, 4, 4, eout), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_spec2im_progress_info(sm, NULL, NULL, NULL, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_im2spec_request_cancel(im), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_spec2im_save(sm, "never.safetensors"), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_im2spec_last_error(im, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_im2spec_encode((const ferrolab_im2spec *)(uintptr_t)7, ep, 4, 4, 4, ez, 2),
           FERROLAB_ERR_INVALID_HANDLE, "argument im2spec");

    /* The simulated sample: sizes checked against the sample.* keys. */
    double simage[16 * 16], svolt[8];
    int32_t smask[16 * 16];
    EXPECT(ferrolab_config_set_i64(ecfg, "sample.rows", 16), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "sample.cols", 16), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "sample.steps", 8), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "sample.anomaly_count", 0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_sample_generate(ecfg, simage, 16, 16, NULL, 8, svolt, smask), FERROLAB_ERR_INVALID_ARGUMENT,
           "sample.split_col = 42");
    EXPECT(ferrolab_config_set_i64(ecfg, "sample.split_col", 8), FERROLAB_OK, NULL);
    EXPECT(ferrolab_sample_generate(ecfg, simage, 16, 15, NULL, 8, svolt, smask), FERROLAB_ERR_INVALID_ARGUMENT,
           "cols = 15 but sample.cols = 16");
    EXPECT(ferrolab_sample_generate(ecfg, simage, 16, 16, NULL, 9, svolt, smask), FERROLAB_ERR_INVALID_ARGUMENT,
           "steps = 9 but sample.steps = 8");
    EXPECT(ferrolab_sample_generate(foreign, simage, 16, 16, NULL, 8, svolt, smask), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    EXPECT(ferrolab_sample_generate(ecfg, simage, 16, 16, NULL, 8, svolt, smask), FERROLAB_OK, NULL);

    /* Automated-experiment sessions. */
    ferrolab_ae *ae = NULL, *ae_other = NULL;
    double volts[8] = {0, 1, 2, 1, 0, -1, -2, -1}, aspec[2 * 8], asur[2], apred[2 * 8], alat[4], amap[16 * 16];
    int64_t arows[2] = {4, 8}, acols[2] = {4, 9}, bad_rows[2] = {4, -1}, far_rows[2] = {4, 15};
    size_t an = 0, aneeded = 0;
    for (int k = 0; k < 2 * 8; k++) aspec[k] = (double)k / 16.0;
    EXPECT(ferrolab_config_set_i64(ecfg, "ae.window_px", 4), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "ae.ensemble_size", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "ae.epochs_initial", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "ae.epochs_update", 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(ecfg, "ae.window_px", 1), FERROLAB_ERR_OUT_OF_RANGE, "ae.window_px");
    EXPECT(ferrolab_config_set_str(ecfg, "ae.acquisition", "greedy"), FERROLAB_ERR_OUT_OF_RANGE, "ae.acquisition");
    EXPECT(ferrolab_ae_new(ecfg, simage, 16, 16, volts, 8, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_ae_new(ecfg, NULL, 16, 16, volts, 8, &ae), FERROLAB_ERR_NULL_POINTER, "argument image");
    EXPECT(ferrolab_ae_new(ecfg, simage, 0, 16, volts, 8, &ae), FERROLAB_ERR_INVALID_ARGUMENT, "image is 0 x 16");
    EXPECT(ferrolab_ae_new(ecfg, simage, 3, 3, volts, 8, &ae), FERROLAB_ERR_INVALID_ARGUMENT, "does not fit");
    EXPECT(ferrolab_ae_new(ecfg, simage, 16, 16, volts, 1, &ae), FERROLAB_ERR_INVALID_ARGUMENT, "at least 2");
    EXPECT(ferrolab_ae_new(foreign, simage, 16, 16, volts, 8, &ae), FERROLAB_ERR_INVALID_HANDLE, "argument cfg");
    volts[2] = NAN;
    EXPECT(ferrolab_ae_new(ecfg, simage, 16, 16, volts, 8, &ae), FERROLAB_ERR_NON_FINITE, "voltage[2] = NaN");
    volts[2] = 2.0;
    if (ae != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_ae_new\n");
        failures++;
    }
    EXPECT(ferrolab_ae_new(ecfg, simage, 16, 16, volts, 8, &ae), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_update(ae), FERROLAB_ERR_INVALID_ARGUMENT, "no measurements yet");
    EXPECT(ferrolab_ae_rank(ae, 2, arows, acols, NULL, NULL, NULL, 8, &an), FERROLAB_ERR_INVALID_ARGUMENT, "call update");
    EXPECT(ferrolab_ae_predict(ae, arows, acols, 2, apred, NULL, 8, NULL, 0, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "call update");
    EXPECT(ferrolab_ae_add_measurements(NULL, arows, acols, aspec, 2, 8, asur), FERROLAB_ERR_NULL_POINTER, "argument ae");
    EXPECT(ferrolab_ae_add_measurements(ae, NULL, acols, aspec, 2, 8, asur), FERROLAB_ERR_NULL_POINTER, "argument rows");
    EXPECT(ferrolab_ae_add_measurements(ae, arows, acols, NULL, 2, 8, asur), FERROLAB_ERR_NULL_POINTER, "argument spectra");
    EXPECT(ferrolab_ae_add_measurements(ae, arows, acols, aspec, 0, 8, asur), FERROLAB_ERR_INVALID_ARGUMENT, "rows is 0 x 1");
    EXPECT(ferrolab_ae_add_measurements(ae, arows, acols, aspec, 2, 7, asur), FERROLAB_ERR_INVALID_ARGUMENT, "spectrum_len = 7 but the session's is 8");
    EXPECT(ferrolab_ae_add_measurements(ae, bad_rows, acols, aspec, 2, 8, asur), FERROLAB_ERR_INVALID_ARGUMENT, "rows[1] = -1");
    EXPECT(ferrolab_ae_add_measurements(ae, far_rows, acols, aspec, 2, 8, asur), FERROLAB_ERR_INVALID_ARGUMENT, "location 1 [15, 9]");
    aspec[9] = -INFINITY;
    EXPECT(ferrolab_ae_add_measurements(ae, arows, acols, aspec, 2, 8, asur), FERROLAB_ERR_NON_FINITE, "spectra[9] = -inf");
    aspec[9] = 0.5;
    EXPECT(ferrolab_ae_shape(ae, NULL, NULL, NULL, NULL, &an, NULL), FERROLAB_OK, NULL);
    if (an != 0) {
        printf("FAIL a refused add kept %zu measurements\n", an);
        failures++;
    }
    EXPECT(ferrolab_ae_add_measurements(ae, arows, acols, aspec, 2, 8, NULL), FERROLAB_OK, NULL);
    /* A location is measured once: measured again, or twice in one call, is refused whole. */
    int64_t again_rows[2] = {6, 8}, again_cols[2] = {5, 9}, twice_rows[2] = {6, 6}, twice_cols[2] = {5, 5};
    EXPECT(ferrolab_ae_add_measurements(ae, again_rows, again_cols, aspec, 2, 8, asur), FERROLAB_ERR_INVALID_ARGUMENT,
           "rows/cols: location 1 [8, 9] is already measured (measurement 1 ");
    EXPECT(ferrolab_ae_add_measurements(ae, twice_rows, twice_cols, aspec, 2, 8, asur), FERROLAB_ERR_INVALID_ARGUMENT,
           "rows/cols: location 1 [6, 5] appears twice in this call (also location 0)");
    EXPECT(ferrolab_ae_shape(ae, NULL, NULL, NULL, NULL, &an, NULL), FERROLAB_OK, NULL);
    if (an != 2) {
        printf("FAIL refused repeats left %zu measurements, want 2\n", an);
        failures++;
    }
    EXPECT(ferrolab_ae_update(NULL), FERROLAB_ERR_NULL_POINTER, "argument ae");
    EXPECT(ferrolab_ae_update(ae), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_progress_info(NULL, NULL, NULL, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument ae");
    EXPECT(ferrolab_ae_request_cancel(NULL), FERROLAB_ERR_NULL_POINTER, "argument ae");
    EXPECT(ferrolab_ae_rank(ae, 2, NULL, acols, NULL, NULL, NULL, 8, &an), FERROLAB_ERR_NULL_POINTER, "argument out_rows");
    EXPECT(ferrolab_ae_rank(ae, 2, arows, acols, NULL, NULL, NULL, 8, NULL), FERROLAB_ERR_NULL_POINTER, "argument out_n");
    EXPECT(ferrolab_ae_rank(ae, 2, arows, acols, NULL, apred, NULL, 9, &an), FERROLAB_ERR_INVALID_ARGUMENT, "spectrum_len = 9");
    EXPECT(ferrolab_ae_rank(ae, SIZE_MAX / 2, arows, acols, NULL, apred, NULL, 8, &an), FERROLAB_ERR_INVALID_ARGUMENT, "too large");
    EXPECT(ferrolab_ae_predict(ae, arows, acols, 2, NULL, NULL, 8, NULL, 0, NULL), FERROLAB_ERR_NULL_POINTER, "argument out_pred");
    EXPECT(ferrolab_ae_predict(ae, arows, acols, 2, apred, NULL, 8, NULL, 3, &aneeded), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_predict(ae, arows, acols, 2, apred, NULL, 8, alat, 1, &aneeded), FERROLAB_WARN_TRUNCATED, "cap = 1 but 4 values");
    EXPECT(ferrolab_ae_predict(ae, far_rows, acols, 2, apred, NULL, 8, alat, 4, &aneeded), FERROLAB_ERR_INVALID_ARGUMENT, "location 1");
    EXPECT(ferrolab_ae_maps(ae, 16, 15, amap, NULL, NULL, NULL, NULL, 0, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "width = 15 but the session's is 16");
    EXPECT(ferrolab_ae_maps(ae, 16, 16, amap, NULL, NULL, NULL, NULL, 0, &aneeded), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_maps(ae, 16, 16, NULL, NULL, NULL, NULL, alat, 4, &aneeded), FERROLAB_WARN_TRUNCATED, "out_latent");
    if (aneeded != 16 * 16 * 2) {
        printf("FAIL maps need %zu latent values\n", aneeded);
        failures++;
    }
    EXPECT(ferrolab_ae_save(ae, NULL), FERROLAB_ERR_NULL_POINTER, "argument dir");
    junk = fopen("not-a-dir", "wb");
    if (junk != NULL) fclose(junk);
    EXPECT(ferrolab_ae_save(ae, "not-a-dir/session"), FERROLAB_ERR_IO, "not-a-dir/session");
    remove("not-a-dir");
    EXPECT(ferrolab_ae_load("no_such_session", &ae_other), FERROLAB_ERR_IO, "no_such_session");
    EXPECT(ferrolab_ae_load(NULL, &ae_other), FERROLAB_ERR_NULL_POINTER, "argument dir");
    EXPECT(ferrolab_ae_save(ae, "bad-session"), FERROLAB_OK, NULL);
    junk = fopen("bad-session/manifest.json", "ab");
    if (junk != NULL) {
        fputs(" ", junk);
        fclose(junk);
    }
    EXPECT(ferrolab_ae_load("bad-session", &ae_other), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_free(ae_other), FERROLAB_OK, NULL);
    ae_other = NULL;
    junk = fopen("bad-session/manifest.json", "wb");
    if (junk != NULL) {
        fputs("{\"format\": \"ferrolab.ae_session\", \"format_version\": 1, \"crc32\": \"00000000\"}", junk);
        fclose(junk);
    }
    EXPECT(ferrolab_ae_load("bad-session", &ae_other), FERROLAB_ERR_CORRUPT_FILE, "checksum mismatch");
    if (ae_other != NULL) {
        printf("FAIL *out not NULL after a failed ferrolab_ae_load\n");
        failures++;
    }
    EXPECT(ferrolab_ae_last_error(ae, buf, sizeof buf, NULL), FERROLAB_OK, NULL);
    if (strstr(buf, "ferrolab_ae_save: not-a-dir/session") == NULL) {
        printf("FAIL ae message: %s\n", buf);
        failures++;
    }
    EXPECT(ferrolab_ae_shape((const ferrolab_ae *)(const void *)ecfg, NULL, NULL, NULL, NULL, NULL, NULL),
           FERROLAB_ERR_INVALID_HANDLE, "argument ae is not a live ferrolab_ae handle");
    EXPECT(ferrolab_ae_free(ae), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_free(ae), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_ae handle");
    EXPECT(ferrolab_ae_free(NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_add_measurements(ae, arows, acols, aspec, 2, 8, asur), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_update(ae), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_rank(ae, 2, arows, acols, NULL, NULL, NULL, 8, &an), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_predict(ae, arows, acols, 2, apred, NULL, 8, NULL, 0, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_maps(ae, 16, 16, amap, NULL, NULL, NULL, NULL, 0, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_progress_info(ae, NULL, NULL, NULL, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_request_cancel(ae), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_save(ae, "never"), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_last_error(ae, buf, sizeof buf, NULL), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_ae_update((const ferrolab_ae *)(uintptr_t)7), FERROLAB_ERR_INVALID_HANDLE, "argument ae");
    EXPECT(ferrolab_config_free(ecfg), FERROLAB_OK, NULL);

    return finish("bad_input");
}
