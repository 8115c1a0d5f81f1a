/* The U-Net from C at toy size (2 filters, 16 x 16 crops of dark lines, class 1, on a bright
 * noisy background, class 0): trains with a loss history and progress; a run stopped halfway
 * and continued from its checkpoint by another handle equals an uninterrupted run; a long run
 * on another thread is watched, refused a second run and cancelled with its checkpoint
 * written; save, reload and identical probabilities; probabilities and classes of a 21 x 30
 * frame (sides not multiples of 8); atoms counted with cap 0 and truncated; shape; sizes
 * checked, with the handle's messages. Runs in a scratch directory. Prints "unet: all checks
 * passed". */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ferrolab.h"
#include "check.h"

enum { N = 8, S = 16, P = S * S, CLASSES = 2, EPOCHS = 3, FH = 21, FW = 30 };
enum { LONG = 1000000 };

static double images[N * P], frame[FH * FW];
static uint8_t masks[N * P], frame_mask[FH * FW];

/* Uniform noise in [0, 1) from a fixed linear congruential sequence. */
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

static void make_data(void) {
    /* Crop i: one line, horizontal, vertical or diagonal, at an offset that moves with i. */
    const int dirs[4][2] = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};
    for (int i = 0; i < N; i++) {
        int r0 = 3 + (5 * i) % 10, c0 = 3 + (7 * i) % 10;
        for (int r = 0; r < S; r++) {
            for (int c = 0; c < S; c++) {
                int line = on_line(r, c, r0, c0, dirs[i % 4][0], dirs[i % 4][1]);
                masks[i * P + r * S + c] = (uint8_t)line;
                images[i * P + r * S + c] = (line ? 0.2 : 0.8) + 0.15 * noise();
            }
        }
    }
    /* The frame: two dashed horizontal lines, three dashes each. */
    for (int r = 0; r < FH; r++) {
        for (int c = 0; c < FW; c++) {
            int line = (on_line(r, c, 5, 0, 0, 1) || on_line(r, c, 15, 0, 0, 1)) && c % 10 < 6;
            frame_mask[r * FW + c] = (uint8_t)line;
            frame[r * FW + c] = (line ? 0.2 : 0.8) + 0.15 * noise();
        }
    }
}

/* Check a status and that the U-Net's own last message contains `fragment`. */
static void expect_unet(const ferrolab_unet *unet, const char *what, int32_t got, int32_t want,
                        const char *fragment) {
    char message[1024] = "";
    ferrolab_unet_last_error(unet, message, sizeof message, NULL);
    if (got != want) {
        printf("FAIL %s: status %d (%s), want %d; message: %s\n", what, (int)got,
               ferrolab_status_str(got), (int)want, message);
        failures++;
    } else if (fragment != NULL && strstr(message, fragment) == NULL) {
        printf("FAIL %s: message \"%s\" lacks \"%s\"\n", what, message, fragment);
        failures++;
    }
}

#define EXPECT_UNET(unet, call, want, fragment) expect_unet((unet), #call, (call), (want), (fragment))

/* A tiny model (2 filters, 2 classes) of `epochs` epochs. */
static ferrolab_unet *make_unet(int64_t epochs) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    const char *keys[] = {"unet.classes", "unet.filters", "unet.epochs", "unet.batch_size",
                          "unet.checkpoint_every", "unet.seed"};
    const int64_t values[] = {CLASSES, 2, epochs, 4, 1, 1};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        EXPECT(ferrolab_config_set_i64(cfg, keys[k], values[k]), FERROLAB_OK, NULL);
    }
    EXPECT(ferrolab_config_set_f64(cfg, "unet.learning_rate", 1e-2), FERROLAB_OK, NULL);
    ferrolab_unet *unet = NULL;
    EXPECT(ferrolab_unet_new(cfg, &unet), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    return unet;
}

/* A run that never finishes on its own, on another thread. */
static ferrolab_unet *endless;
static size_t endless_done;

static void *train_endless(void *unused) {
    (void)unused;
    static int32_t status;
    status = ferrolab_unet_train(endless, images, masks, N, S, S, NULL, 0, &endless_done);
    return &status;
}

/* Everything observable of a trained model, for comparisons. */
struct snapshot {
    float probabilities[CLASSES * FH * FW];
    uint8_t classes[FH * FW];
};

static void snap(const ferrolab_unet *unet, struct snapshot *s) {
    memset(s, 0, sizeof *s);
    EXPECT(ferrolab_unet_probabilities(unet, frame, FH, FW, s->probabilities, CLASSES), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_segment(unet, frame, FH, FW, s->classes), FERROLAB_OK, NULL);
}

