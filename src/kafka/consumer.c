/* SPDX-License-Identifier: MIT */
/*
 * The group consumer: subscribes to one topic, assigns each partition it is
 * given from the beginning, tells the caller of every move, and tracks
 * which assigned partitions have reached their end for -e. Messages are
 * taken from librdkafka's queue in batches, and the offsets of handled
 * ones stored once per batch: per message, both cost more than reading
 * the message itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/kafka.h"
#include "util/log.h"

/* Messages taken from librdkafka's queue at a time. */
#define KAFKA_BATCH 256

struct kafka_consumer {
    struct kafka_health health; /* first: the error callback's view */
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue; /* the consumer's queue, for batches */
    rd_kafka_topic_t *rkt;   /* the topic, for storing offsets */
    rd_kafka_message_t *batch[KAFKA_BATCH];
    int nbatch; /* messages in batch */
    int at;     /* the next one to hand out */
    int waited; /* the last message was waited for */
    struct kafka_consumer_hooks hooks;
    int stop_at_end;
    int assigned;    /* a partition set has been assigned */
    char *at_end;    /* at_end[p]: partition p is assigned and at its end */
    char *owned;     /* owned[p]: partition p is assigned */
    int64_t *resume; /* resume[p]: the group's committed offset, or -1 */
    int64_t *next;   /* next[p]: the next offset to read, or -1 */
    int64_t *done;   /* done[p]: last handled offset not stored, or -1 */
    char *topic;
    int32_t nslots;
    int topic_warned;
    double probed_at; /* seconds into the outage of the last probe */
};

/* Seconds between metadata probes while no broker answers. */
#define KAFKA_PROBE_EVERY_S 2.0

/* Makes room for partition numbers below n. */
static int kafka_consumer_slots(struct kafka_consumer *c, int32_t n)
{
    int64_t *r;
    char *a, *b;

    if (n <= c->nslots)
        return 0;
    a = realloc(c->at_end, (size_t)n);
    if (!a)
        return -1;
    c->at_end = a;
    b = realloc(c->owned, (size_t)n);
    if (!b)
        return -1;
    c->owned = b;
    r = realloc(c->resume, (size_t)n * sizeof(*r));
    if (!r)
        return -1;
    c->resume = r;
    r = realloc(c->next, (size_t)n * sizeof(*r));
    if (!r)
        return -1;
    c->next = r;
    r = realloc(c->done, (size_t)n * sizeof(*r));
    if (!r)
        return -1;
    c->done = r;
    memset(c->at_end + c->nslots, 0, (size_t)(n - c->nslots));
    memset(c->owned + c->nslots, 0, (size_t)(n - c->nslots));
    for (; c->nslots < n; c->nslots++)
        c->resume[c->nslots] = c->next[c->nslots] = c->done[c->nslots] = -1;
    return 0;
}

/*
 * Remembers where the group had got to in each partition, so that a replay
 * can tell messages it has already handled (and dead-lettered) from new
 * ones. Unknown offsets are -1: everything counts as new.
 */
static void kafka_consumer_remember(struct kafka_consumer *c,
                                    rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_resp_err_t e = rd_kafka_committed(c->rk, parts, 10000);
    int i;

    if (e)
        log_warn("cannot read the group's committed offsets (%s); dead "
                 "letters of replayed messages may be written again",
                 rd_kafka_err2str(e));
    for (i = 0; i < parts->cnt; i++) {
        int32_t p = parts->elems[i].partition;
        if (p < c->nslots)
            c->resume[p] =
                e || parts->elems[i].err ? -1 : parts->elems[i].offset;
    }
}

/*
 * The first offset of partition p, or RD_KAFKA_OFFSET_BEGINNING when the
 * broker cannot say. Assigning a logical offset makes librdkafka look it
 * up itself, and it retries those lookups only every 500 ms: every
 * partition but the first usually waits that long before its first fetch.
 */
static int64_t kafka_consumer_first(struct kafka_consumer *c, const char *topic,
                                    int32_t p)
{
    int64_t lo, hi;

    if (rd_kafka_query_watermark_offsets(c->rk, topic, p, &lo, &hi, 5000) ||
        lo < 0)
        return RD_KAFKA_OFFSET_BEGINNING;
    return lo;
}

