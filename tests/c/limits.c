/* Sizes that would need terabytes: every call refuses them with FERROLAB_ERR_OUT_OF_MEMORY,
 * naming the argument, before allocating (the host process survives to read the status), and
 * the process's memory budget can be read, lowered and restored. Prints "limits: all checks
 * passed" on success. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ferrolab.h"
#include "check.h"

int main(void) {
    uint64_t budget = 0;
    EXPECT(ferrolab_max_alloc_bytes(NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_max_alloc_bytes(&budget), FERROLAB_OK, NULL);
    if (budget < ((uint64_t)1 << 28)) {
        printf("FAIL default budget %llu bytes\n", (unsigned long long)budget);
        failures++;
    }

    /* Sweeps: levels^4 structures, or sweep.samples of them, each holding its loop. */
    ferrolab_config *cfg = NULL;
    ferrolab_sweep *sweep = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "sweep.levels", 1000), FERROLAB_OK, NULL);
    EXPECT(ferrolab_sweep_new(cfg, "never", 0, 1, &sweep), FERROLAB_ERR_OUT_OF_MEMORY,
           "sweep.levels = 1000 (1000000000000 structures): needs");
    EXPECT(ferrolab_config_set_str(cfg, "sweep.mode", "random"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "sweep.samples", 100000000), FERROLAB_OK, NULL);
    EXPECT(ferrolab_sweep_new(cfg, "never", 0, 1, &sweep), FERROLAB_ERR_OUT_OF_MEMORY,
           "sweep.samples = 100000000: needs");
    if (sweep != NULL) {
        printf("FAIL a refused sweep returned a handle\n");
        failures++;
    }
    /* A shard of it is smaller, but 10^8 / 10 structures still is too much. */
    EXPECT(ferrolab_sweep_new(cfg, "never", 3, 10, &sweep), FERROLAB_ERR_OUT_OF_MEMORY, "bytes");

    /* A VAE with in-range widths whose weights alone are terabytes. */
    ferrolab_vae *vae = NULL;
    int64_t hidden[64];
    for (int i = 0; i < 64; i++) hidden[i] = 65536;
    EXPECT(ferrolab_config_set_i64_array(cfg, "vae.hidden", hidden, 64), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_new(cfg, 400, &vae), FERROLAB_ERR_OUT_OF_MEMORY, "vae.hidden = [65536, 65536");
    EXPECT(ferrolab_config_set_i64_array(cfg, "vae.hidden", hidden, 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_new(cfg, (size_t)1 << 24, &vae), FERROLAB_ERR_OUT_OF_MEMORY,
           "input_dim = 16777216");
    if (vae != NULL) {
        printf("FAIL a refused VAE returned a handle\n");
        failures++;
    }

    /* Analysis: k components of a 4 x 3 matrix. */
    const double x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    double codes[4], dictionary[3], mse = 0.0;
    EXPECT(ferrolab_dictionary_learning(NULL, x, 4, 3, (size_t)1 << 33, 0.1, codes, dictionary, &mse),
           FERROLAB_ERR_OUT_OF_MEMORY, "n_components = 8589934592");
    EXPECT(ferrolab_dictionary_learning(NULL, x, 4, 3, (size_t)1 << 61, 0.1, codes, dictionary, &mse),
           FERROLAB_ERR_OUT_OF_MEMORY, "n_components = 2305843009213693952");
    EXPECT(ferrolab_dictionary_learning(NULL, x, 4, 3, SIZE_MAX, 0.1, codes, dictionary, &mse),
           FERROLAB_ERR_OUT_OF_MEMORY, "needs more than 2^128");
    EXPECT(ferrolab_nmf(NULL, x, 4, 3, (size_t)1 << 40, codes, dictionary, &mse),
           FERROLAB_ERR_OUT_OF_MEMORY, "n_components = 1099511627776 for x of 4 x 3");

    /* A GP: sampling 2^36 joint draws, fitting 2 * 10^5 points (an n x n kernel matrix). */
    ferrolab_gp *gp = NULL;
    const double y[4] = {0.0, 1.0, 0.5, 0.2};
    EXPECT(ferrolab_gp_fit(NULL, x, 4, 1, y, 1, &gp), FERROLAB_OK, NULL);
    double xq[2] = {0.5, 1.5}, samples[2];
    EXPECT(ferrolab_gp_sample(gp, xq, 2, 1, 0, (size_t)1 << 36, 7, samples), FERROLAB_ERR_OUT_OF_MEMORY,
           "n_samples = 68719476736 at xq with 2 rows: needs");
    EXPECT(ferrolab_gp_sample(gp, xq, 1, 1, 0, (size_t)1 << 61, 7, samples), FERROLAB_ERR_OUT_OF_MEMORY,
           "n_samples = 2305843009213693952");
    EXPECT(ferrolab_gp_sample(gp, xq, 2, 1, 0, SIZE_MAX, 7, samples), FERROLAB_ERR_INVALID_ARGUMENT,
           "samples");
    EXPECT(ferrolab_gp_sample(gp, xq, 2, 1, 0, 1, 7, samples), FERROLAB_OK, NULL);
    const size_t big = 200000;
    double *many = calloc(big, sizeof *many);
    for (size_t i = 0; i < big; i++) many[i] = (double)i;
    ferrolab_gp *huge = NULL;
    EXPECT(ferrolab_gp_fit(NULL, many, big, 1, many, 1, &huge), FERROLAB_ERR_OUT_OF_MEMORY,
           "x with 200000 rows: needs");

    /* A lowered budget refuses what the default allows; 0 restores the default. */
    EXPECT(ferrolab_set_max_alloc_bytes(1 << 20), FERROLAB_OK, NULL);
    uint64_t lowered = 0;
    EXPECT(ferrolab_max_alloc_bytes(&lowered), FERROLAB_OK, NULL);
    if (lowered != (1 << 20)) {
        printf("FAIL budget read back as %llu\n", (unsigned long long)lowered);
        failures++;
    }
    EXPECT(ferrolab_gp_sample(gp, many, 1000, 1, 0, 100, 7, many), FERROLAB_ERR_OUT_OF_MEMORY,
           "more than the memory budget of 1 MiB");
    /* A file larger than the budget is refused before its buffer is allocated. */
    FILE *big_file = fopen("two_mib.gp", "wb");
    for (int k = 0; big_file != NULL && k < 2 << 20; k++) fputc('x', big_file);
    if (big_file != NULL) fclose(big_file);
    ferrolab_gp *unread = NULL;
    EXPECT(ferrolab_gp_load("two_mib.gp", &unread), FERROLAB_ERR_OUT_OF_MEMORY, "two_mib.gp: needs 2097152 bytes (2 MiB)");
    ferrolab_vae *unread_vae = NULL;
    EXPECT(ferrolab_vae_load("two_mib.gp", &unread_vae), FERROLAB_ERR_OUT_OF_MEMORY, "two_mib.gp: needs");
    remove("two_mib.gp");
    EXPECT(ferrolab_set_max_alloc_bytes(0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_max_alloc_bytes(&lowered), FERROLAB_OK, NULL);
    if (lowered != budget) {
        printf("FAIL budget after reset %llu, default %llu\n", (unsigned long long)lowered,
               (unsigned long long)budget);
        failures++;
    }
    EXPECT(ferrolab_gp_sample(gp, many, 1000, 1, 0, 100, 7, many + 1000), FERROLAB_OK, NULL);

    free(many);
    ferrolab_gp_free(gp);
    ferrolab_config_free(cfg);
    return finish("limits");
}
