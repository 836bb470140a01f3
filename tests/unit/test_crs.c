/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the CritRoleStats row mapping, on rows shaped like those
 * of the published Vox Machina file. Expected members were read off each
 * row by hand; the CSV splitting here is a plain comma split, not csv.c.
 */
#include "core/crs.h"

#include <jansson.h>
#include <string.h>

#include "unit.h"

#define HEADER                                                                 \
    "RollID,Campaign,Episode,Time,Player,Character,Type of Roll,D20?,"         \
    "Total Roll,Natural Roll,Crit?,Notes"

/* A line cut at every comma, with each field NUL-terminated in text. */
struct row {
    char text[512];
    struct csv_field fields[32];
    size_t nfields;
};

static void split(struct row *r, const char *line)
{
    size_t i, start = 0, len = strlen(line);

    if (len >= sizeof(r->text))
        len = sizeof(r->text) - 1;
    memcpy(r->text, line, len);
    r->text[len] = '\0';
    r->nfields = 0;
    for (i = 0; i <= len && r->nfields < 32; i++) {
        if (i < len && r->text[i] != ',')
            continue;
        r->text[i] = '\0';
        r->fields[r->nfields].data = r->text + start;
        r->fields[r->nfields].len = i - start;
        r->nfields++;
        start = i + 1;
    }
}

/* Maps one data line under the standard header; why gets the reason. */
static int map(const char *line, json_t **out, char *why, size_t whylen)
{
    struct crs_columns cols;
    struct row r;
    int rc;

    split(&r, HEADER);
    rc = crs_header(&cols, r.fields, r.nfields, why, whylen);
    if (rc)
        return rc;
    split(&r, line);
    return crs_row(&cols, r.fields, r.nfields, out, why, whylen);
}

static const char *str_of(json_t *ev, const char *key)
{
    return json_string_value(json_object_get(ev, key));
}

static long long int_of(json_t *ev, const char *key)
{
    return (long long)json_integer_value(json_object_get(ev, key));
}

static int has(json_t *ev, const char *key)
{
    return json_object_get(ev, key) != NULL;
}

static void test_d20_row(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("1,Vox Machina,1,00:37:53,Laura,Vex,Intelligence,Yes,20,18,"
                  "No,FIRST ROLL OMG",
                  &ev, why, sizeof(why)),
              0);
    CHECK_STR(str_of(ev, "event_type"), "dice_roll");
    CHECK_STR(str_of(ev, "player"), "Vex");
    CHECK_STR(str_of(ev, "played_by"), "Laura");
    CHECK_STR(str_of(ev, "campaign"), "Vox Machina");
    CHECK_STR(str_of(ev, "session"), "1");
    CHECK_STR(str_of(ev, "event_id"), "critrolestats:Vox Machina:1");
    CHECK_STR(str_of(ev, "context"), "Intelligence");
    CHECK_STR(str_of(ev, "dice_type"), "d20");
    CHECK_STR(str_of(ev, "notes"), "FIRST ROLL OMG");
    CHECK_STR(str_of(ev, "episode_time"), "00:37:53");
    CHECK_INT(int_of(ev, "total"), 20);
    CHECK_INT(int_of(ev, "natural"), 18);
    CHECK(!has(ev, "crit"));
    CHECK(!has(ev, "discarded"));
    CHECK(!has(ev, "timestamp"));
    CHECK(!has(ev, "roll_result"));
    CHECK_INT(json_object_size(ev), 12);
    json_decref(ev);
}

static void test_advantage_discarded_row(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("4,Vox Machina,1,00:46:35,Orion,Tiberius,Persuasion,Yes,12,"
                  "3,No,Disregarded due to advantage",
                  &ev, why, sizeof(why)),
              0);
    CHECK(json_is_true(json_object_get(ev, "discarded")));
    CHECK_INT(int_of(ev, "natural"), 3);
    CHECK_STR(str_of(ev, "player"), "Tiberius");
    json_decref(ev);

    /* The file also spells it in lower case, after other words. */
    CHECK_INT(map("2736,Vox Machina,24,03:42:00,Liam,Vax,Attack,Yes,null,null,"
                  "No,disregarded due to advantage",
                  &ev, why, sizeof(why)),
              0);
    CHECK(json_is_true(json_object_get(ev, "discarded")));
    CHECK(!has(ev, "natural"));
    CHECK(!has(ev, "total"));
    json_decref(ev);
}

