/* SPDX-License-Identifier: MIT */
/*
 * Buffer implementation: capacity doubles, so appending n bytes costs
 * O(n) amortised.
 */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for extra more bytes plus a NUL; 0 or -1. */
static int buf_room(struct buf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 256;
    char *grown;

    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2)
            goto fail;
        cap *= 2;
    }
    grown = realloc(b->data, cap);
    if (!grown)
        goto fail;
    b->data = grown;
    b->cap = cap;
    return 0;
fail:
    b->failed = 1;
    return -1;
}

void buf_add(struct buf *b, const void *p, size_t len)
{
    if (buf_room(b, len))
        return;
    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_room(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *buf_take(struct buf *b, size_t *len)
{
    char *data;

    if (b->failed || buf_room(b, 0)) {
        buf_free(b);
        return NULL;
    }
    data = b->data;
    *len = b->len;
    memset(b, 0, sizeof(*b));
    return data;
}

void buf_free(struct buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
