/* SPDX-License-Identifier: MIT */
/*
 * Statistics table: an open-addressing hash of player names (FNV-1a,
 * linear probing, grown at 70% load) holding one struct stats_player each,
 * and the list of players changed since the last checkpoint. Rendering
 * lives in stats_json.c and stats_metrics.c, checkpoints in stats_state.c.
 *
 * A player's recent feed is one buffer of packed entries, oldest first,
 * each: the seq as a little-endian base-128 number (7 bits a byte, high
 * bit set on all but the last byte), one byte of enum event_type, the
 * timestamp (packed when it has the usual form, else NUL-terminated),
 * and the NUL-terminated text. The buffer grows to what it holds, so a
 * player with one event pays for one entry, not for STATS_RECENT of the
 * longest size.
 */
#include "core/stats.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATS_MIN_SLOTS 64
#define STATS_OTHER_NAME "(other)"
/* Timestamps of this form ('d' a digit) are packed: a mark byte, which
 * UTF-8 text never holds, then the 14 digits two to a byte. */
#define STATS_STAMP_FORM "dddd-dd-ddTdd:dd:ddZ"
#define STATS_STAMP_MARK 0xFF
#define STATS_STAMP_PACKED_BYTES 8

struct stats_table {
    struct stats_player **slots;
    size_t nslots; /* a power of two */
    size_t count;
    struct stats_player **changed; /* players changed since the last save */
    size_t nchanged;
    size_t changed_cap;
    char **names;       /* spell and monster names, shared by the players */
    size_t names_slots; /* 0, or a power of two */
    size_t nnames;
};

static uint64_t stats_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

struct stats_table *stats_new(void)
{
    struct stats_table *t = calloc(1, sizeof(*t));

    if (!t)
        return NULL;
    t->slots = calloc(STATS_MIN_SLOTS, sizeof(*t->slots));
    if (!t->slots) {
        free(t);
        return NULL;
    }
    t->nslots = STATS_MIN_SLOTS;
    return t;
}

void stats_player_free(struct stats_player *p)
{
    if (!p)
        return;
    free(p->spells);
    free(p->encounters);
    free(p->recent);
    free(p);
}

void stats_reset(struct stats_table *t)
{
    size_t i;

    for (i = 0; i < t->nslots; i++) {
        stats_player_free(t->slots[i]);
        t->slots[i] = NULL;
    }
    for (i = 0; i < t->names_slots; i++) {
        free(t->names[i]);
        t->names[i] = NULL;
    }
    t->count = 0;
    t->nchanged = 0;
    t->nnames = 0;
}

void stats_free(struct stats_table *t)
{
    if (!t)
        return;
    stats_reset(t);
    free(t->slots);
    free(t->changed);
    free(t->names);
    free(t);
}

size_t stats_count(const struct stats_table *t)
{
    return t->count;
}

/* Index of name's slot: where it is, or the empty slot where it belongs. */
static size_t stats_slot(struct stats_player **slots, size_t nslots,
                         const char *name)
{
    size_t i = (size_t)stats_hash(name) & (nslots - 1);

    while (slots[i] && strcmp(slots[i]->name, name) != 0)
        i = (i + 1) & (nslots - 1);
    return i;
}

const struct stats_player *stats_find(const struct stats_table *t,
                                      const char *name)
{
    return t->slots[stats_slot(t->slots, t->nslots, name)];
}

static int stats_grow(struct stats_table *t)
{
    size_t n = t->nslots * 2;
    struct stats_player **slots = calloc(n, sizeof(*slots));
    size_t i;

    if (!slots)
        return STATS_ENOMEM;
    for (i = 0; i < t->nslots; i++)
        if (t->slots[i])
            slots[stats_slot(slots, n, t->slots[i]->name)] = t->slots[i];
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return 0;
}

/* A new player named name with zero figures, in no table. */
static struct stats_player *stats_player_new(const char *name)
{
    size_t n = strlen(name) + 1;
    struct stats_player *p = calloc(1, sizeof(*p) + n);

