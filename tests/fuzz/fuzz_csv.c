/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the CSV parser and the CritRoleStats mapping. The
 * input is parsed twice by one parser: whole, then in chunks whose sizes
 * come from a hash of the input. Both runs must hand out the same
 * records, and each good record goes through crs_header (the first) or
 * crs_row (the rest), as an import does.
 */
#include <stdint.h>
#include <string.h>

#include "core/crs.h"
#include "core/csv.h"
#include "util/buf.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the callback writes each record into, and the import's state. */
struct fuzz_csv_run {
    struct buf log;
    unsigned long last_line;
    int have_header;
    struct crs_columns cols;
};

/* A record as a row of the import: the header first, then the rows. */
static void fuzz_csv_import(struct fuzz_csv_run *run,
                            const struct csv_record *rec)
{
    char why[256];
    json_t *row = NULL;
    char *text;
    int rc;

    if (!run->have_header) {
        rc =
            crs_header(&run->cols, rec->fields, rec->nfields, why, sizeof(why));
        if (rc != 0 && rc != CRS_ECOLUMN)
            fuzz_fail("crs_header failed other than on a column");
        run->have_header = 1 + (rc == 0);
        return;
    }
    if (run->have_header != 2)
        return;
    rc = crs_row(&run->cols, rec->fields, rec->nfields, &row, why, sizeof(why));
    if (rc != 0) {
        if (row || rc == CRS_ENOMEM || why[0] == '\0')
            fuzz_fail("a refused row has an object or no reason");
        return;
    }
    text = json_dumps(row, JSON_COMPACT);
    if (!text)
        fuzz_fail("a row's event cannot be written as JSON");
    free(text);
    json_decref(row);
}

static int fuzz_csv_record(const struct csv_record *rec, void *arg)
{
    struct fuzz_csv_run *run = arg;
    size_t i;

    if (rec->line < run->last_line)
        fuzz_fail("record lines go backwards");
    run->last_line = rec->line;
    if (rec->err == 0 && rec->nfields == 0)
        fuzz_fail("a good record has no field");
    if (rec->err != 0 && (rec->err > 0 || rec->nfields != 0))
        fuzz_fail("a bad record has fields or a positive error");
    buf_add(&run->log, &rec->line, sizeof(rec->line));
    buf_add(&run->log, &rec->err, sizeof(rec->err));
    buf_add(&run->log, &rec->nfields, sizeof(rec->nfields));
    for (i = 0; i < rec->nfields; i++) {
        if (rec->fields[i].data[rec->fields[i].len] != '\0')
            fuzz_fail("a field is not NUL-terminated");
        buf_add(&run->log, &rec->fields[i].len, sizeof(rec->fields[i].len));
        buf_add(&run->log, rec->fields[i].data, rec->fields[i].len);
    }
    if (rec->err == 0)
        fuzz_csv_import(run, rec);
    return 0;
}

static uint64_t fuzz_csv_hash(const uint8_t *data, size_t size)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < size; i++) {
        h ^= data[i];
        h *= 1099511628211ULL;
    }
    return h | 1;
}

/* The next chunk size: mostly small, sometimes empty, sometimes large. */
static size_t fuzz_csv_chunk(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    switch (x % 8) {
    case 0:
        return 0;
    case 1:
        return (size_t)(x >> 8) % 4096;
    default:
        return 1 + (size_t)(x >> 8) % 16;
    }
}

/* Parses the input whole or in chunks; returns the record log's text. */
static char *fuzz_csv_parse(struct csv_parser *p, struct fuzz_csv_run *run,
                            const uint8_t *data, size_t size, uint64_t seed,
                            size_t *len)
{
    size_t off = 0, n;

    memset(run, 0, sizeof(*run));
    if (seed == 0) {
        if (csv_feed(p, data, size) != 0)
            fuzz_fail("csv_feed failed on the whole input");
    }
    while (seed != 0 && off < size) {
        n = fuzz_csv_chunk(&seed);
        if (n > size - off)
            n = size - off;
        if (csv_feed(p, n ? data + off : NULL, n) != 0)
            fuzz_fail("csv_feed failed on a chunk");
        off += n;
    }
    if (csv_finish(p) != 0)
        fuzz_fail("csv_finish failed");
    return buf_take(&run->log, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t h = fuzz_csv_hash(data, size);
    size_t max = (h & 6) == 0 ? 1 + (size_t)(h >> 3) % 200 : 0;
    struct fuzz_csv_run run;
    struct csv_parser *p = csv_new(max, fuzz_csv_record, &run);
    char *whole, *chunked;
    size_t wlen = 0, clen = 0;

    if (!p)
        return 0;

    /* The parser is reused: csv_finish() must leave it as new. */
    whole = fuzz_csv_parse(p, &run, data, size, 0, &wlen);
    chunked = fuzz_csv_parse(p, &run, data, size, h, &clen);
    if (whole && chunked && (wlen != clen || memcmp(whole, chunked, wlen)))
        fuzz_fail("chunked input gives other records than whole input");
    free(whole);
    free(chunked);
    csv_free(p);
    return 0;
}
