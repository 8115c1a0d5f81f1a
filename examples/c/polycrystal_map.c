/* Generate a polycrystalline HZO film and print it as a character map: '#' grain boundary,
 * '.' non-polar grain, and for polar grains a digit 0-9 for the polar-axis angle from the film
 * normal (0 = vertical, 9 = pi/2 or more). The top electrode is the first line.
 *
 *   cc -std=c99 examples/c/polycrystal_map.c -Iinclude -Ltarget/release -lferrolab \
 *      -Wl,-rpath,$PWD/target/release -o polycrystal_map && ./polycrystal_map
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ferrolab.h"

static int fail(int32_t status) {
    char message[512];
    ferrolab_last_error(message, sizeof message, NULL);
    fprintf(stderr, "%s: %s\n", ferrolab_status_str(status), message);
    return 1;
}

int main(void) {
    ferrolab_config *cfg = NULL;
    ferrolab_polycrystal *film = NULL;
    int32_t status;
    if ((status = ferrolab_config_new(&cfg))) return fail(status);
    if ((status = ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", 8.0))) return fail(status);
    if ((status = ferrolab_config_set_i64(cfg, "pf.cells_width", 128))) return fail(status);
    if ((status = ferrolab_config_set_i64(cfg, "pf.seed", 2024))) return fail(status);
    if ((status = ferrolab_polycrystal_new(cfg, &film))) return fail(status);
    ferrolab_config_free(cfg);

    size_t rows = 0, cols = 0, n_grains = 0;
    if ((status = ferrolab_polycrystal_shape(film, &rows, &cols))) return fail(status);
    if ((status = ferrolab_polycrystal_grain_count(film, &n_grains))) return fail(status);
    int32_t *classes = malloc(rows * cols * sizeof *classes);
    double *theta = malloc(rows * cols * sizeof *theta);
    if (classes == NULL || theta == NULL) return 1;
    if ((status = ferrolab_polycrystal_cells(film, classes, NULL, theta, rows, cols))) return fail(status);

    printf("%zu grains on %zu x %zu cells\n", n_grains, rows, cols);
    for (size_t r = rows; r-- > 0;) {
        for (size_t c = 0; c < cols; c++) {
            size_t i = r * cols + c;
            int level = (int)(fabs(theta[i]) / 1.5707963267948966 * 9.0 + 0.5);
            putchar(classes[i] == 2 ? '#' : classes[i] == 1 ? '.' : '0' + (level > 9 ? 9 : level));
        }
        putchar('\n');
    }
    free(classes);
    free(theta);
    ferrolab_polycrystal_free(film);
    return 0;
}
