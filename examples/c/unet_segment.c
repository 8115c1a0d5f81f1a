/* The U-Net (papers 002/004) from C, at toy size: make a model from a configuration, train it on
 * labelled 16 x 16 crops (dark lines, class 1, on a bright noisy background, class 0; made
 * here) on a worker thread while this one reports the progress, then segment a larger frame
 * (44 x 60 pixels: any size works) and compare with its known mask: pixels per class and the
 * intersection over union. Save and reload at the end.
 *
 *   cc -std=c99 -pthread examples/c/unet_segment.c -Iinclude -Ltarget/release -lferrolab -lm \
 *      -Wl,-rpath,$PWD/target/release -o unet_segment && ./unet_segment
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ferrolab.h"

enum { N = 24, S = 16, P = S * S, CLASSES = 2, EPOCHS = 30, FH = 44, FW = 60 };

static int fail(const char *call, int32_t status) {
    char message[1024];
    ferrolab_last_error(message, sizeof message, NULL);
    fprintf(stderr, "%s: %s: %s\n", call, ferrolab_status_str(status), message);
    return 1;
}

/* Noise in [0, 1) from a fixed linear congruential sequence. */
static double noise(void) {
    static uint32_t state = 12345u;
    state = state * 1664525u + 1013904223u;
    return (double)(state >> 8) / 16777216.0;
}

/* Whether (r, c) lies within 1 px of the line through (r0, c0) along (dr, dc). */
static int on_line(int r, int c, int r0, int c0, int dr, int dc) {
    int cross = (r - r0) * dc - (c - c0) * dr;
    return cross * cross < dr * dr + dc * dc;
}

/* A picture of `h` x `w` pixels with the given lines: 0.2 on a line, 0.8 off it, plus noise. */
static void draw(double *image, uint8_t *mask, int h, int w, const int lines[][4], int count) {
    for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++) {
            int line = 0;
            for (int k = 0; k < count; k++) line |= on_line(r, c, lines[k][0], lines[k][1], lines[k][2], lines[k][3]);
            mask[r * w + c] = (uint8_t)line;
            image[r * w + c] = (line ? 0.2 : 0.8) + 0.15 * noise();
        }
    }
}

/* Training on a worker thread, so that this one can poll the progress. */
struct job {
    const ferrolab_unet *unet;
    const double *images;
    const uint8_t *masks;
    double *losses;
    size_t epochs_done;
    int32_t status;
    pthread_mutex_t lock;
    int finished; /* under lock */
};

static void *train_worker(void *arg) {
    struct job *job = arg;
    int32_t status = ferrolab_unet_train(job->unet, job->images, job->masks, N, S, S, job->losses, EPOCHS,
                                         &job->epochs_done);
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

int main(void) {
    /* Training crops: crop i holds one line (horizontal, vertical or diagonal) through a point
     * that moves with i. */
    static double images[N * P], frame[FH * FW];
    static uint8_t masks[N * P], truth[FH * FW], classes[FH * FW];
    const int dirs[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
    for (int i = 0; i < N; i++) {
        const int line[1][4] = {{3 + (5 * i) % 10, 3 + (7 * i) % 10, dirs[i % 4][0], dirs[i % 4][1]}};
        draw(images + i * P, masks + i * P, S, S, line, 1);
    }
    /* The frame to segment: three lines. */
    const int frame_lines[3][4] = {{10, 0, 0, 1}, {0, 40, 1, 0}, {0, 5, 1, 1}};
    draw(frame, truth, FH, FW, frame_lines, 3);

    /* A toy-sized network (AtomAI's default has 16 filters and trains for 100 epochs). */
    ferrolab_config *cfg = NULL;
    int32_t s = ferrolab_config_new(&cfg);
    if (s != FERROLAB_OK) return fail("ferrolab_config_new", s);
    const char *keys[] = {"unet.classes", "unet.filters", "unet.epochs", "unet.batch_size", "unet.seed"};
    const int64_t values[] = {CLASSES, 4, EPOCHS, 8, 1};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        if ((s = ferrolab_config_set_i64(cfg, keys[k], values[k])) != FERROLAB_OK) return fail(keys[k], s);
    }
    if ((s = ferrolab_config_set_f64(cfg, "unet.learning_rate", 1e-2)) != FERROLAB_OK) return fail("rate", s);
    ferrolab_unet *unet = NULL;
    s = ferrolab_unet_new(cfg, &unet);
    ferrolab_config_free(cfg);
    if (s != FERROLAB_OK) return fail("ferrolab_unet_new", s);

    /* Train on a worker; poll the progress every 20 ms (which epochs are shown depends on
     * timing). A user interface would call ferrolab_unet_request_cancel to stop early. */
    static double losses[EPOCHS];
    struct job job = {unet, images, masks, losses, 0, FERROLAB_OK, PTHREAD_MUTEX_INITIALIZER, 0};
    pthread_t worker;
    if (pthread_create(&worker, NULL, train_worker, &job) != 0) {
        train_worker(&job); /* no thread to be had: train here, without progress */
    } else {
        uint64_t shown = 0;
        while (!finished(&job)) {
            uint64_t done = 0, total = 0;
            double loss = 0.0;
            /* Safe while training runs (every call that reads the model waits for it). */
            ferrolab_unet_progress_info(unet, &done, &total, NULL, &loss);
            if (done > shown) {
                printf("  ... epoch %llu of %llu, loss %.4f\n", (unsigned long long)done, (unsigned long long)total,
                       loss);
                shown = done;
            }
            struct timespec nap = {0, 20 * 1000 * 1000};
            nanosleep(&nap, NULL);
        }
        pthread_join(worker, NULL);
    }
    pthread_mutex_destroy(&job.lock);
    if (job.status != FERROLAB_OK) return fail("ferrolab_unet_train", job.status);
    printf("epoch  training loss (cross-entropy)\n");
    for (int e = 0; e < EPOCHS; e += 10) printf("%5d  %.6f\n", e + 1, losses[e]);
    printf("epoch %d: training loss %.6f\n", EPOCHS, losses[EPOCHS - 1]);

    /* Segment the frame; per class, pixels predicted and true, and their intersection over
     * union. */
    if ((s = ferrolab_unet_segment(unet, frame, FH, FW, classes)) != FERROLAB_OK) return fail("segment", s);
    printf("class  predicted px  true px  IoU\n");
    for (int k = 0; k < CLASSES; k++) {
        int predicted = 0, actual = 0, both = 0, either = 0;
        for (int p = 0; p < FH * FW; p++) {
            int a = classes[p] == k, b = truth[p] == k;
            predicted += a;
            actual += b;
            both += a && b;
            either += a || b;
        }
        printf("%5d  %12d  %7d  %.4f\n", k, predicted, actual, either ? (double)both / either : 1.0);
    }

    /* Save, reload, segment again. */
    if ((s = ferrolab_unet_save(unet, "unet_segment.safetensors")) != FERROLAB_OK) return fail("save", s);
    ferrolab_unet *loaded = NULL;
    if ((s = ferrolab_unet_load("unet_segment.safetensors", &loaded)) != FERROLAB_OK) return fail("load", s);
    static uint8_t again[FH * FW];
    if ((s = ferrolab_unet_segment(loaded, frame, FH, FW, again)) != FERROLAB_OK) return fail("segment", s);
    int same = memcmp(again, classes, sizeof classes) == 0;
    printf("reloaded model segments identically: %s\n", same ? "yes" : "no");
    ferrolab_unet_free(loaded);
    ferrolab_unet_free(unet);
    return same ? 0 : 1;
}
