/* SPDX-License-Identifier: MIT */
/*
 * Tests of the dashboard's HTTP server over real loopback sockets: routes,
 * status codes, headers, refusal of bodies and huge headers, and publishing
 * from another thread while clients fetch. Every socket call has a timeout
 * and every loop a fixed count, so a broken server fails the test instead
 * of hanging it.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"

/* Seconds any one socket read or write may wait. */
#define T_IO_SECONDS 5
/* Largest reply the client keeps. */
#define T_MAX_REPLY ((size_t)4 * 1024 * 1024)
#define T_PUBLISHES 1000
#define T_FETCHES 200
/* Wall-clock bound of the concurrent test. */
#define T_CONCURRENT_SECONDS 60.0

struct reply {
    int status; /* 0 when no status line came back */
    char *raw;  /* whole reply, NUL-terminated */
    size_t len;
    const char *body; /* inside raw */
    size_t body_len;
};

static void reply_free(struct reply *r)
{
    free(r->raw);
    memset(r, 0, sizeof(*r));
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connected TCP socket to the loopback address of family, or -1. */
static int dial(int family, unsigned port)
{
    struct timeval tv = {T_IO_SECONDS, 0};
    struct sockaddr_in a4;
    struct sockaddr_in6 a6;
    struct sockaddr *sa;
    socklen_t salen;
    int fd;

    memset(&a4, 0, sizeof(a4));
    memset(&a6, 0, sizeof(a6));
    if (family == AF_INET6) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)port);
        a6.sin6_addr = in6addr_loopback;
        sa = (struct sockaddr *)&a6;
        salen = sizeof(a6);
    } else {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)port);
        a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa = (struct sockaddr *)&a4;
        salen = sizeof(a4);
    }
    fd = socket(family, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, sa, salen) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends all of buf; returns 0, or -1 when the peer stopped taking it. */
static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads until the server closes, then parses the status and the body. */
static int read_reply(int fd, struct reply *r)
{
    size_t cap = 65536;
    char *end;
    long status;

    memset(r, 0, sizeof(r[0]));
    r->raw = malloc(cap);
    if (!r->raw)
        return -1;
    for (;;) {
        ssize_t n;

        if (r->len + 1 == cap) {
            char *bigger;

            if (cap >= T_MAX_REPLY)
                return -1;
            bigger = realloc(r->raw, cap * 2);
            if (!bigger)
                return -1;
            r->raw = bigger;
            cap *= 2;
        }
        n = recv(fd, r->raw + r->len, cap - 1 - r->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* closed, reset or timed out: parse what came */
        r->len += (size_t)n;
    }
    r->raw[r->len] = '\0';

    if (strncmp(r->raw, "HTTP/1.", 7) != 0 || r->len < 12)
        return 0;
    errno = 0;
    status = strtol(r->raw + 9, &end, 10);
    if (errno == 0 && end == r->raw + 12 && *end == ' ')
        r->status = (int)status;
    end = strstr(r->raw, "\r\n\r\n");
    if (end) {
        r->body = end + 4;
        r->body_len = r->len - (size_t)(r->body - r->raw);
    }
    return 0;
}

/* Sends a raw request over family and reads the reply into r. */
static int exchange(int family, unsigned port, const char *req, size_t len,
                    struct reply *r)
{
    int fd = dial(family, port);
    int rc;

    memset(r, 0, sizeof(r[0]));
    if (fd < 0)
        return -1;
    send_all(fd, req, len); /* a refusal may cut the send short */
    rc = read_reply(fd, r);
    close(fd);
    return rc;
}

/* method path over IPv4, one request per connection. */
static int fetch(unsigned port, const char *method, const char *path,
                 struct reply *r)
{
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Connection: close\r\n\r\n",
                     method, path);

    if (n < 0 || (size_t)n >= sizeof(req))
        return -1;
    return exchange(AF_INET, port, req, (size_t)n, r);
}

/* The value of header name in r (case-insensitive name), copied into out;
 * returns 0 when found. */