/* Takes the partitions at the offsets the caller's saved state gives. */
static void kafka_consumer_assign(struct kafka_consumer *c,
                                  rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_resp_err_t e;
    int i;

    for (i = 0; i < parts->cnt; i++) {
        int32_t p = parts->elems[i].partition;
        if (kafka_consumer_slots(c, p + 1) == 0) {
            c->owned[p] = 1;
            c->at_end[p] = 0;
            c->next[p] = -1;
        }
    }
    kafka_consumer_remember(c, parts);
    for (i = 0; i < parts->cnt; i++) {
        int32_t p = parts->elems[i].partition;
        parts->elems[i].offset = c->hooks.assigned
                                     ? c->hooks.assigned(c->hooks.arg, p)
                                     : RD_KAFKA_OFFSET_BEGINNING;
        if (parts->elems[i].offset == RD_KAFKA_OFFSET_BEGINNING)
            parts->elems[i].offset =
                kafka_consumer_first(c, parts->elems[i].topic, p);
        log_info("assigned %s [%d] from offset %lld", parts->elems[i].topic,
                 (int)p, (long long)parts->elems[i].offset);
    }
    e = rd_kafka_assign(c->rk, parts);
    if (e)
        log_error("cannot take assigned partitions: %s", rd_kafka_err2str(e));
    c->assigned = 1;
    if (c->hooks.settled)
        c->hooks.settled(c->hooks.arg);
}

/* Stores the offsets of the messages handled since the last call. */
static void kafka_consumer_store(struct kafka_consumer *c)
{
    rd_kafka_resp_err_t e;
    int32_t p;

    for (p = 0; p < c->nslots; p++) {
        if (c->done[p] < 0)
            continue;
        e = rd_kafka_offset_store(c->rkt, p, c->done[p]);
        if (e && e != RD_KAFKA_RESP_ERR__STATE)
            log_warn("cannot store the offset of %s [%d]: %s", c->topic, (int)p,
                     rd_kafka_err2str(e));
        c->done[p] = -1;
    }
}

static void kafka_consumer_revoke(struct kafka_consumer *c,
                                  rd_kafka_topic_partition_list_t *parts)
{
    int i;

    /* What was handled is stored while the partitions are still ours. */
    kafka_consumer_store(c);
    for (i = 0; i < parts->cnt; i++) {
        int32_t p = parts->elems[i].partition;
        if (p < c->nslots)
            c->owned[p] = c->at_end[p] = 0;
        if (c->hooks.revoked)
            c->hooks.revoked(c->hooks.arg, p);
        log_info("revoked %s [%d]", parts->elems[i].topic, (int)p);
    }
    rd_kafka_assign(c->rk, NULL);
}

static void kafka_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t *parts,
                               void *opaque)
{
    struct kafka_consumer *c = opaque;

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        kafka_consumer_assign(c, parts);
    else
        kafka_consumer_revoke(c, parts);
}

