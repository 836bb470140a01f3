/* SPDX-License-Identifier: MIT */
/*
 * CritRoleStats row mapping: checks the values dndtrack counts (who rolled,
 * the totals, the natural d20 face) before it builds anything, so a row is
 * either a whole event or a reason. The string "null" is always a missing
 * value, never zero. It does not read files nor send events.
 */
#include "core/crs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errbuf.h"

/* Header names, indexed by enum crs_col. */
static const char *const crs_names[CRS_COL_COUNT] = {
    "RollID",     "Campaign",     "Episode",      "Time",
    "Player",     "Character",    "Type of Roll", "D20?",
    "Total Roll", "Natural Roll", "Crit?",        "Notes"};

/* Whether a file without the column is refused, indexed by enum crs_col. */
static const int crs_required[CRS_COL_COUNT] = {1, 1, 1, 0, 0, 1,
                                                1, 1, 1, 1, 0, 0};

/* Text members copied as written: JSON key and source column. */
static const struct {
    const char *key;
    enum crs_col col;
} crs_texts[] = {{"player", CRS_COL_CHARACTER},  {"played_by", CRS_COL_PLAYER},
                 {"campaign", CRS_COL_CAMPAIGN}, {"session", CRS_COL_EPISODE},
                 {"context", CRS_COL_TYPE},      {"notes", CRS_COL_NOTES},
                 {"episode_time", CRS_COL_TIME}};

#define CRS_COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define CRS_ID_PREFIX "critrolestats:"
/* Longest field text quoted back in a reason. */
#define CRS_QUOTE_MAX 32
/* Longest text that can still be an integer within CRS_MAX_NUMBER. */
#define CRS_NUMBER_CHARS 24

/* The numbers of one row, checked. */
struct crs_numbers {
    int has_total;
    long long total;
    int has_natural;
    long long natural;
};

static int crs_is(const struct csv_field *f, const char *s)
{
    size_t n = strlen(s);

    return f->len == n && memcmp(f->data, s, n) == 0;
}

/* The field of column col, or NULL when the file has no such column. */
static const struct csv_field *crs_raw(const struct crs_columns *cols,
                                       const struct csv_field *fields,
                                       enum crs_col col)
{
    return cols->col[col] < 0 ? NULL : &fields[cols->col[col]];
}

/* Like crs_raw(), but NULL also for an empty field or the text "null". */
static const struct csv_field *crs_get(const struct crs_columns *cols,
                                       const struct csv_field *fields,
                                       enum crs_col col)
{
    const struct csv_field *f = crs_raw(cols, fields, col);

    if (!f || f->len == 0 || crs_is(f, "null"))
        return NULL;
    return f;
}

static char crs_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether f contains the lower-case ASCII word, in any case. */
static int crs_contains(const struct csv_field *f, const char *word)
{
    size_t n = strlen(word);
    size_t i, k;

    for (i = 0; n <= f->len && i <= f->len - n; i++) {
        for (k = 0; k < n && crs_lower(f->data[i + k]) == word[k]; k++)
            ;
        if (k == n)
            return 1;
    }
    return 0;
}

