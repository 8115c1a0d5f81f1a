/* Paper 003's automated experiment from C, closed against the simulated microscope at toy size:
 * generate a 24 x 24 sample with one planted anomaly, seed a grid of measurements, then for a
 * few rounds train the ensemble (progress polled from this thread while a worker trains), rank
 * where to measure next, "measure" the picks from the sample and log how surprising each was.
 * Finally save the session to a directory, load it back and check it ranks the same.
 *
 *   cc -std=c99 -pthread examples/c/ae_closed_loop.c -Iinclude -Ltarget/release -lferrolab -lm \
 *      -Wl,-rpath,$PWD/target/release -o ae_closed_loop && ./ae_closed_loop
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferrolab.h"

enum { H = 24, W = 24, L = 16, WIN = 4, MEMBERS = 2, SEED_GRID = 4, K = 4, ROUNDS = 3 };

static double image[H * W], loops[H * W * L], voltage[L];
static int32_t anomaly[H * W];

/* A failed call that has no session (config, sample): the thread's last message. */
static int fail(const char *what, int32_t status) {
    char message[1024] = "";
    ferrolab_last_error(message, sizeof message, NULL);
    fprintf(stderr, "%s: %s: %s\n", what, ferrolab_status_str(status), message);
    return 1;
}

/* A failed call on the session: its own last message (independent of the thread). */
static int fail_ae(const ferrolab_ae *ae, const char *what, int32_t status) {
    char message[1024] = "";
    ferrolab_ae_last_error(ae, message, sizeof message, NULL);
    fprintf(stderr, "%s: %s: %s\n", what, ferrolab_status_str(status), message);
    return 1;
}

/* What the microscope returns at (r, c): the sample's noisy loop there. */
static void measure(const int64_t *rows, const int64_t *cols, size_t n, double *out) {
    for (size_t k = 0; k < n; k++) {
        memcpy(&out[k * L], &loops[((size_t)rows[k] * W + (size_t)cols[k]) * L], sizeof(double) * L);
    }
}

struct job {
    ferrolab_ae *ae;
    pthread_mutex_t lock;
    int finished; /* under lock */
    int32_t status;
};

static void *update_worker(void *arg) {
    struct job *job = arg;
    int32_t status = ferrolab_ae_update(job->ae);
    pthread_mutex_lock(&job->lock);
    job->status = status;
    job->finished = 1;
    pthread_mutex_unlock(&job->lock);
    return NULL;
}

static int finished(struct job *job) {
    pthread_mutex_lock(&job->lock);
    int done = job->finished;
    pthread_mutex_unlock(&job->lock);
    return done;
}

/* Update on a worker thread while this one polls the progress every 20 ms and prints each
 * member as it is reached (a member that starts and ends between two polls is not shown: these
 * lines depend on timing), then the final state, which does not. */
