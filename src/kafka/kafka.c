/* SPDX-License-Identifier: MIT */
/*
 * librdkafka configuration and the producer. Delivery reports are the only
 * truth about a message: each one is counted delivered or failed, and a
 * drain purges what the broker never took so nothing is left unaccounted.
 */
#include "kafka/kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"

/* Failures logged one by one before the rest are only counted. */
#define KAFKA_MAX_LOGGED_FAILURES 10

struct kafka_producer {
    struct kafka_health health; /* first: the error callback's view */
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt; /* the topic last sent to, or NULL */
    unsigned long long queued;
    unsigned long long delivered;
    unsigned long long failed;
};

/*
 * Routes librdkafka's own log lines to ours, one level lower than they
 * claim: what matters of them also reaches kafka_error_cb(), which speaks
 * for it once and plainly.
 */
static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac,
                         const char *buf)
{
    log_msg(level <= 6 ? LOG_INFO : LOG_DEBUG, "kafka: %s: %s", fac, buf);
}

static double kafka_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Client-level errors. Most are transient and retried by librdkafka, so
 * a lost connection is only noted; an unreachable cluster is said once
 * per outage with what to do about it; fatal errors are errors.
 */
static void kafka_error_cb(rd_kafka_t *rk, int err, const char *reason,
                           void *opaque)
{
    struct kafka_health *h = opaque;

    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        if (h && h->down_since == 0)
            log_warn("no Kafka broker answers at %s; retrying. Is one "
                     "running? ./start-kafka.sh starts one; -b or "
                     "KAFKA_BROKER_ADDRESS says where",
                     h->brokers);
        if (h && h->down_since == 0)
            h->down_since = kafka_now();
    } else if (err == RD_KAFKA_RESP_ERR__FATAL) {
        log_error("kafka: fatal: %s", reason);
    } else if (err == RD_KAFKA_RESP_ERR__TRANSPORT ||
               err == RD_KAFKA_RESP_ERR__RESOLVE) {
        log_info("kafka: %s", reason);
    } else {
        log_warn("kafka: %s", reason);
    }
}

/* Marks the cluster reachable again after a message or a delivery. */
void kafka_health_up(struct kafka_health *h)
{
    if (h->down_since != 0) {
        h->down_since = 0;
        log_warn("a Kafka broker answers again at %s", h->brokers);
    }
}

/* Seconds the cluster has been unreachable, or 0. */
double kafka_health_down_for(const struct kafka_health *h)
{
    return h->down_since == 0 ? 0 : kafka_now() - h->down_since;
}

/* Our logger and error callback on a new configuration. */
static void kafka_conf_hooks(rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, kafka_error_cb);
}

int kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                   char *err, size_t errlen)
{
    char why[256];

    if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) ==
        RD_KAFKA_CONF_OK)
        return 0;
    snprintf(err, errlen, "-X %s=%s: %s", name, value, why);
    return KAFKA_ECONFIG;
}

/* Applies a NULL-terminated list of name, value pairs (NULL is empty). */
static int kafka_conf_pairs(rd_kafka_conf_t *conf, const char *const *kv,
                            char *err, size_t errlen)
{
    for (; kv && *kv; kv += 2)
        if (kafka_conf_set(conf, kv[0], kv[1], err, errlen))
            return KAFKA_ECONFIG;
    return 0;
}

rd_kafka_conf_t *kafka_conf_new(const struct config *cfg,
                                const char *const *defaults,
                                const char *const *extra, char *err,
                                size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    size_t i;

    if (!conf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    kafka_conf_hooks(conf);
    if (kafka_conf_pairs(conf, defaults, err, errlen) ||
        kafka_conf_pairs(conf, extra, err, errlen) ||
        kafka_conf_set(conf, "bootstrap.servers", cfg->brokers, err, errlen) ||
        kafka_conf_set(conf, "client.id", "dndtrack", err, errlen))
        goto fail;
    for (i = 0; i < cfg->nprops; i++)
        if (kafka_conf_set(conf, cfg->props[i].name, cfg->props[i].value, err,
                           errlen))
            goto fail;
    return conf;
fail:
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static void kafka_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                        void *opaque)
{
    struct kafka_producer *p = opaque;

    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        p->delivered++;
        kafka_health_up(&p->health);
        return;
    }
    p->failed++;
    if (p->failed <= KAFKA_MAX_LOGGED_FAILURES)
        log_error("delivery to %s failed: %s", rd_kafka_topic_name(m->rkt),
                  rd_kafka_err2str(m->err));
    else if (p->failed == KAFKA_MAX_LOGGED_FAILURES + 1)
        log_error("more deliveries failed; counting them without logging");
}

