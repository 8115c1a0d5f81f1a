/* The rotationally invariant VAE (papers 002/004) from C, at toy size: train on 8 x 8 images of
 * one asymmetric motif (a bright and a dim blob) turned by known angles, print the losses, the
 * encoded angle of a few images beside their true turn, draw one image upright (angle 0,
 * offsets 0) and turned back by its encoded angle, save the model and reload it.
 *
 *   cc -std=c99 examples/c/rvae_rotated.c -Iinclude -Ltarget/release -lferrolab -lm \
 *      -Wl,-rpath,$PWD/target/release -o rvae_rotated && ./rvae_rotated
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ferrolab.h"

enum { N = 40, SIDE = 8, PIXELS = SIDE * SIDE, K = 2, EPOCHS = 20 };

static int fail(int32_t status) {
    char message[1024];
    ferrolab_last_error(message, sizeof message, NULL);
    fprintf(stderr, "%s: %s\n", ferrolab_status_str(status), message);
    return 1;
}

int main(void) {
    /* Image i: a bright blob at radius 0.5 and a dim one at radius 0.3 a quarter turn ahead,
     * both turned by 0.15 i rad, on the rVAE's grid ([-1, 1] on both axes, y up). */
    static double images[N * PIXELS], truth[N];
    for (int i = 0; i < N; i++) {
        double t = 0.15 * i;
        truth[i] = t;
        double ax = 0.5 * cos(t), ay = 0.5 * sin(t), bx = -0.3 * sin(t), by = 0.3 * cos(t);
        for (int r = 0; r < SIDE; r++) {
            for (int c = 0; c < SIDE; c++) {
                double x = -1.0 + 2.0 * c / (SIDE - 1), y = 1.0 - 2.0 * r / (SIDE - 1);
                double da = (x - ax) * (x - ax) + (y - ay) * (y - ay), db = (x - bx) * (x - bx) + (y - by) * (y - by);
                images[i * PIXELS + r * SIDE + c] = exp(-da / 0.1) + 0.5 * exp(-db / 0.1);
            }
        }
    }

    /* A toy-sized network (paper 004 uses 128 filters and hidden units and Adam 1e-4), translation
     * off: the images are centred. */
    ferrolab_config *cfg = NULL;
    int32_t s = ferrolab_config_new(&cfg);
    if (s != FERROLAB_OK) return fail(s);
    const char *keys[] = {"rvae.filters", "rvae.hidden", "rvae.epochs", "rvae.batch_size", "rvae.seed"};
    const int64_t values[] = {4, 16, EPOCHS, 8, 3};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        if ((s = ferrolab_config_set_i64(cfg, keys[k], values[k])) != FERROLAB_OK) return fail(s);
    }
    if ((s = ferrolab_config_set_f64(cfg, "rvae.learning_rate", 1e-2)) != FERROLAB_OK) return fail(s);
    if ((s = ferrolab_config_set_i64(cfg, "rvae.translation", 0)) != FERROLAB_OK) return fail(s);
    ferrolab_rvae *rvae = NULL;
    s = ferrolab_rvae_new(cfg, SIDE, SIDE, &rvae);
    ferrolab_config_free(cfg);
    if (s != FERROLAB_OK) return fail(s);

    size_t done = 0;
    if ((s = ferrolab_rvae_train(rvae, images, N, PIXELS, &done)) != FERROLAB_OK) return fail(s);
    static double history[EPOCHS * FERROLAB_RVAE_HISTORY_FIELDS];
    if ((s = ferrolab_rvae_history(rvae, history, EPOCHS, &done)) != FERROLAB_OK) return fail(s);
    printf("epoch  train loss  test loss  (per image)\n");
    for (size_t e = 0; e < done; e += 5) {
        const double *h = history + e * FERROLAB_RVAE_HISTORY_FIELDS;
        printf("%5.0f  %10.6f  %9.6f\n", h[0], h[1], h[4]);
    }
    const double *last = history + (done - 1) * FERROLAB_RVAE_HISTORY_FIELDS;
    printf("epoch %.0f: train loss %.6f, test loss %.6f\n", last[0], last[1], last[4]);

    static double angle[N], angle_sd[N], offsets[N * 2], content[N * K];
    s = ferrolab_rvae_encode(rvae, images, N, PIXELS, angle, angle_sd, offsets, NULL, content, NULL, K);
    if (s != FERROLAB_OK) return fail(s);
    printf("image  true turn  encoded angle (sd)\n");
    for (int i = 0; i < N; i += 8) {
        printf("%5d  %9.3f  %8.3f (%.3f)\n", i, truth[i], angle[i], angle_sd[i]);
    }

    /* Image 8 drawn upright (NULL angle and offsets: 0) and at its encoded angle. */
    double upright[PIXELS], turned[PIXELS];
    if ((s = ferrolab_rvae_decode(rvae, NULL, NULL, content + 8 * K, 1, K, upright, PIXELS)) != FERROLAB_OK)
        return fail(s);
    if ((s = ferrolab_rvae_decode(rvae, angle + 8, offsets + 16, content + 8 * K, 1, K, turned, PIXELS)) != FERROLAB_OK)
        return fail(s);
    printf("image 8: data | at its encoded angle | upright\n");
    const char *shades = " .:-=+*#";
    for (int r = 0; r < SIDE; r++) {
        for (int part = 0; part < 3; part++) {
            const double *img = part == 0 ? images + 8 * PIXELS : part == 1 ? turned : upright;
            for (int c = 0; c < SIDE; c++) {
                double v = img[r * SIDE + c];
                int level = v <= 0 ? 0 : v >= 1 ? 7 : (int)(v * 8);
                putchar(shades[level]);
            }
            printf(part < 2 ? "  |  " : "\n");
        }
    }

    /* Save, reload, encode again. */
    if ((s = ferrolab_rvae_save(rvae, "rvae_rotated.safetensors")) != FERROLAB_OK) return fail(s);
    ferrolab_rvae *loaded = NULL;
    if ((s = ferrolab_rvae_load("rvae_rotated.safetensors", &loaded)) != FERROLAB_OK) return fail(s);
    static double again[N], again_content[N * K], again_offsets[N * 2];
    s = ferrolab_rvae_encode(loaded, images, N, PIXELS, again, NULL, again_offsets, NULL, again_content, NULL, K);
    if (s != FERROLAB_OK) return fail(s);
    int same = memcmp(again, angle, sizeof angle) == 0 && memcmp(again_content, content, sizeof content) == 0;
    printf("reloaded model encodes identically: %s\n", same ? "yes" : "no");
    ferrolab_rvae_free(loaded);
    ferrolab_rvae_free(rvae);
    return same ? 0 : 1;
}
