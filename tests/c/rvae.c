/* The rotationally invariant VAE from C, on 6 x 6 images of a blob turned around the centre:
 * trains (history, progress), encodes to angle, offsets and content, decodes at the encoded and
 * at zero pose; a run stopped halfway and continued from its checkpoint by another handle equals
 * an uninterrupted run; a long run on another thread is watched, refused a second run and
 * cancelled with its checkpoint written; save, reload and encode and decode identically; sizes
 * checked. Runs in a scratch directory. Prints "rvae: all checks passed". */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ferrolab.h"
#include "check.h"

enum { N = 20, H = 6, W = 6, P = H * W, K = 2, EPOCHS = 3, HF = FERROLAB_RVAE_HISTORY_FIELDS };
enum { LONG = 1000000 };

static double images[N * P];

/* Image i: a bright blob at radius 0.5 and a dim one at the centre, turned by 0.3 i rad, on the
 * rVAE's grid ([-1, 1] on both axes). */
static void make_images(void) {
    for (int i = 0; i < N; i++) {
        double t = 0.3 * i, bx = 0.5 * cos(t), by = 0.5 * sin(t);
        for (int r = 0; r < H; r++) {
            for (int c = 0; c < W; c++) {
                double x = -1.0 + 2.0 * c / (W - 1), y = 1.0 - 2.0 * r / (H - 1);
                double d1 = (x - bx) * (x - bx) + (y - by) * (y - by), d0 = x * x + y * y;
                images[i * P + r * W + c] = exp(-d1 / 0.18) + 0.4 * exp(-d0 / 0.18) + 0.01 * cos(1.7 * i + r + c);
            }
        }
    }
}

/* A tiny model (filters 2, hidden 8) of `epochs` epochs. */
static ferrolab_rvae *make_rvae(int64_t epochs) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    const char *keys[] = {"rvae.filters", "rvae.hidden", "rvae.content_latents", "rvae.epochs",
                          "rvae.batch_size", "rvae.checkpoint_every"};
    const int64_t values[] = {2, 8, K, epochs, 8, 1};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        EXPECT(ferrolab_config_set_i64(cfg, keys[k], values[k]), FERROLAB_OK, NULL);
    }
    EXPECT(ferrolab_config_set_f64(cfg, "rvae.learning_rate", 1e-2), FERROLAB_OK, NULL);
    ferrolab_rvae *rvae = NULL;
    EXPECT(ferrolab_rvae_new(cfg, H, W, &rvae), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    return rvae;
}

/* A run that never finishes on its own, on another thread. */
static ferrolab_rvae *endless;
static size_t endless_done;

static void *train_endless(void *unused) {
    (void)unused;
    static int32_t status;
    status = ferrolab_rvae_train(endless, images, N, P, &endless_done);
    return &status;
}

/* Everything observable of a trained model, for comparisons. */
struct snapshot {
    double history[EPOCHS * HF];
    double angle[N], angle_sd[N], offsets[N * 2], offsets_sd[N * 2], content[N * K], content_sd[N * K];
    double decoded[N * P];
    size_t epochs;
};

