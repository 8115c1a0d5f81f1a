/* The automated experiment closed from C against the simulated microscope, at a tiny size
 * (16 x 16 image, window 4, 2 members, 2 epochs): seed measurements, update, rank, measure the
 * picks from the sample's loops, add them (their surprises checked against the predictions the
 * ranking gave), update, rank again, maps, save, load, the same ranking. Then im2spec and
 * spec2im train / predict / encode / decode / save / load round trips. Prints
 * "ae: all checks passed" on success. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferrolab.h"
#include "check.h"

#define H 16
#define W 16
#define L 16
#define WIN 4
#define K 4
#define SEEDS 9

static double image[H * W], loops[H * W * L], voltage[L];
static int32_t anomaly[H * W];

/* The measured loop at (r, c): what the microscope returns. */
static const double *measure(int64_t r, int64_t c) { return &loops[((size_t)r * W + (size_t)c) * L]; }

/* The structure patch (WIN x WIN) centred on (r, c), as the session cuts it. */
static void patch_at(int64_t r, int64_t c, double *out) {
    for (int i = 0; i < WIN; i++)
        for (int j = 0; j < WIN; j++)
            out[i * WIN + j] = image[(size_t)(r - WIN / 2 + i) * W + (size_t)(c - WIN / 2 + j)];
}

static void *update_worker(void *arg) {
    static int32_t status;
    status = ferrolab_ae_update((const ferrolab_ae *)arg);
    return &status;
}

static double nrms(const double *yhat, const double *y, size_t n) {
    double num = 0.0, den = 0.0;
    for (size_t k = 0; k < n; k++) {
        num += (yhat[k] - y[k]) * (yhat[k] - y[k]);
        den += (yhat[k] + y[k]) * (yhat[k] + y[k]);
    }
    return sqrt(num / den);
}

static void set_i(ferrolab_config *cfg, const char *key, int64_t v) {
    EXPECT(ferrolab_config_set_i64(cfg, key, v), FERROLAB_OK, NULL);
}

