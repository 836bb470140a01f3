/* SPDX-License-Identifier: MIT */
/*
 * Event decoding and validation: turns the bytes of one Kafka message into
 * a checked struct event, or a reason why not. Pure: no I/O, no globals. It
 * does not keep statistics (stats.h) nor know where bytes came from.
 */
#ifndef DND_EVENT_H
#define DND_EVENT_H

#include <stddef.h>

/* Largest message value accepted, in bytes. Larger ones are dead letters. */
#define EVENT_MAX_BYTES (64 * 1024)

enum event_type {
    EVENT_DICE_ROLL = 0,
    EVENT_ENCOUNTER = 1,
    EVENT_SPELL_CAST = 2,
    EVENT_OTHER = 3
};
#define EVENT_TYPE_COUNT 4

/* Error codes of event_decode(), all negative. */
enum event_err {
    EVENT_OK = 0,
    EVENT_EEMPTY = -1,  /* null or empty value */
    EVENT_ETOOBIG = -2, /* over EVENT_MAX_BYTES */
    EVENT_EJSON = -3,   /* not JSON, cut off, not UTF-8, too deep */
    EVENT_ENOTOBJ = -4, /* JSON but not an object */
    EVENT_EPLAYER = -5, /* player missing, empty or not a string */
    EVENT_ETYPE = -6,   /* event_type missing, empty or not a string */
    EVENT_EFIELD = -7,  /* a known field of the wrong type or range */
    EVENT_ENOMEM = -8
};

/* Bytes of an event's strings kept inside it before it allocates. */
#define EVENT_INLINE_BYTES 256

/*
 * One decoded event. Strings are NUL-terminated copies owned by the event
 * (freed by event_clear()); a NULL string means the field was absent.
 * Integers come with a has_ flag. The copies live in store, or in heap
 * when they do not fit: most events need no allocation at all.
 */
struct event {
    enum event_type type;
    char *type_name; /* event_type as sent, for EVENT_OTHER */
    char *player;
    char *timestamp;
    char *dice_type;
    char *context;
    char *spell_name;
    char *monster_type;
    int has_roll_result;
    long long roll_result;
    int has_total;
    long long total;
    int has_modifier;
    long long modifier;
    int has_natural; /* natural d20 face per the rule in event_natural_d20 */
    int natural;
    int discarded;
    char *heap; /* the strings when they outgrow store; else NULL */
    char store[EVENT_INLINE_BYTES];
};

/*
 * Decodes len bytes at buf (buf may be NULL when len is 0). On success
 * fills *ev, which the caller releases with event_clear(), and returns 0.
 * On failure returns a negative enum event_err, leaves *ev empty, and
 * writes a one-line human reason into why (always NUL-terminated when
 * whylen > 0).
 *
 * A flat object of plain strings, integers, booleans and nulls (what
 * producers send) is read in one pass without building a JSON tree; any
 * other input, the refused ones included, goes through event_decode_full(),
 * so the two always agree.
 */
int event_decode(const void *buf, size_t len, struct event *ev, char *why,
                 size_t whylen);

/*
 * The same contract as event_decode(), always through a full JSON parse
 * (jansson). It is the reference the one-pass reader is tested against.
 */
int event_decode_full(const void *buf, size_t len, struct event *ev, char *why,
                      size_t whylen);

/* Frees the strings of ev and zeroes it. Safe on a zeroed event. */
void event_clear(struct event *ev);

/*
 * The natural d20 face of ev, 1..20, or 0 when it is not a d20 roll: the
 * `natural` field where present, else `roll_result` when dice_type is
 * "d20" and neither modifier nor total is given.
 */
int event_natural_d20(const struct event *ev);

/*
 * Damage this event adds to its player's total: a dice_roll whose context
 * is "damage" (any case) adds its total, else its roll_result; other
 * events add 0.
 */
long long event_damage(const struct event *ev);

/* Name of a type as it appears on the wire and in the API. */
const char *event_type_name(enum event_type type);

/* Short English text for an enum event_err. Never NULL. */
const char *event_strerror(int err);

#endif