static void snap(const ferrolab_rvae *rvae, struct snapshot *s) {
    memset(s, 0, sizeof *s);
    EXPECT(ferrolab_rvae_history(rvae, s->history, EPOCHS, &s->epochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_encode(rvae, images, N, P, s->angle, s->angle_sd, s->offsets, s->offsets_sd, s->content,
                                s->content_sd, K),
           FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_decode(rvae, s->angle, s->offsets, s->content, N, K, s->decoded, P), FERROLAB_OK, NULL);
}

static int same(const struct snapshot *a, const struct snapshot *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

int main(void) {
    make_images();
    /* From an earlier run in this directory. */
    remove("c_rvae.ckpt");
    remove("c_rvae_endless.ckpt");

    /* Reference: trained without interruption. */
    ferrolab_rvae *straight = make_rvae(EPOCHS);
    size_t height = 0, width = 0, latents = 0, params = 0, done = 0, total = 0;
    EXPECT(ferrolab_rvae_shape(straight, &height, &width, &latents, &params, &done), FERROLAB_OK, NULL);
    if (height != H || width != W || latents != K || params < 100 || done != 0) {
        printf("FAIL shape %zu %zu %zu %zu %zu\n", height, width, latents, params, done);
        failures++;
    }
    EXPECT(ferrolab_rvae_train(straight, images, N, P, &done), FERROLAB_OK, NULL);
    static struct snapshot reference, resumed, reloaded;
    snap(straight, &reference);
    /* 15 % of 20 images held out: three test images, so every epoch has a test loss. */
    if (done != EPOCHS || reference.epochs != EPOCHS || reference.history[0] != 1.0 ||
        reference.history[(EPOCHS - 1) * HF] != EPOCHS ||
        !(reference.history[(EPOCHS - 1) * HF + 1] < reference.history[1]) ||
        !isfinite(reference.history[(EPOCHS - 1) * HF + 4])) {
        printf("FAIL reference: %zu epochs, loss %g -> %g, test %g\n", reference.epochs, reference.history[1],
               reference.history[(EPOCHS - 1) * HF + 1], reference.history[(EPOCHS - 1) * HF + 4]);
        failures++;
    }
    for (int i = 0; i < N; i++) {
        if (!(reference.angle_sd[i] > 0) || !(reference.content_sd[i * K] > 0) || !(reference.offsets_sd[i * 2] > 0) ||
            !isfinite(reference.angle[i])) {
            printf("FAIL encoding of image %d: angle %g sd %g\n", i, reference.angle[i], reference.angle_sd[i]);
            failures++;
            break;
        }
    }
    /* Decoding at zero pose: NULL angle and offsets are zeros; a turn changes the image. */
    static double zeros[N * 2], upright_a[N * P], upright_b[N * P];
    EXPECT(ferrolab_rvae_decode(straight, NULL, NULL, reference.content, N, K, upright_a, P), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_decode(straight, zeros, zeros, reference.content, N, K, upright_b, P), FERROLAB_OK, NULL);
    if (memcmp(upright_a, upright_b, sizeof upright_a) != 0 ||
        memcmp(upright_a, reference.decoded, sizeof upright_a) == 0) {
        printf("FAIL decoding at zero pose\n");
        failures++;
    }
    /* Encoding without the standard deviations gives the same means. */
    static double angle[N], offsets[N * 2], content[N * K];
    EXPECT(ferrolab_rvae_encode(straight, images, N, P, angle, NULL, offsets, NULL, content, NULL, K), FERROLAB_OK,
           NULL);
    if (memcmp(angle, reference.angle, sizeof angle) != 0 || memcmp(content, reference.content, sizeof content) != 0 ||
        memcmp(offsets, reference.offsets, sizeof offsets) != 0) {
        printf("FAIL encoding without the standard deviations differs\n");
        failures++;
    }

    /* Two epochs with a checkpoint; a second handle of the whole run adopts the checkpoint and
     * continues to the bytes of the uninterrupted run. */
    ferrolab_rvae *half = make_rvae(EPOCHS - 1);
    EXPECT(ferrolab_rvae_set_checkpoint(half, "c_rvae.ckpt"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_train(half, images, N, P, &done), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_free(half), FERROLAB_OK, NULL);
    ferrolab_rvae *shared = make_rvae(EPOCHS);
    EXPECT(ferrolab_rvae_set_checkpoint(shared, "c_rvae.ckpt"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_train(shared, images, N, P, &done), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_progress(shared, &done, &total), FERROLAB_OK, NULL);
    if (done != EPOCHS || total != EPOCHS) {
        printf("FAIL progress %zu / %zu\n", done, total);
        failures++;
    }
    uint64_t done64 = 0, total64 = 0;
    int32_t stage = -1;
    double last_loss = NAN;
    EXPECT(ferrolab_rvae_progress_info(shared, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
    if (done64 != EPOCHS || total64 != EPOCHS || stage != 0 || last_loss != reference.history[(EPOCHS - 1) * HF + 1]) {
        printf("FAIL progress_info %llu / %llu, stage %d, loss %.17g\n", (unsigned long long)done64,
               (unsigned long long)total64, (int)stage, last_loss);
        failures++;
    }
    EXPECT(ferrolab_rvae_progress_info(shared, NULL, NULL, NULL, NULL), FERROLAB_OK, NULL);
    snap(shared, &resumed);
    if (!same(&reference, &resumed)) {
        printf("FAIL the run continued from its checkpoint differs from the uninterrupted one\n");
        failures++;
    }

    /* A run on another thread: watched, a second run of the handle refused, then cancelled from
     * the watching loop once an epoch is done, with its checkpoint written. */
    endless = make_rvae(LONG);
    EXPECT(ferrolab_rvae_set_checkpoint(endless, "c_rvae_endless.ckpt"), FERROLAB_OK, NULL);
    pthread_t worker;
    pthread_create(&worker, NULL, train_endless, NULL);
    for (;;) {
        EXPECT(ferrolab_rvae_progress(endless, &done, &total), FERROLAB_OK, NULL);
        if (done >= 1) {
            size_t ignored = 0;
            EXPECT(ferrolab_rvae_train(endless, images, N, P, &ignored), FERROLAB_ERR_BUSY,
                   "this rVAE is already running");
            EXPECT(ferrolab_rvae_progress_info(endless, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
            if (done64 < 1 || total64 != LONG || !isfinite(last_loss)) {
                printf("FAIL running progress %llu / %llu, loss %g\n", (unsigned long long)done64,
                       (unsigned long long)total64, last_loss);
                failures++;
            }
            EXPECT(ferrolab_rvae_request_cancel(endless), FERROLAB_OK, NULL);
            break;
        }
        /* Poll gently: under valgrind the threads take turns. */
        const struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    void *result = NULL;
    pthread_join(worker, &result);
    EXPECT(*(int32_t *)result, FERROLAB_ERR_CANCELLED, NULL);
    EXPECT(ferrolab_rvae_progress(endless, &done, &total), FERROLAB_OK, NULL);
    FILE *checkpoint = fopen("c_rvae_endless.ckpt", "rb");
    if (endless_done < 1 || endless_done != done || checkpoint == NULL) {
        printf("FAIL cancelled after %zu epochs (progress %zu), checkpoint %s\n", endless_done, done,
               checkpoint == NULL ? "missing" : "written");
        failures++;
    }
    if (checkpoint != NULL) fclose(checkpoint);
    EXPECT(ferrolab_rvae_free(endless), FERROLAB_OK, NULL);

    /* Save, reload: every output identical. */
    EXPECT(ferrolab_rvae_save(shared, "c_rvae.safetensors"), FERROLAB_OK, NULL);
    ferrolab_rvae *loaded = NULL;
    EXPECT(ferrolab_rvae_load("c_rvae.safetensors", &loaded), FERROLAB_OK, NULL);
    snap(loaded, &reloaded);
    if (!same(&reference, &reloaded)) {
        printf("FAIL the reloaded model differs\n");
        failures++;
    }
    size_t epochs = 0;
    EXPECT(ferrolab_rvae_shape(loaded, &height, &width, &latents, &params, &epochs), FERROLAB_OK, NULL);
    if (height != H || width != W || latents != K || epochs != EPOCHS) {
        printf("FAIL loaded shape %zu %zu %zu %zu %zu\n", height, width, latents, params, epochs);
        failures++;
    }
    printf("reloaded model encodes identically: %s\n", same(&reference, &reloaded) ? "yes" : "no");

    /* Sizes are checked against the model and the input before anything is computed. */
    static double out[N * P];
    EXPECT(ferrolab_rvae_train(loaded, images, N, P - 1, &done), FERROLAB_ERR_INVALID_ARGUMENT,
           "pixels = 35 but the model's is 36");
    EXPECT(ferrolab_rvae_train(loaded, images, N / 2, P, &done), FERROLAB_ERR_INVALID_ARGUMENT,
           "images differ from the images this model was trained on");
    EXPECT(ferrolab_rvae_encode(loaded, images, N, P, angle, NULL, offsets, NULL, content, NULL, K + 1),
           FERROLAB_ERR_INVALID_ARGUMENT, "content_latents = 3 but the model's is 2");
    EXPECT(ferrolab_rvae_encode(loaded, images, N, P + 1, angle, NULL, offsets, NULL, content, NULL, K),
           FERROLAB_ERR_INVALID_ARGUMENT, "pixels = 37");
    EXPECT(ferrolab_rvae_decode(loaded, angle, offsets, content, N, K - 1, out, P), FERROLAB_ERR_INVALID_ARGUMENT,
           "content_latents = 1 but the model's is 2");
    EXPECT(ferrolab_rvae_decode(loaded, angle, offsets, content, N, K, out, P + 2), FERROLAB_ERR_INVALID_ARGUMENT,
           "pixels = 38");
    EXPECT(ferrolab_rvae_history(loaded, reloaded.history, 2, &epochs), FERROLAB_WARN_TRUNCATED,
           "cap = 2 rows but there are 3");
    EXPECT(ferrolab_rvae_history(loaded, NULL, 0, &epochs), FERROLAB_WARN_TRUNCATED, "cap = 0");
    if (epochs != EPOCHS) {
        printf("FAIL history count %zu\n", epochs);
        failures++;
    }

    EXPECT(ferrolab_rvae_free(straight), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_free(shared), FERROLAB_OK, NULL);
    EXPECT(ferrolab_rvae_free(loaded), FERROLAB_OK, NULL);
    return finish("rvae");
}
