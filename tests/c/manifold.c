/* Manifold learning from C on 60 points along a bent curve in 3-D: t-SNE (exact and
 * Barnes-Hut through tsne.method), classical and SMACOF MDS (mds.method), Isomap and the
 * trustworthiness of each embedding. Prints each result's summary line, which the Rust harness
 * compares with the same calls through the Rust API (ffi/tests/c_clients.rs), checks what holds
 * whatever the numbers (classical MDS of 3-D data into 3-D is exact, trustworthiness in (0, 1]),
 * and the errors for bad arguments and keys. Prints "manifold: all checks passed". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ferrolab.h"
#include "check.h"

enum { N = 60, D = 3, K = 2 };

static double x[N * D];

/* Point i: t = i / 59 along (t, t^2, t^3) with an offset ((7 i) mod 5 - 2) / 40 on the last
 * axis; only + * / on small integers, so the harness builds the same bits. */
static void make_points(void) {
    for (int i = 0; i < N; i++) {
        double t = (double)i / (N - 1);
        x[i * D] = t;
        x[i * D + 1] = t * t;
        x[i * D + 2] = t * t * t + (double)((7 * i) % 5 - 2) / 40.0;
    }
}

static ferrolab_config *config(void) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    return cfg;
}

/* Trustworthiness with 5 neighbours, checked in (0, 1]. */
static double trust(const double *y, size_t k) {
    double t = -1.0;
    EXPECT(ferrolab_trustworthiness(x, y, N, D, k, 5, &t), FERROLAB_OK, NULL);
    if (!(t > 0.0 && t <= 1.0)) {
        printf("FAIL trustworthiness %g\n", t);
        failures++;
    }
    return t;
}

/* The line the harness looks for: a name, a scalar, trustworthiness and two embedded points. */
static void report(const char *name, double value, const double *y) {
    printf("%s: %.9f, trustworthiness %.6f, y[0] = (%.6f, %.6f), y[59] = (%.6f, %.6f)\n", name, value,
           trust(y, K), y[0], y[1], y[(N - 1) * K], y[(N - 1) * K + 1]);
}

