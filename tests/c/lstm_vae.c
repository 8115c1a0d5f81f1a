/* The LSTM beta-VAE from C: a run stopped halfway and continued from its checkpoint by another
 * handle equals an uninterrupted run (history, stages, encodings); a long run on another thread
 * is watched, refused a second run and cancelled; the stage folder's models; the selection
 * warning and a guaranteed selection; save, reload and encode, decode, reconstruct identically;
 * shapes and sizes checked. Runs in a scratch directory. Prints "lstm_vae: all checks passed". */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ferrolab.h"
#include "check.h"

enum { N = 24, STEPS = 8, LATENT = 3, EMB = 4, EPOCHS = 12, PRIMING = 3, STAGE = 3 };
enum { STAGES = 1 + (EPOCHS - PRIMING) / STAGE, HF = FERROLAB_LSTM_VAE_HISTORY_FIELDS };

static double spectra[N * STEPS];

static void make_spectra(void) {
    for (int i = 0; i < N; i++) {
        double height = 0.5 + (i % 5) / 4.0, centre = 2.0 + 4.0 * (i % 7) / 6.0;
        for (int t = 0; t < STEPS; t++) {
            double u = (t - centre) / 1.5;
            spectra[i * STEPS + t] = height * exp(-u * u) + 0.03 * cos(2.3 * i + t);
        }
    }
}

/* A tiny model of `epochs` epochs; `threshold` is lstm_vae.active_threshold (which decides
 * the selection and nothing else). */
enum { LONG = 1000000 };

static ferrolab_lstm_vae *make_vae(int64_t epochs, double threshold, int64_t target) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    const char *keys[] = {"lstm_vae.hidden", "lstm_vae.blocks", "lstm_vae.latent", "lstm_vae.embedding",
                          "lstm_vae.epochs", "lstm_vae.priming_epochs", "lstm_vae.stage_epochs",
                          "lstm_vae.batch_size", "lstm_vae.checkpoint_every", "lstm_vae.target_active"};
    const int64_t values[] = {6, 1, LATENT, EMB, epochs, PRIMING, STAGE, 16, 2, target};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        EXPECT(ferrolab_config_set_i64(cfg, keys[k], values[k]), FERROLAB_OK, NULL);
    }
    EXPECT(ferrolab_config_set_f64(cfg, "lstm_vae.learning_rate", 3e-3), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_f64(cfg, "lstm_vae.active_threshold", threshold), FERROLAB_OK, NULL);
    /* An endless run keeps beta at 0: with the default step, lambda = 1e-5 10^beta would grow
       beyond any float long before its last stage, which ferrolab_lstm_vae_new refuses. */
    EXPECT(ferrolab_config_set_f64(cfg, "lstm_vae.beta_step", epochs >= LONG ? 0.0 : 0.005), FERROLAB_OK,
           NULL);
    ferrolab_lstm_vae *vae = NULL;
    EXPECT(ferrolab_lstm_vae_new(cfg, STEPS, &vae), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    return vae;
}

/* A run that never finishes on its own (10^6 epochs of four spectra), on another thread. */
static ferrolab_lstm_vae *endless;
static size_t endless_done;

static void *train_endless(void *unused) {
    (void)unused;
    static int32_t status;
    status = ferrolab_lstm_vae_train(endless, spectra, 4, STEPS, &endless_done);
    return &status;
}

/* Everything observable of a trained model, for comparisons. */
struct snapshot {
    double history[EPOCHS * HF];
    double records[STAGES * FERROLAB_LSTM_VAE_STAGE_FIELDS], kl[STAGES * LATENT];
    double mu[N * LATENT], log_var[N * LATENT], z[N * LATENT], emb[N * EMB];
    size_t epochs, stages;
    int64_t selected;
};

static void snap(const ferrolab_lstm_vae *vae, struct snapshot *s) {
    memset(s, 0, sizeof *s);
    EXPECT(ferrolab_lstm_vae_history(vae, s->history, EPOCHS, &s->epochs), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_stages(vae, s->records, s->kl, STAGES, LATENT, &s->stages), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_selected_stage(vae, &s->selected), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_encode(vae, spectra, N, STEPS, s->mu, s->log_var, s->z, s->emb, LATENT, EMB),
           FERROLAB_OK, NULL);
}

static int same(const struct snapshot *a, const struct snapshot *b) {
    return memcmp(a, b, sizeof *a) == 0;
}