static void test_damage_row_with_total(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("21,Vox Machina,1,01:21:30,Liam,Vax,Damage,No,27,null,No,"
                  "FIRST DAMAGE",
                  &ev, why, sizeof(why)),
              0);
    CHECK_STR(str_of(ev, "context"), "Damage");
    CHECK_INT(int_of(ev, "total"), 27);
    CHECK(!has(ev, "dice_type"));
    CHECK(!has(ev, "natural"));
    json_decref(ev);
}

static void test_damage_natural_is_not_a_d20(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("1585,Vox Machina,15,03:16:05,Orion,Tiberius,Damage,No,28,"
                  "8,No,null",
                  &ev, why, sizeof(why)),
              0);
    CHECK_INT(int_of(ev, "total"), 28);
    CHECK(!has(ev, "natural"));
    CHECK(!has(ev, "notes"));
    json_decref(ev);
}

static void test_null_natural_and_null_notes(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("3603,Vox Machina,31.2,00:01:00,Taliesin,Percy,"
                  "Investigation,Yes,16,null,No,null",
                  &ev, why, sizeof(why)),
              0);
    CHECK_STR(str_of(ev, "session"), "31.2");
    CHECK_STR(str_of(ev, "dice_type"), "d20");
    CHECK_INT(int_of(ev, "total"), 16);
    CHECK(!has(ev, "natural"));
    CHECK(!has(ev, "notes"));
    json_decref(ev);
}

static void test_null_total_natural_one_crit(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("16,Vox Machina,1,01:17:29,Laura,Vex,Charisma,Yes,null,1,"
                  "Yes,FIRST CRIT FAIL",
                  &ev, why, sizeof(why)),
              0);
    CHECK(!has(ev, "total"));
    CHECK_INT(int_of(ev, "natural"), 1);
    CHECK(json_is_true(json_object_get(ev, "crit")));
    json_decref(ev);
}

static void test_negative_total(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("1991,Vox Machina,19,01:59:33,Felicia,Lyra,Initiative,Yes,"
                  "-1,1,No,null",
                  &ev, why, sizeof(why)),
              0);
    CHECK_INT(int_of(ev, "total"), -1);
    CHECK_INT(int_of(ev, "natural"), 1);
    CHECK_STR(str_of(ev, "played_by"), "Felicia");
    json_decref(ev);
}

static void test_bad_total_is_row_error(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("5,Vox Machina,1,00:50:00,Liam,Vax,Damage,No,abc,null,No,"
                  "null",
                  &ev, why, sizeof(why)),
              CRS_ENUMBER);
    CHECK(ev == NULL);
    CHECK_STR(why, "Total Roll is not an integer: \"abc\"");

    CHECK_INT(map("5,Vox Machina,1,00:50:00,Liam,Vax,Damage,No, 7,null,No,"
                  "null",
                  &ev, why, sizeof(why)),
              CRS_ENUMBER);
    CHECK_INT(map("5,Vox Machina,1,00:50:00,Liam,Vax,Damage,No,7x,null,No,"
                  "null",
                  &ev, why, sizeof(why)),
              CRS_ENUMBER);
    CHECK_INT(map("5,Vox Machina,1,00:50:00,Liam,Vax,Damage,No,,null,No,"
                  "null",
                  &ev, why, sizeof(why)),
              CRS_ENUMBER);
    CHECK_STR(why, "Total Roll is empty");
    CHECK_INT(map("5,Vox Machina,1,00:50:00,Liam,Vax,Damage,No,"
                  "99999999999999999999,null,No,null",
                  &ev, why, sizeof(why)),
              CRS_ENUMBER);
    CHECK_INT(map("5,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,NaN,No,"
                  "null",
                  &ev, why, sizeof(why)),
              CRS_ENUMBER);
    CHECK_STR(why, "Natural Roll is not an integer: \"NaN\"");
    CHECK(ev == NULL);
}

