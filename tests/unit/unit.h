/* SPDX-License-Identifier: MIT */
/*
 * A minimal unit test harness: each test file defines test functions and
 * lists them in main() with UNIT_RUN. A failed check prints file, line and
 * the values, marks the test failed and returns from it.
 */
#ifndef DND_UNIT_H
#define DND_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed_now;
static int unit_passed;
static int unit_failed;

#define UNIT_FAIL(...)                                                         \
    do {                                                                       \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                        \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        unit_failed_now = 1;                                                   \
        return;                                                                \
    } while (0)

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            UNIT_FAIL("check failed: %s", #cond);                              \
    } while (0)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long unit_a = (long long)(a), unit_b = (long long)(b);            \
        if (unit_a != unit_b)                                                  \
            UNIT_FAIL("%s == %lld, expected %lld", #a, unit_a, unit_b);        \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *unit_a = (a), *unit_b = (b);                               \
        if (!unit_a || !unit_b || strcmp(unit_a, unit_b) != 0)                 \
            UNIT_FAIL("%s == \"%s\", expected \"%s\"", #a,                     \
                      unit_a ? unit_a : "(null)", unit_b ? unit_b : "(null)"); \
    } while (0)

#define UNIT_RUN(fn)                                                           \
    do {                                                                       \
        unit_failed_now = 0;                                                   \
        fn();                                                                  \
        if (unit_failed_now) {                                                 \
            unit_failed++;                                                     \
            fprintf(stderr, "FAIL %s\n", #fn);                                 \
        } else {                                                               \
            unit_passed++;                                                     \
        }                                                                      \
    } while (0)

/* Prints "N passed, N failed" and gives main's return value. */
#define UNIT_DONE()                                                            \
    (printf("%s: %d passed, %d failed\n", __FILE__, unit_passed, unit_failed), \
     unit_failed ? 1 : 0)

#endif
