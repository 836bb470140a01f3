/* SPDX-License-Identifier: MIT */
/*
 * Configuration: documented defaults, .env text with comments, quotes and
 * foreign keys, and bad values refused with a message naming key, value
 * and what is allowed.
 */
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
                                   sizeof(err)),
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
                                   sizeof(err)),
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
    CHECK_INT(
        config_load_env_text(&c, "JUSTAWORD\n", 10, ".env", err, sizeof(err)),
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

int main(void)
{
    UNIT_RUN(test_defaults);
    UNIT_RUN(test_env_text);
    UNIT_RUN(test_bad_values_name_key_and_value);
    UNIT_RUN(test_tracked_all_and_props);
    return UNIT_DONE();
}
