/* SPDX-License-Identifier: MIT */
/*
 * Renders a statistics table in Prometheus' text exposition format, for
 * /metrics. Label values are escaped as the format requires; nothing else
 * about the table is assumed.
 */
#include "core/stats.h"

#include "util/buf.h"

/* Appends s as a label value: backslash, quote and newline escaped. */
static void stats_label(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            buf_puts(b, "\\\\");
        else if (*s == '"')
            buf_puts(b, "\\\"");
        else if (*s == '\n')
            buf_puts(b, "\\n");
        else
            buf_add(b, s, 1);
    }
}

static void stats_metric_head(struct buf *b, const char *name, const char *type,
                              const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void stats_metrics_player(struct buf *b, const struct stats_player *p)
{
    int i;

    for (i = 0; i < EVENT_TYPE_COUNT; i++) {
        buf_puts(b, "dndtrack_player_events_total{player=\"");
        stats_label(b, p->name);
        buf_printf(b, "\",type=\"%s\"} %llu\n",
                   event_type_name((enum event_type)i), p->events[i]);
    }
}

void stats_metrics_head(struct buf *b, unsigned long long messages,
                        unsigned long long invalid, long long lag,
                        size_t players)
{
    stats_metric_head(b, "dndtrack_messages_total", "counter",
                      "Messages read from the assigned partitions.");
    buf_printf(b, "dndtrack_messages_total %llu\n", messages);
    stats_metric_head(b, "dndtrack_invalid_total", "counter",
                      "Messages that were not valid events.");
    buf_printf(b, "dndtrack_invalid_total %llu\n", invalid);
    if (lag >= 0) {
        stats_metric_head(b, "dndtrack_consumer_lag", "gauge",
                          "Messages behind the end of the partitions.");
        buf_printf(b, "dndtrack_consumer_lag %lld\n", lag);
    }
    stats_metric_head(b, "dndtrack_players", "gauge", "Players seen.");
    buf_printf(b, "dndtrack_players %zu\n", players);
    stats_metric_head(b, "dndtrack_player_events_total", "counter",
                      "Valid events per player and event type.");
}

static void stats_metrics_each(const struct stats_player *p, void *arg)
{
    stats_metrics_player(arg, p);
}

char *stats_to_metrics(const struct stats_table *t, unsigned long long messages,
                       unsigned long long invalid, long long lag, size_t *len)
{
    struct buf b = {0};

    stats_metrics_head(&b, messages, invalid, lag, stats_count(t));
    stats_each(t, stats_metrics_each, &b);
    return buf_take(&b, len);
}