int kafka_consumer_new(const struct config *cfg,
                       const struct kafka_consumer_hooks *hooks,
                       int stop_at_end, struct kafka_consumer **out, char *err,
                       size_t errlen)
{
    /*
     * Offsets are stored once a message is handled, not when it is read,
     * so a crash replays it rather than skipping its dead letter. A topic
     * that does not exist yet is looked for again every five seconds
     * (librdkafka's default is five minutes).
     *
     * The group consumer shares one local queue between all partitions,
     * and librdkafka stops fetching once that queue holds
     * queued.min.messages; it looks again only about once a second. One
     * fetch can bring 50,000 messages per partition, so the default of
     * 100,000 would leave the consumer idle most of each second: the
     * limit that counts here is queued.max.messages.kbytes (64 MB of
     * messages). An empty partition in a fetch makes the broker wait
     * fetch.wait.max.ms before answering: 100 ms rather than 500 keeps
     * the first messages, and new ones on a quiet topic, from waiting.
     * XXX: when the queue does reach its byte limit, librdkafka 2.0 still
     * waits up to a second before it fetches again (newer releases have
     * fetch.queue.backoff.ms): a backlog read on a fast local broker loses
     * about 0.3 s per million small messages to it.
     */
    static const char *const defaults[] = {"enable.partition.eof",
                                           "true",
                                           "auto.offset.reset",
                                           "earliest",
                                           "enable.auto.offset.store",
                                           "false",
                                           "topic.metadata.refresh.interval.ms",
                                           "5000",
                                           "queued.min.messages",
                                           "1000000",
                                           "fetch.wait.max.ms",
                                           "100",
                                           NULL};
    const char *const group[] = {"group.id", cfg->group_id, NULL};
    struct kafka_consumer *c = calloc(1, sizeof(*c));
    rd_kafka_topic_partition_list_t *topics = NULL;
    rd_kafka_conf_t *conf;
    rd_kafka_resp_err_t e;
    char why[512];

    if (!c) {
        snprintf(err, errlen, "out of memory");
        return KAFKA_ECREATE;
    }
    if (hooks)
        c->hooks = *hooks;
    c->stop_at_end = stop_at_end;
    conf = kafka_conf_new(cfg, defaults, group, err, errlen);
    if (!conf)
        goto fail;
    rd_kafka_conf_set_rebalance_cb(conf, kafka_rebalance_cb);
    rd_kafka_conf_set_opaque(conf, c);
    c->health.brokers = cfg->brokers;
    c->topic = strdup(cfg->topic);
    if (!c->topic) {
        snprintf(err, errlen, "out of memory");
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
    if (!c->rk) {
        snprintf(err, errlen, "cannot create consumer: %s", why);
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_poll_set_consumer(c->rk);

    topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, cfg->topic,
                                      RD_KAFKA_PARTITION_UA);
    e = rd_kafka_subscribe(c->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) {
        snprintf(err, errlen, "cannot subscribe to %s: %s", cfg->topic,
                 rd_kafka_err2str(e));
        goto fail;
    }
    c->queue = rd_kafka_queue_get_consumer(c->rk);
    c->rkt = rd_kafka_topic_new(c->rk, cfg->topic, NULL);
    if (!c->queue || !c->rkt) {
        snprintf(err, errlen, "cannot set up the consumer: %s",
                 rd_kafka_err2str(rd_kafka_last_error()));
        goto fail;
    }
    *out = c;
    return 0;
fail:
    if (c->rkt)
        rd_kafka_topic_destroy(c->rkt);
    if (c->queue)
        rd_kafka_queue_destroy(c->queue);
    if (c->rk)
        rd_kafka_destroy(c->rk);
    free(c->topic);
    free(c);
    return KAFKA_ECREATE;
}

/* Whether every assigned partition has reached its end. */
static int kafka_consumer_all_at_end(const struct kafka_consumer *c)
{
    int32_t p;
    int any = 0;

    for (p = 0; p < c->nslots; p++) {
        if (!c->owned[p])
            continue;
        if (!c->at_end[p])
            return 0;
        any = 1;
    }
    return any;
}

/* Handles a message that carries an error rather than data. */
static int kafka_consumer_event(struct kafka_consumer *c, rd_kafka_message_t *m)
{
    int32_t p = m->partition;

    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (p >= 0 && p < c->nslots && c->owned[p]) {
            c->at_end[p] = 1;
            c->next[p] = m->offset;
        }
        return c->stop_at_end && kafka_consumer_all_at_end(c) ? KAFKA_EEND : 0;
    }
    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
        if (c->stop_at_end)
            return KAFKA_ETOPIC;
        if (!c->topic_warned++)
            log_warn("waiting for the topic to exist: %s",
                     rd_kafka_message_errstr(m));
        return 0;
    }
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        log_error("consumer failed: %s", rd_kafka_message_errstr(m));
        return KAFKA_EFATAL;
    }
    log_warn("consumer: %s", rd_kafka_message_errstr(m));
    return 0;
}

/*
 * While the cluster is unreachable, asks a broker for metadata now and
 * then: an answer means the cluster is back even before the group has
 * settled and messages flow again, which can take a session timeout.
 */
static void kafka_consumer_probe(struct kafka_consumer *c)
{
    const struct rd_kafka_metadata *md;
    double down = kafka_health_down_for(&c->health);

    if (down == 0 || down - c->probed_at < KAFKA_PROBE_EVERY_S)
        return;
    c->probed_at = down;
    if (rd_kafka_metadata(c->rk, 0, NULL, &md, 500) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        kafka_health_up(&c->health);
        c->probed_at = 0;
    }
}

