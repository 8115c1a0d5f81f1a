/* The checks every C test client shares: a failure counter, EXPECT on a status and on the
 * thread's last message, NEAR on a number, and the closing line the Rust harness looks for.
 * Header-only (static inline), included after ferrolab.h. */
#ifndef FERROLAB_TEST_CHECK_H
#define FERROLAB_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

/* Check a status and that the thread's last message contains `fragment` (unless NULL). */
static inline void expect(const char *what, int32_t got, int32_t want, const char *fragment) {
    char message[1024] = "";
    ferrolab_last_error(message, sizeof message, NULL);
    if (got != want) {
        printf("FAIL %s: status %d (%s), want %d; message: %s\n", what, (int)got,
               ferrolab_status_str(got), (int)want, message);
        failures++;
    } else if (fragment != NULL && strstr(message, fragment) == NULL) {
        printf("FAIL %s: message \"%s\" lacks \"%s\"\n", what, message, fragment);
        failures++;
    }
}

#define EXPECT(call, want, fragment) expect(#call, (call), (want), (fragment))

/* Check |got - want| <= tol. */
static inline void near(const char *what, double got, double want, double tol) {
    if (!(fabs(got - want) <= tol)) {
        printf("FAIL %s: %.15g, want %.15g\n", what, got, want);
        failures++;
    }
}

/* Join a worker thread that ran a cancellable call (it returns a pointer to its status): the
 * call was cancelled or finished before the cancellation reached it. */
#define JOIN_CANCELLED(worker)                                                              \
    do {                                                                                    \
        void *result_ = NULL;                                                               \
        pthread_join((worker), &result_);                                                   \
        int32_t status_ = *(int32_t *)result_;                                              \
        if (status_ != FERROLAB_ERR_CANCELLED && status_ != FERROLAB_OK) {                  \
            printf("FAIL first run returned %d\n", (int)status_);                           \
            failures++;                                                                     \
        }                                                                                   \
    } while (0)

/* The exit status of a client named `name`, with the line the harness looks for. */
static inline int finish(const char *name) {
    if (failures != 0) {
        printf("%s: %d checks failed\n", name, failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif
