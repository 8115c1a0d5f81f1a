/* The inverse design from C on a tiny configuration: a run cancelled from another thread,
 * resumed to the end, its design read back and its report on disk; and bad inputs. Runs in a
 * scratch directory. Prints "design: all checks passed". */
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ferrolab.h"
#include "check.h"


static void *run(void *design) {
    static int32_t status;
    status = ferrolab_design_run((const ferrolab_design *)design);
    return &status;
}

int main(void) {
    ferrolab_config *cfg = NULL;
    EXPECT(ferrolab_config_new(&cfg), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "design.samples", 40), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "design.grid_steps", 21), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "design.verify_seeds", 2), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "pf.cells_width", 32), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "pf.points", 40), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "pf.hold_steps", 10), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "vae.epochs", 100), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "vae.batch_size", 16), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "design.paper_steps", 0), FERROLAB_OK, NULL);

    ferrolab_design *design = NULL;
    EXPECT(ferrolab_design_new(cfg, NULL, NULL, 0, &design), FERROLAB_ERR_NULL_POINTER, "argument out_dir");
    EXPECT(ferrolab_design_new(cfg, "c_design", "x.json", 1, &design), FERROLAB_ERR_INVALID_ARGUMENT, "full = 1");
    EXPECT(ferrolab_design_new(cfg, "c_design", NULL, 0, &design), FERROLAB_OK, NULL);
    double z[2], mean[4], sd[4];
    EXPECT(ferrolab_design_result(design, z, mean, sd), FERROLAB_ERR_INVALID_ARGUMENT, "no design");

    /* Cancel while the dataset is simulated, then run again to the end (it resumes). */
    pthread_t worker;
    pthread_create(&worker, NULL, run, design);
    int32_t stage = -1;
    size_t done = 0, total = 0;
    for (;;) {
        EXPECT(ferrolab_design_progress(design, &stage, &done, &total), FERROLAB_OK, NULL);
        if (stage > 0 || done >= 4) {
            /* Neither this handle nor another on the same folder may start a second run. */
            EXPECT(ferrolab_design_run(design), FERROLAB_ERR_BUSY, "this design is already running");
            ferrolab_design *twin = NULL;
            EXPECT(ferrolab_design_new(cfg, "c_design", NULL, 0, &twin), FERROLAB_OK, NULL);
            EXPECT(ferrolab_design_run(twin), FERROLAB_ERR_BUSY, "c_design/.lock is in use by another run");
            EXPECT(ferrolab_design_free(twin), FERROLAB_OK, NULL);
            EXPECT(ferrolab_design_request_cancel(design), FERROLAB_OK, NULL);
            break;
        }
        const struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    JOIN_CANCELLED(worker);
    EXPECT(ferrolab_design_run(design), FERROLAB_OK, NULL);
    EXPECT(ferrolab_design_progress(design, &stage, &done, &total), FERROLAB_OK, NULL);
    if (stage != 5) {
        printf("FAIL final stage %d\n", (int)stage);
        failures++;
    }
    /* The common progress call: the same stage, and the beta-VAE's last loss. */
    int32_t stage_info = -1;
    double last_loss = NAN;
    EXPECT(ferrolab_design_progress_info(design, NULL, NULL, &stage_info, &last_loss), FERROLAB_OK, NULL);
    if (stage_info != 5 || !(last_loss > 0.0 && last_loss < 1e6)) {
        printf("FAIL progress_info stage %d, last loss %g\n", (int)stage_info, last_loss);
        failures++;
    }
    EXPECT(ferrolab_design_result(design, z, mean, NULL), FERROLAB_OK, NULL);
    EXPECT(ferrolab_design_result(design, z, mean, sd), FERROLAB_OK, NULL);
    if (!(mean[0] >= 5.0 && mean[0] <= 25.0 && mean[1] >= 0.5 && mean[1] <= 1.0 && sd[0] > 0.0)) {
        printf("FAIL design D_G %g nu %g std %g\n", mean[0], mean[1], sd[0]);
        failures++;
    }
    FILE *report = fopen("c_design/report.md", "r");
    if (report == NULL) {
        printf("FAIL no report\n");
        failures++;
    } else {
        fclose(report);
    }
    printf("design: z = (%.4f, %.4f), D_G %.4f nm\n", z[0], z[1], mean[0]);
    EXPECT(ferrolab_design_result(design, NULL, mean, sd), FERROLAB_ERR_NULL_POINTER, "argument z");
    EXPECT(ferrolab_design_free(design), FERROLAB_OK, NULL);
    EXPECT(ferrolab_design_run(design), FERROLAB_ERR_INVALID_HANDLE, "not a live ferrolab_design");
    EXPECT(ferrolab_design_free(NULL), FERROLAB_OK, NULL);

    /* An unreadable dataset fails with the file named. */
    EXPECT(ferrolab_design_new(cfg, "c_design2", "no_such_dataset.json", 0, &design), FERROLAB_OK, NULL);
    EXPECT(ferrolab_design_run(design), FERROLAB_ERR_IO, "no_such_dataset.json");
    EXPECT(ferrolab_design_free(design), FERROLAB_OK, NULL);
    EXPECT(ferrolab_config_set_i64(cfg, "design.grid_steps", 2), FERROLAB_ERR_OUT_OF_RANGE, "design.grid_steps");
    EXPECT(ferrolab_config_free(cfg), FERROLAB_OK, NULL);
    return finish("design");
}
