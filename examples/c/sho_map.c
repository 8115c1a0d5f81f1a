/* Fit a synthetic band-excitation map through the C API: 20 x 20 pixels x 16 voltage steps of
 * 64-bin spectra generated here from the SHO model with known resonance frequencies, then
 * ferrolab_sho_fit on all 6,400 spectra at once, as LabVIEW acquisition code would call it. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ferrolab.h"

enum { PIXELS = 400, STEPS = 16, BINS = 64, N = PIXELS * STEPS };

int main(void) {
    static double freq[BINS], re[N * BINS], im[N * BINS], truth_w0[N];
    static double params[N * 4], errors[N * 4], r2[N];
    static int32_t flags[N];
    for (int k = 0; k < BINS; k++) {
        freq[k] = 290e3 + 20e3 * k / (BINS - 1.0);
    }
    unsigned int state = 12345u;
    for (int s = 0; s < N; s++) {
        double w0 = 295e3 + 10e3 * (s % PIXELS) / (double)PIXELS, q = 100.0 + (s % 7) * 20.0;
        double amp = 1e-3, phase = (s / PIXELS) % 2 ? 0.3 : 0.3 - 3.14159265358979;
        truth_w0[s] = w0;
        for (int k = 0; k < BINS; k++) {
            double w = freq[k];
            double complex r = amp * w0 * w0 * cexp(I * phase) / (w * w - w0 * w0 - I * w * w0 / q);
            state = state * 1103515245u + 12345u;
            double noise = ((double)(state >> 8) / 16777216.0 - 0.5) * 2e-3;
            re[s * BINS + k] = creal(r) + noise;
            im[s * BINS + k] = cimag(r) - noise;
        }
    }
    int32_t status = ferrolab_sho_fit(NULL, freq, BINS, re, im, N, params, errors, r2, flags);
    if (status != FERROLAB_OK) {
        char msg[512];
        ferrolab_last_error(msg, sizeof msg, NULL);
        printf("ferrolab_sho_fit failed: %s\n", msg);
        return 1;
    }
    double worst = 0.0, worst_se = 0.0;
    int ok = 0;
    for (int s = 0; s < N; s++) {
        ok += flags[s] == 0;
        double e = fabs(params[s * 4 + 1] - truth_w0[s]);
        if (e > worst) {
            worst = e;
            worst_se = errors[s * 4 + 1];
        }
    }
    printf("fitted %d spectra: %d converged, worst resonance error %.2f Hz (its standard error %.2f Hz), first R^2 %.4f\n",
           N, ok, worst, worst_se, r2[0]);
    /* The instrument phase offset over the whole map, then the loop of pixel 0. */
    static double amplitude[N], phase[N];
    for (int s = 0; s < N; s++) {
        amplitude[s] = params[s * 4];
        phase[s] = params[s * 4 + 3];
    }
    double theta = 0.0, pr[STEPS], pixel_amplitude[STEPS], pixel_phase[STEPS];
    if (ferrolab_phase_rotation(amplitude, phase, N, &theta) != FERROLAB_OK) {
        return 1;
    }
    for (int step = 0; step < STEPS; step++) {
        pixel_amplitude[step] = amplitude[step * PIXELS];
        pixel_phase[step] = phase[step * PIXELS];
    }
    if (ferrolab_piezoresponse(pixel_amplitude, pixel_phase, STEPS, theta, pr) != FERROLAB_OK) {
        return 1;
    }
    printf("phase offset %.4f rad (generated with phases 0.3 and 0.3 - pi); pixel 0 piezoresponse %.3e, %.3e\n",
           theta, pr[0], pr[1]);
    int separated = fabs(theta + 0.3) < 0.01 && pr[0] < 0.0 && pr[1] > 0.0;
    printf("sho map: %s\n", ok == N && worst < 200.0 && separated ? "recovered" : "NOT recovered");
    return ok == N ? 0 : 1;
}
