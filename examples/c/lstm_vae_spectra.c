/* Paper 001's LSTM beta-VAE from C, at toy size: train on synthetic spectra (one peak whose
 * height and position vary) in stages of rising beta, print every stage with its active latent
 * channels and the stage selected (or the warning that none reached the target), encode the
 * spectra, save the model and reload it.
 *
 *   cc -std=c99 examples/c/lstm_vae_spectra.c -Iinclude -Ltarget/release -lferrolab -lm \
 *      -Wl,-rpath,$PWD/target/release -o lstm_vae_spectra && ./lstm_vae_spectra
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferrolab.h"

enum { N = 32, STEPS = 12, LATENT = 3, EMBEDDING = 4 };

static int fail(int32_t status) {
    char message[1024];
    ferrolab_last_error(message, sizeof message, NULL);
    fprintf(stderr, "%s: %s\n", ferrolab_status_str(status), message);
    return 1;
}

int main(void) {
    /* Spectra: a Gaussian peak of height 0.5-1.5 at step 3-8, over a faint ripple. */
    static double spectra[N * STEPS];
    for (int i = 0; i < N; i++) {
        double height = 0.5 + (i % 7) / 6.0, centre = 3.0 + 5.0 * (i % 11) / 10.0;
        for (int t = 0; t < STEPS; t++) {
            double u = (t - centre) / 2.0;
            spectra[i * STEPS + t] = height * exp(-u * u) + 0.02 * sin(1.7 * i + t);
        }
    }

    /* A toy-sized network and schedule: 15 priming epochs (beta = 0), then stages of 3 epochs
     * with beta raised by 0.4 each, which silence latent channels one after another. The
     * spectra vary in two ways (height and position), so the stage selected is the first with
     * two active channels (mean KL above lstm_vae.active_threshold, 0.05 nat). */
    ferrolab_config *cfg = NULL;
    int32_t status = ferrolab_config_new(&cfg);
    if (status) return fail(status);
    const char *keys[] = {"lstm_vae.hidden", "lstm_vae.blocks", "lstm_vae.latent", "lstm_vae.embedding",
                          "lstm_vae.epochs", "lstm_vae.priming_epochs", "lstm_vae.stage_epochs",
                          "lstm_vae.batch_size", "lstm_vae.target_active"};
    const int64_t values[] = {6, 1, LATENT, EMBEDDING, 30, 15, 3, 16, 2};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        if ((status = ferrolab_config_set_i64(cfg, keys[k], values[k]))) return fail(status);
    }
    if ((status = ferrolab_config_set_f64(cfg, "lstm_vae.learning_rate", 2e-2))) return fail(status);
    if ((status = ferrolab_config_set_f64(cfg, "lstm_vae.beta_step", 0.4))) return fail(status);
    ferrolab_lstm_vae *vae = NULL;
    if ((status = ferrolab_lstm_vae_new(cfg, STEPS, &vae))) return fail(status);
    ferrolab_config_free(cfg);

    size_t row_len, latent, embedding, parameters, epochs;
    if ((status = ferrolab_lstm_vae_shape(vae, &row_len, &latent, &embedding, &parameters, &epochs)))
        return fail(status);
    printf("LSTM VAE: rows of %zu values, %zu latent channels, %zu parameters\n", row_len, latent, parameters);

    /* Training: OK, or the warning that no stage reached the target (the model is still
     * usable, with its latest weights); anything negative is an error. */
    status = ferrolab_lstm_vae_train(vae, spectra, N, STEPS, &epochs);
    char warning[1024] = "";
    if (status == FERROLAB_WARN_NO_SELECTION) {
        ferrolab_lstm_vae_last_error(vae, warning, sizeof warning, NULL);
    } else if (status != FERROLAB_OK) {
        return fail(status);
    }
    printf("trained %zu epochs\n", epochs);

    /* The stages: ask for the count, then read the records and each channel's KL. */
    size_t count = 0;
    status = ferrolab_lstm_vae_stages(vae, NULL, NULL, 0, LATENT, &count);
    if (status < 0) return fail(status);
    double *records = malloc(count * FERROLAB_LSTM_VAE_STAGE_FIELDS * sizeof(double));
    double *kl = malloc(count * LATENT * sizeof(double));
    if (records == NULL || kl == NULL) return 1;
    if ((status = ferrolab_lstm_vae_stages(vae, records, kl, count, LATENT, &count))) return fail(status);
    printf("stage   beta  best epoch  best loss  active  KL per channel (nat)\n");
    for (size_t s = 0; s < count; s++) {
        const double *r = records + s * FERROLAB_LSTM_VAE_STAGE_FIELDS;
        printf("%5.0f  %5.3f  %10.0f  %9.4f  %6.0f ", r[0], r[1], r[3], r[4], r[5]);
        for (size_t k = 0; k < LATENT; k++) printf(" %7.4f", kl[s * LATENT + k]);
        printf("\n");
    }
    free(records);
    free(kl);
    int64_t selected = -1;
    if ((status = ferrolab_lstm_vae_selected_stage(vae, &selected))) return fail(status);
    if (selected >= 0) {
        printf("selected stage %lld\n", (long long)selected);
    } else {
        printf("no stage selected: %s\n", warning);
    }

    /* Latent means of the first spectra, then the same from the saved and reloaded model. */
    static double mu[N * LATENT], mu_again[N * LATENT], embedded[N * EMBEDDING];
    if ((status = ferrolab_lstm_vae_encode(vae, spectra, N, STEPS, mu, NULL, NULL, embedded, LATENT, EMBEDDING)))
        return fail(status);
    for (int i = 0; i < 3; i++) {
        printf("spectrum %d: mu = (%.4f, %.4f, %.4f)\n", i, mu[i * LATENT], mu[i * LATENT + 1], mu[i * LATENT + 2]);
    }
    if ((status = ferrolab_lstm_vae_save(vae, "lstm_vae.safetensors"))) return fail(status);
    ferrolab_lstm_vae *again = NULL;
    if ((status = ferrolab_lstm_vae_load("lstm_vae.safetensors", &again))) return fail(status);
    if ((status = ferrolab_lstm_vae_encode(again, spectra, N, STEPS, mu_again, NULL, NULL, NULL, LATENT, EMBEDDING)))
        return fail(status);
    printf("reloaded model encodes identically: %s\n", memcmp(mu, mu_again, sizeof mu) == 0 ? "yes" : "no");
    ferrolab_lstm_vae_free(again);
    ferrolab_lstm_vae_free(vae);
    return 0;
}