int main(void) {
    make_spectra();
    /* From an earlier run in this directory. */
    remove("c_lstm_vae.ckpt");
    remove("c_lstm_endless.ckpt");
    remove("stage-001.safetensors");

    /* Reference: trained without interruption. No channel exceeds a threshold of 1e6, so the
     * run finishes with the selection warning, naming every stage's count. */
    ferrolab_lstm_vae *straight = make_vae(EPOCHS, 1e6, 1);
    size_t done = 0, total = 0;
    EXPECT(ferrolab_lstm_vae_train(straight, spectra, N, STEPS, &done), FERROLAB_WARN_NO_SELECTION,
           "active channels per stage: stage 0 (beta 0.0000): 0");
    char message[1024];
    EXPECT(ferrolab_lstm_vae_last_error(straight, message, sizeof message, NULL), FERROLAB_OK, NULL);
    if (strstr(message, "lstm_vae.target_active = 1") == NULL || done != EPOCHS) {
        printf("FAIL warning \"%s\" after %zu epochs\n", message, done);
        failures++;
    }
    static struct snapshot reference, resumed, reloaded;
    snap(straight, &reference);
    if (reference.epochs != EPOCHS || reference.stages != STAGES || reference.selected != -1 ||
        reference.history[0] != 1.0 || reference.history[(EPOCHS - 1) * HF] != EPOCHS ||
        !(reference.history[(EPOCHS - 1) * HF + 4] < reference.history[4])) {
        printf("FAIL reference: %zu epochs, %zu stages, selected %lld, reconstruction %g -> %g\n",
               reference.epochs, reference.stages, (long long)reference.selected, reference.history[4],
               reference.history[(EPOCHS - 1) * HF + 4]);
        failures++;
    }
    /* Stage records: stage numbers, beta rising by lstm_vae.beta_step (0.005), best epochs inside
     * their stage, and the history's beta at each best epoch. */
    for (size_t s = 0; s < reference.stages; s++) {
        const double *r = reference.records + s * FERROLAB_LSTM_VAE_STAGE_FIELDS;
        double first = s == 0 ? 1 : PRIMING + (s - 1) * STAGE + 1, last = s == 0 ? PRIMING : first + STAGE - 1;
        near("stage", r[0], (double)s, 0.0);
        near("beta", r[1], 0.005 * (double)s, 1e-12);
        if (!(r[3] >= first && r[3] <= last) || r[5] != 0.0) {
            printf("FAIL stage %zu: best epoch %g not in [%g, %g] or %g active\n", s, r[3], first, last, r[5]);
            failures++;
        } else {
            near("history beta at the best epoch", reference.history[((size_t)r[3] - 1) * HF + 1], r[1], 0.0);
        }
    }

    /* Half the epochs with a checkpoint and a stage folder; a second handle of the whole run
     * adopts the checkpoint and continues to the bytes of the uninterrupted run. */
    ferrolab_lstm_vae *half = make_vae(EPOCHS / 2, 1e6, 1);
    EXPECT(ferrolab_lstm_vae_set_checkpoint(half, "c_lstm_vae.ckpt"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_set_stage_dir(half, "."), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_train(half, spectra, N, STEPS, &done), FERROLAB_WARN_NO_SELECTION, NULL);
    EXPECT(ferrolab_lstm_vae_free(half), FERROLAB_OK, NULL);
    ferrolab_lstm_vae *shared = make_vae(EPOCHS, 1e6, 1);
    EXPECT(ferrolab_lstm_vae_set_checkpoint(shared, "c_lstm_vae.ckpt"), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_train(shared, spectra, N, STEPS, &done), FERROLAB_WARN_NO_SELECTION, NULL);
    EXPECT(ferrolab_lstm_vae_progress(shared, &done, &total), FERROLAB_OK, NULL);
    if (done != EPOCHS || total != EPOCHS) {
        printf("FAIL progress %zu / %zu\n", done, total);
        failures++;
    }
    uint64_t done64 = 0, total64 = 0;
    int32_t stage = -1;
    double last_loss = NAN;
    EXPECT(ferrolab_lstm_vae_progress_info(shared, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
    if (done64 != EPOCHS || total64 != EPOCHS || stage != 0 || last_loss != reference.history[(EPOCHS - 1) * HF + 3]) {
        printf("FAIL progress_info %llu / %llu, stage %d, loss %.17g\n", (unsigned long long)done64,
               (unsigned long long)total64, (int)stage, last_loss);
        failures++;
    }
    EXPECT(ferrolab_lstm_vae_progress_info(shared, NULL, NULL, NULL, NULL), FERROLAB_OK, NULL);
    snap(shared, &resumed);
    if (!same(&reference, &resumed)) {
        printf("FAIL the run continued from its checkpoint differs from the uninterrupted one\n");
        failures++;
    }

    /* A run on another thread: watched, a second run of the handle refused, then cancelled with
     * its checkpoint written. */
    endless = make_vae(LONG, 1e6, 1);
    EXPECT(ferrolab_lstm_vae_set_checkpoint(endless, "c_lstm_endless.ckpt"), FERROLAB_OK, NULL);
    pthread_t worker;
    pthread_create(&worker, NULL, train_endless, NULL);
    for (;;) {
        EXPECT(ferrolab_lstm_vae_progress(endless, &done, &total), FERROLAB_OK, NULL);
        if (done >= 2) {
            size_t ignored = 0;
            EXPECT(ferrolab_lstm_vae_train(endless, spectra, 4, STEPS, &ignored), FERROLAB_ERR_BUSY,
                   "this LSTM VAE is already running");
            EXPECT(ferrolab_lstm_vae_progress_info(endless, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
            if (done64 < 2 || total64 != LONG || !isfinite(last_loss)) {
                printf("FAIL running progress %llu / %llu, loss %g\n", (unsigned long long)done64,
                       (unsigned long long)total64, last_loss);
                failures++;
            }
            EXPECT(ferrolab_lstm_vae_request_cancel(endless), FERROLAB_OK, NULL);
            break;
        }
        /* Poll gently: under valgrind the threads take turns. */
        const struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    void *result = NULL;
    pthread_join(worker, &result);
    EXPECT(*(int32_t *)result, FERROLAB_ERR_CANCELLED, NULL);
    EXPECT(ferrolab_lstm_vae_progress(endless, &done, &total), FERROLAB_OK, NULL);
    FILE *checkpoint = fopen("c_lstm_endless.ckpt", "rb");
    if (endless_done < 2 || endless_done != done || checkpoint == NULL) {
        printf("FAIL cancelled after %zu epochs (progress %zu), checkpoint %s\n", endless_done, done,
               checkpoint == NULL ? "missing" : "written");
        failures++;
    }
    if (checkpoint != NULL) fclose(checkpoint);
    EXPECT(ferrolab_lstm_vae_free(endless), FERROLAB_OK, NULL);

    /* The stage folder holds each finished stage's best weights. */
    ferrolab_lstm_vae *stage1 = NULL;
    EXPECT(ferrolab_lstm_vae_load("stage-001.safetensors", &stage1), FERROLAB_OK, NULL);
    size_t count = 0;
    double record[2 * FERROLAB_LSTM_VAE_STAGE_FIELDS];
    EXPECT(ferrolab_lstm_vae_stages(stage1, record, NULL, 2, LATENT, &count), FERROLAB_OK, NULL);
    if (count != 2 || record[FERROLAB_LSTM_VAE_STAGE_FIELDS] != 1.0) {
        printf("FAIL stage-001 holds %zu stages\n", count);
        failures++;
    }
    EXPECT(ferrolab_lstm_vae_free(stage1), FERROLAB_OK, NULL);

    /* Save, reload: every output identical; decode and reconstruct too. */
    EXPECT(ferrolab_lstm_vae_save(shared, "c_lstm_vae.safetensors"), FERROLAB_OK, NULL);
    ferrolab_lstm_vae *loaded = NULL;
    EXPECT(ferrolab_lstm_vae_load("c_lstm_vae.safetensors", &loaded), FERROLAB_OK, NULL);
    snap(loaded, &reloaded);
    if (!same(&reference, &reloaded)) {
        printf("FAIL the reloaded model differs\n");
        failures++;
    }
    static double decoded_a[N * STEPS], decoded_b[N * STEPS], recon[N * STEPS], residuals[N * STEPS];
    EXPECT(ferrolab_lstm_vae_decode(shared, reference.mu, N, LATENT, decoded_a, STEPS), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_decode(loaded, reference.mu, N, LATENT, decoded_b, STEPS), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_reconstruct(loaded, spectra, N, STEPS, recon), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_residuals(loaded, spectra, N, STEPS, residuals), FERROLAB_OK, NULL);
    if (memcmp(decoded_a, decoded_b, sizeof decoded_a) != 0 || memcmp(decoded_a, recon, sizeof recon) != 0) {
        printf("FAIL decode / reconstruct differ\n");
        failures++;
    }
    /* Residuals are standardised reconstruction errors: same sign as recon - x, finite. */
    for (int k = 0; k < N * STEPS; k++) {
        double diff = recon[k] - spectra[k];
        if (!isfinite(residuals[k]) || (fabs(diff) > 1e-9 && (diff > 0) != (residuals[k] > 0))) {
            printf("FAIL residual %d: %g for recon - x = %g\n", k, residuals[k], diff);
            failures++;
            break;
        }
    }
    size_t row_len = 0, latent = 0, emb = 0, params = 0, epochs = 0;
    EXPECT(ferrolab_lstm_vae_shape(loaded, &row_len, &latent, &emb, &params, &epochs), FERROLAB_OK, NULL);
    if (row_len != STEPS || latent != LATENT || emb != EMB || params < 100 || epochs != EPOCHS) {
        printf("FAIL shape %zu %zu %zu %zu %zu\n", row_len, latent, emb, params, epochs);
        failures++;
    }
    printf("reloaded model encodes identically: %s\n", same(&reference, &reloaded) ? "yes" : "no");

    /* A threshold every channel exceeds, with the target at every channel: stage 1 is selected
     * and its weights, not the latest, encode (the threshold changes nothing else: the history
     * is the reference's). */
    ferrolab_lstm_vae *selecting = make_vae(EPOCHS, 1e-12, LATENT);
    EXPECT(ferrolab_lstm_vae_train(selecting, spectra, N, STEPS, &done), FERROLAB_OK, NULL);
    int64_t selected = -1;
    EXPECT(ferrolab_lstm_vae_selected_stage(selecting, &selected), FERROLAB_OK, NULL);
    static struct snapshot with_selection;
    snap(selecting, &with_selection);
    if (selected != 1 || with_selection.records[FERROLAB_LSTM_VAE_STAGE_FIELDS + 5] != LATENT ||
        memcmp(with_selection.history, reference.history, sizeof reference.history) != 0) {
        printf("FAIL selection: stage %lld, %g active\n", (long long)selected,
               with_selection.records[FERROLAB_LSTM_VAE_STAGE_FIELDS + 5]);
        failures++;
    }
    if (memcmp(with_selection.mu, reference.mu, sizeof reference.mu) == 0) {
        printf("FAIL the selected stage encodes as the latest weights\n");
        failures++;
    }

    /* Sizes are checked against the model and the input before anything is computed. */
    double small[4];
    EXPECT(ferrolab_lstm_vae_train(loaded, spectra, N, STEPS - 1, &done), FERROLAB_ERR_INVALID_ARGUMENT,
           "cols = 7 but the model's is 8");
    EXPECT(ferrolab_lstm_vae_train(loaded, spectra, N / 2, STEPS, &done), FERROLAB_ERR_INVALID_ARGUMENT,
           "differ from the data this model was trained on");
    EXPECT(ferrolab_lstm_vae_encode(loaded, spectra, N, STEPS, small, NULL, NULL, NULL, LATENT + 1, EMB),
           FERROLAB_ERR_INVALID_ARGUMENT, "latent = 4 but the model's is 3");
    EXPECT(ferrolab_lstm_vae_encode(loaded, spectra, N, STEPS, small, NULL, NULL, NULL, LATENT, EMB + 1),
           FERROLAB_ERR_INVALID_ARGUMENT, "embedding_width = 5");
    EXPECT(ferrolab_lstm_vae_decode(loaded, small, 1, 2, decoded_a, STEPS), FERROLAB_ERR_INVALID_ARGUMENT,
           "latent = 2 but the model's is 3");
    EXPECT(ferrolab_lstm_vae_decode(loaded, small, 1, LATENT, decoded_a, STEPS + 2), FERROLAB_ERR_INVALID_ARGUMENT,
           "cols = 10");
    EXPECT(ferrolab_lstm_vae_stages(loaded, NULL, NULL, 0, LATENT, &count), FERROLAB_WARN_TRUNCATED, "cap = 0");
    EXPECT(ferrolab_lstm_vae_history(loaded, reloaded.history, 2, &epochs), FERROLAB_WARN_TRUNCATED,
           "cap = 2 rows but there are 12");
    if (epochs != EPOCHS || count != STAGES) {
        printf("FAIL counts %zu %zu\n", epochs, count);
        failures++;
    }

    EXPECT(ferrolab_lstm_vae_free(straight), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_free(shared), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_free(loaded), FERROLAB_OK, NULL);
    EXPECT(ferrolab_lstm_vae_free(selecting), FERROLAB_OK, NULL);
    return finish("lstm_vae");
}