    if (p)
        memcpy(p->name, name, n);
    return p;
}

/* The player named name, created empty if new; NULL when out of memory. */
static struct stats_player *stats_get(struct stats_table *t, const char *name)
{
    struct stats_player *p;
    size_t i;

    if ((t->count + 1) * 10 > t->nslots * 7 && stats_grow(t) != 0)
        return NULL;
    i = stats_slot(t->slots, t->nslots, name);
    if (t->slots[i])
        return t->slots[i];

    p = stats_player_new(name);
    if (!p)
        return NULL;
    t->slots[i] = p;
    t->count++;
    return p;
}

struct stats_player *stats_add_player(struct stats_table *t, const char *name)
{
    return stats_get(t, name);
}

/* Makes room on the changed list for one more player. */
static int stats_changed_reserve(struct stats_table *t)
{
    struct stats_player **grown;
    size_t n;

    if (t->nchanged < t->changed_cap)
        return 0;
    n = t->changed_cap ? 2 * t->changed_cap : 64;
    grown = realloc(t->changed, n * sizeof(*grown));
    if (!grown)
        return STATS_ENOMEM;
    t->changed = grown;
    t->changed_cap = n;
    return 0;
}

/* Puts p on the changed list, for which stats_changed_reserve() made room. */
static void stats_changed_mark(struct stats_table *t, struct stats_player *p)
{
    if (p->changed)
        return;
    p->changed = 1;
    t->changed[t->nchanged++] = p;
}

int stats_each_changed(const struct stats_table *t,
                       int (*fn)(const struct stats_player *p, void *arg),
                       void *arg)
{
    size_t i;
    int rc;

    for (i = 0; i < t->nchanged; i++) {
        rc = fn(t->changed[i], arg);
        if (rc)
            return rc;
    }
    return 0;
}

void stats_mark_saved(struct stats_table *t)
{
    size_t i;

    for (i = 0; i < t->nchanged; i++)
        t->changed[i]->changed = 0;
    t->nchanged = 0;
}

/* Index of name's slot in the name pool, found or empty. */
static size_t stats_name_slot(char **names, size_t nslots, const char *name)
{
    size_t i = (size_t)stats_hash(name) & (nslots - 1);

    while (names[i] && strcmp(names[i], name) != 0)
        i = (i + 1) & (nslots - 1);
    return i;
}

static int stats_names_grow(struct stats_table *t)
{
    size_t n = t->names_slots ? 2 * t->names_slots : 64, i;
    char **names = calloc(n, sizeof(*names));

    if (!names)
        return STATS_ENOMEM;
    for (i = 0; i < t->names_slots; i++)
        if (t->names[i])
            names[stats_name_slot(names, n, t->names[i])] = t->names[i];
    free(t->names);
    t->names = names;
    t->names_slots = n;
    return 0;
}

const char *stats_intern(struct stats_table *t, const char *name)
{
    size_t i;

    if ((t->nnames + 1) * 10 > t->names_slots * 7 && stats_names_grow(t))
        return NULL;
    i = stats_name_slot(t->names, t->names_slots, name);
    if (!t->names[i]) {
        t->names[i] = strdup(name);
        if (!t->names[i])
            return NULL;
        t->nnames++;
    }
    return t->names[i];
}

/*
 * Adds n to the count named name in the list *list of *len entries. Past
 * STATS_MAX_NAMES distinct names, new names count under "(other)". A new
 * name is t's copy, or with t NULL name itself, which must then outlive
 * the list.
 */
static int stats_count_add(struct stats_table *t, struct stats_count **list,
                           unsigned char *len, const char *name,
                           unsigned long long n)
{
    struct stats_count *grown;
    const char *kept;
    size_t i;

    for (i = 0; i < *len; i++) {
        if (strcmp((*list)[i].name, name) == 0) {
            (*list)[i].n += n;
            return 0;
        }
    }
    if (*len >= STATS_MAX_NAMES - 1 && strcmp(name, STATS_OTHER_NAME) != 0)
        return stats_count_add(t, list, len, STATS_OTHER_NAME, n);

    kept = t ? stats_intern(t, name) : name;
    if (!kept)
        return STATS_ENOMEM;
    grown = realloc(*list, (*len + 1) * sizeof(**list));
    if (!grown)
        return STATS_ENOMEM;
    *list = grown;
    grown[*len].name = kept;
    grown[*len].n = n;
    (*len)++;
    return 0;
}