static int header(const struct reply *r, const char *name, char *out,
                  size_t outlen)
{
    size_t nlen = strlen(name);
    const char *p = strstr(r->raw, "\r\n");
    const char *stop = r->body ? r->body - 2 : r->raw + r->len;

    while (p && p < stop) {
        const char *line = p + 2;
        const char *eol = strstr(line, "\r\n");

        if (!eol)
            return -1;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            size_t vlen;

            while (*v == ' ')
                v++;
            vlen = (size_t)(eol - v);
            if (vlen >= outlen)
                return -1;
            memcpy(out, v, vlen);
            out[vlen] = '\0';
            return 0;
        }
        p = eol;
    }
    return -1;
}

/* The test's own rendering of document n, padded to vary its length. */
static char *make_doc(int n)
{
    size_t pad = (size_t)(n % 300);
    size_t cap = 128 + pad;
    char *doc = malloc(cap);
    int len;

    if (!doc)
        return NULL;
    len = snprintf(doc, cap,
                   "{\"messages\":%d,\"invalid\":0,\"players\":[],"
                   "\"pad\":\"",
                   n);
    if (len < 0 || (size_t)len + pad + 3 > cap) {
        free(doc);
        return NULL;
    }
    memset(doc + len, 'x', pad);
    memcpy(doc + (size_t)len + pad, "\"}", 3);
    return doc;
}

static int publish_copy(struct http_server *s, const char *doc)
{
    char *copy = strdup(doc);

    if (!copy)
        return -1;
    http_publish(s, copy, strlen(copy));
    return 0;
}

/* Open file descriptors of this process, or -1 where /proc is missing. */
static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            n++;
    }
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

static struct http_server *srv;

static void test_starts_on_a_free_port(void)
{
    CHECK(srv != NULL);
    CHECK(http_port(srv) > 0);
    CHECK(http_port(srv) <= 65535);
}