/* Whether len bytes at s are well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), as JSON strings must be. */
static int crs_utf8_ok(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned long cp, min;
    size_t i = 0, n, k;

    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if (u[i] >= 0xC2 && u[i] <= 0xDF) {
            n = 1;
            cp = u[i] & 0x1F;
            min = 0x80;
        } else if ((u[i] & 0xF0) == 0xE0) {
            n = 2;
            cp = u[i] & 0x0F;
            min = 0x800;
        } else if (u[i] >= 0xF0 && u[i] <= 0xF4) {
            n = 3;
            cp = u[i] & 0x07;
            min = 0x10000;
        } else {
            return 0;
        }
        if (len - i - 1 < n)
            return 0;
        for (k = 1; k <= n; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* Whether the text of column col ends up in a JSON string: a member listed
 * in crs_texts, or RollID, which only appears inside event_id. */
static int crs_becomes_string(enum crs_col col)
{
    size_t i;

    if (col == CRS_COL_ROLL_ID)
        return 1;
    for (i = 0; i < CRS_COUNT(crs_texts); i++) {
        if (crs_texts[i].col == col)
            return 1;
    }
    return 0;
}

/*
 * Refuses bytes that would otherwise damage the event without a word. A
 * NUL byte is refused in every column read: wherever the value is later
 * handled as a C string it would be cut there. Bad UTF-8 is refused in
 * every column that becomes a JSON string, because jansson would refuse
 * it while building, where only running out of memory is expected.
 */
static int crs_check_bytes(const struct crs_columns *cols,
                           const struct csv_field *fields, char *why,
                           size_t whylen)
{
    const struct csv_field *f;
    int c;

    for (c = 0; c < CRS_COL_COUNT; c++) {
        f = crs_raw(cols, fields, (enum crs_col)c);
        if (!f || f->len == 0)
            continue;
        if (memchr(f->data, '\0', f->len))
            return errbuf_set(CRS_ENUL, why, whylen, "%s contains a NUL byte",
                              crs_names[c]);
        if (crs_becomes_string((enum crs_col)c) &&
            !crs_utf8_ok(f->data, f->len))
            return errbuf_set(CRS_EUTF8, why, whylen, "%s is not valid UTF-8",
                              crs_names[c]);
    }
    return 0;
}

/* Parses an integer column: "null" gives *has = 0; anything else must be
 * an optional minus and decimal digits within CRS_MAX_NUMBER. */
static int crs_int(const struct csv_field *f, enum crs_col col, int *has,
                   long long *val, char *why, size_t whylen)
{
    char text[CRS_NUMBER_CHARS + 1];
    const char *digits;
    char *end;
    long long v;

    *has = 0;
    if (!f || crs_is(f, "null"))
        return 0;
    if (f->len == 0)
        return errbuf_set(CRS_ENUMBER, why, whylen, "%s is empty",
                          crs_names[col]);
    if (f->len > CRS_NUMBER_CHARS)
        goto bad;
    memcpy(text, f->data, f->len);
    text[f->len] = '\0';

    /* strtoll alone would also take leading blanks and a plus sign. */
    digits = text[0] == '-' ? text + 1 : text;
    if (*digits < '0' || *digits > '9')
        goto bad;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno != 0 || end != text + f->len)
        goto bad;
    if (v < -CRS_MAX_NUMBER || v > CRS_MAX_NUMBER)
        goto bad;
    *has = 1;
    *val = v;
    return 0;

bad:
    return errbuf_set(CRS_ENUMBER, why, whylen,
                      "%s is not an integer: \"%.*s\"", crs_names[col],
                      (int)(f->len < CRS_QUOTE_MAX ? f->len : CRS_QUOTE_MAX),
                      f->data);
}

/* Checks everything that can make the row an error, before any building. */
static int crs_check(const struct crs_columns *cols,
                     const struct csv_field *fields, struct crs_numbers *num,
                     char *why, size_t whylen)
{
    const struct csv_field *f;
    int rc;

    if (!crs_get(cols, fields, CRS_COL_CHARACTER))
        return errbuf_set(CRS_ECHARACTER, why, whylen,
                          "Character is empty or null");
    if (!crs_get(cols, fields, CRS_COL_ROLL_ID))
        return errbuf_set(CRS_EVALUE, why, whylen, "RollID is empty or null");
    if (!crs_get(cols, fields, CRS_COL_CAMPAIGN))
        return errbuf_set(CRS_EVALUE, why, whylen, "Campaign is empty or null");

    /* Before the numbers, so a NUL byte in one is named as such. */
    rc = crs_check_bytes(cols, fields, why, whylen);
    if (rc)
        return rc;

    f = crs_raw(cols, fields, CRS_COL_TOTAL);
    rc = crs_int(f, CRS_COL_TOTAL, &num->has_total, &num->total, why, whylen);
    if (rc)
        return rc;
    f = crs_raw(cols, fields, CRS_COL_NATURAL);
    rc = crs_int(f, CRS_COL_NATURAL, &num->has_natural, &num->natural, why,
                 whylen);
    return rc;
}

/* Sets key to a new JSON value; v may be NULL after a failed allocation. */
static int crs_set(json_t *obj, const char *key, json_t *v)
{
    if (!v)
        return CRS_ENOMEM;
    return json_object_set_new(obj, key, v) ? CRS_ENOMEM : 0;
}

/* "critrolestats:" + Campaign + ":" + RollID, both already checked. */
static int crs_set_id(json_t *obj, const struct csv_field *campaign,
                      const struct csv_field *roll_id)
{
    size_t pre = strlen(CRS_ID_PREFIX);
    size_t len = pre + campaign->len + 1 + roll_id->len;
    char *id = malloc(len);
    int rc;

    if (!id)
        return CRS_ENOMEM;
    memcpy(id, CRS_ID_PREFIX, pre);
    memcpy(id + pre, campaign->data, campaign->len);
    id[pre + campaign->len] = ':';
    memcpy(id + pre + campaign->len + 1, roll_id->data, roll_id->len);
    rc = crs_set(obj, "event_id", json_stringn(id, len));
    free(id);
    return rc;
}

/* Fills obj from a row that crs_check() accepted. */
static int crs_fill(json_t *obj, const struct crs_columns *cols,
                    const struct csv_field *fields,
                    const struct crs_numbers *num)
{
    const struct csv_field *f;
    int is_d20, rc;
    size_t i;

    rc = crs_set(obj, "event_type", json_string("dice_roll"));
    for (i = 0; rc == 0 && i < CRS_COUNT(crs_texts); i++) {
        f = crs_get(cols, fields, crs_texts[i].col);
        if (f)
            rc = crs_set(obj, crs_texts[i].key, json_stringn(f->data, f->len));
    }
    if (rc == 0)
        rc = crs_set_id(obj, crs_get(cols, fields, CRS_COL_CAMPAIGN),
                        crs_get(cols, fields, CRS_COL_ROLL_ID));
    if (rc == 0 && num->has_total)
        rc = crs_set(obj, "total", json_integer(num->total));

    /* Discarded advantage dice keep their natural value: they were rolled. */
    f = crs_get(cols, fields, CRS_COL_D20);
    is_d20 = f && crs_is(f, "Yes");
    if (rc == 0 && is_d20)
        rc = crs_set(obj, "dice_type", json_string("d20"));
    if (rc == 0 && is_d20 && num->has_natural && num->natural >= 1 &&
        num->natural <= 20)
        rc = crs_set(obj, "natural", json_integer(num->natural));

    f = crs_get(cols, fields, CRS_COL_CRIT);
    if (rc == 0 && f && crs_is(f, "Yes"))
        rc = crs_set(obj, "crit", json_true());
    f = crs_get(cols, fields, CRS_COL_NOTES);
    if (rc == 0 && f && crs_contains(f, "disregarded"))
        rc = crs_set(obj, "discarded", json_true());
    return rc;
}

int crs_header(struct crs_columns *cols, const struct csv_field *fields,
               size_t nfields, char *why, size_t whylen)
{
    struct csv_field name;
    size_t i;
    int c;

    if (why && whylen > 0)
        why[0] = '\0';
    if (!cols || (!fields && nfields > 0) || nfields > INT_MAX)
        return errbuf_set(CRS_EINVAL, why, whylen, "invalid argument");
    for (c = 0; c < CRS_COL_COUNT; c++)
        cols->col[c] = -1;

    for (i = 0; i < nfields; i++) {
        name = fields[i];
        if (i == 0 && name.len >= 3 &&
            memcmp(name.data, "\xEF\xBB\xBF", 3) == 0) {
            name.data += 3;
            name.len -= 3;
        }
        for (c = 0; c < CRS_COL_COUNT; c++) {
            if (!crs_is(&name, crs_names[c]))
                continue;
            if (cols->col[c] >= 0)
                return errbuf_set(CRS_ECOLUMN, why, whylen,
                                  "column '%s' appears twice", crs_names[c]);
            cols->col[c] = (int)i;
        }
    }

    for (c = 0; c < CRS_COL_COUNT; c++) {
        if (crs_required[c] && cols->col[c] < 0)
            return errbuf_set(CRS_ECOLUMN, why, whylen,
                              "no column named '%s' in the header",
                              crs_names[c]);
    }
    cols->nfields = nfields;
    return 0;
}

int crs_row(const struct crs_columns *cols, const struct csv_field *fields,
            size_t nfields, json_t **out, char *why, size_t whylen)
{
    struct crs_numbers num = {0, 0, 0, 0};
    json_t *obj = NULL;
    int rc;

    if (why && whylen > 0)
        why[0] = '\0';
    if (!out)
        return errbuf_set(CRS_EINVAL, why, whylen, "invalid argument");
    *out = NULL;
    if (!cols || (!fields && nfields > 0))
        return errbuf_set(CRS_EINVAL, why, whylen, "invalid argument");
    if (nfields != cols->nfields)
        return errbuf_set(CRS_EFIELDS, why, whylen,
                          "%zu fields where the header has %zu", nfields,
                          cols->nfields);

    rc = crs_check(cols, fields, &num, why, whylen);
    if (rc)
        return rc;

    obj = json_object();
    if (!obj)
        goto nomem;
    rc = crs_fill(obj, cols, fields, &num);
    if (rc)
        goto nomem;
    *out = obj;
    return 0;

nomem:
    json_decref(obj);
    return errbuf_set(CRS_ENOMEM, why, whylen, "out of memory");
}

const char *crs_strerror(int err)
{
    switch (err) {
    case CRS_OK:
        return "success";
    case CRS_ENOMEM:
        return "out of memory";
    case CRS_EINVAL:
        return "invalid argument";
    case CRS_ECOLUMN:
        return "required column missing or repeated";
    case CRS_EFIELDS:
        return "wrong number of fields";
    case CRS_ECHARACTER:
        return "no character";
    case CRS_ENUMBER:
        return "not an integer";
    case CRS_EVALUE:
        return "required value missing";
    case CRS_EUTF8:
        return "text is not valid UTF-8";
    case CRS_ENUL:
        return "text contains a NUL byte";
    default:
        return "unknown CritRoleStats error";
    }
}
