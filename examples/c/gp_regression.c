/* Gaussian-process regression from C: fit two outputs on 2-D inputs with the paper's GP
 * (ConstantKernel * RBF + fixed white noise 0.005, optimised), predict with uncertainty, read
 * the fitted hyper-parameters, save and reload the model.
 *
 *   cc -std=c99 examples/c/gp_regression.c -Iinclude -Ltarget/release -lferrolab -lm \
 *      -Wl,-rpath,$PWD/target/release -o gp_regression && ./gp_regression
 */
#include <math.h>
#include <stdio.h>

#include "ferrolab.h"

#define N 30

static int fail(int32_t status) {
    char message[512];
    ferrolab_last_error(message, sizeof message, NULL);
    fprintf(stderr, "%s: %s\n", ferrolab_status_str(status), message);
    return 1;
}

int main(void) {
    double x[N * 2], y[N * 2];
    for (int i = 0; i < N; i++) {
        double a = -2.0 + 4.0 * i / (N - 1), b = cos(1.7 * i);
        x[2 * i] = a;
        x[2 * i + 1] = b;
        y[2 * i] = sin(a) * b;        /* output 0 */
        y[2 * i + 1] = 0.5 * a - b;   /* output 1 */
    }
    ferrolab_gp *gp = NULL;
    int32_t status = ferrolab_gp_fit(NULL, x, N, 2, y, 2, &gp);
    if (status) return fail(status);

    double lml[2];
    if ((status = ferrolab_gp_log_marginal_likelihood(gp, lml, 2))) return fail(status);
    double signal, lengths[2], noise, jitter;
    size_t n_lengths = 0;
    if ((status = ferrolab_gp_hyperparameters(gp, 0, &signal, lengths, 2, &n_lengths, &noise, &jitter)))
        return fail(status);
    printf("output 0: signal variance %.6f, length scale %.6f, noise %.4f, lml %.6f\n", signal,
           lengths[0], noise, lml[0]);
    printf("output 1: lml %.6f\n", lml[1]);

    double xq[4] = {0.5, 0.2, -1.0, 0.9};
    double mean[4], std[4];
    if ((status = ferrolab_gp_predict(gp, xq, 2, 2, mean, std))) return fail(status);
    printf("at (0.5, 0.2): %.6f +- %.6f and %.6f +- %.6f\n", mean[0], std[0], mean[1], std[1]);

    /* A saved and reloaded model predicts the same. */
    if ((status = ferrolab_gp_save(gp, "model.gp"))) return fail(status);
    ferrolab_gp *again = NULL;
    if ((status = ferrolab_gp_load("model.gp", &again))) return fail(status);
    double mean2[4];
    if ((status = ferrolab_gp_predict(again, xq, 2, 2, mean2, NULL))) return fail(status);
    int same = 1;
    for (int k = 0; k < 4; k++) same &= mean2[k] == mean[k];
    printf("reloaded model predicts the same: %s\n", same ? "yes" : "no");
    ferrolab_gp_free(again);
    ferrolab_gp_free(gp);
    remove("model.gp");
    return same ? 0 : 1;
}