static void test_players_before_publish_is_the_empty_document(void)
{
    struct reply r;
    char type[128];

    CHECK_INT(fetch(http_port(srv), "GET", "/api/players", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK(r.body != NULL);
    CHECK_STR(r.body, "{\"messages\":0,\"invalid\":0,\"players\":[]}");
    CHECK_INT(header(&r, "Content-Type", type, sizeof(type)), 0);
    CHECK_STR(type, "application/json");
    reply_free(&r);
}

static void test_get_returns_the_published_document(void)
{
    const char *doc = "{\"messages\":3,\"invalid\":1,\"players\":[{\"player\":"
                      "\"<img src=x onerror=alert(1)>\"}]}";
    struct reply r;
    char v[128];

    CHECK_INT(publish_copy(srv, doc), 0);
    CHECK_INT(fetch(http_port(srv), "GET", "/api/players", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.body_len, strlen(doc));
    CHECK_STR(r.body, doc);
    CHECK_INT(header(&r, "X-Content-Type-Options", v, sizeof(v)), 0);
    CHECK_STR(v, "nosniff");
    CHECK_INT(header(&r, "Cache-Control", v, sizeof(v)), 0);
    CHECK_STR(v, "no-store");
    reply_free(&r);

    /* A query string does not change the route. */
    CHECK_INT(fetch(http_port(srv), "GET", "/api/players?x=1", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, doc);
    reply_free(&r);
}

static void test_head_sends_headers_without_body(void)
{
    const char *doc = "{\"messages\":7,\"invalid\":0,\"players\":[]}";
    struct reply r;
    char v[64], want[32];

    CHECK_INT(publish_copy(srv, doc), 0);
    CHECK_INT(fetch(http_port(srv), "HEAD", "/api/players", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK(r.body != NULL);
    CHECK_INT(r.body_len, 0);
    CHECK_INT(header(&r, "Content-Length", v, sizeof(v)), 0);
    snprintf(want, sizeof(want), "%zu", strlen(doc));
    CHECK_STR(v, want);
    reply_free(&r);

    CHECK_INT(fetch(http_port(srv), "HEAD", "/", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.body_len, 0);
    reply_free(&r);
}

static void test_other_methods_get_405_with_allow(void)
{
    static const char *const methods[] = {"POST", "PUT", "DELETE", "OPTIONS",
                                          "PATCH"};
    struct reply r;
    char v[64];
    size_t i;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        CHECK_INT(fetch(http_port(srv), methods[i], "/api/players", &r), 0);
        CHECK_INT(r.status, 405);
        CHECK_INT(header(&r, "Allow", v, sizeof(v)), 0);
        CHECK_STR(v, "GET, HEAD");
        CHECK_INT(header(&r, "X-Content-Type-Options", v, sizeof(v)), 0);
        CHECK_STR(v, "nosniff");
        reply_free(&r);
    }
}

static void test_post_with_body_gets_405(void)
{
    static const char req[] = "POST /api/players HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\nContent-Length: 11\r\n"
                              "Content-Type: application/json\r\n\r\n"
                              "{\"a\":\"bcd\"}";
    struct reply r;

    CHECK_INT(exchange(AF_INET, http_port(srv), req, sizeof(req) - 1, &r), 0);
    CHECK_INT(r.status, 405);
    reply_free(&r);
}

static void test_get_with_body_is_refused(void)
{
    static const char req[] = "GET /api/players HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\nContent-Length: 5\r\n\r\n"
                              "hello";
    struct reply r;

    CHECK_INT(exchange(AF_INET, http_port(srv), req, sizeof(req) - 1, &r), 0);
    CHECK_INT(r.status, 413);
    reply_free(&r);
}

static void test_unknown_path_is_404(void)
{
    static const char *const paths[] = {"/nope", "/api", "/api/players/x",
                                        "/index.html", "/healthz/"};
    struct reply r;
    char v[64];
    size_t i;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        CHECK_INT(fetch(http_port(srv), "GET", paths[i], &r), 0);
        CHECK_INT(r.status, 404);
        CHECK_INT(header(&r, "Cache-Control", v, sizeof(v)), 0);
        CHECK_STR(v, "no-store");
        reply_free(&r);
    }
}

static void test_healthz_says_ok(void)
{
    struct reply r;

    CHECK_INT(fetch(http_port(srv), "GET", "/healthz", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "ok");
    reply_free(&r);
}

static void test_page_loads_script_from_its_own_route(void)
{
    struct reply r;
    char v[256];

    CHECK_INT(fetch(http_port(srv), "GET", "/", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(header(&r, "Content-Type", v, sizeof(v)), 0);
    CHECK_STR(v, "text/html; charset=utf-8");
    CHECK_INT(header(&r, "Content-Security-Policy", v, sizeof(v)), 0);
    CHECK_STR(v, "default-src 'self'; script-src 'self'; "
                 "style-src 'self' 'unsafe-inline'");
    CHECK(strstr(r.body, "<script src=\"/app.js\"></script>") != NULL);
    /* The only script element is the external one. */
    CHECK(strstr(strstr(r.body, "<script") + 1, "<script") == NULL);
    reply_free(&r);
}

static void test_script_never_writes_markup(void)
{
    static const char *const sinks[] = {"innerHTML", "outerHTML",
                                        "insertAdjacentHTML", "document.write",
                                        "eval("};
    struct reply r;
    char v[128];
    size_t i;

    CHECK_INT(fetch(http_port(srv), "GET", "/app.js", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(header(&r, "Content-Type", v, sizeof(v)), 0);
    CHECK_STR(v, "application/javascript; charset=utf-8");
    CHECK(strstr(r.body, "/api/players") != NULL);
    CHECK(strstr(r.body, "createTextNode") != NULL);
    for (i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++) {
        if (strstr(r.body, sinks[i]))
            UNIT_FAIL("app.js uses %s", sinks[i]);
    }
    reply_free(&r);
}

static void test_huge_header_is_refused_and_server_lives(void)
{
    size_t big = 100 * 1024;
    const char *head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ";
    size_t hlen = strlen(head);
    char *req = malloc(hlen + big + 5);
    struct reply r;
    int rc;

    CHECK(req != NULL);
    memcpy(req, head, hlen);
    memset(req + hlen, 'a', big);
    memcpy(req + hlen + big, "\r\n\r\n", 5);
    rc = exchange(AF_INET, http_port(srv), req, hlen + big + 4, &r);
    free(req);
    CHECK_INT(rc, 0);
    /* Refused with 431, or cut off before the reply was read. */
    if (r.status != 0 && r.status != 431)
        UNIT_FAIL("huge header got status %d", r.status);
    reply_free(&r);

    CHECK_INT(fetch(http_port(srv), "GET", "/healthz", &r), 0);
    CHECK_INT(r.status, 200);
    reply_free(&r);
}

static void test_large_document_is_served_whole(void)
{
    size_t len = 1024 * 1024;
    char *doc = malloc(len + 1);
    struct reply r;

    CHECK(doc != NULL);
    memset(doc, ' ', len);
    doc[0] = '[';
    doc[len - 1] = ']';
    doc[len] = '\0';
    http_publish(srv, doc, len); /* srv owns doc from here */

    CHECK_INT(fetch(http_port(srv), "GET", "/api/players", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.body_len, len);
    CHECK(r.body[0] == '[' && r.body[len - 1] == ']');
    reply_free(&r);
}

struct publisher {
    struct http_server *s;
    int published;
};

static void *publish_loop(void *arg)
{
    struct publisher *p = arg;
    struct timespec pause = {0, 100 * 1000};
    int i;

    for (i = 1; i <= T_PUBLISHES; i++) {
        char *doc = make_doc(i);

        if (!doc)
            break;
        http_publish(p->s, doc, strlen(doc));
        p->published = i;
        nanosleep(&pause, NULL); /* spread the swaps over the fetches */
    }
    return NULL;
}

/* The n of a body made by make_doc(n) that matches it byte for byte, or
 * -1. */
static int doc_number(const struct reply *r)
{
    const char *prefix = "{\"messages\":";
    char *end, *want;
    long n;
    int same;

    if (!r->body || strncmp(r->body, prefix, strlen(prefix)) != 0)
        return -1;
    errno = 0;
    n = strtol(r->body + strlen(prefix), &end, 10);
    if (errno != 0 || end == r->body + strlen(prefix) || n < 0 ||
        n > T_PUBLISHES)
        return -1;
    want = make_doc((int)n);
    same = want && strlen(want) == r->body_len &&
           memcmp(want, r->body, r->body_len) == 0;
    free(want);
    return same ? (int)n : -1;
}

static void test_publishing_while_fetching(void)
{
    struct publisher p = {srv, 0};
    double start = now_seconds();
    pthread_t t;
    struct reply r;
    int i, n, last = 0;

    CHECK_INT(publish_copy(srv, "{\"messages\":0,\"invalid\":0,\"players\":[],"
                                "\"pad\":\"\"}"),
              0);
    CHECK_INT(pthread_create(&t, NULL, publish_loop, &p), 0);
    for (i = 0; i < T_FETCHES; i++) {
        if (now_seconds() - start > T_CONCURRENT_SECONDS)
            break;
        if (fetch(http_port(srv), "GET", "/api/players", &r) != 0)
            break;
        n = doc_number(&r);
        if (r.status != 200 || n < last) {
            pthread_join(t, NULL);
            UNIT_FAIL("fetch %d: status %d, document %d after %d", i, r.status,
                      n, last);
        }
        last = n;
        reply_free(&r);
    }
    pthread_join(t, NULL);
    CHECK_INT(i, T_FETCHES);
    CHECK_INT(p.published, T_PUBLISHES);

    /* Once publishing is over, the last document is the one served. */
    CHECK_INT(fetch(http_port(srv), "GET", "/api/players", &r), 0);
    CHECK_INT(doc_number(&r), T_PUBLISHES);
    reply_free(&r);
}

static void test_bad_addresses_fail_to_start(void)
{
    struct http_server *s = NULL;

    CHECK_INT(http_start("127.0.0.1:70000", &s), HTTP_EADDRESS);
    CHECK_INT(http_start("127.0.0.1", &s), HTTP_EADDRESS);
    CHECK_INT(http_start(NULL, &s), HTTP_EINVAL);
    CHECK_INT(http_start("127.0.0.1:0", NULL), HTTP_EINVAL);
    CHECK(s == NULL);
}

static void test_port_in_use_is_reported(void)
{
    struct http_server *s = NULL;
    char addr[64];

    snprintf(addr, sizeof(addr), "127.0.0.1:%u", http_port(srv));
    CHECK_INT(http_start(addr, &s), HTTP_EINUSE);
    CHECK(s == NULL);
}

static void test_localhost_name_serves_ipv4(void)
{
    struct http_server *s = NULL;
    struct reply r;

    CHECK_INT(http_start("localhost:0", &s), 0);
    CHECK_INT(fetch(http_port(s), "GET", "/healthz", &r), 0);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    http_stop(s);
}

static void test_ipv6_loopback_serves(void)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: [::1]\r\n"
                              "Connection: close\r\n\r\n";
    struct http_server *s = NULL;
    struct reply r;
    int rc = http_start("[::1]:0", &s);

    if (rc == HTTP_ENOTAVAIL) {
        printf("%s: no IPv6 loopback here, IPv6 not tested\n", __FILE__);
        return;
    }
    CHECK_INT(rc, 0);
    CHECK_INT(exchange(AF_INET6, http_port(s), req, sizeof(req) - 1, &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "ok");
    reply_free(&r);
    http_stop(s);
}

static void test_stop_does_not_wait_for_idle_clients(void)
{
    static const char partial[] = "GET /api/players HTTP/1.1\r\nHost: x";
    struct http_server *s = NULL;
    double start;
    unsigned port;
    int fd, again;

    CHECK_INT(http_start("127.0.0.1:0", &s), 0);
    port = http_port(s);
    fd = dial(AF_INET, port);
    CHECK(fd >= 0);
    CHECK_INT(send_all(fd, partial, sizeof(partial) - 1), 0);

    start = now_seconds();
    http_stop(s);
    close(fd);
    CHECK(now_seconds() - start < 3.0);

    /* The listening socket is closed with the server. */
    again = dial(AF_INET, port);
    if (again >= 0) {
        close(again);
        UNIT_FAIL("port %u still accepts after http_stop", port);
    }
}

static void test_start_and_stop_leave_no_descriptors(void)
{
    struct http_server *s;
    int before = count_fds();
    int i;

    if (before < 0)
        return; /* no /proc: nothing to count with */
    for (i = 0; i < 5; i++) {
        s = NULL;
        CHECK_INT(http_start("127.0.0.1:0", &s), 0);
        http_publish(s, strdup("{}"), 2);
        http_stop(s);
    }
    CHECK_INT(count_fds(), before);
}

static void test_null_server_is_harmless(void)
{
    http_stop(NULL);
    http_publish(NULL, strdup("{}"), 2); /* freed, not leaked */
    CHECK_INT(http_port(NULL), 0);
}

int main(void)
{
    int rc = http_start("127.0.0.1:0", &srv);

    if (rc != 0) {
        fprintf(stderr, "%s: http_start: %s\n", __FILE__, http_strerror(rc));
        return 1;
    }
    UNIT_RUN(test_starts_on_a_free_port);
    UNIT_RUN(test_players_before_publish_is_the_empty_document);
    UNIT_RUN(test_get_returns_the_published_document);
    UNIT_RUN(test_head_sends_headers_without_body);
    UNIT_RUN(test_other_methods_get_405_with_allow);
    UNIT_RUN(test_post_with_body_gets_405);
    UNIT_RUN(test_get_with_body_is_refused);
    UNIT_RUN(test_unknown_path_is_404);
    UNIT_RUN(test_healthz_says_ok);
    UNIT_RUN(test_page_loads_script_from_its_own_route);
    UNIT_RUN(test_script_never_writes_markup);
    UNIT_RUN(test_huge_header_is_refused_and_server_lives);
    UNIT_RUN(test_large_document_is_served_whole);
    UNIT_RUN(test_publishing_while_fetching);
    UNIT_RUN(test_bad_addresses_fail_to_start);
    UNIT_RUN(test_port_in_use_is_reported);
    UNIT_RUN(test_localhost_name_serves_ipv4);
    UNIT_RUN(test_ipv6_loopback_serves);
    UNIT_RUN(test_stop_does_not_wait_for_idle_clients);
    UNIT_RUN(test_start_and_stop_leave_no_descriptors);
    UNIT_RUN(test_null_server_is_harmless);
    http_stop(srv);
    return UNIT_DONE();
}
