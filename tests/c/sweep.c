/* A dataset run from C: start a sweep on one thread, watch its progress and cancel it from
 * another, resume it, read the dataset back; and the bad inputs of the sweep and dataset
 * calls. Runs in a scratch directory. Prints "sweep: all checks passed". */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ferrolab.h"
#include "check.h"


static void *run(void *sweep) {
    static int32_t status;
    status = ferrolab_sweep_run((const ferrolab_sweep *)sweep);
    return &status;
}

int main(void) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "sweep.levels", 3), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "pf.cells_width", 16), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "pf.points", 20), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "pf.hold_steps", 5), FERROLAB_OK, NULL);

    ferrolab_sweep *sweep = NULL;
    EXPECT(ferrolab_sweep_new(cfg, NULL, 0, 1, &sweep), FERROLAB_ERR_NULL_POINTER, "argument path");
    EXPECT(ferrolab_sweep_new(cfg, "c_sweep", 2, 2, &sweep), FERROLAB_ERR_INVALID_ARGUMENT, "shard 2 of 2");
    EXPECT(ferrolab_sweep_new(cfg, "c_sweep", 0, 1, NULL), FERROLAB_ERR_NULL_POINTER, "argument out");
    EXPECT(ferrolab_sweep_new(cfg, "c_sweep", 0, 1, &sweep), FERROLAB_OK, NULL);

    /* Cancel from this thread while another runs it. */
    pthread_t worker;
    pthread_create(&worker, NULL, run, sweep);
    size_t done = 0, total = 0;
    for (;;) {
        EXPECT(ferrolab_sweep_progress(sweep, &done, &total), FERROLAB_OK, NULL);
        if (done >= 20) {
            /* A second run of this handle, or of another handle on the same path, is refused
             * without disturbing the first. */
            EXPECT(ferrolab_sweep_run(sweep), FERROLAB_ERR_BUSY, "this sweep is already running");
            ferrolab_sweep *twin = NULL;
            EXPECT(ferrolab_sweep_new(cfg, "c_sweep", 0, 1, &twin), FERROLAB_OK, NULL);
            EXPECT(ferrolab_sweep_run(twin), FERROLAB_ERR_BUSY, "c_sweep.partial/lock is in use by another run");
            EXPECT(ferrolab_sweep_free(twin), FERROLAB_OK, NULL);
            EXPECT(ferrolab_sweep_progress(sweep, &done, &total), FERROLAB_OK, NULL);
            if (done < 20 || total != 81) {
                printf("FAIL the refused runs reset the progress: %zu / %zu\n", done, total);
                failures++;
            }
            EXPECT(ferrolab_sweep_request_cancel(sweep), FERROLAB_OK, NULL);
            break;
        }
    }
    JOIN_CANCELLED(worker);
    /* Resume to the end. */
    EXPECT(ferrolab_sweep_run(sweep), FERROLAB_OK, NULL);
    EXPECT(ferrolab_sweep_progress(sweep, &done, &total), FERROLAB_OK, NULL);
    if (done != 81 || total != 81) {
        printf("FAIL progress %zu / %zu\n", done, total);
        failures++;
    }
    EXPECT(ferrolab_sweep_progress(sweep, NULL, &total), FERROLAB_ERR_NULL_POINTER, "argument done");
    /* The common progress call agrees: structures, stage 0, no loss. */
    uint64_t done64 = 0, total64 = 0;
    int32_t stage = -1;
    double last_loss = 0.0;
    EXPECT(ferrolab_sweep_progress_info(sweep, &done64, &total64, &stage, &last_loss), FERROLAB_OK, NULL);
    if (done64 != 81 || total64 != 81 || stage != 0 || last_loss == last_loss) {
        printf("FAIL progress_info %llu / %llu, stage %d, loss %g\n", (unsigned long long)done64,
               (unsigned long long)total64, (int)stage, last_loss);
        failures++;
    }
    EXPECT(ferrolab_sweep_free(sweep), FERROLAB_OK, NULL);
    EXPECT(ferrolab_sweep_progress_info(sweep, &done64, NULL, NULL, NULL), FERROLAB_ERR_INVALID_HANDLE,
           "not a live ferrolab_sweep");
    EXPECT(ferrolab_sweep_run(sweep), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_sweep");
    EXPECT(ferrolab_sweep_request_cancel(sweep), FERROLAB_ERR_INVALID_HANDLE, NULL);

    /* Read it back. */
    ferrolab_dataset *data = NULL;
    EXPECT(ferrolab_dataset_open("c_sweep.json", &data), FERROLAB_OK, NULL);
    size_t n = 0, points = 0;
    EXPECT(ferrolab_dataset_shape(data, &n, &points), FERROLAB_OK, NULL);
    if (n != 81 || points != 20) {
        printf("FAIL shape %zu x %zu\n", n, points);
        failures++;
    }
    static double voltage[20], loops[81 * 20], parameters[81 * 4], features[81 * FERROLAB_LOOP_FEATURE_COUNT];
    static int32_t statuses[81];
    static uint64_t index[81];
    EXPECT(ferrolab_dataset_loops(data, voltage, loops, 81, 21), FERROLAB_ERR_INVALID_ARGUMENT, "81 x 21");
    EXPECT(ferrolab_dataset_loops(data, voltage, loops, 81, 20), FERROLAB_OK, NULL);
    EXPECT(ferrolab_dataset_structures(data, parameters, features, statuses, NULL, index, 80),
           FERROLAB_ERR_INVALID_ARGUMENT, NULL);
    EXPECT(ferrolab_dataset_structures(data, parameters, features, statuses, NULL, index, 81), FERROLAB_OK, NULL);
    if (voltage[0] != -4.0 || index[80] != 80 || parameters[0] != 5.0 || parameters[80 * 4] != 25.0) {
        printf("FAIL contents: V0 %g, index %llu, D_G %g .. %g\n", voltage[0],
               (unsigned long long)index[80], parameters[0], parameters[80 * 4]);
        failures++;
    }
    for (int k = 0; k < 81; k++) {
        if (statuses[k] == 0 && !(fabs(loops[k * 20 + 10]) < 1.0)) {
            printf("FAIL loop %d\n", k);
            failures++;
        }
    }
    /* A dataset handle is not a sweep, nor a config. */
    EXPECT(ferrolab_sweep_run((const ferrolab_sweep *)(const void *)data), FERROLAB_ERR_INVALID_HANDLE, NULL);
    EXPECT(ferrolab_dataset_free(data), FERROLAB_OK, NULL);
    EXPECT(ferrolab_dataset_shape(data, &n, &points), FERROLAB_ERR_INVALID_HANDLE, NULL);

    /* Missing and damaged files. */
    EXPECT(ferrolab_dataset_open("no_such_dataset", &data), FERROLAB_ERR_IO, "no_such_dataset.json");
    FILE *f = fopen("c_sweep.npz", "r+b");
    if (f != NULL) {
        fseek(f, 200, SEEK_SET);
        fputc(0x55, f);
        fclose(f);
    }
    EXPECT(ferrolab_dataset_open("c_sweep", &data), FERROLAB_ERR_CORRUPT_FILE, "damaged");
    if (data != NULL) {
        printf("FAIL *out not NULL after a failed open\n");
        failures++;
    }
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    remove("c_sweep.npz");
    remove("c_sweep.json");
    return finish("sweep");
}