static void test_out_of_range_natural_is_dropped(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("6,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,0,No,null",
                  &ev, why, sizeof(why)),
              0);
    CHECK(!has(ev, "natural"));
    CHECK_STR(str_of(ev, "dice_type"), "d20");
    json_decref(ev);
}

static void test_empty_character_is_row_error(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("7,Vox Machina,1,00:50:00,Liam,,Attack,Yes,12,5,No,null", &ev,
                  why, sizeof(why)),
              CRS_ECHARACTER);
    CHECK(ev == NULL);
    CHECK_STR(why, "Character is empty or null");
}

static void test_wrong_field_count_is_row_error(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("8,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,No", &ev,
                  why, sizeof(why)),
              CRS_EFIELDS);
    CHECK_STR(why, "11 fields where the header has 12");
    CHECK_INT(map("8,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,No,a,b",
                  &ev, why, sizeof(why)),
              CRS_EFIELDS);
    CHECK(ev == NULL);
}

static void test_invalid_utf8_is_row_error(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map("9,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,No,"
                  "bad \xE2\x80 cut",
                  &ev, why, sizeof(why)),
              CRS_EUTF8);
    CHECK_STR(why, "Notes is not valid UTF-8");
    CHECK_INT(map("9,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,No,"
                  "Grapple \xE2\x80\x93 no crit effect",
                  &ev, why, sizeof(why)),
              0);
    CHECK_STR(str_of(ev, "notes"), "Grapple \xE2\x80\x93 no crit effect");
    json_decref(ev);
}

/* Every column that becomes a string, with one stray continuation byte
 * (0xA2) in it: the reason names that column, not a lack of memory. */
static void test_invalid_utf8_in_each_text_column(void)
{
    static const struct {
        const char *line;
        const char *why;
    } cases[] = {
        {"9\xA2"
         ",Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,No,null",
         "RollID is not valid UTF-8"},
        {"9,Vox \xA2Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,No,null",
         "Campaign is not valid UTF-8"},
        {"9,Vox Machina,1\xA2,00:50:00,Liam,Vax,Attack,Yes,12,5,No,null",
         "Episode is not valid UTF-8"},
        {"9,Vox Machina,1,00:50:00\xA2,Liam,Vax,Attack,Yes,12,5,No,null",
         "Time is not valid UTF-8"},
        {"9,Vox Machina,1,00:50:00,Li\xA2m,Vax,Attack,Yes,12,5,No,null",
         "Player is not valid UTF-8"},
        {"9,Vox Machina,1,00:50:00,Liam,V\xA2x,Attack,Yes,12,5,No,null",
         "Character is not valid UTF-8"},
        {"9,Vox Machina,1,00:50:00,Liam,Vax,Att\xA2"
         "ck,Yes,12,5,No,null",
         "Type of Roll is not valid UTF-8"},
        {"9,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,No,"
         "Sneak \xA2"
         "attack",
         "Notes is not valid UTF-8"},
    };
    json_t *ev = NULL;
    char why[128];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK_INT(map(cases[i].line, &ev, why, sizeof(why)), CRS_EUTF8);
        CHECK(ev == NULL);
        CHECK_STR(why, cases[i].why);
    }
}

/* Maps line after turning its first '#' into a NUL byte, which a field
 * from the CSV parser may hold; its len then counts past the NUL. */
static int map_with_nul(const char *line, json_t **out, char *why,
                        size_t whylen)
{
    struct crs_columns cols;
    struct row r;
    char *hash;
    int rc;

    split(&r, HEADER);
    rc = crs_header(&cols, r.fields, r.nfields, why, whylen);
    if (rc)
        return rc;
    split(&r, line);
    hash = memchr(r.text, '#', sizeof(r.text));
    if (hash)
        *hash = '\0';
    return crs_row(&cols, r.fields, r.nfields, out, why, whylen);
}