/* Copies at most size - 1 bytes of src, never cutting a UTF-8 sequence. */
static void stats_copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);

    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/*
 * Whether stamp has the form of STATS_STAMP_FORM, 'd' standing for an
 * ASCII digit: most timestamps do, and their 14 digits pack into 7 bytes.
 */
static int stats_stamp_packs(const char *stamp)
{
    size_t i;

    for (i = 0; STATS_STAMP_FORM[i]; i++) {
        if (STATS_STAMP_FORM[i] == 'd' ? stamp[i] < '0' || stamp[i] > '9'
                                       : stamp[i] != STATS_STAMP_FORM[i])
            return 0;
    }
    return stamp[i] == '\0';
}

/* Bytes the timestamp takes in a packed entry. */
static size_t stats_stamp_size(const char *stamp)
{
    return stats_stamp_packs(stamp) ? STATS_STAMP_PACKED_BYTES
                                    : strlen(stamp) + 1;
}

/* Packs stamp at out; returns the bytes written. */
static size_t stats_stamp_write(unsigned char *out, const char *stamp)
{
    size_t i, k = 0;

    if (!stats_stamp_packs(stamp)) {
        memcpy(out, stamp, strlen(stamp) + 1);
        return strlen(stamp) + 1;
    }
    memset(out, 0, STATS_STAMP_PACKED_BYTES);
    out[0] = STATS_STAMP_MARK;
    for (i = 0; STATS_STAMP_FORM[i]; i++) {
        if (STATS_STAMP_FORM[i] != 'd')
            continue;
        /* The first digit of a byte goes in its high half. */
        out[1 + k / 2] |= (unsigned char)((stamp[i] - '0') << (k % 2 ? 0 : 4));
        k++;
    }
    return STATS_STAMP_PACKED_BYTES;
}

/* Unpacks the timestamp at e into stamp; returns the bytes read. */
static size_t stats_stamp_read(const unsigned char *e,
                               char stamp[STATS_STAMP_BYTES])
{
    size_t i, k = 0, n;

    if (e[0] != STATS_STAMP_MARK) {
        n = strlen((const char *)e) + 1;
        memcpy(stamp, e, n);
        return n;
    }
    for (i = 0; STATS_STAMP_FORM[i]; i++) {
        if (STATS_STAMP_FORM[i] != 'd') {
            stamp[i] = STATS_STAMP_FORM[i];
            continue;
        }
        stamp[i] = (char)('0' + ((e[1 + k / 2] >> (k % 2 ? 0 : 4)) & 0xF));
        k++;
    }
    stamp[i] = '\0';
    return STATS_STAMP_PACKED_BYTES;
}

/* Bytes of the packed entry at e. */
static size_t stats_entry_len(const unsigned char *e)
{
    size_t n = 0;

    while (e[n] & 0x80)
        n++;
    n += 2; /* the last byte of the seq, and the type */
    n += e[n] == STATS_STAMP_MARK ? STATS_STAMP_PACKED_BYTES
                                  : strlen((const char *)e + n) + 1;
    n += strlen((const char *)e + n) + 1;
    return n;
}

/* Reads the packed entry at e into r; returns its length in bytes. */
static size_t stats_entry_read(const unsigned char *e, struct stats_recent *r)
{
    unsigned long long seq = 0;
    unsigned shift = 0;
    size_t n = 0;

    do {
        seq |= (unsigned long long)(e[n] & 0x7F) << shift;
        shift += 7;
    } while (e[n++] & 0x80);
    r->seq = seq;
    r->type = (enum event_type)e[n++];
    n += stats_stamp_read(e + n, r->timestamp);
    r->text = (const char *)e + n;
    return n + strlen(r->text) + 1;
}

