/* SPDX-License-Identifier: MIT */
/*
 * Configuration: documented defaults, .env text with comments, quotes and
 * foreign keys, and bad values refused with a message naming key, value
 * and what is allowed.
 */
#include <stdlib.h>

#include "core/config.h"
#include "unit.h"

static void test_defaults(void)
{
    struct config c;

    CHECK_INT(config_init(&c), 0);
    CHECK_STR(c.topic, "dnd_events");
    CHECK_STR(c.dashboard, "127.0.0.1:8080");
    CHECK_INT(c.viz_refresh, 5);
    CHECK(c.interval_seconds == 5.0);
    CHECK_INT(c.ntracked, 2);
    CHECK(config_is_tracked(&c, "Stravos"));
    CHECK(config_is_tracked(&c, "Wurs"));
    CHECK(!config_is_tracked(&c, "Ya"));
    config_free(&c);
}

static void test_env_text(void)
{
    static const char text[] = "# the seed project's settings\n"
                               "KAFKA_BROKER_ADDRESS=localhost:9092\r\n"
                               "export DND_TOPIC=\"table_two\"\n"
                               "\n"
                               "MESSAGE_INTERVAL_SECONDS = 0.5\n"
                               "TRACKED_PLAYERS='Ya, Sylas '\n"
                               "SOME_OTHER_TOOL=whatever\n";
    struct config c;
    char err[256];

    config_init(&c);
    CHECK_INT(config_load_env_text(&c, text, sizeof(text) - 1, ".env", err,
                                   sizeof(err), NULL),
              0);
    CHECK_STR(c.brokers, "localhost:9092");
    CHECK_STR(c.topic, "table_two");
    CHECK(c.interval_seconds == 0.5);
    CHECK_INT(c.ntracked, 2);
    CHECK_STR(c.tracked_list[1], "Sylas");
    config_free(&c);
}

