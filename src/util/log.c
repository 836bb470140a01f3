/* SPDX-License-Identifier: MIT */
/*
 * Logger implementation: formats one whole line per call and writes it with
 * a single fputs under stderr's lock, so lines from threads never mix.
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static atomic_int log_level_now = LOG_WARN;

static const char *const log_names[] = {"error", "warning", "info", "debug"};

void log_set_level(enum log_level level)
{
    atomic_store(&log_level_now, (int)level);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&log_level_now);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    char line[2048];
    char stamp[32];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    int n;

    if ((int)level > atomic_load(&log_level_now))
        return;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    n = snprintf(line, sizeof(line), "%s.%03ldZ dndtrack: %s: ", stamp,
                 ts.tv_nsec / 1000000L, log_names[level]);
    if (n < 0 || (size_t)n >= sizeof(line))
        return;

    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);

    flockfile(stderr);
    fputs(line, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
}
