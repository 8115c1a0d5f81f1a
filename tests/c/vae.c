/* The beta-VAE from C: train on one thread while another watches progress and cancels,
 * resume to the end and check the weights equal an uninterrupted run (by decoding), save,
 * reload and decode identically; and the bad inputs of every ferrolab_vae call. Runs in a
 * scratch directory. Prints "vae: all checks passed". */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ferrolab.h"
#include "check.h"


enum { N = 256, D = 40, EPOCHS = 12, GRID = 5, ROWS = GRID * GRID };

static double loops[N * D];

/* Tanh-shaped P-V loops with varied coercive voltage and polarization. */
static void make_loops(void) {
    for (int i = 0; i < N; i++) {
        double ps = 0.1 + 0.2 * (i % 17) / 16.0, vc = 0.5 + (i % 11) / 10.0;
        for (int j = 0; j < D; j++) {
            int rising = j < D / 2;
            double t = (double)(rising ? j : j - D / 2) / (D / 2 - 1);
            double v = rising ? -3.0 + 6.0 * t : 3.0 - 6.0 * t;
            loops[i * D + j] = ps * tanh((v - (rising ? vc : -vc)) / 0.4) + 0.01 * v;
        }
    }
}

static ferrolab_vae *make_vae(void) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    const int64_t hidden[] = {32};
    EXPECT(ferrolab_config_set_i64_array(cfg, "vae.hidden", hidden, 1), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "vae.epochs", EPOCHS), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "vae.batch_size", 32), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "vae.checkpoint_every", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(cfg, "vae.learning_rate", 3e-3), FERROLAB_OK, NULL);
    ferrolab_vae *vae = NULL;
    EXPECT(ferrolab_vae_new(cfg, D, &vae), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    return vae;
}

static ferrolab_vae *shared;
static double history[3 * EPOCHS];
static size_t epochs_done;

static void *train(void *unused) {
    (void)unused;
    static int32_t status;
    status = ferrolab_vae_train(shared, loops, N, D, history, EPOCHS, &epochs_done);
    return &status;
}

