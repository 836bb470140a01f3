/* SPDX-License-Identifier: MIT */
/*
 * A byte-at-a-time state machine for RFC 4180 CSV. Field text is gathered
 * into one buffer sized for the largest record, so field pointers stay put
 * while a record grows. It does not read files nor know column names.
 */
#include "core/csv.h"

#include <stdint.h>
#include <stdlib.h>

/* Where the parser stands relative to the last byte it read. */
enum csv_state {
    CSV_S_RECORD, /* between records: nothing of the next one seen yet */
    CSV_S_FIELD,  /* at the start of a field, after a comma or a line end */
    CSV_S_PLAIN,  /* inside a field that did not start with a quote */
    CSV_S_QUOTED, /* inside a quoted field */
    CSV_S_QUOTE,  /* just after a quote inside a quoted field */
    CSV_S_SKIP    /* after a bad record, waiting for the next line end */
};

struct csv_parser {
    csv_record_fn cb;
    void *arg;
    size_t max;               /* record limit; buf holds max + 1 bytes */
    char *buf;                /* field texts of this record, NUL after each */
    size_t used;              /* bytes of buf in use */
    size_t field_start;       /* offset in buf of the field being read */
    struct csv_field *fields; /* fields of this record ended so far */
    size_t nfields;
    size_t cap; /* slots allocated in fields */
    enum csv_state state;
    int cr_pending;         /* a CR was read; its meaning waits on LF */
    unsigned long line;     /* line of the next byte, from 1 */
    unsigned long rec_line; /* line on which this record began */
};

static void csv_reset(struct csv_parser *p)
{
    p->used = 0;
    p->field_start = 0;
    p->nfields = 0;
    p->state = CSV_S_RECORD;
    p->cr_pending = 0;
    p->line = 1;
    p->rec_line = 1;
}

static void csv_begin_record(struct csv_parser *p)
{
    p->used = 0;
    p->field_start = 0;
    p->nfields = 0;
    p->rec_line = p->line;
    p->state = CSV_S_FIELD;
}

/* Hands one record to the callback, good (err 0) or bad. */
static int csv_emit(struct csv_parser *p, int err)
{
    struct csv_record rec;

    rec.line = p->rec_line;
    rec.err = err;
    rec.nfields = err ? 0 : p->nfields;
    rec.fields = err ? NULL : p->fields;
    return p->cb(&rec, p->arg);
}

/* Reports the current record as bad and skips to the next line end. */
static int csv_fail(struct csv_parser *p, int err)
{
    p->state = CSV_S_SKIP;
    return csv_emit(p, err);
}

/* Appends one byte of field text, or NUL to close a field. */
static int csv_put(struct csv_parser *p, char c)
{
    if (p->used + 1 > p->max)
        return csv_fail(p, CSV_ETOOBIG);
    p->buf[p->used++] = c;
    return 0;
}

/* Records the field that ends at p->used; its NUL must follow already. */
static int csv_push_field(struct csv_parser *p)
{
    struct csv_field *grown;
    size_t cap;

    if (p->nfields == p->cap) {
        cap = p->cap ? p->cap * 2 : 16;
        grown = realloc(p->fields, cap * sizeof(*grown));
        if (!grown)
            return CSV_ENOMEM;
        p->fields = grown;
        p->cap = cap;
    }
    p->fields[p->nfields].data = p->buf + p->field_start;
    p->fields[p->nfields].len = p->used - 1 - p->field_start;
    p->nfields++;
    p->field_start = p->used;
    return 0;
}

/* A comma outside quotes: the NUL it becomes counts toward the limit. */
static int csv_end_field(struct csv_parser *p)
{
    int rc = csv_put(p, '\0');

    if (rc || p->state == CSV_S_SKIP)
        return rc;
    p->state = CSV_S_FIELD;
    return csv_push_field(p);
}

/* A line end outside quotes. csv_put() keeps used <= max, so the last NUL
 * always has its reserved byte. */
static int csv_end_record(struct csv_parser *p)
{
    int rc;

    p->buf[p->used++] = '\0';
    rc = csv_push_field(p);
    if (rc)
        return rc;
    p->state = CSV_S_RECORD;
    return csv_emit(p, 0);
}

