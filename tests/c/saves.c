/* Saves of one const handle from eight threads to one path while other threads load it: every
 * save succeeds (each writes its own exclusive temporary; the last rename wins) and every load
 * sees a whole file, for a GP and a VAE. Prints "saves: all checks passed". */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>

#include "ferrolab.h"
#include "check.h"

#define N_THREADS 8
#define N_ROUNDS 30

static const ferrolab_gp *shared_gp = NULL;
static const ferrolab_vae *shared_vae = NULL;

/* One save (save = 1) or one load of a model; 1 when it failed. */
static int gp_once(int save) {
    if (save) return ferrolab_gp_save(shared_gp, "shared.gp") != FERROLAB_OK;
    ferrolab_gp *loaded = NULL;
    int failed = ferrolab_gp_load("shared.gp", &loaded) != FERROLAB_OK;
    ferrolab_gp_free(loaded);
    return failed;
}

static int vae_once(int save) {
    if (save) return ferrolab_vae_save(shared_vae, "shared.safetensors") != FERROLAB_OK;
    ferrolab_vae *loaded = NULL;
    int failed = ferrolab_vae_load("shared.safetensors", &loaded) != FERROLAB_OK;
    ferrolab_vae_free(loaded);
    return failed;
}

struct job {
    int saver;
    int (*once)(int save);
    int failed_saves;
    int failed_loads;
};

static void *work(void *arg) {
    struct job *job = (struct job *)arg;
    for (int round = 0; round < N_ROUNDS; round++) {
        int failed = job->once(job->saver);
        *(job->saver ? &job->failed_saves : &job->failed_loads) += failed;
    }
    return NULL;
}

/* Eight savers and four loaders at once; the file exists before the loaders start. */
static void race(const char *what, int (*once)(int save)) {
    pthread_t threads[N_THREADS + 4];
    struct job jobs[N_THREADS + 4];
    for (int t = 0; t < N_THREADS + 4; t++) {
        jobs[t] = (struct job){t < N_THREADS, once, 0, 0};
        pthread_create(&threads[t], NULL, work, &jobs[t]);
    }
    int saves = 0, loads = 0;
    for (int t = 0; t < N_THREADS + 4; t++) {
        pthread_join(threads[t], NULL);
        saves += jobs[t].failed_saves;
        loads += jobs[t].failed_loads;
    }
    if (saves != 0 || loads != 0) {
        printf("FAIL %s: %d of %d saves and %d of %d loads failed\n", what, saves, N_THREADS * N_ROUNDS,
               loads, 4 * N_ROUNDS);
        failures++;
    }
}

int main(void) {
    const double x[5] = {0.0, 1.0, 2.0, 3.0, 4.0}, y[5] = {0.0, 0.8, 0.9, 0.1, -0.5};
    ferrolab_gp *gp = NULL;
    EXPECT(ferrolab_gp_fit(NULL, x, 5, 1, y, 1, &gp), FERROLAB_OK, NULL);
    shared_gp = gp;
    EXPECT(ferrolab_gp_save(gp, "shared.gp"), FERROLAB_OK, NULL);
    race("GP", gp_once);

    ferrolab_vae *vae = NULL;
    EXPECT(ferrolab_vae_new(NULL, 400, &vae), FERROLAB_OK, NULL);
    shared_vae = vae;
    EXPECT(ferrolab_vae_save(vae, "shared.safetensors"), FERROLAB_OK, NULL);
    race("VAE", vae_once);

    /* Nothing is left behind but the two files. */
    FILE *listing = popen("ls -A | grep -v -x -e shared.gp -e shared.safetensors | wc -l", "r");
    int stray = -1;
    if (listing == NULL || fscanf(listing, "%d", &stray) != 1 || stray != 0) {
        printf("FAIL %d stray files next to the saves\n", stray);
        failures++;
    }
    if (listing != NULL) pclose(listing);

    ferrolab_vae_free(vae);
    ferrolab_gp_free(gp);
    return finish("saves");
}
