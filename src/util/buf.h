/* SPDX-License-Identifier: MIT */
/*
 * A growing byte buffer for text built piece by piece (metrics, reports).
 * An allocation failure is remembered and reported once at the end, so
 * callers append without checking every step.
 */
#ifndef DND_BUF_H
#define DND_BUF_H

#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated while not failed */
    size_t len;
    size_t cap;
    int failed; /* an allocation failed; data holds a prefix */
};

/* Appends len bytes at p. */
void buf_add(struct buf *b, const void *p, size_t len);

/* Appends a NUL-terminated string. */
void buf_puts(struct buf *b, const char *s);

/* Appends formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Hands over the text: returns data (the caller frees it) and its length in
 * *len, or NULL when any allocation failed (the buffer is freed then).
 * The buffer is empty afterwards.
 */
char *buf_take(struct buf *b, size_t *len);

/* Frees what b holds. */
void buf_free(struct buf *b);

#endif
