/* Simulate a P-V loop of a polycrystalline HZO film and print its features.
 * A reduced film (20 x 64 cells, 100 points) keeps this example fast; drop the three
 * ferrolab_config_set_i64 calls for the paper's full size (about a second).
 *
 *   cc -std=c99 examples/c/simulate_loop.c -Iinclude -Ltarget/release -lferrolab \
 *      -Wl,-rpath,$PWD/target/release -o simulate_loop && ./simulate_loop
 */
#include <stdio.h>
#include <stdlib.h>

#include "ferrolab.h"

static int fail(int32_t status) {
    char message[512];
    ferrolab_last_error(message, sizeof message, NULL);
    fprintf(stderr, "%s: %s\n", ferrolab_status_str(status), message);
    return 1;
}

int main(void) {
    ferrolab_config *cfg = NULL;
    int32_t status;
    if ((status = ferrolab_config_new(&cfg))) return fail(status);
    if ((status = ferrolab_config_set_i64(cfg, "pf.cells_width", 64))) return fail(status);
    if ((status = ferrolab_config_set_i64(cfg, "pf.points", 100))) return fail(status);
    if ((status = ferrolab_config_set_i64(cfg, "pf.hold_steps", 25))) return fail(status);
    if ((status = ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", 8.0))) return fail(status);

    /* Ask for the number of points, then simulate into buffers of that size. */
    size_t n = 0;
    status = ferrolab_pf_simulate_loop(cfg, NULL, NULL, 0, &n);
    if (status != FERROLAB_WARN_TRUNCATED) return fail(status);
    double *voltage = malloc(n * sizeof *voltage);
    double *polarization = malloc(n * sizeof *polarization);
    if (voltage == NULL || polarization == NULL) return 1;
    if ((status = ferrolab_pf_simulate_loop(cfg, voltage, polarization, n, &n))) return fail(status);

    double features[FERROLAB_LOOP_FEATURE_COUNT];
    double thickness_m = 10e-9; /* 20 cells of 0.5 nm */
    status = ferrolab_loop_features(voltage, polarization, n, thickness_m, features,
                                    FERROLAB_LOOP_FEATURE_COUNT);
    if (status) return fail(status);
    printf("%zu points; P(+4 V) = %.4f C/m^2\n", n, polarization[n / 2]);
    printf("Ec = %.3f MV/cm, Pr = %.4f C/m^2, Ps = %.4f C/m^2, area = %.3f J/m^2\n",
           features[0], features[1], features[2], features[3]);
    printf("imprint = %.4f V, offset = %.5f C/m^2, crossings up/down = %.0f/%.0f\n",
           features[4], features[5], features[6], features[7]);

    free(voltage);
    free(polarization);
    ferrolab_config_free(cfg);
    return 0;
}
