/* SPDX-License-Identifier: MIT */
/*
 * Event decoding. Size and emptiness checks come first. A flat object,
 * the shape every producer sends, is then read in one pass over the bytes
 * (event_scan_*), with no tree and no allocation; anything that pass does
 * not fully understand (nesting, escapes, reals, a wrong type, bad JSON)
 * is handed to jansson (event_decode_full), which gives the verdict and
 * the reason. Both readers check fields against one table, event_keys.
 * Unknown fields are ignored; unknown event types are valid and become
 * EVENT_OTHER.
 */
#include "core/event.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/errbuf.h"

/* Largest magnitude accepted for roll figures: beyond any real table. */
#define EVENT_MAX_NUMBER 1000000000LL

static const char *const event_names[EVENT_TYPE_COUNT] = {
    "dice_roll", "encounter", "spell_cast", "other"};

/* What a known field must hold when present and not null. */
enum event_kind {
    EVENT_K_NAME,    /* a non-empty string, and never absent or null */
    EVENT_K_STRING,  /* a string */
    EVENT_K_INT,     /* an integer within EVENT_MAX_NUMBER */
    EVENT_K_BOOL,    /* true or false */
    EVENT_K_SESSION, /* a string or an integer */
    EVENT_K_NATURAL  /* an integer 1..20 */
};

/* The string fields an event keeps, in struct event's order. */
enum event_text {
    EVENT_T_TYPE,
    EVENT_T_PLAYER,
    EVENT_T_TIMESTAMP,
    EVENT_T_DICE,
    EVENT_T_CONTEXT,
    EVENT_T_SPELL,
    EVENT_T_MONSTER,
    EVENT_T_COUNT,
    EVENT_T_NONE = -1
};

/* The integer fields an event keeps. */
enum event_num {
    EVENT_N_ROLL,
    EVENT_N_TOTAL,
    EVENT_N_MODIFIER,
    EVENT_N_NATURAL,
    EVENT_N_NONE = -1
};

struct event_key {
    const char *name;
    size_t len;
    enum event_kind kind;
    enum event_text text; /* where a kept string goes */
    enum event_num num;   /* where a kept integer goes */
};

#define EVENT_KEY(name, kind, text, num)                                       \
    {                                                                          \
        name, sizeof(name) - 1, kind, text, num                                \
    }

/*
 * Every known field, in the order the full parse checks them (so that of
 * several bad fields the same one is named). event_type and player are
 * checked first, apart.
 */