int main(void) {
    make_points();
    static double y[N * 3], again[N * 3];
    double value = -1.0;

    /* t-SNE: perplexity 10, the 250 iterations of early exaggeration only. */
    ferrolab_config *cfg = config();
    EXPECT(ferrolab_config_set_f64(cfg, "tsne.perplexity", 10.0), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "tsne.max_iter", 250), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_str(cfg, "tsne.method", "exact"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_tsne(cfg, x, N, D, K, y, &value), FERROLAB_OK, NULL);
    report("tsne exact", value, y);
    /* Deterministic, and kl_divergence may be NULL. */
    EXPECT(ferrolab_tsne(cfg, x, N, D, K, again, NULL), FERROLAB_OK, NULL);
    if (memcmp(y, again, N * K * sizeof(double)) != 0) {
        printf("FAIL t-SNE differs between two calls\n");
        failures++;
    }
    EXPECT(ferrolab_config_set_str(cfg, "tsne.method", "barnes_hut"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(cfg, "tsne.angle", 0.5), FERROLAB_OK, NULL);
    EXPECT(ferrolab_tsne(cfg, x, N, D, K, y, &value), FERROLAB_OK, NULL);
    report("tsne barnes_hut", value, y);
    /* Errors: Barnes-Hut into 4 dimensions, k = 0, perplexity not below n, bad keys, NaN. */
    EXPECT(ferrolab_tsne(cfg, x, N, D, 4, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "n_components = 4");
    EXPECT(ferrolab_tsne(cfg, x, N, D, 0, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "n_components = 0");
    EXPECT(ferrolab_tsne(cfg, x, 8, D, K, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "perplexity");
    EXPECT(ferrolab_config_set_str(cfg, "tsne.method", "fast"), FERROLAB_ERR_OUT_OF_RANGE, "tsne.method");
    EXPECT(ferrolab_config_set_i64(cfg, "tsne.max_iter", 100), FERROLAB_ERR_OUT_OF_RANGE, "tsne.max_iter");
    EXPECT(ferrolab_config_set_f64(cfg, "tsne.perplexity", 0.0), FERROLAB_ERR_OUT_OF_RANGE, "tsne.perplexity");
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);

    /* MDS: classical of 3-D data into 3-D reproduces every distance (stress ~ 0); into 2-D,
     * classical and SMACOF (1 start, 300 iterations). */
    cfg = config();
    EXPECT(ferrolab_config_set_str(cfg, "mds.method", "classical"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_mds(cfg, x, N, D, 3, y, &value), FERROLAB_OK, NULL);
    near("classical MDS stress in 3-D", value, 0.0, 1e-20);
    EXPECT(ferrolab_mds(cfg, x, N, D, K, y, &value), FERROLAB_OK, NULL);
    report("mds classical", value, y);
    EXPECT(ferrolab_config_set_str(cfg, "mds.method", "smacof"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_mds(cfg, x, N, D, K, y, &value), FERROLAB_OK, NULL);
    report("mds smacof", value, y);
    EXPECT(ferrolab_mds(cfg, x, N, D, N + 1, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "n_components = 61");
    EXPECT(ferrolab_mds(cfg, x, 1, D, 1, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, NULL);
    EXPECT(ferrolab_config_set_str(cfg, "mds.method", "metric"), FERROLAB_ERR_OUT_OF_RANGE, "mds.method");
    EXPECT(ferrolab_config_set_i64(cfg, "mds.n_init", 0), FERROLAB_ERR_OUT_OF_RANGE, "mds.n_init");
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);

    /* Isomap with 8 neighbours (NULL config: 5). */
    cfg = config();
    EXPECT(ferrolab_config_set_i64(cfg, "isomap.n_neighbors", 8), FERROLAB_OK, NULL);
    EXPECT(ferrolab_isomap(cfg, x, N, D, K, y, &value), FERROLAB_OK, NULL);
    report("isomap", value, y);
    EXPECT(ferrolab_isomap(NULL, x, N, D, K, again, NULL), FERROLAB_OK, NULL);
    /* Two far-apart halves with 2 neighbours: a graph in pieces is refused, naming n_neighbors. */
    static double split[N * D];
    memcpy(split, x, sizeof split);
    for (int i = N / 2; i < N; i++) split[i * D] += 100.0;
    EXPECT(ferrolab_config_set_i64(cfg, "isomap.n_neighbors", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_isomap(cfg, split, N, D, K, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "raise n_neighbors");
    EXPECT(ferrolab_isomap(cfg, x, N, D, 0, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "isomap.n_neighbors", 0), FERROLAB_ERR_OUT_OF_RANGE, "isomap.n_neighbors");
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);

    /* Trustworthiness: the data themselves score 1; n_neighbors must stay below n / 2. */
    double t = -1.0;
    EXPECT(ferrolab_trustworthiness(x, x, N, D, D, 5, &t), FERROLAB_OK, NULL);
    near("trustworthiness of the data", t, 1.0, 0.0);
    EXPECT(ferrolab_trustworthiness(x, y, N, D, K, 30, &t), FERROLAB_ERR_INVALID_ARGUMENT, "n_neighbors = 30");
    EXPECT(ferrolab_trustworthiness(x, y, N, D, K, 0, &t), FERROLAB_ERR_INVALID_ARGUMENT, "n_neighbors = 0");

    /* NULLs, empty and non-finite input name the argument. */
    EXPECT(ferrolab_tsne(NULL, NULL, N, D, K, y, NULL), FERROLAB_ERR_NULL_POINTER, "argument x");
    EXPECT(ferrolab_mds(NULL, x, N, D, K, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument embedding");
    EXPECT(ferrolab_isomap(NULL, x, 0, D, K, y, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "x is 0 x 3");
    EXPECT(ferrolab_trustworthiness(x, y, N, D, K, 5, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    x[7] = NAN;
    EXPECT(ferrolab_tsne(NULL, x, N, D, K, y, NULL), FERROLAB_ERR_NON_FINITE, "x[7]");
    EXPECT(ferrolab_mds(NULL, x, N, D, K, y, NULL), FERROLAB_ERR_NON_FINITE, "x[7]");
    EXPECT(ferrolab_isomap(NULL, x, N, D, K, y, NULL), FERROLAB_ERR_NON_FINITE, "x[7]");
    EXPECT(ferrolab_trustworthiness(x, y, N, D, K, 5, &t), FERROLAB_ERR_NON_FINITE, "x[7]");

    return finish("manifold");
}