static int32_t update_with_progress(ferrolab_ae *ae, int round) {
    struct job job = {ae, PTHREAD_MUTEX_INITIALIZER, 0, FERROLAB_OK};
    pthread_t worker;
    if (pthread_create(&worker, NULL, update_worker, &job) != 0) {
        update_worker(&job); /* no thread to be had: train here, without progress */
    } else {
        /* Until the worker's update begins, progress_info still reports the previous update's
         * end: shown are states that differ from it, one line per member reached. */
        uint64_t done0 = 0, total0 = 0;
        int32_t stage0 = 0, shown = 0;
        ferrolab_ae_progress_info(ae, &done0, &total0, &stage0, NULL);
        while (!finished(&job)) {
            uint64_t done = 0, total = 0;
            int32_t stage = 0;
            /* Safe while the update runs (every other call on the session would wait for it). */
            int32_t status = ferrolab_ae_progress_info(ae, &done, &total, &stage, NULL);
            int fresh = stage != stage0 || done != done0 || total != total0;
            if (status == FERROLAB_OK && fresh && stage > shown) {
                printf("  ... training member %d: epoch %llu of %llu\n", (int)stage, (unsigned long long)done,
                       (unsigned long long)total);
                shown = stage;
            }
            struct timespec nap = {0, 20 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
        pthread_join(worker, NULL);
    }
    pthread_mutex_destroy(&job.lock);
    if (job.status != FERROLAB_OK) return job.status;
    uint64_t done = 0, total = 0;
    int32_t stage = 0;
    double loss = NAN;
    int32_t status = ferrolab_ae_progress_info(ae, &done, &total, &stage, &loss);
    if (status != FERROLAB_OK) return status;
    printf("update %d: member %d of %d ended at epoch %llu of %llu, training loss %.6f\n", round, (int)stage, MEMBERS,
           (unsigned long long)done, (unsigned long long)total, loss);
    return FERROLAB_OK;
}

int main(void) {
    /* The sample: 24 x 24 pixels, 16-step loops, one anomaly right of column 12 where a 4-px
     * window fits. */
    ferrolab_config *cfg = NULL;
    int32_t status = ferrolab_config_new(&cfg);
    if (status) return fail("ferrolab_config_new", status);
    const char *sample_keys[] = {"sample.rows",          "sample.cols",       "sample.steps", "sample.split_col",
                                 "sample.anomaly_count", "sample.anomaly_window_px", "sample.seed"};
    const int64_t sample_values[] = {H, W, L, 12, 1, WIN, 5};
    for (size_t k = 0; k < sizeof sample_values / sizeof sample_values[0]; k++) {
        if ((status = ferrolab_config_set_i64(cfg, sample_keys[k], sample_values[k])))
            return fail(sample_keys[k], status);
    }
    if ((status = ferrolab_sample_generate(cfg, image, H, W, loops, L, voltage, anomaly)))
        return fail("ferrolab_sample_generate", status);
    int planted = 0;
    double centre_row = 0.0, centre_col = 0.0;
    for (int p = 0; p < H * W; p++) {
        planted += anomaly[p];
        centre_row += anomaly[p] * (p / W);
        centre_col += anomaly[p] * (p % W);
    }
    double vmin = voltage[0], vmax = voltage[0];
    for (int k = 1; k < L; k++) {
        vmin = fmin(vmin, voltage[k]);
        vmax = fmax(vmax, voltage[k]);
    }
    printf("sample: %d x %d px, %d-point loops over %.1f..%.1f V\n", H, W, L, vmin, vmax);
    if (planted > 0) {
        printf("planted anomaly: %d px around (%.1f, %.1f)\n", planted, centre_row / planted, centre_col / planted);
    }

    /* The session: 2 members of 8 filters, 100 epochs from scratch, then 20 per update, at a
     * learning rate (1e-2) that trains on a few dozen spectra in that time; picks at least 3 px
     * apart. */
    const char *ae_keys[] = {"ae.window_px",     "ae.ensemble_size", "ae.epochs_initial",
                             "ae.epochs_update", "im2spec.filters",  "ae.seed"};
    const int64_t ae_values[] = {WIN, MEMBERS, 100, 20, 8, 1};
    for (size_t k = 0; k < sizeof ae_values / sizeof ae_values[0]; k++) {
        if ((status = ferrolab_config_set_i64(cfg, ae_keys[k], ae_values[k]))) return fail(ae_keys[k], status);
    }
    if ((status = ferrolab_config_set_f64(cfg, "im2spec.learning_rate", 1e-2)))
        return fail("im2spec.learning_rate", status);
    if ((status = ferrolab_config_set_f64(cfg, "ae.exclusion_radius_px", 3.0)))
        return fail("ae.exclusion_radius_px", status);
    ferrolab_ae *ae = NULL;
    status = ferrolab_ae_new(cfg, image, H, W, voltage, L, &ae);
    ferrolab_config_free(cfg);
    if (status) return fail("ferrolab_ae_new", status);

    /* Seed: a 4 x 4 grid over the pixels where the window fits (rows and columns 2..22). No
     * model yet, so no surprise. */
    int64_t rows[SEED_GRID * SEED_GRID], cols[SEED_GRID * SEED_GRID];
    static double spectra[SEED_GRID * SEED_GRID * L];
    size_t n = 0;
    for (int i = 0; i < SEED_GRID; i++) {
        for (int j = 0; j < SEED_GRID; j++, n++) {
            rows[n] = 3 + 6 * i;
            cols[n] = 3 + 6 * j;
        }
    }
    measure(rows, cols, n, spectra);
    if ((status = ferrolab_ae_add_measurements(ae, rows, cols, spectra, n, L, NULL)))
        return fail_ae(ae, "ferrolab_ae_add_measurements", status);
    printf("seeded %zu measurements on a %d x %d grid\n", n, SEED_GRID, SEED_GRID);

    /* Rounds: update, rank, measure the picks, log their surprises. */
    double best_surprise = -1.0;
    int64_t best_row = -1, best_col = -1;
    int64_t pick_rows[K], pick_cols[K];
    double score[K], pred[K * L], measured[K * L], surprise[K];
    for (int round = 1; round <= ROUNDS; round++) {
        if ((status = update_with_progress(ae, round))) return fail_ae(ae, "ferrolab_ae_update", status);
        if ((status = ferrolab_ae_rank(ae, K, pick_rows, pick_cols, score, pred, NULL, L, &n)))
            return fail_ae(ae, "ferrolab_ae_rank", status);
        measure(pick_rows, pick_cols, n, measured);
        if ((status = ferrolab_ae_add_measurements(ae, pick_rows, pick_cols, measured, n, L, surprise)))
            return fail_ae(ae, "ferrolab_ae_add_measurements", status);
        for (size_t k = 0; k < n; k++) {
            int inside = anomaly[pick_rows[k] * W + pick_cols[k]];
            printf("  pick (%2lld, %2lld)  score %.6f  surprise %.6f%s\n", (long long)pick_rows[k],
                   (long long)pick_cols[k], score[k], surprise[k], inside ? "  (planted anomaly)" : "");
            if (surprise[k] > best_surprise) {
                best_surprise = surprise[k];
                best_row = pick_rows[k];
                best_col = pick_cols[k];
            }
        }
    }
    if (best_row >= 0) {
        printf("most surprising: (%lld, %lld), surprise %.6f, %s the planted anomaly\n", (long long)best_row,
               (long long)best_col, best_surprise, anomaly[best_row * W + best_col] ? "inside" : "outside");
    }

    /* Train on the last picks too, then save, load and rank again: the same picks and scores. */
    if ((status = update_with_progress(ae, ROUNDS + 1))) return fail_ae(ae, "ferrolab_ae_update", status);
    if ((status = ferrolab_ae_rank(ae, K, pick_rows, pick_cols, score, NULL, NULL, L, &n)))
        return fail_ae(ae, "ferrolab_ae_rank", status);
    printf("next picks:");
    for (size_t k = 0; k < n; k++) printf(" (%lld, %lld)", (long long)pick_rows[k], (long long)pick_cols[k]);
    printf("\n");
    if ((status = ferrolab_ae_save(ae, "ae_closed_loop_session"))) return fail_ae(ae, "ferrolab_ae_save", status);
    ferrolab_ae *again = NULL;
    if ((status = ferrolab_ae_load("ae_closed_loop_session", &again))) return fail("ferrolab_ae_load", status);
    int64_t rows2[K], cols2[K];
    double score2[K];
    size_t n2 = 0, measurements = 0;
    if ((status = ferrolab_ae_rank(again, K, rows2, cols2, score2, NULL, NULL, L, &n2)))
        return fail_ae(again, "ferrolab_ae_rank", status);
    if ((status = ferrolab_ae_shape(again, NULL, NULL, NULL, NULL, &measurements, NULL)))
        return fail_ae(again, "ferrolab_ae_shape", status);
    int same = n2 == n;
    for (size_t k = 0; same && k < n; k++) {
        same = rows2[k] == pick_rows[k] && cols2[k] == pick_cols[k] && score2[k] == score[k];
    }
    printf("saved %zu measurements to ae_closed_loop_session/; reloaded session ranks identically: %s\n",
           measurements, same ? "yes" : "no");
    if ((status = ferrolab_ae_free(again))) return fail("ferrolab_ae_free", status);
    if ((status = ferrolab_ae_free(ae))) return fail("ferrolab_ae_free", status);
    return same ? 0 : 1;
}