/*
 * The next message, from the batch or, once it is used up, from a new
 * one: whatever librdkafka holds, else one message waited for up to
 * timeout_ms. NULL when none came. A rebalance callback may run in here.
 */
static rd_kafka_message_t *kafka_consumer_next(struct kafka_consumer *c,
                                               int timeout_ms)
{
    ssize_t n;

    c->waited = 0;
    if (c->at < c->nbatch)
        return c->batch[c->at++];
    kafka_consumer_store(c);
    c->at = c->nbatch = 0;
    n = rd_kafka_consume_batch_queue(c->queue, 0, c->batch, KAFKA_BATCH);
    if (n > 0) {
        c->nbatch = (int)n;
        return c->batch[c->at++];
    }
    c->waited = 1;
    return rd_kafka_consumer_poll(c->rk, timeout_ms);
}

int kafka_consumer_poll(struct kafka_consumer *c, int timeout_ms,
                        rd_kafka_message_t **msg)
{
    rd_kafka_message_t *m;
    int32_t p;
    int rc;

    for (;;) {
        m = kafka_consumer_next(c, timeout_ms);
        if (!m) {
            if (c->stop_at_end &&
                kafka_health_down_for(&c->health) >= KAFKA_DOWN_GIVE_UP_S)
                return KAFKA_EDOWN;
            kafka_consumer_probe(c);
            return 0;
        }
        kafka_health_up(&c->health);
        if (m->err) {
            rc = kafka_consumer_event(c, m);
            rd_kafka_message_destroy(m);
            return rc;
        }
        p = m->partition;
        /*
         * A batch taken before a rebalance can hold messages of a
         * partition revoked since: they are someone else's now. (One
         * assigned again is read again from its saved offset, which the
         * caller's offsets tell apart.)
         */
        if (p >= 0 && p < c->nslots && c->owned[p])
            break;
        rd_kafka_message_destroy(m);
    }
    c->at_end[p] = 0;
    c->next[p] = m->offset + 1;
    *msg = m;
    return 1;
}

void kafka_consumer_close(struct kafka_consumer *c)
{
    if (!c)
        return;
    /* Messages taken but not handled are read again by the next owner. */
    while (c->at < c->nbatch)
        rd_kafka_message_destroy(c->batch[c->at++]);
    kafka_consumer_store(c);
    rd_kafka_consumer_close(c->rk);
    rd_kafka_topic_destroy(c->rkt);
    rd_kafka_queue_destroy(c->queue);
    rd_kafka_destroy(c->rk);
    free(c->done);
    free(c->at_end);
    free(c->owned);
    free(c->resume);
    free(c->next);
    free(c->topic);
    free(c);
}

int kafka_consumer_waited(const struct kafka_consumer *c)
{
    return c->waited;
}

int kafka_consumer_replayed(const struct kafka_consumer *c, int32_t partition,
                            int64_t offset)
{
    if (partition < 0 || partition >= c->nslots || c->resume[partition] < 0)
        return 0;
    return offset < c->resume[partition];
}

void kafka_consumer_done(struct kafka_consumer *c, const rd_kafka_message_t *m)
{
    if (m->partition >= 0 && m->partition < c->nslots)
        c->done[m->partition] = m->offset;
}

long long kafka_consumer_lag(struct kafka_consumer *c)
{
    long long lag = 0;
    int64_t lo, hi, at;
    int32_t p;

    for (p = 0; p < c->nslots; p++) {
        if (!c->owned[p])
            continue;
        /* Cached from fetch replies: no request to the broker. */
        if (rd_kafka_get_watermark_offsets(c->rk, c->topic, p, &lo, &hi) ||
            hi < 0)
            return -1;
        at = c->next[p] >= 0 ? c->next[p] : lo;
        if (at < 0)
            return -1;
        lag += hi > at ? hi - at : 0;
    }
    return lag;
}

int kafka_consumer_broker_down(const struct kafka_consumer *c)
{
    return kafka_health_down_for(&c->health) > 0;
}
