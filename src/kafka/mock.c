/* SPDX-License-Identifier: MIT */
/*
 * The embedded broker of the demo: librdkafka's in-memory mock cluster,
 * which speaks the Kafka protocol on a loopback port so any client can
 * join. It keeps nothing: everything is gone when the process ends.
 */
#include "kafka/mock.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct kafka_mock {
    rd_kafka_t *rk; /* the handle the cluster lives in */
    rd_kafka_mock_cluster_t *cluster;
};

int kafka_mock_start(const char *topic, int partitions, struct kafka_mock **out,
                     char *err, size_t errlen)
{
    struct kafka_mock *m = calloc(1, sizeof(*m));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char why[256];

    if (!m || !conf) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    /* The handle only hosts the cluster: its notices would be noise. */
    rd_kafka_conf_set(conf, "log_level", "3", why, sizeof(why));
    m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof(why));
    if (!m->rk) {
        snprintf(err, errlen, "cannot create the embedded broker: %s", why);
        goto fail;
    }
    conf = NULL;
    m->cluster = rd_kafka_mock_cluster_new(m->rk, 1);
    if (!m->cluster) {
        snprintf(err, errlen, "cannot start the embedded broker");
        goto fail;
    }
    if (rd_kafka_mock_topic_create(m->cluster, topic, partitions, 1)) {
        snprintf(err, errlen, "cannot create topic %s", topic);
        goto fail;
    }
    *out = m;
    return 0;
fail:
    if (conf)
        rd_kafka_conf_destroy(conf);
    kafka_mock_stop(m);
    return -1;
}

const char *kafka_mock_bootstraps(const struct kafka_mock *m)
{
    return rd_kafka_mock_cluster_bootstraps(m->cluster);
}

void kafka_mock_stop(struct kafka_mock *m)
{
    if (!m)
        return;
    if (m->cluster)
        rd_kafka_mock_cluster_destroy(m->cluster);
    if (m->rk)
        rd_kafka_destroy(m->rk);
    free(m);
}
