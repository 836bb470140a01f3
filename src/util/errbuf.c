/* SPDX-License-Identifier: MIT */
/*
 * errbuf_set(): vsnprintf into the caller's buffer, then hand back the
 * code it was given.
 */
#include "util/errbuf.h"

#include <stdarg.h>
#include <stdio.h>

int errbuf_set(int rc, char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    if (!buf || len == 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return rc;
}
