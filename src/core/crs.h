/* SPDX-License-Identifier: MIT */
/*
 * CritRoleStats "all rolls" rows as dndtrack events: finds the columns by
 * header name, then turns each CSV record into one dice_roll JSON object.
 * Pure: no I/O, no globals. It does not split bytes into records (csv.h).
 */
#ifndef DND_CRS_H
#define DND_CRS_H

#include <jansson.h>
#include <stddef.h>

#include "core/csv.h"

/* Error codes, all negative. */
enum crs_err {
    CRS_OK = 0,
    CRS_ENOMEM = -1,
    CRS_EINVAL = -2,     /* NULL argument */
    CRS_ECOLUMN = -3,    /* header: a required column missing or doubled */
    CRS_EFIELDS = -4,    /* row: field count differs from the header's */
    CRS_ECHARACTER = -5, /* row: Character empty or null */
    CRS_ENUMBER = -6,    /* row: Total Roll or Natural Roll not an integer */
    CRS_EVALUE = -7,     /* row: RollID or Campaign empty or null */
    CRS_EUTF8 = -8,      /* row: a text field that is not valid UTF-8 */
    CRS_ENUL = -9        /* row: a NUL byte inside a field that is read */
};

/* The columns this module reads, in the order of the published header. */
enum crs_col {
    CRS_COL_ROLL_ID,
    CRS_COL_CAMPAIGN,
    CRS_COL_EPISODE,
    CRS_COL_TIME,
    CRS_COL_PLAYER,
    CRS_COL_CHARACTER,
    CRS_COL_TYPE,
    CRS_COL_D20,
    CRS_COL_TOTAL,
    CRS_COL_NATURAL,
    CRS_COL_CRIT,
    CRS_COL_NOTES,
    CRS_COL_COUNT
};

/* Largest magnitude accepted for Total Roll and Natural Roll. */
#define CRS_MAX_NUMBER 1000000000LL

/*
 * Where each column sits in a record: col[i] is the field index of enum
 * crs_col i, or -1 for an optional column the file does not have.
 * nfields is the header's field count, which every row must match.
 */
struct crs_columns {
    int col[CRS_COL_COUNT];
    size_t nfields;
};

/*
 * Reads the header record (fields, nfields) into *cols. Names must match
 * exactly; a UTF-8 byte order mark before the first is ignored, and
 * unknown columns are allowed. RollID, Campaign, Episode, Character, Type
 * of Roll, D20?, Total Roll and Natural Roll are required; Time, Player,
 * Crit? and Notes are optional. Returns 0, or CRS_ECOLUMN with the
 * offending column named in why, or CRS_EINVAL. why is always
 * NUL-terminated when whylen > 0.
 */
int crs_header(struct crs_columns *cols, const struct csv_field *fields,
               size_t nfields, char *why, size_t whylen);

/*
 * Maps one data record to a new JSON object in *out, which the caller
 * releases with json_decref(). Members:
 *   event_type "dice_roll"; player (Character); played_by (Player);
 *   campaign; session (Episode, as a string); event_id
 *   "critrolestats:CAMPAIGN:ROLLID"; context (Type of Roll as written);
 *   total (integer); dice_type "d20" when D20? is Yes; natural when D20?
 *   is Yes and Natural Roll is 1..20; crit true when Crit? is Yes;
 *   discarded true when Notes contains "disregarded" in any case;
 *   notes; episode_time (Time).
 * A field holding "null" or nothing leaves its member out; crit and
 * discarded are left out rather than false. There is no timestamp.
 * A NUL byte in any column above, or bad UTF-8 in one that becomes a
 * string, makes the row an error rather than a shortened or altered value.
 * Returns 0, or a negative enum crs_err with *out NULL and a one-line
 * reason naming the column in why (always NUL-terminated when whylen > 0).
 * CRS_ENOMEM means only that an allocation failed.
 */
int crs_row(const struct crs_columns *cols, const struct csv_field *fields,
            size_t nfields, json_t **out, char *why, size_t whylen);

/* Short English text for an enum crs_err. Never NULL. */
const char *crs_strerror(int err);

#endif