static const struct event_key event_keys[] = {
    EVENT_KEY("player", EVENT_K_NAME, EVENT_T_PLAYER, EVENT_N_NONE),
    EVENT_KEY("event_type", EVENT_K_NAME, EVENT_T_TYPE, EVENT_N_NONE),
    EVENT_KEY("timestamp", EVENT_K_STRING, EVENT_T_TIMESTAMP, EVENT_N_NONE),
    EVENT_KEY("dice_type", EVENT_K_STRING, EVENT_T_DICE, EVENT_N_NONE),
    EVENT_KEY("context", EVENT_K_STRING, EVENT_T_CONTEXT, EVENT_N_NONE),
    EVENT_KEY("spell_name", EVENT_K_STRING, EVENT_T_SPELL, EVENT_N_NONE),
    EVENT_KEY("target", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("effect", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("monster_type", EVENT_K_STRING, EVENT_T_MONSTER, EVENT_N_NONE),
    EVENT_KEY("location", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("event_id", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("campaign", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("character", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("played_by", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("notation", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("advantage", EVENT_K_STRING, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("roll_result", EVENT_K_INT, EVENT_T_NONE, EVENT_N_ROLL),
    EVENT_KEY("total", EVENT_K_INT, EVENT_T_NONE, EVENT_N_TOTAL),
    EVENT_KEY("modifier", EVENT_K_INT, EVENT_T_NONE, EVENT_N_MODIFIER),
    EVENT_KEY("initiative_order", EVENT_K_INT, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("level", EVENT_K_INT, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("discarded", EVENT_K_BOOL, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("crit", EVENT_K_BOOL, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("session", EVENT_K_SESSION, EVENT_T_NONE, EVENT_N_NONE),
    EVENT_KEY("natural", EVENT_K_NATURAL, EVENT_T_NONE, EVENT_N_NATURAL)};

#define EVENT_NKEYS (sizeof(event_keys) / sizeof(event_keys[0]))

/* The known field named by the len bytes at name, or NULL. */
static const struct event_key *event_key_find(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < EVENT_NKEYS; i++)
        if (event_keys[i].len == len && event_keys[i].name[0] == name[0] &&
            memcmp(event_keys[i].name, name, len) == 0)
            return &event_keys[i];
    return NULL;
}

static char **event_text_slot(struct event *ev, enum event_text i)
{
    switch (i) {
    case EVENT_T_TYPE:
        return &ev->type_name;
    case EVENT_T_PLAYER:
        return &ev->player;
    case EVENT_T_TIMESTAMP:
        return &ev->timestamp;
    case EVENT_T_DICE:
        return &ev->dice_type;
    case EVENT_T_CONTEXT:
        return &ev->context;
    case EVENT_T_SPELL:
        return &ev->spell_name;
    default:
        return &ev->monster_type;
    }
}

/* Sets the integer field num of ev to v. */
static void event_set_num(struct event *ev, enum event_num num, long long v)
{
    switch (num) {
    case EVENT_N_ROLL:
        ev->has_roll_result = 1;
        ev->roll_result = v;
        break;
    case EVENT_N_TOTAL:
        ev->has_total = 1;
        ev->total = v;
        break;
    case EVENT_N_MODIFIER:
        ev->has_modifier = 1;
        ev->modifier = v;
        break;
    case EVENT_N_NATURAL:
        ev->has_natural = 1;
        ev->natural = (int)v;
        break;
    default:
        break;
    }
}

/*
 * Copies the kept strings (src[i] of len[i] bytes, NULL when absent) into
 * the event's own storage. Returns 0 or EVENT_ENOMEM.
 */
static int event_keep(struct event *ev, const char *const src[EVENT_T_COUNT],
                      const size_t len[EVENT_T_COUNT])
{
    size_t need = 0, at = 0;
    char *mem = ev->store;
    int i;

    for (i = 0; i < EVENT_T_COUNT; i++)
        if (src[i])
            need += len[i] + 1;
    if (need > sizeof(ev->store)) {
        ev->heap = malloc(need);
        if (!ev->heap)
            return EVENT_ENOMEM;
        mem = ev->heap;
    }
    for (i = 0; i < EVENT_T_COUNT; i++) {
        if (!src[i])
            continue;
        memcpy(mem + at, src[i], len[i]);
        mem[at + len[i]] = '\0';
        *event_text_slot(ev, (enum event_text)i) = mem + at;
        at += len[i] + 1;
    }
    return 0;
}

static void event_set_type(struct event *ev)
{
    int i;

    ev->type = EVENT_OTHER;
    for (i = 0; i < EVENT_OTHER; i++)
        if (strcmp(ev->type_name, event_names[i]) == 0)
            ev->type = (enum event_type)i;
}

/* ---- the one-pass reader of flat objects ---------------------------- */

/* Members of a flat object the one-pass reader handles; more go to jansson. */
#define EVENT_SCAN_MEMBERS 32
/* Digits of an integer it reads; longer ones go to jansson. */
#define EVENT_SCAN_DIGITS 18

enum event_scan_kind {
    EVENT_V_STRING,
    EVENT_V_INT,
    EVENT_V_TRUE,
    EVENT_V_FALSE,
    EVENT_V_NULL
};

struct event_member {
    const char *key;
    size_t keylen;
    enum event_scan_kind kind;
    const char *str; /* EVENT_V_STRING: the bytes between the quotes */
    size_t len;
    long long num; /* EVENT_V_INT */
};

struct event_scan {
    const unsigned char *p;
    const unsigned char *end;
    struct event_member m[EVENT_SCAN_MEMBERS];
    size_t n;
};

static inline void event_scan_space(struct event_scan *s)
{
    while (s->p < s->end && *s->p <= ' ' &&
           (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/*
 * Length of the UTF-8 sequence at p (before end) when it is one that
 * jansson accepts too: no overlong form, no surrogate, nothing past
 * U+10FFFF; 0 otherwise.
 */
static size_t event_scan_utf8(const unsigned char *p, const unsigned char *end)
{
    size_t n, i;
    unsigned long cp;

    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        cp = p[0] & 0x1Fu;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        cp = p[0] & 0x0Fu;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0u) != 0x80u)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return n;
}

/*
 * What a byte is inside a string: 0 itself, 1 not allowed as it is (a
 * control byte, or a backslash, which starts an escape), 2 the closing
 * quote, 3 the start or rest of a multibyte UTF-8 sequence.
 */
static const unsigned char event_byte_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

/*
 * A string without escapes or control bytes, at the opening quote; its
 * bytes go to *str and *len. Returns 0, or -1 for anything else.
 */
static int event_scan_string(struct event_scan *s, const char **str,
                             size_t *len)
{
    const unsigned char *q;
    size_t n;

    if (s->p >= s->end || *s->p != '"')
        return -1;
    q = s->p + 1;
    for (;;) {
        /* Eight bytes a step while all are plain, then one at a time. */
        while (s->end - q >= 8 &&
               (event_byte_class[q[0]] | event_byte_class[q[1]] |
                event_byte_class[q[2]] | event_byte_class[q[3]] |
                event_byte_class[q[4]] | event_byte_class[q[5]] |
                event_byte_class[q[6]] | event_byte_class[q[7]]) == 0)
            q += 8;
        while (q < s->end && event_byte_class[*q] == 0)
            q++;
        if (q >= s->end || event_byte_class[*q] == 1)
            return -1;
        if (*q == '"')
            break;
        n = event_scan_utf8(q, s->end);
        if (n == 0)
            return -1;
        q += n;
    }
    *str = (const char *)s->p + 1;
    *len = (size_t)(q - s->p - 1);
    s->p = q + 1;
    return 0;
}

/* An integer as JSON writes it, short enough not to overflow; 0 or -1. */
static int event_scan_int(struct event_scan *s, long long *out)
{
    const unsigned char *start;
    long long v = 0;
    int neg = 0;

    if (s->p < s->end && *s->p == '-') {
        neg = 1;
        s->p++;
    }
    start = s->p;
    if (s->p >= s->end || *s->p < '0' || *s->p > '9')
        return -1;
    if (*s->p == '0' && s->p + 1 < s->end && s->p[1] >= '0' && s->p[1] <= '9')
        return -1;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        if (s->p - start == EVENT_SCAN_DIGITS)
            return -1;
        v = v * 10 + (*s->p++ - '0');
    }
    /* A fraction or exponent makes it a real: jansson's to judge. */
    if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static int event_scan_word(struct event_scan *s, const char *word, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return -1;
    s->p += n;
    return 0;
}

static int event_scan_value(struct event_scan *s, struct event_member *m)
{
    if (s->p >= s->end)
        return -1;
    switch (*s->p) {
    case '"':
        m->kind = EVENT_V_STRING;
        return event_scan_string(s, &m->str, &m->len);
    case 't':
        m->kind = EVENT_V_TRUE;
        return event_scan_word(s, "true", 4);
    case 'f':
        m->kind = EVENT_V_FALSE;
        return event_scan_word(s, "false", 5);
    case 'n':
        m->kind = EVENT_V_NULL;
        return event_scan_word(s, "null", 4);
    default:
        m->kind = EVENT_V_INT;
        return event_scan_int(s, &m->num);
    }
}

/* Whether two members of s share a key, which jansson refuses. */
static int event_scan_repeats(const struct event_scan *s)
{
    size_t i, j;

    for (i = 0; i < s->n; i++)
        for (j = i + 1; j < s->n; j++)
            if (s->m[i].keylen == s->m[j].keylen &&
                memcmp(s->m[i].key, s->m[j].key, s->m[i].keylen) == 0)
                return 1;
    return 0;
}

/*
 * Reads a whole input that is one flat object into s->m. Returns 0, or
 * -1 when the input is anything else (which may still be valid JSON).
 */
static int event_scan_object(struct event_scan *s)
{
    struct event_member *m;

    event_scan_space(s);
    if (s->p >= s->end || *s->p++ != '{')
        return -1;
    event_scan_space(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
    } else {
        for (;;) {
            if (s->n == EVENT_SCAN_MEMBERS)
                return -1;
            m = &s->m[s->n++];
            if (event_scan_string(s, &m->key, &m->keylen))
                return -1;
            event_scan_space(s);
            if (s->p >= s->end || *s->p++ != ':')
                return -1;
            event_scan_space(s);
            if (event_scan_value(s, m))
                return -1;
            event_scan_space(s);
            if (s->p < s->end && *s->p == ',') {
                s->p++;
                event_scan_space(s);
                continue;
            }
            if (s->p < s->end && *s->p == '}') {
                s->p++;
                break;
            }
            return -1;
        }
    }
    event_scan_space(s);
    return s->p == s->end && !event_scan_repeats(s) ? 0 : -1;
}

/*
 * Whether member m holds what the full parse accepts for the known field
 * k; a null counts as absent, as there.
 */
static int event_member_ok(const struct event_member *m,
                           const struct event_key *k)
{
    int null = m->kind == EVENT_V_NULL;

    switch (k->kind) {
    case EVENT_K_NAME:
        return m->kind == EVENT_V_STRING && m->len > 0;
    case EVENT_K_STRING:
        return null || m->kind == EVENT_V_STRING;
    case EVENT_K_INT:
        return null || (m->kind == EVENT_V_INT && m->num <= EVENT_MAX_NUMBER &&
                        m->num >= -EVENT_MAX_NUMBER);
    case EVENT_K_BOOL:
        return null || m->kind == EVENT_V_TRUE || m->kind == EVENT_V_FALSE;
    case EVENT_K_SESSION:
        return null || m->kind == EVENT_V_STRING || m->kind == EVENT_V_INT;
    default:
        return null || (m->kind == EVENT_V_INT && m->num >= 1 && m->num <= 20);
    }
}

/*
 * Decodes a flat object in one pass. Returns 0 with *ev filled, 1 when
 * the input needs the full parse, or EVENT_ENOMEM.
 */
static int event_decode_flat(const void *buf, size_t len, struct event *ev)
{
    struct event_scan s;
    const char *text[EVENT_T_COUNT] = {NULL};
    size_t textlen[EVENT_T_COUNT] = {0};
    const struct event_member *m;
    const struct event_key *k;

    s.p = buf;
    s.end = s.p + len;
    s.n = 0;
    if (event_scan_object(&s))
        return 1;
    for (m = s.m; m < s.m + s.n; m++) {
        k = event_key_find(m->key, m->keylen);
        if (!k)
            continue;
        if (!event_member_ok(m, k))
            return 1;
        if (m->kind == EVENT_V_STRING && k->text != EVENT_T_NONE) {
            text[k->text] = m->str;
            textlen[k->text] = m->len;
        }
        if (m->kind == EVENT_V_INT)
            event_set_num(ev, k->num, m->num);
        if (m->kind == EVENT_V_TRUE && strcmp(k->name, "discarded") == 0)
            ev->discarded = 1;
    }
    /* No player or no type: the full parse says which. */
    if (!text[EVENT_T_PLAYER] || !text[EVENT_T_TYPE])
        return 1;
    if (event_keep(ev, text, textlen))
        return EVENT_ENOMEM;
    event_set_type(ev);
    return 0;
}

/* ---- the full parse ------------------------------------------------- */

/* Returns the member or NULL when absent or JSON null. */
static json_t *event_get(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_null(v) ? NULL : v;
}

/* Checks the known field k of obj; 0 or EVENT_EFIELD with a reason. */
static int event_check_field(json_t *obj, const struct event_key *k, char *why,
                             size_t whylen)
{
    json_t *v = event_get(obj, k->name);
    json_int_t n = json_integer_value(v);
    const char *want = NULL;

    if (!v)
        return 0;
    switch (k->kind) {
    case EVENT_K_STRING:
        want = json_is_string(v) ? NULL : "a string";
        break;
    case EVENT_K_INT:
        want = json_is_integer(v) ? NULL : "an integer";
        if (!want && (n > EVENT_MAX_NUMBER || n < -EVENT_MAX_NUMBER))
            return errbuf_set(EVENT_EFIELD, why, whylen,
                              "field '%s' is out of range", k->name);
        break;
    case EVENT_K_BOOL:
        want = json_is_boolean(v) ? NULL : "a boolean";
        break;
    case EVENT_K_SESSION:
        want = json_is_string(v) || json_is_integer(v) ? NULL
                                                       : "a string or integer";
        break;
    case EVENT_K_NATURAL:
        want =
            json_is_integer(v) && n >= 1 && n <= 20 ? NULL : "an integer 1..20";
        break;
    default:
        break; /* names are checked apart, by event_check_text() */
    }
    return want ? errbuf_set(EVENT_EFIELD, why, whylen, "field '%s' is not %s",
                             k->name, want)
                : 0;
}

static int event_check_types(json_t *obj, char *why, size_t whylen)
{
    size_t i;
    int rc;

    for (i = 0; i < EVENT_NKEYS; i++) {
        rc = event_check_field(obj, &event_keys[i], why, whylen);
        if (rc)
            return rc;
    }
    return 0;
}

static int event_fill(json_t *obj, struct event *ev)
{
    const char *text[EVENT_T_COUNT] = {NULL};
    size_t textlen[EVENT_T_COUNT] = {0};
    const struct event_key *k;
    json_t *v;

    for (k = event_keys; k < event_keys + EVENT_NKEYS; k++) {
        v = event_get(obj, k->name);
        if (!v)
            continue;
        /* A string with an escaped NUL is kept up to it, as C sees it. */
        if (k->text != EVENT_T_NONE) {
            text[k->text] = json_string_value(v);
            textlen[k->text] = strlen(text[k->text]);
        }
        if (json_is_integer(v))
            event_set_num(ev, k->num, (long long)json_integer_value(v));
    }
    if (event_keep(ev, text, textlen))
        return EVENT_ENOMEM;
    event_set_type(ev);
    ev->discarded = json_is_true(json_object_get(obj, "discarded"));
    return 0;
}

static int event_check_text(json_t *obj, const char *key, int err, char *why,
                            size_t whylen)
{
    json_t *v = json_object_get(obj, key);

    if (!v)
        return errbuf_set(err, why, whylen, "no '%s' field", key);
    if (!json_is_string(v))
        return errbuf_set(err, why, whylen, "'%s' is not a string", key);
    if (json_string_length(v) == 0)
        return errbuf_set(err, why, whylen, "'%s' is empty", key);
    return 0;
}

/* Empties ev but for the bytes of its inline store, which hold nothing. */
static void event_zero(struct event *ev)
{
    memset(ev, 0, offsetof(struct event, store));
}

/* The checks both readers share; 0 when buf may be decoded. */
static int event_precheck(const void *buf, size_t len, struct event *ev,
                          char *why, size_t whylen)
{
    event_zero(ev);
    if (whylen)
        why[0] = '\0';
    if (buf == NULL || len == 0)
        return errbuf_set(EVENT_EEMPTY, why, whylen, "empty or null value");
    if (len > EVENT_MAX_BYTES)
        return errbuf_set(EVENT_ETOOBIG, why, whylen,
                          "value of %zu bytes is over the %d byte limit", len,
                          EVENT_MAX_BYTES);
    return 0;
}

int event_decode_full(const void *buf, size_t len, struct event *ev, char *why,
                      size_t whylen)
{
    json_error_t jerr;
    json_t *root;
    int rc = event_precheck(buf, len, ev, why, whylen);

    if (rc)
        return rc;
    /* A repeated key would let two readers see two different events. */
    root =
        json_loadb(buf, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return errbuf_set(EVENT_EJSON, why, whylen,
                          "not valid JSON: %s at byte %d", jerr.text,
                          jerr.position);
    if (!json_is_object(root)) {
        rc = errbuf_set(EVENT_ENOTOBJ, why, whylen,
                        "JSON value is not an object");
        goto out;
    }

    rc = event_check_text(root, "player", EVENT_EPLAYER, why, whylen);
    if (rc)
        goto out;
    rc = event_check_text(root, "event_type", EVENT_ETYPE, why, whylen);
    if (rc)
        goto out;
    rc = event_check_types(root, why, whylen);
    if (rc)
        goto out;
    rc = event_fill(root, ev);
    if (rc) {
        event_clear(ev);
        errbuf_set(rc, why, whylen, "out of memory");
    }
out:
    json_decref(root);
    return rc;
}

int event_decode(const void *buf, size_t len, struct event *ev, char *why,
                 size_t whylen)
{
    int rc = event_precheck(buf, len, ev, why, whylen);

    if (rc)
        return rc;
    rc = event_decode_flat(buf, len, ev);
    if (rc == EVENT_ENOMEM)
        return errbuf_set(rc, why, whylen, "out of memory");
    if (rc == 0)
        return 0;
    return event_decode_full(buf, len, ev, why, whylen);
}

void event_clear(struct event *ev)
{
    free(ev->heap);
    event_zero(ev);
}

int event_natural_d20(const struct event *ev)
{
    if (ev->has_natural)
        return ev->natural;
    if (ev->type != EVENT_DICE_ROLL || !ev->has_roll_result)
        return 0;
    if (!ev->dice_type || strcmp(ev->dice_type, "d20") != 0)
        return 0;
    if (ev->has_modifier || ev->has_total)
        return 0;
    if (ev->roll_result < 1 || ev->roll_result > 20)
        return 0;
    return (int)ev->roll_result;
}

long long event_damage(const struct event *ev)
{
    if (ev->type != EVENT_DICE_ROLL || !ev->context)
        return 0;
    if (strcasecmp(ev->context, "damage") != 0)
        return 0;
    if (ev->has_total)
        return ev->total;
    return ev->has_roll_result ? ev->roll_result : 0;
}

const char *event_type_name(enum event_type type)
{
    if ((int)type < 0 || type >= EVENT_TYPE_COUNT)
        return "other";
    return event_names[type];
}

const char *event_strerror(int err)
{
    switch (err) {
    case EVENT_OK:
        return "success";
    case EVENT_EEMPTY:
        return "empty or null value";
    case EVENT_ETOOBIG:
        return "value too large";
    case EVENT_EJSON:
        return "not valid JSON";
    case EVENT_ENOTOBJ:
        return "not a JSON object";
    case EVENT_EPLAYER:
        return "no valid player";
    case EVENT_ETYPE:
        return "no valid event_type";
    case EVENT_EFIELD:
        return "a field has the wrong type or range";
    case EVENT_ENOMEM:
        return "out of memory";
    default:
        return "unknown error";
    }
}