int kafka_producer_new(const struct config *cfg, const char *const *extra,
                       struct kafka_producer **out, char *err, size_t errlen)
{
    static const char *const defaults[] = {"enable.idempotence",
                                           "true",
                                           "compression.type",
                                           "lz4",
                                           "linger.ms",
                                           "5",
                                           NULL};
    struct kafka_producer *p = calloc(1, sizeof(*p));
    rd_kafka_conf_t *conf;
    char why[512];

    if (!p) {
        snprintf(err, errlen, "out of memory");
        return KAFKA_ECREATE;
    }
    conf = kafka_conf_new(cfg, defaults, extra, err, errlen);
    if (!conf) {
        free(p);
        return KAFKA_ECONFIG;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, kafka_dr_cb);
    rd_kafka_conf_set_opaque(conf, p);
    p->health.brokers = cfg->brokers;

    /* On success rd_kafka_new() owns conf; on failure it is still ours. */
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!p->rk) {
        snprintf(err, errlen, "cannot create producer: %s", why);
        rd_kafka_conf_destroy(conf);
        free(p);
        return KAFKA_ECREATE;
    }
    *out = p;
    return 0;
}

/*
 * The handle of topic, kept from the last send: naming the topic on each
 * message would look it up under the client's lock every time.
 */
static rd_kafka_topic_t *kafka_producer_topic(struct kafka_producer *p,
                                              const char *topic)
{
    if (p->rkt && strcmp(rd_kafka_topic_name(p->rkt), topic) == 0)
        return p->rkt;
    if (p->rkt)
        rd_kafka_topic_destroy(p->rkt);
    p->rkt = rd_kafka_topic_new(p->rk, topic, NULL);
    return p->rkt;
}

int kafka_producer_send(struct kafka_producer *p, const char *topic,
                        const void *key, size_t keylen, const void *value,
                        size_t len, rd_kafka_headers_t *headers)
{
    rd_kafka_topic_t *rkt = kafka_producer_topic(p, topic);
    rd_kafka_resp_err_t e;

    if (!rkt) {
        e = rd_kafka_last_error();
        goto fail;
    }
    for (;;) {
        /*
         * F_COPY: librdkafka copies the value into the one allocation it
         * makes for the message anyway, so the caller's buffer may be on
         * its stack; handing over a malloc'd value would cost one more.
         */
        if (headers)
            e = rd_kafka_producev(p->rk, RD_KAFKA_V_RKT(rkt),
                                  RD_KAFKA_V_KEY((void *)key, keylen),
                                  RD_KAFKA_V_VALUE((void *)value, len),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
        else
            e = rd_kafka_producev(
                p->rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_KEY((void *)key, keylen),
                RD_KAFKA_V_VALUE((void *)value, len),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            break;
        /* The local queue is full: let deliveries drain it, then retry. */
        rd_kafka_poll(p->rk, 100);
    }
    if (e)
        goto fail;
    p->queued++;
    /*
     * Reports are served after every message, as kcat does: delivered
     * messages are then freed a few at a time and their memory is reused
     * at once. Serving them a thousand messages apart was measured to cost
     * more in malloc and free than the polls it saved.
     */
    rd_kafka_poll(p->rk, 0);
    return 0;
fail:
    log_error("cannot queue a message for %s: %s", topic, rd_kafka_err2str(e));
    return KAFKA_ESEND;
}

void kafka_producer_poll(struct kafka_producer *p, int timeout_ms)
{
    rd_kafka_poll(p->rk, timeout_ms);
}

unsigned long long kafka_producer_drain(struct kafka_producer *p,
                                        int timeout_ms)
{
    unsigned long long before = p->failed;
    int left;

    rd_kafka_flush(p->rk, timeout_ms);
    left = rd_kafka_outq_len(p->rk);
    if (left == 0)
        return 0;

    /* Purged messages come back as failed delivery reports. */
    rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(p->rk, 5000);
    return p->failed - before;
}

void kafka_producer_counts(const struct kafka_producer *p,
                           unsigned long long *delivered,
                           unsigned long long *failed,
                           unsigned long long *in_flight)
{
    *delivered = p->delivered;
    *failed = p->failed;
    *in_flight = p->queued - p->delivered - p->failed;
}

void kafka_producer_free(struct kafka_producer *p)
{
    if (!p)
        return;
    if (p->rkt)
        rd_kafka_topic_destroy(p->rkt);
    rd_kafka_destroy(p->rk);
    free(p);
}

const char *kafka_strerror(int err)
{
    switch (err) {
    case KAFKA_OK:
        return "success";
    case KAFKA_ECONFIG:
        return "configuration refused";
    case KAFKA_ECREATE:
        return "cannot create client";
    case KAFKA_ESEND:
        return "cannot queue message";
    case KAFKA_EFATAL:
        return "fatal client error";
    case KAFKA_ETOPIC:
        return "topic does not exist";
    case KAFKA_EEND:
        return "end of partitions";
    case KAFKA_EDOWN:
        return "no broker answers";
    default:
        return "unknown error";
    }
}
