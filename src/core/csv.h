/* SPDX-License-Identifier: MIT */
/*
 * Incremental RFC 4180 CSV parsing: bytes go in as chunks of any size and
 * whole records come out through a callback, each with the line it starts
 * on. Pure: no I/O, no globals. It knows nothing of column meanings.
 */
#ifndef DND_CSV_H
#define DND_CSV_H

#include <stddef.h>

/* Default largest record, in bytes of field text plus one per comma. */
#define CSV_MAX_RECORD (64 * 1024)

/* Error codes, all negative. CSV_ENOMEM and CSV_EINVAL are returned by
 * functions; the others are per-record and arrive in csv_record.err. */
enum csv_err {
    CSV_OK = 0,
    CSV_ENOMEM = -1,
    CSV_EINVAL = -2,        /* NULL parser, or NULL buffer with a length */
    CSV_EQUOTE = -3,        /* '"' inside a field that did not start with one */
    CSV_EAFTERQUOTE = -4,   /* text between a closing '"' and ',' or line end */
    CSV_EUNTERMINATED = -5, /* input ended inside a quoted field */
    CSV_ETOOBIG = -6        /* record longer than the parser's limit */
};

/*
 * One field: len bytes at data, with a NUL after them so data is also a C
 * string (cut short if the field itself holds a NUL byte). Quotes are
 * removed and "" is turned into ". Bytes are otherwise as in the input:
 * UTF-8 is not checked, and a line end inside quotes is kept as it was.
 */
struct csv_field {
    const char *data;
    size_t len;
};

/*
 * One record as handed to the callback. line is the 1-based line on which
 * the record's first byte lies. When err is 0, fields holds nfields >= 1
 * fields; when err is a negative enum csv_err, nfields is 0 and the
 * parser skips to the next line end before it reads the next record.
 * Everything here is owned by the parser and valid only during the call.
 */
struct csv_record {
    unsigned long line;
    int err;
    size_t nfields;
    const struct csv_field *fields;
};

/* Called once per record, good or bad, in input order. Return 0 to go on;
 * anything else stops parsing and is passed back to the feeder. */
typedef int (*csv_record_fn)(const struct csv_record *rec, void *arg);

struct csv_parser;

/*
 * Makes a parser that calls cb(rec, arg) for every record. max_record is
 * the largest record accepted (field bytes plus one per separating comma);
 * 0 means CSV_MAX_RECORD. Returns NULL when memory runs out or cb is NULL.
 * Release with csv_free().
 */
struct csv_parser *csv_new(size_t max_record, csv_record_fn cb, void *arg);

/*
 * Parses len more bytes at buf (buf may be NULL when len is 0), calling
 * the callback for each record completed by a line end (LF or CRLF); a
 * CR not followed by LF is field text. A line with no bytes at all before
 * its line end is skipped, not a record. Bad records also go to the
 * callback, with their error, and do not stop parsing.
 * Returns 0, CSV_EINVAL, CSV_ENOMEM, or the non-zero value the callback
 * returned. After a non-zero return only csv_free() is valid.
 */
int csv_feed(struct csv_parser *p, const void *buf, size_t len);

/*
 * Ends the input: a last record with no line end is delivered, and an open
 * quoted field is reported as CSV_EUNTERMINATED. The parser is then reset
 * to line 1, ready for a new input. Returns as csv_feed() does.
 */
int csv_finish(struct csv_parser *p);

/* Frees the parser. Safe on NULL. */
void csv_free(struct csv_parser *p);

/* Short English text for an enum csv_err. Never NULL. */
const char *csv_strerror(int err);

#endif