static void test_bad_values_name_key_and_value(void)
{
    static const char text[] = "DND_TOPIC=a\nVIZ_REFRESH_MESSAGES=5x\n";
    struct config c;
    char err[256];

    config_init(&c);
    CHECK_INT(config_load_env_text(&c, text, sizeof(text) - 1, ".env", err,
                                   sizeof(err), NULL),
              CONFIG_EVALUE);
    CHECK(strstr(err, ".env:2") != NULL);
    CHECK(strstr(err, "VIZ_REFRESH_MESSAGES=5x") != NULL);
    CHECK(strstr(err, "1 to 1000000") != NULL);
    CHECK_INT(config_set(&c, "VIZ_REFRESH_MESSAGES", "0", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(
        config_set(&c, "MESSAGE_INTERVAL_SECONDS", "-1", err, sizeof(err)),
        CONFIG_EVALUE);
    CHECK_INT(config_set(&c, "DASHBOARD_ADDRESS", "8080", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(config_set(&c, "DASHBOARD_ADDRESS", "h:65536", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(config_set(&c, "TRACKED_PLAYERS", "a,,b", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(config_set(&c, "NO_SUCH_KEY", "1", err, sizeof(err)),
              CONFIG_EKEY);
    CHECK_INT(config_load_env_text(&c, "JUSTAWORD\n", 10, ".env", err,
                                   sizeof(err), NULL),
              CONFIG_ESYNTAX);
    /* A refused value leaves the old one in place. */
    CHECK_INT(c.viz_refresh, 5);
    config_free(&c);
}

static void test_tracked_all_and_props(void)
{
    struct config c;
    char err[256];

    config_init(&c);
    CHECK_INT(config_set(&c, "TRACKED_PLAYERS", "all", err, sizeof(err)), 0);
    CHECK(config_is_tracked(&c, "anyone"));
    CHECK_INT(config_add_prop(&c, "security.protocol=SSL", err, sizeof(err)),
              0);
    CHECK_STR(c.props[0].name, "security.protocol");
    CHECK_STR(c.props[0].value, "SSL");
    CHECK_INT(config_add_prop(&c, "novalue", err, sizeof(err)), CONFIG_EVALUE);
    config_free(&c);
}

/* The report of the test below and the line its foreign key was on. */
static struct config_env_report *unknown_report;
static size_t unknown_line;

static void note_unknown(void *arg, const char *key)
{
    if (strcmp(key, "KAFKA_BROKER_ADDRES") == 0)
        unknown_line = unknown_report->line;
}

static void test_env_bom_comments_and_unknown_keys(void)
{
    static const char text[] = "\xEF\xBB\xBF"
                               "DND_TOPIC=first # the table\n"
                               "KAFKA_BROKER_ADDRES=typo:9092\n"
                               "DND_CONSUMER_GROUP_ID=\"a # b\"\n";
    struct config_env_report report = {note_unknown, NULL, 0};
    struct config c;
    char err[256];

    unknown_report = &report;
    config_init(&c);
    CHECK_INT(config_load_env_text(&c, text, sizeof(text) - 1, ".env", err,
                                   sizeof(err), &report),
              0);
    CHECK_STR(c.topic, "first");
    CHECK_STR(c.group_id, "a # b");
    CHECK_STR(c.brokers, "127.0.0.1:9092");
    CHECK_INT(unknown_line, 2);
    config_free(&c);
}

/* An empty value at the very end of the text: once read past the end. */
static void test_env_empty_value_at_end(void)
{
    struct config c;
    char err[256];
    char *text = malloc(10);

    CHECK(text != NULL);
    memcpy(text, "DND_TOPIC=", 10);
    config_init(&c);
    CHECK_INT(
        config_load_env_text(&c, text, 10, ".env", err, sizeof(err), NULL),
        CONFIG_EVALUE);
    CHECK(strstr(err, "DND_TOPIC") != NULL);
    CHECK_INT(
        config_load_env_text(&c, "OTHER=", 6, ".env", err, sizeof(err), NULL),
        0);
    config_free(&c);
    free(text);
}

/* A NUL inside a line once let "DND_TOPIC\0junk=evil" set DND_TOPIC. */
static void test_env_nul_refused(void)
{
    static const char text[] = "DND_TOPIC\0junk=evil\n";
    struct config c;
    char err[256];

    config_init(&c);
    CHECK_INT(config_load_env_text(&c, text, sizeof(text) - 1, ".env", err,
                                   sizeof(err), NULL),
              CONFIG_ESYNTAX);
    CHECK(strstr(err, ".env:1") != NULL);
    CHECK_STR(c.topic, "dnd_events");
    config_free(&c);
}

static void test_names_and_blanks(void)
{
    struct config c;
    char err[256];

    config_init(&c);
    CHECK_INT(config_set(&c, "DND_TOPIC", "has space", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK(strstr(err, "DND_TOPIC=has space") != NULL);
    CHECK_INT(config_set(&c, "DND_TOPIC", "..", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(config_set(&c, "DND_TOPIC", "ok.topic_1-2", err, sizeof(err)), 0);
    CHECK_INT(config_set(&c, "VIZ_REFRESH_MESSAGES", " 7", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(
        config_set(&c, "DND_CONSUMER_GROUP_ID", "a\x1b[31m", err, sizeof(err)),
        CONFIG_EVALUE);
    CHECK(strchr(err, '\x1b') == NULL);
    CHECK_INT(config_set(&c, "TRACKED_PLAYERS", "all,Bob", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(
        config_set(&c, "MESSAGE_INTERVAL_SECONDS", "1e-300", err, sizeof(err)),
        CONFIG_EVALUE);
    CHECK_INT(config_set(&c, "DASHBOARD_ADDRESS", "a b:80", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(config_set(&c, "DASHBOARD_ADDRESS", "::1:8080", err, sizeof(err)),
              CONFIG_EVALUE);
    CHECK_INT(
        config_set(&c, "DASHBOARD_ADDRESS", "[::1]:8080", err, sizeof(err)), 0);
    config_free(&c);
}

int main(void)
{
    UNIT_RUN(test_env_bom_comments_and_unknown_keys);
    UNIT_RUN(test_env_empty_value_at_end);
    UNIT_RUN(test_env_nul_refused);
    UNIT_RUN(test_names_and_blanks);
    UNIT_RUN(test_defaults);
    UNIT_RUN(test_env_text);
    UNIT_RUN(test_bad_values_name_key_and_value);
    UNIT_RUN(test_tracked_all_and_props);
    return UNIT_DONE();
}