/* Packs the entry r at out, which has room; returns its length. */
static size_t stats_entry_write(unsigned char *out,
                                const struct stats_recent *r)
{
    unsigned long long seq = r->seq;
    size_t n = 0, len;

    while (seq >= 0x80) {
        out[n++] = (unsigned char)(seq | 0x80);
        seq >>= 7;
    }
    out[n++] = (unsigned char)seq;
    out[n++] = (unsigned char)r->type;
    n += stats_stamp_write(out + n, r->timestamp);
    len = strlen(r->text) + 1;
    memcpy(out + n, r->text, len);
    return n + len;
}

/* Bytes stats_entry_write() takes for r. */
static size_t stats_entry_size(const struct stats_recent *r)
{
    unsigned long long seq = r->seq;
    size_t n = 1;

    while (seq >= 0x80) {
        seq >>= 7;
        n++;
    }
    return n + 1 + stats_stamp_size(r->timestamp) + strlen(r->text) + 1;
}

unsigned stats_recent_list(const struct stats_player *p,
                           struct stats_recent out[STATS_RECENT])
{
    size_t at = 0;
    unsigned i;

    for (i = 0; i < p->nrecent && i < STATS_RECENT; i++)
        at += stats_entry_read(p->recent + at, &out[i]);
    return i;
}

/* Bytes the oldest entry of p frees when one more entry comes. */
static size_t stats_recent_evicted(const struct stats_player *p)
{
    return p->nrecent >= STATS_RECENT ? stats_entry_len(p->recent) : 0;
}

/*
 * Makes room in p's feed for one more entry of n bytes, the oldest being
 * dropped past STATS_RECENT. The buffer grows to the size needed, not
 * beyond: players are many, and most stop short of a full feed. Returns 0
 * or STATS_ENOMEM.
 */
static int stats_recent_room(struct stats_player *p, size_t n)
{
    size_t size = p->recent_len - stats_recent_evicted(p) + n;
    unsigned char *grown;

    if (size <= p->recent_cap)
        return 0;
    grown = realloc(p->recent, size);
    if (!grown)
        return STATS_ENOMEM;
    p->recent = grown;
    p->recent_cap = (unsigned short)size;
    return 0;
}

/* Bytes a packed entry takes at most: a 64-bit seq, the type, texts. */
#define STATS_ENTRY_MAX (10 + 1 + STATS_STAMP_BYTES + STATS_TEXT_BYTES)

/*
 * Appends the packed entry e of n bytes to p's feed, for which
 * stats_recent_room() made room, dropping the oldest past STATS_RECENT.
 */
static void stats_recent_append(struct stats_player *p, const unsigned char *e,
                                size_t n)
{
    size_t drop = stats_recent_evicted(p);

    if (drop) {
        memmove(p->recent, p->recent + drop, p->recent_len - drop);
        p->recent_len = (unsigned short)(p->recent_len - drop);
        p->nrecent--;
    }
    memcpy(p->recent + p->recent_len, e, n);
    p->recent_len = (unsigned short)(p->recent_len + n);
    p->nrecent++;
}

int stats_remember(struct stats_player *p, unsigned long long seq,
                   enum event_type type, const char *timestamp,
                   const char *text)
{
    unsigned char entry[STATS_ENTRY_MAX];
    char clipped[STATS_TEXT_BYTES];
    struct stats_recent r;
    size_t n;

    r.seq = seq;
    r.type = type;
    stats_copy_text(r.timestamp, sizeof(r.timestamp), timestamp);
    stats_copy_text(clipped, sizeof(clipped), text);
    r.text = clipped;
    n = stats_entry_write(entry, &r);
    if (stats_recent_room(p, n))
        return STATS_ENOMEM;
    stats_recent_append(p, entry, n);
    return 0;
}

