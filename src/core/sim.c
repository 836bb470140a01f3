/* SPDX-License-Identifier: MIT */
/*
 * Simulation tables and the draw: an event type first, uniformly among the
 * three of the original project, then the fields of that type. The writer
 * formats the few fields straight into the caller's buffer, since building
 * and dumping a JSON tree per event cost more than the sending did.
 */
#include "core/sim.h"

#include <string.h>

#define SIM_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *const sim_default_players[] = {"Stravos", "Ya", "Sylas", "Wurs"};
const size_t sim_default_nplayers = SIM_COUNT(sim_default_players);

static const char *const sim_monsters[] = {"Goblin", "Orc", "Dragon",
                                           "Beholder"};
static const char *const sim_locations[] = {"cave", "forest", "dungeon",
                                            "castle"};
static const char *const sim_spells[] = {"Fireball", "Shield", "Magic Missile",
                                         "Cure Wounds"};
static const char *const sim_targets[] = {"enemy", "self", "ally"};
static const char *const sim_effects[] = {"damage", "protection", "healing"};
static const char *const sim_contexts[] = {"attack_roll", "saving_throw",
                                           "skill_check"};
static const int sim_dice[] = {4, 6, 8, 10, 12, 20};
static const char *const sim_dice_names[] = {"d4",  "d6",  "d8",
                                             "d10", "d12", "d20"};

void sim_init(struct sim *s, const char *const *players, size_t nplayers,
              unsigned long long seed)
{
    dice_seed(&s->rng, seed);
    s->players = players;
    s->nplayers = nplayers;
}

static const char *sim_pick(struct sim *s, const char *const *list, size_t n)
{
    return list[dice_pick(&s->rng, n)];
}

#define SIM_PICK(s, list) sim_pick((s), (list), SIM_COUNT(list))

static void sim_text(struct sim_field *f, const char *name, const char *text)
{
    f->name = name;
    f->text = text;
    f->number = 0;
}

static void sim_number(struct sim_field *f, const char *name, int number)
{
    f->name = name;
    f->text = NULL;
    f->number = number;
}

/*
 * The draws of each kind come one statement at a time, in the order of
 * the fields: that order is part of what a seed reproduces, so it must
 * not be left to the compiler.
 */
static void sim_dice_roll(struct sim *s, struct sim_event *ev)
{
    size_t die = (size_t)dice_pick(&s->rng, SIM_COUNT(sim_dice));

    ev->event_type = "dice_roll";
    sim_text(&ev->fields[0], "dice_type", sim_dice_names[die]);
    sim_number(&ev->fields[1], "roll_result",
               dice_roll(&s->rng, sim_dice[die]));
    sim_text(&ev->fields[2], "context", SIM_PICK(s, sim_contexts));
}

static void sim_encounter(struct sim *s, struct sim_event *ev)
{
    ev->event_type = "encounter";
    sim_text(&ev->fields[0], "monster_type", SIM_PICK(s, sim_monsters));
    sim_text(&ev->fields[1], "location", SIM_PICK(s, sim_locations));
    sim_number(&ev->fields[2], "initiative_order", dice_roll(&s->rng, 20));
}

static void sim_spell_cast(struct sim *s, struct sim_event *ev)
{
    ev->event_type = "spell_cast";
    sim_text(&ev->fields[0], "spell_name", SIM_PICK(s, sim_spells));
    sim_text(&ev->fields[1], "target", SIM_PICK(s, sim_targets));
    sim_text(&ev->fields[2], "effect", SIM_PICK(s, sim_effects));
}

void sim_draw(struct sim *s, struct sim_event *ev)
{
    uint64_t kind;

    ev->player = sim_pick(s, s->players, s->nplayers);
    kind = dice_pick(&s->rng, 3);
    if (kind == 0)
        sim_dice_roll(s, ev);
    else if (kind == 1)
        sim_encounter(s, ev);
    else
        sim_spell_cast(s, ev);
}

/*
 * How each byte goes into a JSON string: 0 as it is; else the letter of
 * its two-byte escape, or 'u' for \u00XX. Escaped are what jansson
 * escapes: quote, backslash and the controls below 0x20. DEL and the
 * bytes of UTF-8 sequences pass through.
 */
