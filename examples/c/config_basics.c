/* ferrolab from C: check the version, configure, list keys, handle errors.
 *
 * Build and run from the repository root, after `cargo build --release`:
 *   cc -std=c99 examples/c/config_basics.c -Iinclude -Ltarget/release -lferrolab \
 *      -Wl,-rpath,$PWD/target/release -o config_basics && ./config_basics
 */
#include <stdio.h>
#include <stdlib.h>

#include "ferrolab.h"

/* Print the failing call's status and message, and return its status. */
static int32_t report(int32_t status) {
    if (status != FERROLAB_OK) {
        char message[512];
        ferrolab_last_error(message, sizeof message, NULL);
        fprintf(stderr, "%s: %s\n", ferrolab_status_str(status), message);
    }
    return status;
}

int main(void) {
    printf("ferrolab %s (ABI %d)\n", ferrolab_version_string(), (int)ferrolab_abi_version());
    if (ferrolab_abi_version() != FERROLAB_ABI_VERSION) {
        fprintf(stderr, "header and library disagree on the ABI version\n");
        return 1;
    }

    /* Every key with its type, unit, valid range, default and doc. */
    size_t n_keys = 0;
    if (report(ferrolab_config_key_count(&n_keys))) return 1;
    for (size_t i = 0; i < n_keys; i++) {
        char name[128];
        char description[1024];
        if (report(ferrolab_config_key_name(i, name, sizeof name, NULL))) return 1;
        if (report(ferrolab_config_key_describe(name, description, sizeof description, NULL))) return 1;
        printf("  %s\n", description);
    }

    ferrolab_config *cfg = NULL;
    if (report(ferrolab_config_new(&cfg))) return 1;
    if (report(ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", 10.0))) return 1;
    if (report(ferrolab_config_set_i64(cfg, "pf.seed", 7))) return 1;

    double diameter = 0.0;
    int64_t seed = 0;
    if (report(ferrolab_config_get_f64(cfg, "pf.grain_diameter_nm", &diameter))) return 1;
    if (report(ferrolab_config_get_i64(cfg, "pf.seed", &seed))) return 1;
    printf("pf.grain_diameter_nm = %g, pf.seed = %lld\n", diameter, (long long)seed);

    /* A bad value is refused with a message that names the key; the config is unchanged. */
    int32_t status = ferrolab_config_set_f64(cfg, "pf.polar_fraction", 1.5);
    char message[512];
    ferrolab_config_last_error(cfg, message, sizeof message, NULL);
    printf("setting pf.polar_fraction = 1.5 gives %s: %s\n", ferrolab_status_str(status), message);

    ferrolab_config_free(cfg);
    return status == FERROLAB_ERR_OUT_OF_RANGE ? 0 : 1;
}