static int same(const struct snapshot *a, const struct snapshot *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

int main(void) {
    make_data();
    /* From an earlier run in this directory. */
    remove("c_unet.ckpt");
    remove("c_unet_endless.ckpt");

    /* Reference: trained without interruption, with its loss history. */
    ferrolab_unet *straight = make_unet(EPOCHS);
    size_t classes = 0, filters = 0, crop_h = 9, crop_w = 9, params = 0, done = 9;
    EXPECT(ferrolab_unet_shape(straight, &classes, &filters, &crop_h, &crop_w, &params, &done), FERROLAB_OK, NULL);
    if (classes != CLASSES || filters != 2 || crop_h != 0 || crop_w != 0 || params < 100 || done != 0) {
        printf("FAIL fresh shape %zu %zu %zu %zu %zu %zu\n", classes, filters, crop_h, crop_w, params, done);
        failures++;
    }
    double losses[EPOCHS] = {0};
    EXPECT(ferrolab_unet_train(straight, images, masks, N, S, S, losses, EPOCHS, &done), FERROLAB_OK, NULL);
    if (done != EPOCHS || !(losses[0] > 0) || !isfinite(losses[EPOCHS - 1]) || !(losses[EPOCHS - 1] < losses[0])) {
        printf("FAIL reference: %zu epochs, loss %g -> %g\n", done, losses[0], losses[EPOCHS - 1]);
        failures++;
    }
    EXPECT(ferrolab_unet_shape(straight, &classes, NULL, &crop_h, &crop_w, NULL, &done), FERROLAB_OK, NULL);
    if (classes != CLASSES || crop_h != S || crop_w != S || done != EPOCHS) {
        printf("FAIL trained shape %zu %zu x %zu %zu\n", classes, crop_h, crop_w, done);
        failures++;
    }
    EXPECT(ferrolab_unet_shape(straight, NULL, NULL, NULL, NULL, NULL, NULL), FERROLAB_OK, NULL);
    static struct snapshot reference, resumed, reloaded;
    snap(straight, &reference);
    /* Probabilities of the 21 x 30 frame sum to 1 per pixel; the classes are their argmax. */
    int argmax_ok = 1;
    double worst_sum = 0.0;
    for (int p = 0; p < FH * FW; p++) {
        float p0 = reference.probabilities[p], p1 = reference.probabilities[FH * FW + p];
        worst_sum = fmax(worst_sum, fabs((double)p0 + (double)p1 - 1.0));
        if (reference.classes[p] != (p1 > p0 ? 1 : 0)) argmax_ok = 0;
    }
    near("probabilities sum to 1", worst_sum, 0.0, 1e-5);
    if (!argmax_ok) {
        printf("FAIL the classes are not the argmax of the probabilities\n");
        failures++;
    }
    /* A longer history buffer keeps its tail; a shorter one is a warning after a full run. */
    uint64_t done64 = 0, total64 = 0;
    int32_t stage = -1;
    double last_loss = NAN;
    EXPECT(ferrolab_unet_progress_info(straight, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
    if (done64 != EPOCHS || total64 != EPOCHS || stage != 0 || last_loss != losses[EPOCHS - 1]) {
        printf("FAIL progress_info %llu / %llu, stage %d, loss %.17g (history %.17g)\n",
               (unsigned long long)done64, (unsigned long long)total64, (int)stage, last_loss,
               losses[EPOCHS - 1]);
        failures++;
    }
    EXPECT(ferrolab_unet_progress_info(straight, NULL, NULL, NULL, NULL), FERROLAB_OK, NULL);

    /* Two epochs with a checkpoint; a second handle of the whole run adopts the checkpoint and
     * continues to the bytes of the uninterrupted run. */
    ferrolab_unet *half = make_unet(EPOCHS - 1);
    EXPECT(ferrolab_unet_set_checkpoint(half, "c_unet.ckpt"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_train(half, images, masks, N, S, S, NULL, 0, &done), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_free(half), FERROLAB_OK, NULL);
    ferrolab_unet *shared = make_unet(EPOCHS);
    EXPECT(ferrolab_unet_set_checkpoint(shared, "c_unet.ckpt"), FERROLAB_OK, NULL);
    double resumed_losses[EPOCHS + 2];
    for (int e = 0; e < EPOCHS + 2; e++) resumed_losses[e] = -1.0;
    EXPECT(ferrolab_unet_train(shared, images, masks, N, S, S, resumed_losses, EPOCHS + 2, &done), FERROLAB_OK,
           NULL);
    if (done != EPOCHS || memcmp(resumed_losses, losses, sizeof losses) != 0 || resumed_losses[EPOCHS] != -1.0) {
        printf("FAIL resumed history: %zu epochs, last %.17g (reference %.17g)\n", done, resumed_losses[EPOCHS - 1],
               losses[EPOCHS - 1]);
        failures++;
    }
    snap(shared, &resumed);
    if (!same(&reference, &resumed)) {
        printf("FAIL the run continued from its checkpoint differs from the uninterrupted one\n");
        failures++;
    }
    /* A finished run trained again is a no-op: a history of cap 1 is truncated. */
    EXPECT_UNET(shared, ferrolab_unet_train(shared, images, masks, N, S, S, resumed_losses, 1, &done),
                FERROLAB_WARN_TRUNCATED, "cap = 1 but 3 epochs are done");
    if (resumed_losses[0] != losses[0] || done != EPOCHS) {
        printf("FAIL truncated history %.17g, %zu epochs\n", resumed_losses[0], done);
        failures++;
    }

    /* A run on another thread: watched, a second run of the handle refused, then cancelled from
     * the watching loop once an epoch is done, with its checkpoint written. */
    endless = make_unet(LONG);
    EXPECT(ferrolab_unet_set_checkpoint(endless, "c_unet_endless.ckpt"), FERROLAB_OK, NULL);
    pthread_t worker;
    pthread_create(&worker, NULL, train_endless, NULL);
    for (;;) {
        EXPECT(ferrolab_unet_progress_info(endless, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
        if (done64 >= 1) {
            size_t ignored = 0;
            EXPECT_UNET(endless, ferrolab_unet_train(endless, images, masks, N, S, S, NULL, 0, &ignored),
                        FERROLAB_ERR_BUSY, "this U-Net is already running");
            if (total64 != LONG || !isfinite(last_loss) || stage != 0) {
                printf("FAIL running progress %llu / %llu, stage %d, loss %g\n", (unsigned long long)done64,
                       (unsigned long long)total64, (int)stage, last_loss);
                failures++;
            }
            EXPECT(ferrolab_unet_request_cancel(endless), FERROLAB_OK, NULL);
            break;
        }
        /* Poll gently: under valgrind the threads take turns. */
        const struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    void *result = NULL;
    pthread_join(worker, &result);
    EXPECT(*(int32_t *)result, FERROLAB_ERR_CANCELLED, NULL);
    EXPECT(ferrolab_unet_progress_info(endless, &done64, NULL, NULL, NULL), FERROLAB_OK, NULL);
    FILE *checkpoint = fopen("c_unet_endless.ckpt", "rb");
    if (endless_done < 1 || endless_done != done64 || checkpoint == NULL) {
        printf("FAIL cancelled after %zu epochs (progress %llu), checkpoint %s\n", endless_done,
               (unsigned long long)done64, checkpoint == NULL ? "missing" : "written");
        failures++;
    }
    if (checkpoint != NULL) fclose(checkpoint);
    EXPECT(ferrolab_unet_free(endless), FERROLAB_OK, NULL);

    /* Save, reload: identical probabilities and classes. */
    EXPECT(ferrolab_unet_save(shared, "c_unet.safetensors"), FERROLAB_OK, NULL);
    ferrolab_unet *loaded = NULL;
    EXPECT(ferrolab_unet_load("c_unet.safetensors", &loaded), FERROLAB_OK, NULL);
    snap(loaded, &reloaded);
    EXPECT(ferrolab_unet_shape(loaded, &classes, &filters, &crop_h, &crop_w, &params, &done), FERROLAB_OK, NULL);
    if (classes != CLASSES || filters != 2 || crop_h != S || crop_w != S || done != EPOCHS) {
        printf("FAIL loaded shape %zu %zu %zu %zu %zu %zu\n", classes, filters, crop_h, crop_w, params, done);
        failures++;
    }
    printf("reloaded model segments identically: %s\n", same(&reference, &reloaded) ? "yes" : "no");
    if (!same(&reference, &reloaded)) failures++;

    /* Atoms: cap 0 counts them; a smaller cap fills what fits and warns. */
    size_t count = 0, again = 0;
    int32_t status = ferrolab_unet_find_atoms(loaded, frame, FH, FW, NULL, 0, &count);
    EXPECT_UNET(loaded, status, count > 0 ? FERROLAB_WARN_TRUNCATED : FERROLAB_OK, count > 0 ? "cap = 0 but" : NULL);
    printf("atoms in the frame: %zu\n", count);
    if (count > 0) {
        double atoms[64 * FERROLAB_UNET_ATOM_FIELDS];
        size_t cap = count < 64 ? count : 64;
        EXPECT(ferrolab_unet_find_atoms(loaded, frame, FH, FW, atoms, cap, &again),
               count <= 64 ? FERROLAB_OK : FERROLAB_WARN_TRUNCATED, NULL);
        for (size_t a = 0; a < cap; a++) {
            const double *atom = atoms + a * FERROLAB_UNET_ATOM_FIELDS;
            if (!(atom[0] >= 0 && atom[0] < FH && atom[1] >= 0 && atom[1] < FW && atom[2] == 1.0)) {
                printf("FAIL atom %zu at (%g, %g) of class %g\n", a, atom[0], atom[1], atom[2]);
                failures++;
            }
        }
        if (count > 1) {
            double first[FERROLAB_UNET_ATOM_FIELDS];
            EXPECT_UNET(loaded, ferrolab_unet_find_atoms(loaded, frame, FH, FW, first, 1, &again),
                        FERROLAB_WARN_TRUNCATED, "cap = 1 but");
            if (memcmp(first, atoms, sizeof first) != 0) {
                printf("FAIL the first atom differs under truncation\n");
                failures++;
            }
        }
        if (again != count) {
            printf("FAIL atom count %zu then %zu\n", count, again);
            failures++;
        }
    }

    /* Sizes and values are checked before anything is computed; the handle keeps the message. */
    static float probabilities[3 * FH * FW];
    static uint8_t classes_out[FH * FW];
    EXPECT_UNET(loaded, ferrolab_unet_probabilities(loaded, frame, FH, FW, probabilities, 3),
                FERROLAB_ERR_INVALID_ARGUMENT, "classes = 3 but the model has 2");
    EXPECT_UNET(loaded, ferrolab_unet_probabilities(loaded, frame, 0, FW, probabilities, CLASSES),
                FERROLAB_ERR_INVALID_ARGUMENT, "frame is 0 x 30: both must be positive");
    EXPECT_UNET(loaded, ferrolab_unet_segment(loaded, frame, FH, 0, classes_out), FERROLAB_ERR_INVALID_ARGUMENT,
                "frame is 21 x 0");
    EXPECT_UNET(loaded, ferrolab_unet_find_atoms(loaded, frame, 0, 0, NULL, 0, &count), FERROLAB_ERR_INVALID_ARGUMENT,
                "frame is 0 x 0");
    EXPECT_UNET(loaded, ferrolab_unet_train(loaded, images, masks, N, 12, 16, NULL, 0, &done),
                FERROLAB_ERR_INVALID_ARGUMENT, "positive multiples of 8");
    EXPECT_UNET(loaded, ferrolab_unet_train(loaded, images, masks, 0, S, S, NULL, 0, &done),
                FERROLAB_ERR_INVALID_ARGUMENT, "images is 0 x 256");
    masks[37] = CLASSES;
    EXPECT_UNET(loaded, ferrolab_unet_train(loaded, images, masks, N, S, S, NULL, 0, &done),
                FERROLAB_ERR_INVALID_ARGUMENT, "masks element 37 is class 2 but unet.classes = 2");
    masks[37] = 0;
    EXPECT_UNET(loaded, ferrolab_unet_train(loaded, images, masks, N / 2, S, S, NULL, 0, &done),
                FERROLAB_ERR_INVALID_ARGUMENT, "differ from the data of the current run");
    double kept = frame[5];
    frame[5] = NAN;
    EXPECT_UNET(loaded, ferrolab_unet_segment(loaded, frame, FH, FW, classes_out), FERROLAB_ERR_NON_FINITE,
                "frame[5]");
    frame[5] = kept;
    /* The failures changed nothing. */
    snap(loaded, &reloaded);
    if (!same(&reference, &reloaded)) {
        printf("FAIL refused calls changed the model\n");
        failures++;
    }

    EXPECT(ferrolab_unet_free(straight), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_free(shared), FERROLAB_OK, NULL);
    EXPECT(ferrolab_unet_free(loaded), FERROLAB_OK, NULL);
    remove("c_unet.ckpt");
    remove("c_unet_endless.ckpt");
    remove("c_unet.safetensors");
    return finish("unet");
}
