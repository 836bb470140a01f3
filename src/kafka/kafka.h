/* SPDX-License-Identifier: MIT */
/*
 * The Kafka adapter: librdkafka configuration from our settings, an
 * idempotent producer that counts every delivery report, and a group
 * consumer that reports partition moves and the end of its partitions.
 * It knows nothing of events or statistics.
 */
#ifndef DND_KAFKA_H
#define DND_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

enum kafka_err {
    KAFKA_OK = 0,
    KAFKA_ECONFIG = -1, /* librdkafka refused a property */
    KAFKA_ECREATE = -2, /* the client could not be created */
    KAFKA_ESEND = -3,   /* a message could not be queued */
    KAFKA_EFATAL = -4,  /* a fatal client error; see the log */
    KAFKA_ETOPIC = -5,  /* the topic does not exist */
    KAFKA_EEND = -6,    /* every assigned partition is at its end */
    KAFKA_EDOWN = -7    /* no broker has answered for a while */
};

/*
 * What the error callback learns about the cluster. Each client's opaque
 * pointer leads to its struct, whose first member is this one. Touched
 * only from the thread that polls the client.
 */
struct kafka_health {
    const char *brokers; /* borrowed from the configuration */
    double down_since;   /* monotonic seconds; 0 while a broker answers */
};

/* Marks the cluster reachable again (called when data flows). */
void kafka_health_up(struct kafka_health *h);

/* Seconds the cluster has been unreachable, or 0 while it answers. */
double kafka_health_down_for(const struct kafka_health *h);

/*
 * A new librdkafka configuration with our logger, then the name, value
 * pairs of defaults and of extra (each NULL-terminated, or NULL), then
 * bootstrap.servers from cfg and every -X property of cfg, so -X wins.
 * Returns NULL with a message in err when a property is refused.
 */
rd_kafka_conf_t *kafka_conf_new(const struct config *cfg,
                                const char *const *defaults,
                                const char *const *extra, char *err,
                                size_t errlen);

/* Sets name=value on conf; on refusal writes "-X name=value: why". */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                   char *err, size_t errlen);

struct kafka_producer;

/*
 * An idempotent, lz4-compressed producer. extra may be NULL or a
 * NULL-terminated list of name, value pairs applied before cfg's -X
 * properties. Returns 0 and *out, or a negative enum kafka_err with err.
 */
int kafka_producer_new(const struct config *cfg, const char *const *extra,
                       struct kafka_producer **out, char *err, size_t errlen);

/*
 * Queues a copy of value for topic with key (either may be NULL with length
 * 0). headers, when not NULL, pass to librdkafka on success only. Waits
 * while the local queue is full. Returns 0 or KAFKA_ESEND.
 */
int kafka_producer_send(struct kafka_producer *p, const char *topic,
                        const void *key, size_t keylen, const void *value,
                        size_t len, rd_kafka_headers_t *headers);

/* Serves delivery reports for up to timeout_ms. */
void kafka_producer_poll(struct kafka_producer *p, int timeout_ms);

/*
 * Waits up to timeout_ms for every queued message to be delivered or to
 * fail; then purges what is left, which is counted as failed. Returns the
 * number purged.
 */
unsigned long long kafka_producer_drain(struct kafka_producer *p,
                                        int timeout_ms);

/* Delivered and failed so far, and messages still in flight. */
void kafka_producer_counts(const struct kafka_producer *p,
                           unsigned long long *delivered,
                           unsigned long long *failed,
                           unsigned long long *in_flight);

/* Frees p; call kafka_producer_drain() first to lose nothing. */
void kafka_producer_free(struct kafka_producer *p);

/* Called from inside kafka_consumer_poll() when partitions move. */
struct kafka_consumer_hooks {
    void *arg;
    /* Returns the offset to start partition from, or
     * RD_KAFKA_OFFSET_BEGINNING. */
    int64_t (*assigned)(void *arg, int32_t partition);
    /* Called before the partition is given up. */
    void (*revoked)(void *arg, int32_t partition);
    /* Called once a new assignment is in place (may be NULL). */
    void (*settled)(void *arg);
};

struct kafka_consumer;

/* How long a consumer with stop_at_end waits for an unreachable cluster. */
#define KAFKA_DOWN_GIVE_UP_S 15.0

/*
 * Joins cfg's group on cfg's topic. Each assigned partition is read from
 * the offset hooks->assigned returns (from its beginning without hooks):
 * offsets committed to Kafka are kept up to date for other tools but are
 * not where reading starts. With stop_at_end, kafka_consumer_poll() returns
 * KAFKA_EEND once every assigned partition has reached its end, and
 * KAFKA_ETOPIC when the topic does not exist.
 */
int kafka_consumer_new(const struct config *cfg,
                       const struct kafka_consumer_hooks *hooks,
                       int stop_at_end, struct kafka_consumer **out, char *err,
                       size_t errlen);

/*
 * Waits up to timeout_ms. Returns 1 with a message in *msg (release with
 * rd_kafka_message_destroy), 0 when there was none, or a negative enum
 * kafka_err; with stop_at_end, KAFKA_EDOWN when no broker has answered for
 * KAFKA_DOWN_GIVE_UP_S seconds. Errors librdkafka recovers from are logged.
 */
int kafka_consumer_poll(struct kafka_consumer *c, int timeout_ms,
                        rd_kafka_message_t **msg);

/*
 * Whether the last kafka_consumer_poll() found librdkafka's queue empty
 * and waited: messages are then coming slower than they are handled.
 */
int kafka_consumer_waited(const struct kafka_consumer *c);

/*
 * Whether the message at offset of partition was already handled by this
 * group before the partition was assigned (it is being replayed).
 */
int kafka_consumer_replayed(const struct kafka_consumer *c, int32_t partition,
                            int64_t offset);

/*
 * Marks m handled: its offset is stored once the current batch of
 * messages is used up (or the partition is revoked, or the consumer
 * closed) and committed with the next auto-commit after that.
 */
void kafka_consumer_done(struct kafka_consumer *c, const rd_kafka_message_t *m);

/*
 * Messages between what was read and the end of the assigned partitions,
 * from the watermarks of the latest fetches (no broker request); -1 while
 * unknown. 0 when nothing is assigned.
 */
long long kafka_consumer_lag(struct kafka_consumer *c);

/* Whether no broker has answered since the cluster was last reachable. */
int kafka_consumer_broker_down(const struct kafka_consumer *c);

/* Leaves the group and frees c. NULL is a no-op. */
void kafka_consumer_close(struct kafka_consumer *c);

const char *kafka_strerror(int err);

#endif