static void closed_loop(ferrolab_config *cfg) {
    ferrolab_ae *ae = NULL;
    EXPECT(ferrolab_ae_new(cfg, image, H, W, voltage, L, &ae), FERROLAB_OK, NULL);
    size_t h = 0, w = 0, l = 0, latent = 0, measured = 0;
    int32_t trained = -1;
    EXPECT(ferrolab_ae_shape(ae, &h, &w, &l, &latent, &measured, &trained), FERROLAB_OK, NULL);
    if (h != H || w != W || l != L || latent != 2 || measured != 0 || trained != 0) {
        printf("FAIL shape %zu %zu %zu %zu %zu %d\n", h, w, l, latent, measured, (int)trained);
        failures++;
    }
    int64_t rows[K], cols[K];
    double score[K], pred[K * L], pred_std[K * L];
    size_t n = 99;
    /* No model yet: ranking says to update first. */
    EXPECT(ferrolab_ae_rank(ae, K, rows, cols, score, pred, pred_std, L, &n), FERROLAB_ERR_INVALID_ARGUMENT, "update");

    /* Seed: a 3 x 3 grid of measured pixels; no model, so no surprise. */
    int64_t seed_rows[SEEDS], seed_cols[SEEDS];
    double spectra[SEEDS * L], surprise[SEEDS];
    for (int k = 0; k < SEEDS; k++) {
        seed_rows[k] = 3 + 4 * (k / 3);
        seed_cols[k] = 3 + 4 * (k % 3);
        memcpy(&spectra[k * L], measure(seed_rows[k], seed_cols[k]), sizeof(double) * L);
    }
    EXPECT(ferrolab_ae_add_measurements(ae, seed_rows, seed_cols, spectra, SEEDS, L, surprise), FERROLAB_OK, NULL);
    for (int k = 0; k < SEEDS; k++) {
        if (!isnan(surprise[k])) {
            printf("FAIL seed surprise %d = %g, want NaN\n", k, surprise[k]);
            failures++;
        }
    }
    EXPECT(ferrolab_ae_update(ae), FERROLAB_OK, NULL);
    uint64_t done = 0, total = 0;
    int32_t stage = -1;
    double loss = NAN;
    EXPECT(ferrolab_ae_progress_info(ae, &done, &total, &stage, &loss), FERROLAB_OK, NULL);
    if (stage != 2 || done != 2 || total != 2 || !isfinite(loss)) {
        printf("FAIL progress: stage %d, %llu of %llu, loss %g\n", (int)stage, (unsigned long long)done,
               (unsigned long long)total, loss);
        failures++;
    }

    /* Rank, then measure the picks: each surprise is the pre-measurement prediction's error. */
    EXPECT(ferrolab_ae_rank(ae, K, rows, cols, score, pred, pred_std, L, &n), FERROLAB_OK, NULL);
    if (n != K) {
        printf("FAIL %zu picks, want %d\n", n, K);
        failures++;
        n = n < K ? n : K;
    }
    double picked[K * L], pick_surprise[K];
    for (size_t k = 0; k < n; k++) {
        if (rows[k] < WIN / 2 || rows[k] > H - WIN / 2 || cols[k] < WIN / 2 || cols[k] > W - WIN / 2 ||
            !isfinite(score[k]) || (k > 0 && score[k] > score[k - 1])) {
            printf("FAIL pick %zu: (%lld, %lld) score %g\n", k, (long long)rows[k], (long long)cols[k], score[k]);
            failures++;
        }
        for (int s = 0; s < SEEDS; s++) {
            if (rows[k] == seed_rows[s] && cols[k] == seed_cols[s]) {
                printf("FAIL pick %zu is a measured pixel\n", k);
                failures++;
            }
        }
        for (int j = 0; j < L; j++) {
            if (!isfinite(pred[k * L + j]) || !(pred_std[k * L + j] >= 0.0)) {
                printf("FAIL pick %zu prediction %d: %g +- %g\n", k, j, pred[k * L + j], pred_std[k * L + j]);
                failures++;
                break;
            }
        }
        memcpy(&picked[k * L], measure(rows[k], cols[k]), sizeof(double) * L);
    }
    EXPECT(ferrolab_ae_add_measurements(ae, rows, cols, picked, n, L, pick_surprise), FERROLAB_OK, NULL);
    for (size_t k = 0; k < n; k++) {
        near("surprise = nrms of the ranked prediction", pick_surprise[k], nrms(&pred[k * L], &picked[k * L], L),
             1e-9);
    }
    EXPECT(ferrolab_ae_update(ae), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_rank(ae, K, rows, cols, score, NULL, NULL, L, &n), FERROLAB_OK, NULL);

    /* Maps: the surprises sit at the picked pixels; latent capacity asked for first. */
    double score_map[H * W], nrms_map[H * W];
    size_t needed = 0;
    EXPECT(ferrolab_ae_maps(ae, H, W, score_map, nrms_map, NULL, NULL, NULL, 0, &needed), FERROLAB_OK, NULL);
    if (needed != H * W * 2) {
        printf("FAIL latent map needs %zu values, want %d\n", needed, H * W * 2);
        failures++;
    }
    double *latent_map = malloc(sizeof(double) * needed);
    EXPECT(ferrolab_ae_maps(ae, H, W, NULL, NULL, NULL, NULL, latent_map, needed, &needed), FERROLAB_OK, NULL);
    size_t surprising = 0, scored = 0, latents = 0;
    for (size_t p = 0; p < H * W; p++) {
        surprising += !isnan(nrms_map[p]);
        scored += !isnan(score_map[p]);
        latents += !isnan(latent_map[2 * p]);
    }
    /* 13 x 13 candidates, SEEDS + K measured (scored NaN), K with a surprise. */
    if (surprising != K || scored != 13 * 13 - SEEDS - K || latents != 13 * 13) {
        printf("FAIL maps: %zu surprises, %zu scores, %zu latents\n", surprising, scored, latents);
        failures++;
    }
    free(latent_map);

    /* Predict with too small a latent buffer: the rest in full, a truncation warning. */
    double p_mean[2 * L], p_std[2 * L], p_latent[3];
    EXPECT(ferrolab_ae_predict(ae, rows, cols, 2, p_mean, p_std, L, p_latent, 3, &needed), FERROLAB_WARN_TRUNCATED,
           "out_latent: cap = 3 but 4 values are needed");
    if (needed != 4 || !isfinite(p_mean[2 * L - 1]) || !isfinite(p_latent[2])) {
        printf("FAIL predict: needed %zu\n", needed);
        failures++;
    }

    /* Save, load: the same ranking, the same scores. */
    EXPECT(ferrolab_ae_save(ae, "ae-session"), FERROLAB_OK, NULL);
    ferrolab_ae *again = NULL;
    EXPECT(ferrolab_ae_load("ae-session", &again), FERROLAB_OK, NULL);
    int64_t rows2[K], cols2[K];
    double score2[K];
    size_t n2 = 0;
    EXPECT(ferrolab_ae_rank(again, K, rows2, cols2, score2, NULL, NULL, L, &n2), FERROLAB_OK, NULL);
    int same = n2 == n;
    for (size_t k = 0; same && k < n; k++) {
        same = rows2[k] == rows[k] && cols2[k] == cols[k] && score2[k] == score[k];
    }
    printf("reloaded session ranks identically: %s\n", same ? "yes" : "no");
    if (!same) failures++;
    EXPECT(ferrolab_ae_shape(again, NULL, NULL, NULL, NULL, &measured, &trained), FERROLAB_OK, NULL);
    if (measured != SEEDS + K || trained != 1) {
        printf("FAIL reloaded: %zu measurements, trained %d\n", measured, (int)trained);
        failures++;
    }

    /* An update cancelled from another thread, then resumed to the end: the reloaded session
     * continues like the original. */
    double more[L];
    int64_t more_row = 2, more_col = 14;
    memcpy(more, measure(more_row, more_col), sizeof more);
    EXPECT(ferrolab_ae_add_measurements(again, &more_row, &more_col, more, 1, L, NULL), FERROLAB_OK, NULL);
    pthread_t worker;
    pthread_create(&worker, NULL, update_worker, again);
    EXPECT(ferrolab_ae_request_cancel(again), FERROLAB_OK, NULL);
    JOIN_CANCELLED(worker);
    EXPECT(ferrolab_ae_update(again), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_shape(again, NULL, NULL, NULL, NULL, &measured, &trained), FERROLAB_OK, NULL);
    if (measured != SEEDS + K + 1 || trained != 1) {
        printf("FAIL after the resumed update: %zu measurements, trained %d\n", measured, (int)trained);
        failures++;
    }
    EXPECT(ferrolab_ae_free(again), FERROLAB_OK, NULL);
    EXPECT(ferrolab_ae_free(ae), FERROLAB_OK, NULL);
}

