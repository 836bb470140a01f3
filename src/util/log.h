/* SPDX-License-Identifier: MIT */
/*
 * The one logger of dndtrack: time-stamped lines on stderr at four levels.
 * Warnings and errors show by default; -v adds info and debug, -q keeps
 * only errors. It is not a data channel: data goes to stdout elsewhere.
 */
#ifndef DND_LOG_H
#define DND_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/* Sets the most verbose level that is printed. Thread-safe to call once at
 * start; later calls race harmlessly with readers. */
void log_set_level(enum log_level level);

/* Returns the level set by log_set_level() (LOG_WARN by default). */
enum log_level log_get_level(void);

/* Prints "TIME dndtrack: LEVEL: message" to stderr when level is enabled.
 * Safe from any thread; never from a signal handler. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