/* Appends src to the len bytes of text in buf (size bytes), as it fits. */
static void stats_cat(char *buf, size_t size, size_t *len, const char *src)
{
    size_t n = strlen(src);

    if (n > size - 1 - *len)
        n = size - 1 - *len;
    memcpy(buf + *len, src, n);
    *len += n;
    buf[*len] = '\0';
}

/* Appends v in decimal; as stats_cat(). */
static void stats_cat_int(char *buf, size_t size, size_t *len, long long v)
{
    char digits[24];
    char *d = digits + sizeof(digits) - 1;
    unsigned long long u =
        v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    *d = '\0';
    do {
        *--d = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--d = '-';
    stats_cat(buf, size, len, d);
}

/*
 * One line about ev for the recent feed, such as "d20 natural 20
 * (attack_roll)" or "casts Fireball". Names are clipped on character
 * boundaries before they are put in, and the line after, so it stays
 * valid UTF-8. Written by hand: this runs for every event.
 */
static void stats_describe(const struct event *ev, char *out, size_t size)
{
    char text[STATS_TEXT_BYTES * 2];
    char name[STATS_TEXT_BYTES];
    char dice[16];
    size_t len = 0;
    int d20 = event_natural_d20(ev);

    text[0] = '\0';
    stats_copy_text(dice, sizeof(dice), ev->dice_type ? ev->dice_type : "roll");
    switch (ev->type) {
    case EVENT_DICE_ROLL:
        if (d20) {
            stats_cat(text, sizeof(text), &len, "d20 natural ");
            stats_cat_int(text, sizeof(text), &len, d20);
        } else if (ev->has_total || ev->has_roll_result) {
            stats_cat(text, sizeof(text), &len, dice);
            stats_cat(text, sizeof(text), &len,
                      ev->has_total ? " total " : " ");
            stats_cat_int(text, sizeof(text), &len,
                          ev->has_total ? ev->total : ev->roll_result);
        } else {
            stats_cat(text, sizeof(text), &len, "roll");
        }
        if (ev->context) {
            stats_copy_text(name, sizeof(name), ev->context);
            stats_cat(text, sizeof(text), &len, " (");
            stats_cat(text, sizeof(text), &len, name);
            stats_cat(text, sizeof(text), &len, ")");
        }
        break;
    case EVENT_SPELL_CAST:
        stats_copy_text(name, sizeof(name),
                        ev->spell_name ? ev->spell_name : "a spell");
        stats_cat(text, sizeof(text), &len, "casts ");
        stats_cat(text, sizeof(text), &len, name);
        break;
    case EVENT_ENCOUNTER:
        stats_copy_text(name, sizeof(name),
                        ev->monster_type ? ev->monster_type : "something");
        stats_cat(text, sizeof(text), &len, "meets ");
        stats_cat(text, sizeof(text), &len, name);
        break;
    default:
        stats_copy_text(name, sizeof(name), ev->type_name);
        stats_cat(text, sizeof(text), &len, name);
        break;
    }
    stats_copy_text(out, size, text);
}

/*
 * Every allocation comes first, the figures change after: out of memory
 * leaves them as they were (a new player may stay, with zero figures).
 */
int stats_apply(struct stats_table *t, const struct event *ev,
                unsigned long long seq)
{
    struct stats_player *p = stats_get(t, ev->player);
    unsigned char entry[STATS_ENTRY_MAX];
    char text[STATS_TEXT_BYTES];
    struct stats_recent r;
    int d20 = event_natural_d20(ev);
    size_t n;

    if (!p || stats_changed_reserve(t))
        return STATS_ENOMEM;
    r.seq = seq;
    r.type = ev->type;
    stats_copy_text(r.timestamp, sizeof(r.timestamp),
                    ev->timestamp ? ev->timestamp : "");
    stats_describe(ev, text, sizeof(text));
    r.text = text;
    n = stats_entry_write(entry, &r);
    if (stats_recent_room(p, n))
        return STATS_ENOMEM;
    if (ev->type == EVENT_SPELL_CAST &&
        stats_count_add(t, &p->spells, &p->nspells,
                        ev->spell_name ? ev->spell_name : "(unnamed)", 1))
        return STATS_ENOMEM;
    if (ev->type == EVENT_ENCOUNTER &&
        stats_count_add(t, &p->encounters, &p->nencounters,
                        ev->monster_type ? ev->monster_type : "(unnamed)", 1))
        return STATS_ENOMEM;

    p->events[ev->type]++;
    if (d20)
        p->d20[d20 - 1]++;
    p->damage_total += event_damage(ev);
    stats_recent_append(p, entry, n);
    stats_changed_mark(t, p);
    return 0;
}

/* Merges src's recent feed into dst's, keeping the newest by seq. */
static int stats_merge_recent(struct stats_player *dst,
                              const struct stats_player *src)
{
    struct stats_recent x[STATS_RECENT], y[STATS_RECENT], all[STATS_RECENT];
    unsigned nx = stats_recent_list(dst, x), ny = stats_recent_list(src, y);
    unsigned a = nx, b = ny, n = 0, i;
    size_t size = 0, at = 0;
    unsigned char *merged;

    /* Newest first from the ends of both lists, which are oldest first. */
    while (n < STATS_RECENT && (a > 0 || b > 0)) {
        if (a > 0 && (b == 0 || x[a - 1].seq >= y[b - 1].seq))
            all[n++] = x[--a];
        else
            all[n++] = y[--b];
    }
    for (i = 0; i < n; i++)
        size += stats_entry_size(&all[i]);
    merged = malloc(size ? size : 1);
    if (!merged)
        return STATS_ENOMEM;
    for (i = n; i > 0; i--)
        at += stats_entry_write(merged + at, &all[i - 1]);
    free(dst->recent);
    dst->recent = merged;
    dst->recent_len = (unsigned short)size;
    dst->recent_cap = (unsigned short)size;
    dst->nrecent = (unsigned char)n;
    return 0;
}

/* Adds src's figures into dst, whose new names are t's (see
 * stats_count_add()). */
static int stats_merge_player(struct stats_table *t, struct stats_player *dst,
                              const struct stats_player *src)
{
    size_t i;

    for (i = 0; i < src->nspells; i++)
        if (stats_count_add(t, &dst->spells, &dst->nspells, src->spells[i].name,
                            src->spells[i].n))
            return STATS_ENOMEM;
    for (i = 0; i < src->nencounters; i++)
        if (stats_count_add(t, &dst->encounters, &dst->nencounters,
                            src->encounters[i].name, src->encounters[i].n))
            return STATS_ENOMEM;
    if (stats_merge_recent(dst, src))
        return STATS_ENOMEM;
    for (i = 0; i < EVENT_TYPE_COUNT; i++)
        dst->events[i] += src->events[i];
    for (i = 0; i < 20; i++)
        dst->d20[i] += src->d20[i];
    dst->damage_total += src->damage_total;
    return 0;
}

int stats_merge(struct stats_table *dst, const struct stats_table *src)
{
    struct stats_player *p;
    size_t i;

    for (i = 0; i < src->nslots; i++) {
        if (!src->slots[i])
            continue;
        p = stats_get(dst, src->slots[i]->name);
        if (!p || stats_changed_reserve(dst) ||
            stats_merge_player(dst, p, src->slots[i]))
            return STATS_ENOMEM;
        stats_changed_mark(dst, p);
    }
    return 0;
}

struct stats_player *stats_player_sum(const struct stats_player *const *ps,
                                      size_t n)
{
    struct stats_player *p = stats_player_new(ps[0]->name);
    size_t i;

    /* The names stay those of ps's tables, which outlive the sum. */
    for (i = 0; p && i < n; i++) {
        if (stats_merge_player(NULL, p, ps[i])) {
            stats_player_free(p);
            return NULL;
        }
    }
    return p;
}

void stats_each(const struct stats_table *t,
                void (*fn)(const struct stats_player *p, void *arg), void *arg)
{
    size_t i;

    for (i = 0; i < t->nslots; i++)
        if (t->slots[i])
            fn(t->slots[i], arg);
}