static void encoder_decoders(ferrolab_config *cfg) {
    enum { N = 12 };
    double patches[N * WIN * WIN], spectra[N * L], history[4];
    for (int k = 0; k < N; k++) {
        int64_t r = 2 + k % 6 * 2, c = 3 + k / 6 * 7;
        patch_at(r, c, &patches[k * WIN * WIN]);
        memcpy(&spectra[k * L], measure(r, c), sizeof(double) * L);
    }
    ferrolab_im2spec *m = NULL;
    size_t epochs = 0, latent = 0, params = 0;
    EXPECT(ferrolab_im2spec_new(cfg, WIN, WIN, L, &m), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_train(m, patches, N, WIN, WIN, spectra, L, history, 4, &epochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_shape(m, NULL, NULL, NULL, &latent, &params, NULL), FERROLAB_OK, NULL);
    if (epochs != 2 || latent != 2 || params == 0 || !isfinite(history[1])) {
        printf("FAIL im2spec: %zu epochs, latent %zu, %zu parameters\n", epochs, latent, params);
        failures++;
    }
    double out[N * L], out_std[N * L], z[N * 2], decoded[N * L], reloaded[N * L];
    EXPECT(ferrolab_im2spec_predict(m, patches, N, WIN, WIN, L, out, out_std), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_encode(m, patches, N, WIN, WIN, z, 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_decode(m, z, N, 2, L, decoded), FERROLAB_OK, NULL);
    for (int i = 0; i < N * L; i++) {
        near("decode(encode(x)) = predict(x)", decoded[i], out[i], 1e-12);
        near("one model's spread", out_std[i], 0.0, 0.0);
    }
    EXPECT(ferrolab_im2spec_save(m, "m.im2spec"), FERROLAB_OK, NULL);
    ferrolab_im2spec *m2 = NULL;
    EXPECT(ferrolab_im2spec_load("m.im2spec", &m2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_predict(m2, patches, N, WIN, WIN, L, reloaded, NULL), FERROLAB_OK, NULL);
    int same = memcmp(out, reloaded, sizeof out) == 0;
    printf("reloaded im2spec predicts identically: %s\n", same ? "yes" : "no");
    if (!same) failures++;

    /* spec2im: the other way round, and its file is refused by im2spec's load. */
    ferrolab_spec2im *s = NULL;
    double back[N * WIN * WIN], back2[N * WIN * WIN];
    EXPECT(ferrolab_spec2im_new(cfg, L, WIN, WIN, &s), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_train(s, spectra, N, L, patches, WIN, WIN, NULL, 0, &epochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_predict(s, spectra, N, L, WIN, WIN, back, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_save(s, "m.spec2im"), FERROLAB_OK, NULL);
    ferrolab_spec2im *s2 = NULL;
    EXPECT(ferrolab_spec2im_load("m.spec2im", &s2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_predict(s2, spectra, N, L, WIN, WIN, back2, NULL), FERROLAB_OK, NULL);
    if (memcmp(back, back2, sizeof back) != 0) {
        printf("FAIL reloaded spec2im predicts differently\n");
        failures++;
    }
    ferrolab_im2spec *wrong = NULL;
    EXPECT(ferrolab_im2spec_load("m.spec2im", &wrong), FERROLAB_ERR_CORRUPT_FILE, "ferrolab_spec2im_load");
    EXPECT(ferrolab_im2spec_free(m2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_im2spec_free(m), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_free(s2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_spec2im_free(s), FERROLAB_OK, NULL);
    remove("m.im2spec");
    remove("m.spec2im");
}

int main(void) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    set_i(cfg, "sample.rows", H);
    set_i(cfg, "sample.cols", W);
    set_i(cfg, "sample.steps", L);
    set_i(cfg, "sample.split_col", 4);
    set_i(cfg, "sample.anomaly_count", 1);
    set_i(cfg, "sample.seed", 3);
    EXPECT(ferrolab_sample_generate(cfg, image, H, W, loops, L, voltage, anomaly), FERROLAB_OK, NULL);
    int planted = 0;
    for (int p = 0; p < H * W; p++) planted += anomaly[p];
    if (planted == 0 || voltage[L / 4] <= voltage[0]) {
        printf("FAIL sample: %d anomalous pixels, voltage %g -> %g\n", planted, voltage[0], voltage[L / 4]);
        failures++;
    }
    set_i(cfg, "ae.window_px", WIN);
    set_i(cfg, "ae.ensemble_size", 2);
    set_i(cfg, "ae.epochs_initial", 2);
    set_i(cfg, "ae.epochs_update", 2);
    EXPECT(ferrolab_config_set_f64(cfg, "ae.exclusion_radius_px", 2.0), FERROLAB_OK, NULL);
    set_i(cfg, "im2spec.filters", 4);
    set_i(cfg, "im2spec.latent", 2);
    set_i(cfg, "im2spec.epochs", 2);
    set_i(cfg, "spec2im.filters", 4);
    set_i(cfg, "spec2im.latent", 2);
    set_i(cfg, "spec2im.epochs", 2);
    closed_loop(cfg);
    encoder_decoders(cfg);
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    return finish("ae");
}