/* A byte with no special meaning where it stands: text, or an error. */
static int csv_ordinary(struct csv_parser *p, char c)
{
    if (p->state == CSV_S_RECORD)
        csv_begin_record(p);
    if (p->state == CSV_S_FIELD)
        p->state = CSV_S_PLAIN;
    if (p->state == CSV_S_QUOTE)
        return csv_fail(p, CSV_EAFTERQUOTE);
    return csv_put(p, c);
}

static int csv_quote(struct csv_parser *p)
{
    switch (p->state) {
    case CSV_S_FIELD:
        p->state = CSV_S_QUOTED;
        return 0;
    case CSV_S_QUOTE:
        p->state = CSV_S_QUOTED;
        return csv_put(p, '"');
    default:
        return csv_fail(p, CSV_EQUOTE);
    }
}

static int csv_byte(struct csv_parser *p, char c)
{
    int rc;

    if (c == '\n')
        p->line++;

    /* A CR not followed by LF is text (or an error after a quote). */
    if (p->cr_pending) {
        p->cr_pending = 0;
        if (c != '\n') {
            rc = csv_ordinary(p, '\r');
            if (rc)
                return rc;
        }
    }

    if (p->state == CSV_S_SKIP) {
        if (c == '\n')
            p->state = CSV_S_RECORD;
        return 0;
    }
    if (p->state == CSV_S_RECORD) {
        if (c == '\r')
            p->cr_pending = 1;
        if (c == '\r' || c == '\n')
            return 0;
        csv_begin_record(p);
    }
    if (p->state == CSV_S_QUOTED) {
        if (c == '"') {
            p->state = CSV_S_QUOTE;
            return 0;
        }
        return csv_put(p, c);
    }

    switch (c) {
    case '"':
        return csv_quote(p);
    case ',':
        return csv_end_field(p);
    case '\n':
        return csv_end_record(p);
    case '\r':
        p->cr_pending = 1;
        return 0;
    default:
        return csv_ordinary(p, c);
    }
}

struct csv_parser *csv_new(size_t max_record, csv_record_fn cb, void *arg)
{
    struct csv_parser *p;

    if (!cb || max_record == SIZE_MAX)
        return NULL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->max = max_record ? max_record : CSV_MAX_RECORD;
    p->buf = malloc(p->max + 1);
    if (!p->buf)
        goto fail_buf;
    p->cb = cb;
    p->arg = arg;
    csv_reset(p);
    return p;

fail_buf:
    free(p);
    return NULL;
}

int csv_feed(struct csv_parser *p, const void *buf, size_t len)
{
    const char *s = buf;
    size_t i;
    int rc;

    if (!p || (!buf && len > 0))
        return CSV_EINVAL;
    for (i = 0; i < len; i++) {
        rc = csv_byte(p, s[i]);
        if (rc)
            return rc;
    }
    return 0;
}

int csv_finish(struct csv_parser *p)
{
    int rc = 0;

    if (!p)
        return CSV_EINVAL;

    /* A CR left at the very end is taken as a line end. */
    p->cr_pending = 0;
    switch (p->state) {
    case CSV_S_FIELD:
    case CSV_S_PLAIN:
    case CSV_S_QUOTE:
        rc = csv_end_record(p);
        break;
    case CSV_S_QUOTED:
        rc = csv_fail(p, CSV_EUNTERMINATED);
        break;
    case CSV_S_RECORD:
    case CSV_S_SKIP:
        break;
    }
    csv_reset(p);
    return rc;
}

void csv_free(struct csv_parser *p)
{
    if (!p)
        return;
    free(p->fields);
    free(p->buf);
    free(p);
}

const char *csv_strerror(int err)
{
    switch (err) {
    case CSV_OK:
        return "success";
    case CSV_ENOMEM:
        return "out of memory";
    case CSV_EINVAL:
        return "invalid argument";
    case CSV_EQUOTE:
        return "quote inside an unquoted field";
    case CSV_EAFTERQUOTE:
        return "text after a closing quote";
    case CSV_EUNTERMINATED:
        return "quoted field not closed before end of input";
    case CSV_ETOOBIG:
        return "record too long";
    default:
        return "unknown CSV error";
    }
}
