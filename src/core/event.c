/* SPDX-License-Identifier: MIT */
/*
 * Event decoding with jansson: size and emptiness checks first, then the
 * JSON parse (which also rejects invalid UTF-8 and deep nesting), then a
 * type check of every known field. Unknown fields are ignored; unknown
 * event types are valid and become EVENT_OTHER.
 */
#include "core/event.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/errbuf.h"

/* Largest magnitude accepted for roll figures: beyond any real table. */
#define EVENT_MAX_NUMBER 1000000000LL

static const char *const event_names[EVENT_TYPE_COUNT] = {
    "dice_roll", "encounter", "spell_cast", "other"};

/* Optional fields that must be strings when present and not null. */
static const char *const event_string_fields[] = {
    "timestamp", "dice_type",    "context",  "spell_name", "target",
    "effect",    "monster_type", "location", "event_id",   "campaign",
    "character", "played_by",    "notation", "advantage"};

/* Optional fields that must be integers when present and not null. */
static const char *const event_int_fields[] = {
    "roll_result", "total", "modifier", "initiative_order", "level"};

/* Optional fields that must be booleans when present and not null. */
static const char *const event_bool_fields[] = {"discarded", "crit"};

#define EVENT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Returns the member or NULL when absent or JSON null. */
static json_t *event_get(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    return json_is_null(v) ? NULL : v;
}

static int event_check_types(json_t *obj, char *why, size_t whylen)
{
    size_t i;
    json_t *v;

    for (i = 0; i < EVENT_COUNT(event_string_fields); i++) {
        v = event_get(obj, event_string_fields[i]);
        if (v && !json_is_string(v))
            return errbuf_set(EVENT_EFIELD, why, whylen,
                              "field '%s' is not a string",
                              event_string_fields[i]);
    }
    for (i = 0; i < EVENT_COUNT(event_int_fields); i++) {
        v = event_get(obj, event_int_fields[i]);
        if (v && !json_is_integer(v))
            return errbuf_set(EVENT_EFIELD, why, whylen,
                              "field '%s' is not an integer",
                              event_int_fields[i]);
        if (v && (json_integer_value(v) > EVENT_MAX_NUMBER ||
                  json_integer_value(v) < -EVENT_MAX_NUMBER))
            return errbuf_set(EVENT_EFIELD, why, whylen,
                              "field '%s' is out of range",
                              event_int_fields[i]);
    }
    for (i = 0; i < EVENT_COUNT(event_bool_fields); i++) {
        v = event_get(obj, event_bool_fields[i]);
        if (v && !json_is_boolean(v))
            return errbuf_set(EVENT_EFIELD, why, whylen,
                              "field '%s' is not a boolean",
                              event_bool_fields[i]);
    }
    v = event_get(obj, "session");
    if (v && !json_is_string(v) && !json_is_integer(v))
        return errbuf_set(EVENT_EFIELD, why, whylen,
                          "field 'session' is not a string or integer");
    v = event_get(obj, "natural");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 1 ||
              json_integer_value(v) > 20))
        return errbuf_set(EVENT_EFIELD, why, whylen,
                          "field 'natural' is not an integer 1..20");
    return 0;
}

/* Copies a string member into *dst; absent leaves NULL. */
static int event_copy(json_t *obj, const char *key, char **dst)
{
    json_t *v = event_get(obj, key);

    if (!v)
        return 0;
    *dst = strdup(json_string_value(v));
    return *dst ? 0 : EVENT_ENOMEM;
}

static void event_copy_int(json_t *obj, const char *key, int *has,
                           long long *dst)
{
    json_t *v = event_get(obj, key);

    if (v) {
        *has = 1;
        *dst = (long long)json_integer_value(v);
    }
}

static int event_fill(json_t *obj, struct event *ev)
{
    const char *type = json_string_value(json_object_get(obj, "event_type"));
    json_t *v;
    int i;
    int rc = 0;

    ev->type = EVENT_OTHER;
    for (i = 0; i < EVENT_OTHER; i++)
        if (strcmp(type, event_names[i]) == 0)
            ev->type = (enum event_type)i;

    rc |= event_copy(obj, "event_type", &ev->type_name);
    rc |= event_copy(obj, "player", &ev->player);
    rc |= event_copy(obj, "timestamp", &ev->timestamp);
    rc |= event_copy(obj, "dice_type", &ev->dice_type);
    rc |= event_copy(obj, "context", &ev->context);
    rc |= event_copy(obj, "spell_name", &ev->spell_name);
    rc |= event_copy(obj, "monster_type", &ev->monster_type);
    if (rc)
        return EVENT_ENOMEM;

    event_copy_int(obj, "roll_result", &ev->has_roll_result, &ev->roll_result);
    event_copy_int(obj, "total", &ev->has_total, &ev->total);
    event_copy_int(obj, "modifier", &ev->has_modifier, &ev->modifier);
    v = event_get(obj, "natural");
    if (v) {
        ev->has_natural = 1;
        ev->natural = (int)json_integer_value(v);
    }
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

int event_decode(const void *buf, size_t len, struct event *ev, char *why,
                 size_t whylen)
{
    json_error_t jerr;
    json_t *root;
    int rc;

    memset(ev, 0, sizeof(*ev));
    if (whylen)
        why[0] = '\0';
    if (buf == NULL || len == 0)
        return errbuf_set(EVENT_EEMPTY, why, whylen, "empty or null value");
    if (len > EVENT_MAX_BYTES)
        return errbuf_set(EVENT_ETOOBIG, why, whylen,
                          "value of %zu bytes is over the %d byte limit", len,
                          EVENT_MAX_BYTES);

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

void event_clear(struct event *ev)
{
    free(ev->type_name);
    free(ev->player);
    free(ev->timestamp);
    free(ev->dice_type);
    free(ev->context);
    free(ev->spell_name);
    free(ev->monster_type);
    memset(ev, 0, sizeof(*ev));
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