static void test_nul_byte_is_row_error(void)
{
    json_t *ev = NULL;
    char why[128];

    CHECK_INT(map_with_nul("10,Vox Machina,1,00:50:00,Liam,Vax#ildrin,Attack,"
                           "Yes,12,5,No,null",
                           &ev, why, sizeof(why)),
              CRS_ENUL);
    CHECK(ev == NULL);
    CHECK_STR(why, "Character contains a NUL byte");

    /* A number is not read up to the NUL and taken as whole. */
    CHECK_INT(map_with_nul("10,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,"
                           "12#3,5,No,null",
                           &ev, why, sizeof(why)),
              CRS_ENUL);
    CHECK_STR(why, "Total Roll contains a NUL byte");
    CHECK_INT(map_with_nul("10,Vox Machina,1,00:50:00,Liam,Vax,Attack,Yes,12,5,"
                           "No,Rolled twice#",
                           &ev, why, sizeof(why)),
              CRS_ENUL);
    CHECK_STR(why, "Notes contains a NUL byte");
    CHECK(ev == NULL);
}

static void test_header_by_name_in_any_order(void)
{
    struct crs_columns cols;
    struct row r;
    json_t *ev = NULL;
    char why[128];

    split(&r, "\xEF\xBB\xBFNatural Roll,Extra,Character,Total Roll,D20?,"
              "Type of Roll,Episode,Campaign,RollID");
    CHECK_INT(crs_header(&cols, r.fields, r.nfields, why, sizeof(why)), 0);
    CHECK_INT(cols.col[CRS_COL_NATURAL], 0);
    CHECK_INT(cols.col[CRS_COL_CHARACTER], 2);
    CHECK_INT(cols.col[CRS_COL_NOTES], -1);
    split(&r, "20,?,Grog,25,Yes,Attack,3,Vox Machina,77");
    CHECK_INT(crs_row(&cols, r.fields, r.nfields, &ev, why, sizeof(why)), 0);
    CHECK_STR(str_of(ev, "player"), "Grog");
    CHECK_STR(str_of(ev, "event_id"), "critrolestats:Vox Machina:77");
    CHECK_INT(int_of(ev, "natural"), 20);
    CHECK(!has(ev, "played_by"));
    json_decref(ev);
}

static void test_header_missing_or_doubled_column(void)
{
    struct crs_columns cols;
    struct row r;
    char why[128];

    split(&r, "RollID,Campaign,Episode,Character,Type of Roll,D20?,"
              "Natural Roll");
    CHECK_INT(crs_header(&cols, r.fields, r.nfields, why, sizeof(why)),
              CRS_ECOLUMN);
    CHECK_STR(why, "no column named 'Total Roll' in the header");
    split(&r, HEADER ",Character");
    CHECK_INT(crs_header(&cols, r.fields, r.nfields, why, sizeof(why)),
              CRS_ECOLUMN);
    CHECK_STR(why, "column 'Character' appears twice");
}

static void test_strerror_names_every_code(void)
{
    int err;

    for (err = CRS_ENUL; err <= CRS_OK; err++)
        CHECK(strcmp(crs_strerror(err), crs_strerror(-100)) != 0);
}

int main(void)
{
    UNIT_RUN(test_d20_row);
    UNIT_RUN(test_advantage_discarded_row);
    UNIT_RUN(test_damage_row_with_total);
    UNIT_RUN(test_damage_natural_is_not_a_d20);
    UNIT_RUN(test_null_natural_and_null_notes);
    UNIT_RUN(test_null_total_natural_one_crit);
    UNIT_RUN(test_negative_total);
    UNIT_RUN(test_bad_total_is_row_error);
    UNIT_RUN(test_out_of_range_natural_is_dropped);
    UNIT_RUN(test_empty_character_is_row_error);
    UNIT_RUN(test_wrong_field_count_is_row_error);
    UNIT_RUN(test_invalid_utf8_is_row_error);
    UNIT_RUN(test_invalid_utf8_in_each_text_column);
    UNIT_RUN(test_nul_byte_is_row_error);
    UNIT_RUN(test_header_by_name_in_any_order);
    UNIT_RUN(test_header_missing_or_doubled_column);
    UNIT_RUN(test_strerror_names_every_code);
    return UNIT_DONE();
}
