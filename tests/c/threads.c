/* Concurrency contract: const calls on one shared handle from many threads at once; each
 * thread's failure message stays its own; the handle records a message from some thread; the
 * pool can be resized while other threads work. Prints "threads: all checks passed". */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ferrolab.h"

#define N_THREADS 8
#define N_ROUNDS 2000

static ferrolab_config *shared_cfg = NULL;

struct job {
    int index;
    int failures;
};

static void *work(void *arg) {
    struct job *job = (struct job *)arg;
    char key[64];
    char message[512];
    /* Each thread misspells a key of its own, so its message is recognisable. */
    snprintf(key, sizeof key, "pf.thread_%d_key", job->index);
    for (int round = 0; round < N_ROUNDS; round++) {
        double width = 0.0;
        if (ferrolab_config_get_f64(shared_cfg, "pf.grain_diameter_nm", &width) != FERROLAB_OK || width != 64.0) {
            job->failures++;
        }
        if (ferrolab_config_get_f64(shared_cfg, key, &width) != FERROLAB_ERR_UNKNOWN_KEY) {
            job->failures++;
        }
        ferrolab_last_error(message, sizeof message, NULL);
        if (strstr(message, key) == NULL) {
            job->failures++;
        }
        if (round % 500 == 0 && job->index == 0) {
            ferrolab_set_num_threads((size_t)(1 + round / 500));
        }
    }
    return NULL;
}

int main(void) {
    if (ferrolab_config_new(&shared_cfg) != FERROLAB_OK) return 1;
    if (ferrolab_config_set_f64(shared_cfg, "pf.grain_diameter_nm", 64.0) != FERROLAB_OK) return 1;

    pthread_t threads[N_THREADS];
    struct job jobs[N_THREADS];
    for (int t = 0; t < N_THREADS; t++) {
        jobs[t].index = t;
        jobs[t].failures = 0;
        pthread_create(&threads[t], NULL, work, &jobs[t]);
    }
    int failures = 0;
    for (int t = 0; t < N_THREADS; t++) {
        pthread_join(threads[t], NULL);
        failures += jobs[t].failures;
    }

    char message[512];
    ferrolab_config_last_error(shared_cfg, message, sizeof message, NULL);
    if (strstr(message, "pf.thread_") == NULL) {
        printf("handle message not recorded: %s\n", message);
        failures++;
    }
    ferrolab_config_free(shared_cfg);
    if (failures != 0) {
        printf("threads: %d checks failed\n", failures);
        return 1;
    }
    printf("threads: all checks passed\n");
    return 0;
}