int main(void) {
    make_loops();
    remove("c_vae_checkpoint.safetensors"); /* from an earlier run in this directory */

    /* Reference: trained without interruption. */
    ferrolab_vae *straight = make_vae();
    double straight_history[3 * EPOCHS];
    size_t done = 0, total = 0;
    EXPECT(ferrolab_vae_train(straight, loops, N, D, straight_history, EPOCHS, &done), FERROLAB_OK, NULL);
    if (done != EPOCHS || !(straight_history[3 * (EPOCHS - 1)] < straight_history[0])) {
        printf("FAIL training: %zu epochs, loss %g -> %g\n", done, straight_history[0],
               straight_history[3 * (EPOCHS - 1)]);
        failures++;
    }

    /* Cancelled from this thread while another trains, with a checkpoint; then resumed. */
    shared = make_vae();
    EXPECT(ferrolab_vae_set_checkpoint(shared, "c_vae_checkpoint.safetensors"), FERROLAB_OK, NULL);
    pthread_t worker;
    pthread_create(&worker, NULL, train, NULL);
    for (;;) {
        EXPECT(ferrolab_vae_progress(shared, &done, &total), FERROLAB_OK, NULL);
        if (done >= 3) {
            EXPECT(ferrolab_vae_request_cancel(shared), FERROLAB_OK, NULL);
            break;
        }
        /* Poll gently: under valgrind the threads take turns. */
        const struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    JOIN_CANCELLED(worker);
    EXPECT(ferrolab_vae_train(shared, loops, N, D, history, EPOCHS, &epochs_done), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_progress(shared, &done, &total), FERROLAB_OK, NULL);
    if (epochs_done != EPOCHS || done != EPOCHS || total != EPOCHS) {
        printf("FAIL progress %zu / %zu (%zu)\n", done, total, epochs_done);
        failures++;
    }
    /* The common progress call: epochs, stage 0, and the last epoch's mean training loss. */
    uint64_t done64 = 0, total64 = 0;
    int32_t stage = -1;
    double last_loss = NAN;
    EXPECT(ferrolab_vae_progress_info(shared, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
    if (done64 != EPOCHS || total64 != EPOCHS || stage != 0 || last_loss != history[3 * (EPOCHS - 1)]) {
        printf("FAIL progress_info %llu / %llu, stage %d, loss %.17g (history %.17g)\n",
               (unsigned long long)done64, (unsigned long long)total64, (int)stage, last_loss,
               history[3 * (EPOCHS - 1)]);
        failures++;
    }
    EXPECT(ferrolab_vae_progress_info(shared, NULL, NULL, NULL, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_progress_info(NULL, &done64, NULL, NULL, NULL), FERROLAB_ERR_NULL_POINTER, "argument vae");
    /* Handles without jobs answer the same call: nothing done, no loss. */
    ferrolab_config *idle = NULL;
    EXPECT(ferrolab_config_new(&idle), FERROLAB_OK, NULL);
    last_loss = 0.0;
    EXPECT(ferrolab_config_progress_info(idle, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
    if (done64 != 0 || total64 != 0 || stage != 0 || !isnan(last_loss)) {
        printf("FAIL idle config progress %llu / %llu, stage %d, loss %g\n",
               (unsigned long long)done64, (unsigned long long)total64, (int)stage, last_loss);
        failures++;
    }
    EXPECT(ferrolab_vae_progress_info((const ferrolab_vae *)(const void *)idle, &done64, NULL, NULL, NULL),
           FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_vae handle");
    EXPECT(ferrolab_config_free(idle), FERROLAB_OK, NULL);

    /* Same weights: identical decoded grids. */
    static double grid_a[ROWS * D], grid_b[ROWS * D], z[ROWS * 2];
    EXPECT(ferrolab_vae_decode_grid(straight, -2.0, 2.0, GRID, z, grid_a, ROWS, D), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_decode_grid(shared, -2.0, 2.0, GRID, NULL, grid_b, ROWS, D), FERROLAB_OK, NULL);
    if (memcmp(grid_a, grid_b, sizeof grid_a) != 0 || z[3] != -1.0 || z[2 * ROWS - 1] != 2.0) {
        printf("FAIL resumed model decodes differently (or grid %g %g)\n", z[3], z[2 * ROWS - 1]);
        failures++;
    }

    /* Save, reload, decode and encode identically; history travels with the file. */
    EXPECT(ferrolab_vae_save(shared, "c_vae.safetensors"), FERROLAB_OK, NULL);
    ferrolab_vae *loaded = NULL;
    EXPECT(ferrolab_vae_load("c_vae.safetensors", &loaded), FERROLAB_OK, NULL);
    static double decoded[ROWS * D], mean_a[N * 2], mean_b[N * 2], log_var[N * 2];
    EXPECT(ferrolab_vae_decode(loaded, z, ROWS, 2, decoded, D), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_encode(shared, loops, N, D, mean_a, log_var, 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_encode(loaded, loops, N, D, mean_b, NULL, 2), FERROLAB_OK, NULL);
    double loaded_history[3 * EPOCHS];
    EXPECT(ferrolab_vae_history(loaded, loaded_history, EPOCHS, &done), FERROLAB_OK, NULL);
    if (memcmp(decoded, grid_a, sizeof decoded) != 0 || memcmp(mean_a, mean_b, sizeof mean_a) != 0 ||
        memcmp(loaded_history, history, sizeof history) != 0 || done != EPOCHS) {
        printf("FAIL reloaded model differs\n");
        failures++;
    }
    size_t d = 0, k = 0;
    EXPECT(ferrolab_vae_shape(loaded, &d, &k), FERROLAB_OK, NULL);
    if (d != D || k != 2) {
        printf("FAIL shape %zu %zu\n", d, k);
        failures++;
    }
    printf("reloaded model decodes identically: %s\n", failures == 0 ? "yes" : "no");

    /* Bad inputs. */
    ferrolab_vae *fresh = make_vae();
    EXPECT(ferrolab_vae_encode(fresh, loops, N, D, mean_a, NULL, 2), FERROLAB_ERR_INVALID_ARGUMENT, "not trained");
    EXPECT(ferrolab_vae_train(fresh, NULL, N, D, history, EPOCHS, &done), FERROLAB_ERR_NULL_POINTER, "argument x");
    EXPECT(ferrolab_vae_train(fresh, loops, N, D - 1, history, EPOCHS, &done), FERROLAB_ERR_INVALID_ARGUMENT, "d = 39");
    EXPECT(ferrolab_vae_train(fresh, loops, 0, D, history, EPOCHS, &done), FERROLAB_ERR_INVALID_ARGUMENT, "x is 0 x 40");
    EXPECT(ferrolab_vae_train(fresh, loops, N, D, history, EPOCHS, NULL), FERROLAB_ERR_NULL_POINTER, "argument epochs_done");
    double saved = loops[5];
    loops[5] = NAN;
    EXPECT(ferrolab_vae_train(fresh, loops, N, D, history, EPOCHS, &done), FERROLAB_ERR_NON_FINITE, "x[5]");
    loops[5] = saved;
    /* Training on other data than the checkpoint's is refused. */
    EXPECT(ferrolab_vae_set_checkpoint(fresh, "c_vae_checkpoint.safetensors"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_train(fresh, loops, N / 2, D, history, EPOCHS, &done), FERROLAB_ERR_INVALID_ARGUMENT, "differs");
    EXPECT(ferrolab_vae_set_checkpoint(fresh, NULL), FERROLAB_OK, NULL);
    /* A checkpoint that could never be written is refused now, not at the first checkpoint. */
    EXPECT(ferrolab_vae_set_checkpoint(fresh, "no_such_dir/checkpoint.safetensors"), FERROLAB_ERR_IO,
           "no_such_dir/checkpoint.safetensors");
    EXPECT(ferrolab_vae_set_checkpoint(fresh, "."), FERROLAB_ERR_IO, "not a regular file");
    EXPECT(ferrolab_vae_train(fresh, loops, N, D, history, 2, &done), FERROLAB_WARN_TRUNCATED, "cap = 2");
    EXPECT(ferrolab_vae_decode(fresh, z, ROWS, 3, decoded, D), FERROLAB_ERR_INVALID_ARGUMENT, "latent_dim = 3");
    EXPECT(ferrolab_vae_decode_grid(fresh, 2.0, -2.0, GRID, NULL, decoded, ROWS, D), FERROLAB_ERR_INVALID_ARGUMENT, "lo < hi");
    EXPECT(ferrolab_vae_decode_grid(fresh, -2.0, 2.0, GRID, NULL, decoded, ROWS + 1, D), FERROLAB_ERR_INVALID_ARGUMENT, "rows");
    EXPECT(ferrolab_vae_save(fresh, "/nonexistent-dir/m.safetensors"), FERROLAB_ERR_IO, "/nonexistent-dir");
    ferrolab_vae *missing = NULL;
    EXPECT(ferrolab_vae_load("no_such_model.safetensors", &missing), FERROLAB_ERR_IO, "no_such_model");
    FILE *f = fopen("junk.safetensors", "wb");
    if (f != NULL) {
        fputs("junk junk junk junk", f);
        fclose(f);
    }
    ferrolab_vae *junk = NULL;
    EXPECT(ferrolab_vae_load("junk.safetensors", &junk), FERROLAB_ERR_CORRUPT_FILE, "junk.safetensors");
    if (junk != NULL) {
        printf("FAIL *out not NULL after a failed load\n");
        failures++;
    }
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_str(cfg, "vae.reconstruction", "l1"), FERROLAB_ERR_OUT_OF_RANGE, "vae.reconstruction");
    EXPECT(ferrolab_vae_new(cfg, 0, &junk), FERROLAB_ERR_INVALID_ARGUMENT, "input_dim = 0");
    EXPECT(ferrolab_vae_train((const ferrolab_vae *)(const void *)cfg, loops, N, D, history, EPOCHS, &done),
           FERROLAB_ERR_INVALID_HANDLE, "argument vae");
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);

    EXPECT(ferrolab_vae_free(straight), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_free(shared), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_free(loaded), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_free(fresh), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_free(NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_vae_encode(loaded, loops, N, D, mean_a, NULL, 2), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_vae");
    EXPECT(ferrolab_vae_free(loaded), FERROLAB_ERR_INVALID_HANDLE, NULL);
    return finish("vae");
}
