/* SPDX-License-Identifier: MIT */
/*
 * The simulated events' direct JSON writer: jansson, as an independent
 * reader, gets back every field as given, names with quotes, backslashes,
 * control characters and non-ASCII UTF-8 included; the bytes are those of
 * jansson's own compact dump; and a buffer too small is refused without a
 * byte written past its end.
 */
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/sim.h"
#include "unit.h"

#define STAMP "2025-02-24T20:30:00Z"

/* Names that need every kind of care in a JSON string. */
static const char *const tricky_names[] = {
    "Stravos",
    "Quote\"d",
    "Back\\slash",
    "\"\\\"\\",
    "ctl \x01\x02\x1f end",
    "tab\tnl\nret\rbs\bff\f",
    "DEL\x7f",
    "Zo\xc3\xab",               /* Zoë: two-byte UTF-8 */
    "\xe6\x97\xa5\xe6\x9c\xac", /* two CJK characters: three bytes each */
    "\xf0\x9f\x8e\xb2 d20",     /* a game die emoji: four bytes */
    "line\xe2\x80\xa8sep",      /* U+2028, legal raw in JSON */
    "</script><b>x</b>&amp;",
    "\x1b[31mred\x1b[0m",
};

#define NTRICKY (sizeof(tricky_names) / sizeof(tricky_names[0]))

static void spell_event(struct sim_event *ev, const char *player)
{
    memset(ev, 0, sizeof(*ev));
    ev->player = player;
    ev->event_type = "spell_cast";
    ev->fields[0].name = "spell_name";
    ev->fields[0].text = "Magic Missile";
    ev->fields[1].name = "target";
    ev->fields[1].text = "ally";
    ev->fields[2].name = "level";
    ev->fields[2].number = 3;
}

/* Whether the string member key of o is exactly want, byte for byte. */
static int has_string(json_t *o, const char *key, const char *want)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) && json_string_length(v) == strlen(want) &&
           memcmp(json_string_value(v), want, strlen(want)) == 0;
}

static void test_tricky_names_read_back(void)
{
    char text[SIM_FORMAT_SIZE(64)];
    struct sim_event ev;
    json_error_t err;
    json_t *o;
    size_t i, len;
    int ok;

    for (i = 0; i < NTRICKY; i++) {
        spell_event(&ev, tricky_names[i]);
        CHECK_INT(sim_format(&ev, STAMP, text, sizeof(text), &len), 0);
        CHECK_INT(len, strlen(text));
        o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
        if (!o)
            UNIT_FAIL("name %zu: jansson refused %s: %s", i, text, err.text);
        ok = json_object_size(o) == 6 && has_string(o, "timestamp", STAMP) &&
             has_string(o, "player", tricky_names[i]) &&
             has_string(o, "event_type", "spell_cast") &&
             has_string(o, "spell_name", "Magic Missile") &&
             has_string(o, "target", "ally") &&
             json_is_integer(json_object_get(o, "level")) &&
             json_integer_value(json_object_get(o, "level")) == 3;
        json_decref(o);
        if (!ok)
            UNIT_FAIL("name %zu: read back differs: %s", i, text);
    }
}

/* ev as jansson writes it, members in the order the format documents. */
static char *jansson_text(const struct sim_event *ev, const char *stamp)
{
    json_t *o = json_object();
    const struct sim_field *f;
    char *text;
    size_t i;

    if (stamp)
        json_object_set_new(o, "timestamp", json_string(stamp));
    json_object_set_new(o, "player", json_string(ev->player));
    json_object_set_new(o, "event_type", json_string(ev->event_type));
    for (i = 0; i < SIM_NFIELDS; i++) {
        f = &ev->fields[i];
        json_object_set_new(o, f->name,
                            f->text ? json_string(f->text)
                                    : json_integer(f->number));
    }
    text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return text;
}

static void test_same_bytes_as_jansson(void)
{
    char text[SIM_FORMAT_SIZE(64)];
    struct sim_event ev;
    struct sim s;
    size_t len;
    char *want;
    int i, same;

    sim_init(&s, tricky_names, NTRICKY, 12345);
    for (i = 0; i < 5000; i++) {
        sim_draw(&s, &ev);
        CHECK_INT(
            sim_format(&ev, i % 2 ? STAMP : NULL, text, sizeof(text), &len), 0);
        want = jansson_text(&ev, i % 2 ? STAMP : NULL);
        CHECK(want != NULL);
        same = strcmp(text, want) == 0 && len == strlen(want);
        if (!same)
            fprintf(stderr, "event %d:\n got %s\nwant %s\n", i, text, want);
        free(want);
        CHECK(same);
    }
}

/*
 * Every ASCII byte at every place of names 1 to 24 bytes long: escapes
 * are found wherever they fall among the eight bytes read at once.
 */
