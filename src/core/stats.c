/* SPDX-License-Identifier: MIT */
/*
 * Statistics table: an open-addressing hash of player names (FNV-1a,
 * linear probing, grown at 70% load) holding one struct stats_player each,
 * plus the JSON rendering of the whole table for the API.
 */
#include "core/stats.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATS_MIN_SLOTS 64
#define STATS_OTHER_NAME "(other)"

struct stats_table {
    struct stats_player **slots;
    size_t nslots; /* a power of two */
    size_t count;
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

static void stats_counts_free(struct stats_count *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(c[i].name);
    free(c);
}

static void stats_player_free(struct stats_player *p)
{
    if (!p)
        return;
    free(p->name);
    stats_counts_free(p->spells, p->nspells);
    stats_counts_free(p->encounters, p->nencounters);
    free(p);
}

void stats_reset(struct stats_table *t)
{
    size_t i;

    for (i = 0; i < t->nslots; i++) {
        stats_player_free(t->slots[i]);
        t->slots[i] = NULL;
    }
    t->count = 0;
}

void stats_free(struct stats_table *t)
{
    if (!t)
        return;
    stats_reset(t);
    free(t->slots);
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

    p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->name = strdup(name);
    if (!p->name) {
        free(p);
        return NULL;
    }
    t->slots[i] = p;
    t->count++;
    return p;
}

struct stats_player *stats_add_player(struct stats_table *t, const char *name)
{
    return stats_get(t, name);
}

/*
 * Adds n to the count named name in the list *list of *len entries. Past
 * STATS_MAX_NAMES distinct names, new names count under "(other)".
 */
static int stats_count_add(struct stats_count **list, size_t *len,
                           const char *name, unsigned long long n)
{
    struct stats_count *grown;
    size_t i;

    for (i = 0; i < *len; i++) {
        if (strcmp((*list)[i].name, name) == 0) {
            (*list)[i].n += n;
            return 0;
        }
    }
    if (*len >= STATS_MAX_NAMES - 1 && strcmp(name, STATS_OTHER_NAME) != 0)
        return stats_count_add(list, len, STATS_OTHER_NAME, n);

    grown = realloc(*list, (*len + 1) * sizeof(**list));
    if (!grown)
        return STATS_ENOMEM;
    *list = grown;
    grown[*len].name = strdup(name);
    if (!grown[*len].name)
        return STATS_ENOMEM;
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
 * One line about ev for the recent feed. Names are clipped on character
 * boundaries before formatting, so the text stays valid UTF-8.
 */
static void stats_describe(const struct event *ev, char *out, size_t size)
{
    char text[STATS_TEXT_BYTES * 2];
    char name[STATS_TEXT_BYTES];
    char dice[16];
    int d20 = event_natural_d20(ev);

    stats_copy_text(dice, sizeof(dice), ev->dice_type ? ev->dice_type : "roll");
    switch (ev->type) {
    case EVENT_DICE_ROLL:
        if (d20)
            snprintf(text, sizeof(text), "d20 natural %d", d20);
        else if (ev->has_total)
            snprintf(text, sizeof(text), "%s total %lld", dice, ev->total);
        else if (ev->has_roll_result)
            snprintf(text, sizeof(text), "%s %lld", dice, ev->roll_result);
        else
            snprintf(text, sizeof(text), "roll");
        if (ev->context) {
            size_t used = strlen(text);
            stats_copy_text(name, sizeof(name), ev->context);
            snprintf(text + used, sizeof(text) - used, " (%s)", name);
        }
        break;
    case EVENT_SPELL_CAST:
        stats_copy_text(name, sizeof(name),
                        ev->spell_name ? ev->spell_name : "a spell");
        snprintf(text, sizeof(text), "casts %s", name);
        break;
    case EVENT_ENCOUNTER:
        stats_copy_text(name, sizeof(name),
                        ev->monster_type ? ev->monster_type : "something");
        snprintf(text, sizeof(text), "meets %s", name);
        break;
    default:
        stats_copy_text(name, sizeof(name), ev->type_name);
        snprintf(text, sizeof(text), "%s", name);
        break;
    }
    stats_copy_text(out, size, text);
}

static void stats_remember(struct stats_player *p, const struct event *ev,
                           unsigned long long seq)
{
    struct stats_recent *r = &p->recent[p->recent_head];

    r->seq = seq;
    r->type = ev->type;
    stats_copy_text(r->timestamp, sizeof(r->timestamp),
                    ev->timestamp ? ev->timestamp : "");
    stats_describe(ev, r->text, sizeof(r->text));
    p->recent_head = (p->recent_head + 1) % STATS_RECENT;
    if (p->nrecent < STATS_RECENT)
        p->nrecent++;
}

int stats_apply(struct stats_table *t, const struct event *ev,
                unsigned long long seq)
{
    struct stats_player *p = stats_get(t, ev->player);
    int d20 = event_natural_d20(ev);

    if (!p)
        return STATS_ENOMEM;
    if (ev->type == EVENT_SPELL_CAST &&
        stats_count_add(&p->spells, &p->nspells,
                        ev->spell_name ? ev->spell_name : "(unnamed)", 1))
        return STATS_ENOMEM;
    if (ev->type == EVENT_ENCOUNTER &&
        stats_count_add(&p->encounters, &p->nencounters,
                        ev->monster_type ? ev->monster_type : "(unnamed)", 1))
        return STATS_ENOMEM;

    p->events[ev->type]++;
    if (d20)
        p->d20[d20 - 1]++;
    p->damage_total += event_damage(ev);
    stats_remember(p, ev, seq);
    return 0;
}

/* The i-th newest recent event of p, i from 0. */
static const struct stats_recent *stats_recent_at(const struct stats_player *p,
                                                  unsigned i)
{
    return &p->recent[(p->recent_head + STATS_RECENT - 1 - i) % STATS_RECENT];
}

/* Merges src's recent feed into dst's, keeping the newest by seq. */
static void stats_merge_recent(struct stats_player *dst,
                               const struct stats_player *src)
{
    struct stats_recent all[2 * STATS_RECENT];
    unsigned a = 0, b = 0, n = 0, i;

    while (n < STATS_RECENT && (a < dst->nrecent || b < src->nrecent)) {
        const struct stats_recent *x =
            a < dst->nrecent ? stats_recent_at(dst, a) : NULL;
        const struct stats_recent *y =
            b < src->nrecent ? stats_recent_at(src, b) : NULL;
        if (x && (!y || x->seq >= y->seq)) {
            all[n++] = *x;
            a++;
        } else {
            all[n++] = *y;
            b++;
        }
    }
    /* all[] is newest first; store oldest first so the ring reads right. */
    for (i = 0; i < n; i++)
        dst->recent[i] = all[n - 1 - i];
    dst->nrecent = n;
    dst->recent_head = n % STATS_RECENT;
}

static int stats_merge_player(struct stats_player *dst,
                              const struct stats_player *src)
{
    size_t i;

    for (i = 0; i < EVENT_TYPE_COUNT; i++)
        dst->events[i] += src->events[i];
    for (i = 0; i < 20; i++)
        dst->d20[i] += src->d20[i];
    dst->damage_total += src->damage_total;
    for (i = 0; i < src->nspells; i++)
        if (stats_count_add(&dst->spells, &dst->nspells, src->spells[i].name,
                            src->spells[i].n))
            return STATS_ENOMEM;
    for (i = 0; i < src->nencounters; i++)
        if (stats_count_add(&dst->encounters, &dst->nencounters,
                            src->encounters[i].name, src->encounters[i].n))
            return STATS_ENOMEM;
    stats_merge_recent(dst, src);
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
        if (!p || stats_merge_player(p, src->slots[i]))
            return STATS_ENOMEM;
    }
    return 0;
}

void stats_each(const struct stats_table *t,
                void (*fn)(const struct stats_player *p, void *arg), void *arg)
{
    size_t i;

    for (i = 0; i < t->nslots; i++)
        if (t->slots[i])
            fn(t->slots[i], arg);
}