static const char sim_escapes[256] = {
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
    [0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x08] = 'b', [0x09] = 't',
    [0x0a] = 'n', [0x0b] = 'u', [0x0c] = 'f', [0x0d] = 'r', [0x0e] = 'u',
    [0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
    [0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
    [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
    [0x1e] = 'u', [0x1f] = 'u', [0x22] = '"', [0x5c] = '\\'};

/*
 * Whether one of the eight bytes of w must be escaped: a byte below 0x20,
 * a quote or a backslash. Each test is the classic "has a zero byte" one,
 * (v - 0x01..01) & ~v & 0x80..80, on w less 0x20 in each byte, and on w
 * with quote or backslash XORed away; bytes from 0x80 have their high bit
 * set and are never taken for one of these.
 */
static int sim_word_escapes(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = ones * 0x80;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');

    return ((((w - ones * 0x20) & ~w) | ((quote - ones) & ~quote) |
             ((backslash - ones) & ~backslash)) &
            highs) != 0;
}

/* Whether none of the n bytes at s must be escaped: eight at a time. */
static int sim_plain(const char *s, size_t n)
{
    uint64_t w;
    size_t i;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        if (sim_word_escapes(w))
            return 0;
    }
    for (; i < n; i++)
        if (sim_escapes[(unsigned char)s[i]])
            return 0;
    return 1;
}

/*
 * The writer. Each step takes where to write, p, and the end of the room
 * (one byte before the buffer's end, kept for the NUL); it returns where
 * the next step writes, or NULL once something did not fit, and a NULL p
 * passes through. p and end stay in registers that way: the compiler
 * would reload them from a struct after every byte stored.
 */

static char *sim_put_char(char *p, const char *end, char c)
{
    if (!p || p == end)
        return NULL;
    *p = c;
    return p + 1;
}

/* Copies n bytes at s as they are. */
static char *sim_put(char *p, const char *end, const char *s, size_t n)
{
    if (!p || (size_t)(end - p) < n)
        return NULL;
    memcpy(p, s, n);
    return p + n;
}

/* Copies "s" whole: s is n bytes that need no escape. */
static char *sim_put_quoted(char *p, const char *end, const char *s, size_t n)
{
    if (!p || (size_t)(end - p) < n + 2)
        return NULL;
    *p++ = '"';
    memcpy(p, s, n);
    p += n;
    *p++ = '"';
    return p;
}

/* Writes "s" for a string of the sim's own tables: none needs escapes. */
static char *sim_put_plain(char *p, const char *end, const char *s)
{
    return sim_put_quoted(p, end, s, strlen(s));
}

/*
 * Writes s as a JSON string in quotes, escaped as sim_escapes says: whole
 * when nothing needs an escape, as is usual, else a byte at a time.
 */
static char *sim_put_string(char *p, const char *end, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), need;
    char e;

    if (sim_plain(s, n))
        return sim_put_quoted(p, end, s, n);
    p = sim_put_char(p, end, '"');
    for (; p && *u; u++) {
        e = sim_escapes[*u];
        need = e == 0 ? 1 : e == 'u' ? 6 : 2;
        if ((size_t)(end - p) < need)
            return NULL;
        if (e == 0) {
            *p++ = (char)*u;
            continue;
        }
        *p++ = '\\';
        *p++ = e;
        if (e == 'u') {
            *p++ = '0';
            *p++ = '0';
            *p++ = hex[*u >> 4];
            *p++ = hex[*u & 0xF];
        }
    }
    return sim_put_char(p, end, '"');
}

static char *sim_put_number(char *p, const char *end, int number)
{
    char digits[16];
    size_t i = sizeof(digits);
    unsigned int v = (unsigned int)number;

    /* Negated as unsigned, so that INT_MIN does not overflow. */
    if (number < 0)
        v = 0u - v;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (number < 0)
        digits[--i] = '-';
    return sim_put(p, end, digits + i, sizeof(digits) - i);
}

/* Writes ,"name": (without the comma for the first member). */
static char *sim_put_key(char *p, const char *end, const char *name, int first)
{
    size_t n = strlen(name);

    if (!p || (size_t)(end - p) < n + 3 + !first)
        return NULL;
    if (!first)
        *p++ = ',';
    *p++ = '"';
    memcpy(p, name, n);
    p += n;
    *p++ = '"';
    *p++ = ':';
    return p;
}

int sim_format(const struct sim_event *ev, const char *timestamp, char *buf,
               size_t size, size_t *len)
{
    const char *end = buf + (size ? size - 1 : 0);
    char *p = size ? buf : NULL;
    const struct sim_field *f;
    size_t i;

    p = sim_put_char(p, end, '{');
    if (timestamp) {
        p = sim_put_key(p, end, "timestamp", 1);
        p = sim_put_string(p, end, timestamp);
    }
    p = sim_put_key(p, end, "player", !timestamp);
    p = sim_put_string(p, end, ev->player);
    p = sim_put_key(p, end, "event_type", 0);
    p = sim_put_plain(p, end, ev->event_type);
    for (i = 0; i < SIM_NFIELDS; i++) {
        f = &ev->fields[i];
        p = sim_put_key(p, end, f->name, 0);
        if (f->text)
            p = sim_put_plain(p, end, f->text);
        else
            p = sim_put_number(p, end, f->number);
    }
    p = sim_put_char(p, end, '}');
    if (!p)
        return SIM_ENOSPACE;
    *p = '\0';
    *len = (size_t)(p - buf);
    return 0;
}

const char *sim_strerror(int err)
{
    switch (err) {
    case SIM_OK:
        return "success";
    case SIM_ENOSPACE:
        return "event too long for its buffer";
    default:
        return "unknown error";
    }
}