static void test_every_ascii_byte_everywhere(void)
{
    char text[SIM_FORMAT_SIZE(32)], name[25];
    struct sim_event ev;
    size_t n, at, len;
    char *want;
    int c, same;

    for (n = 1; n < sizeof(name); n++) {
        for (at = 0; at < n; at++) {
            for (c = 1; c < 0x80; c++) {
                memset(name, 'a', n);
                name[n] = '\0';
                name[at] = (char)c;
                spell_event(&ev, name);
                CHECK_INT(sim_format(&ev, name, text, sizeof(text), &len), 0);
                want = jansson_text(&ev, name);
                CHECK(want != NULL);
                same = strcmp(text, want) == 0 && len == strlen(want);
                if (!same)
                    fprintf(stderr,
                            "byte %#x at %zu of %zu:\n got %s\n"
                            "want %s\n",
                            c, at, n, text, want);
                free(want);
                CHECK(same);
            }
        }
    }
}

static void test_without_timestamp(void)
{
    char text[256];
    struct sim_event ev;
    size_t len;

    spell_event(&ev, "Ya");
    CHECK_INT(sim_format(&ev, NULL, text, sizeof(text), &len), 0);
    CHECK_STR(text, "{\"player\":\"Ya\",\"event_type\":\"spell_cast\","
                    "\"spell_name\":\"Magic Missile\",\"target\":\"ally\","
                    "\"level\":3}");
}

static void test_numbers_read_back(void)
{
    static const int numbers[] = {0,  1,   9,          10,      20,
                                  -1, -20, 1000000000, INT_MAX, INT_MIN};
    char text[256];
    struct sim_event ev;
    json_t *o, *v;
    size_t i, len;
    int is_int;
    json_int_t got;

    for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        spell_event(&ev, "Wurs");
        ev.fields[2].number = numbers[i];
        CHECK_INT(sim_format(&ev, STAMP, text, sizeof(text), &len), 0);
        o = json_loadb(text, len, 0, NULL);
        CHECK(o != NULL);
        v = json_object_get(o, "level");
        is_int = json_is_integer(v);
        got = is_int ? json_integer_value(v) : 0;
        json_decref(o);
        CHECK(is_int);
        CHECK_INT(got, numbers[i]);
    }
}

/* Every size short of the text and its NUL is refused, untouched past. */
static void test_small_buffers_refused(void)
{
    char full[256], buf[256 + 16];
    struct sim_event ev;
    size_t len, n, size, i;
    int rc;

    spell_event(&ev, "tab\there \"q\" \x01");
    CHECK_INT(sim_format(&ev, STAMP, full, sizeof(full), &len), 0);
    for (size = 0; size <= len + 1; size++) {
        memset(buf, 'Z', sizeof(buf));
        n = 12345;
        rc = sim_format(&ev, STAMP, buf, size, &n);
        for (i = size; i < sizeof(buf); i++)
            if (buf[i] != 'Z')
                UNIT_FAIL("size %zu: byte %zu written", size, i);
        if (size <= len) {
            CHECK_INT(rc, SIM_ENOSPACE);
            CHECK_INT(n, 12345);
        } else {
            CHECK_INT(rc, 0);
            CHECK_INT(n, len);
            CHECK_STR(buf, full);
        }
    }
    CHECK(strlen(sim_strerror(SIM_ENOSPACE)) > 0);
}

/* The worst name and time stamp, every byte escaped, fit the bound. */
static void test_format_size_bound(void)
{
    static char name[1024 + 1], stamp[32];
    static char text[SIM_FORMAT_SIZE(1024)];
    struct sim_event ev;
    json_t *o;
    size_t len;
    int ok;

    memset(name, 0x01, sizeof(name) - 1);
    memset(stamp, 0x1f, sizeof(stamp) - 1);
    spell_event(&ev, name);
    ev.fields[0].text = "Cure Wounds";
    ev.fields[1].text = "protection";
    ev.fields[2].number = INT_MIN;
    CHECK_INT(sim_format(&ev, stamp, text, sizeof(text), &len), 0);
    CHECK(len > 6 * 1024);
    o = json_loadb(text, len, 0, NULL);
    CHECK(o != NULL);
    ok = has_string(o, "player", name) && has_string(o, "timestamp", stamp);
    json_decref(o);
    CHECK(ok);
}

int main(void)
{
    UNIT_RUN(test_tricky_names_read_back);
    UNIT_RUN(test_same_bytes_as_jansson);
    UNIT_RUN(test_every_ascii_byte_everywhere);
    UNIT_RUN(test_without_timestamp);
    UNIT_RUN(test_numbers_read_back);
    UNIT_RUN(test_small_buffers_refused);
    UNIT_RUN(test_format_size_bound);
    return UNIT_DONE();
}
