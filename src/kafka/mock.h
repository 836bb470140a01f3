/* SPDX-License-Identifier: MIT */
/*
 * An embedded, in-memory Kafka-protocol broker for the demo and for fast
 * tests. Not a substitute for a real broker: it keeps nothing and
 * implements only what librdkafka's own tests need.
 */
#ifndef DND_KAFKA_MOCK_H
#define DND_KAFKA_MOCK_H

#include <stddef.h>

struct kafka_mock;

/*
 * Starts a one-broker cluster on a free loopback port with topic created
 * with the given number of partitions. Returns 0 and *out, or -1 with a
 * message in err.
 */
int kafka_mock_start(const char *topic, int partitions, struct kafka_mock **out,
                     char *err, size_t errlen);

/* The bootstrap address, "127.0.0.1:PORT"; valid until kafka_mock_stop(). */
const char *kafka_mock_bootstraps(const struct kafka_mock *m);

/* Stops the cluster and frees m. NULL is a no-op. */
void kafka_mock_stop(struct kafka_mock *m);

#endif
