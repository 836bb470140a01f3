/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for settings: the input is applied as the text of a
 * .env file, then, separately, the first byte picks a key and the rest is
 * its value for config_set(), -X and the address parser. A refused value
 * must leave the settings as they were.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_config_same_text(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* Whether a and b hold the same settings, -X properties aside. */
static int fuzz_config_same(const struct config *a, const struct config *b)
{
    size_t i;

    if (a->ntracked != b->ntracked || a->tracked_all != b->tracked_all ||
        a->viz_refresh != b->viz_refresh ||
        a->interval_seconds != b->interval_seconds)
        return 0;
    for (i = 0; i < a->ntracked; i++)
        if (!fuzz_config_same_text(a->tracked_list[i], b->tracked_list[i]))
            return 0;
    return fuzz_config_same_text(a->brokers, b->brokers) &&
           fuzz_config_same_text(a->topic, b->topic) &&
           fuzz_config_same_text(a->group_id, b->group_id) &&
           fuzz_config_same_text(a->tracked, b->tracked) &&
           fuzz_config_same_text(a->dashboard, b->dashboard) &&
           fuzz_config_same_text(a->state_dir, b->state_dir);
}

static void fuzz_config_unknown(void *arg, const char *key)
{
    if (!key || !key[0])
        fuzz_fail("an unknown .env key is empty");
    ++*(size_t *)arg;
}

/* The whole input as a .env file. */
static void fuzz_config_env(const uint8_t *data, size_t size)
{
    struct config cfg;
    size_t unknown = 0;
    struct config_env_report report = {fuzz_config_unknown, &unknown, 0};
    char err[1024];

    if (config_init(&cfg) != 0)
        return;
    err[0] = '\0';
    if (config_load_env_text(&cfg, (const char *)data, size, "fuzz.env", err,
                             sizeof(err), &report) != 0 &&
        err[0] == '\0')
        fuzz_fail("a refused .env has no message");
    (void)config_is_tracked(&cfg, "Wurs");
    config_free(&cfg);
}

/* The first byte picks a key, one past the last being one of no module. */
static void fuzz_config_key(const uint8_t *data, size_t size)
{
    struct config cfg, before;
    size_t nkeys = 0;
    const char *key;
    char *value, host[CONFIG_HOST_MAX], err[1024];
    unsigned port;

    while (config_keys[nkeys])
        nkeys++;
    key = data[0] % (nkeys + 1) < nkeys ? config_keys[data[0] % (nkeys + 1)]
                                        : "NOT_A_SETTING";
    value = malloc(size);
    if (!value)
        return;
    memcpy(value, data + 1, size - 1);
    value[size - 1] = '\0';
    if (config_init(&cfg) != 0 || config_init(&before) != 0) {
        config_free(&cfg);
        free(value);
        return;
    }

    err[0] = '\0';
    if (config_set(&cfg, key, value, err, sizeof(err)) != 0) {
        if (err[0] == '\0')
            fuzz_fail("a refused setting has no message");
        if (!fuzz_config_same(&cfg, &before))
            fuzz_fail("a refused setting changed the settings");
    }
    (void)config_is_tracked(&cfg, value);
    (void)config_add_prop(&cfg, value, err, sizeof(err));
    if (config_parse_address(value, host, sizeof(host), &port) == 0 &&
        (port > 65535 || strlen(host) >= sizeof(host)))
        fuzz_fail("an accepted address has a bad port or host");
    config_free(&before);
    config_free(&cfg);
    free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_config_env(data, size);
    if (size > 0)
        fuzz_config_key(data, size);
    return 0;
}
