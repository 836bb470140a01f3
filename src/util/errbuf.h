/* SPDX-License-Identifier: MIT */
/*
 * One helper for the "return a code and say why" pattern of every module:
 * the message goes into the caller's buffer, the code comes back, so a
 * failure reads as a single return statement. No I/O, no globals.
 */
#ifndef DND_ERRBUF_H
#define DND_ERRBUF_H

#include <stddef.h>

/*
 * Formats a message into buf (len bytes, always NUL-terminated; nothing
 * is written when buf is NULL or len is 0) and returns rc unchanged.
 */
int errbuf_set(int rc, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
