/* The linear baselines from C on known answers: PCA of points along a line with an
 * alternating offset, NMF of an exactly rank-1 matrix, dictionary learning with the paper's
 * standardisation through a configuration key, k-means and a Gaussian mixture of two
 * separated groups, the kernel density of one sample, Pearson matrices of linear columns, and
 * the errors for bad arguments. Prints "analysis: all checks passed" on success. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ferrolab.h"
#include "check.h"

#define N 8

int main(void) {
    /* Points i (1, 2, 0) + z_i (0, 0, 1), i = 0..7, with the Thue-Morse signs z (sum 0 and
     * uncorrelated with i): the first component is (1, 2, 0)/sqrt 5 with variance
     * 5 var(i) = 30, the second (0, 0, 1) with variance var(z) = 8/7 (ddof 1). */
    const double z[N] = {1, -1, -1, 1, -1, 1, 1, -1};
    double x[N * 3];
    for (int i = 0; i < N; i++) {
        x[3 * i] = i;
        x[3 * i + 1] = 2.0 * i;
        x[3 * i + 2] = z[i];
    }
    double components[6], variance[2], scores[N * 2];
    EXPECT(ferrolab_pca(x, N, 3, 2, 1, components, variance, scores), FERROLAB_OK, NULL);
    near("component 1 x", components[0], 1.0 / sqrt(5.0), 1e-12);
    near("component 1 y", components[1], 2.0 / sqrt(5.0), 1e-12);
    near("component 2 z", fabs(components[5]), 1.0, 1e-12);
    near("variance 1", variance[0], 30.0, 1e-10);
    near("variance 2", variance[1], 8.0 / 7.0, 1e-12);
    near("score of point 0", scores[0], -3.5 * sqrt(5.0), 1e-10);
    EXPECT(ferrolab_pca(x, N, 3, 2, 5, components, NULL, NULL), FERROLAB_ERR_INVALID_ARGUMENT,
           "center");
    EXPECT(ferrolab_pca(x, N, 3, 4, 1, components, NULL, NULL), FERROLAB_ERR_INVALID_ARGUMENT,
           NULL);

    /* An exactly rank-1 non-negative matrix: one component reproduces it. */
    double m[N * 4], w[N], h[4], error = -1.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < 4; j++) m[4 * i + j] = (1.0 + i) * (0.5 + j);
    EXPECT(ferrolab_nmf(NULL, m, N, 4, 1, w, h, &error), FERROLAB_OK, NULL);
    near("rank-1 NMF error", error, 0.0, 1e-9);
    near("w h reproduces m", w[3] * h[2], m[4 * 3 + 2], 1e-9);
    m[5] = -0.5;
    EXPECT(ferrolab_nmf(NULL, m, N, 4, 1, w, h, NULL), FERROLAB_ERR_INVALID_ARGUMENT, "x[1, 1]");

    /* Dictionary learning, standardised as paper 001 does, set through a key. */
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "dictionary.standardise", 1), FERROLAB_OK, NULL);
    double codes[N * 2], atoms[2 * 3], mse = -1.0;
    EXPECT(ferrolab_dictionary_learning(cfg, x, N, 3, 2, 0.01, codes, atoms, &mse), FERROLAB_OK,
           NULL);
    for (int a = 0; a < 2; a++) {
        double norm = 0.0;
        for (int j = 0; j < 3; j++) norm += atoms[3 * a + j] * atoms[3 * a + j];
        if (norm > 1.0 + 1e-12) {
            printf("FAIL atom %d has squared norm %g\n", a, norm);
            failures++;
        }
    }
    /* Two atoms span the standardised data (rank 2) up to the small penalty's shrinkage. */
    if (!(mse >= 0.0 && mse < 1e-3)) {
        printf("FAIL dictionary mse %g\n", mse);
        failures++;
    }
    EXPECT(ferrolab_dictionary_learning(cfg, x, N, 3, 2, -1.0, codes, atoms, NULL),
           FERROLAB_ERR_INVALID_ARGUMENT, "lambda");
    EXPECT(ferrolab_config_set_i64(cfg, "dictionary.standardise", 2),
           FERROLAB_ERR_OUT_OF_RANGE, "dictionary.standardise");
    ferrolab_config_free(cfg);

    /* Two groups of four points around (0, 0) and (10, 10): k-means and the mixture find them. */
    double g[16] = {0, 0, 1, 0, 0, 1, 1, 1, 10, 10, 11, 10, 10, 11, 11, 11};
    double centres[4], inertia = -1.0;
    int32_t labels[8];
    EXPECT(ferrolab_kmeans(NULL, g, 8, 2, 2, centres, labels, &inertia), FERROLAB_OK, NULL);
    /* Each group's squared distances to its centre (0.5, 0.5) sum to 4 x 0.5. */
    near("k-means inertia", inertia, 4.0, 1e-12);
    for (int i = 1; i < 8; i++) {
        if ((labels[i] == labels[0]) != (i < 4)) {
            printf("FAIL k-means label %d = %d\n", i, (int)labels[i]);
            failures++;
        }
    }
    double weights[2], means[4], covariances[8], score = 0.0;
    EXPECT(ferrolab_gmm(NULL, g, 8, 2, 2, weights, means, covariances, labels, &score),
           FERROLAB_OK, NULL);
    near("mixture weight", weights[0], 0.5, 1e-9);
    near("mixture mean", fmin(means[0], means[2]), 0.5, 1e-6);
    /* Each group's covariance is 0.25 I (population), plus reg_covar 1e-6. */
    near("mixture variance", covariances[0], 0.25 + 1e-6, 1e-6);
    EXPECT(ferrolab_kmeans(NULL, g, 8, 2, 9, centres, NULL, NULL), FERROLAB_ERR_INVALID_ARGUMENT,
           "n_clusters");
    /* Finite values whose squares overflow: a numerical error, not infinite centres. */
    double huge[6] = {1e308, 0.0, -1e308, 0.0, 0.0, 1.0};
    EXPECT(ferrolab_kmeans(NULL, huge, 3, 2, 2, centres, NULL, NULL), FERROLAB_ERR_NUMERICAL,
           "rescale x");

    /* One sample with an isotropic width of 1 is the standard normal density. */
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_str(cfg, "kde.bandwidth", "isotropic"), FERROLAB_OK, NULL);
    double origin = 0.0, at[2] = {0.0, 1.0}, density[2];
    EXPECT(ferrolab_kde(cfg, &origin, 1, 1, at, 2, density), FERROLAB_OK, NULL);
    const double two_pi = 6.283185307179586;
    near("density at 0", density[0], 1.0 / sqrt(two_pi), 1e-15);
    near("density at 1", density[1], exp(-0.5) / sqrt(two_pi), 1e-15);
    ferrolab_config_free(cfg);

    /* Pearson: column 0 of x against 3 x + 1 (r = 1) and -x (r = -1). */
    double a[N], b[N * 2], r[2];
    for (int i = 0; i < N; i++) {
        a[i] = x[3 * i];
        b[2 * i] = 3.0 * a[i] + 1.0;
        b[2 * i + 1] = -a[i];
    }
    EXPECT(ferrolab_pearson_matrix(a, b, N, 1, 2, r), FERROLAB_OK, NULL);
    near("r with 3x + 1", r[0], 1.0, 1e-15);
    near("r with -x", r[1], -1.0, 1e-15);
    EXPECT(ferrolab_pearson_matrix(a, NULL, N, 1, 2, r), FERROLAB_ERR_NULL_POINTER, "b");

    return finish("analysis");
}
