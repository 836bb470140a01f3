/* SPDX-License-Identifier: MIT */
/*
 * Tests of the dashboard's HTTP server over real loopback sockets: routes,
 * status codes, headers, the Host check, refusal of bodies and huge
 * headers, publishing from another thread while clients fetch, and the
 * event stream, its slow clients and its shutdown. Every socket call has a
 * timeout and every loop a fixed count, so a broken server fails the test
 * instead of hanging it.
 */
#include "http/http.h"
#include "http/page.h"

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
/* Publications while a stream client reads nothing, and their size. */
#define T_SLOW_PUBLISHES 200
#define T_SLOW_DOC ((size_t)64 * 1024)
/* Publications that overfill an unread stream's socket buffers. */
#define T_STALL_PUBLISHES 400
/* Streams the server keeps open at once. */
#define T_MAX_STREAMS 32

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

/* Fetches path and checks the status, the type and that the body is the
 * len bytes at want. */
static void check_asset(const char *path, const char *type,
                        const unsigned char *want, size_t len)
{
    struct reply r;
    char v[256];

    CHECK_INT(fetch(http_port(srv), "GET", path, &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(header(&r, "Content-Type", v, sizeof(v)), 0);
    CHECK_STR(v, type);
    CHECK_INT(header(&r, "Content-Security-Policy", v, sizeof(v)), 0);
    CHECK_STR(v, "default-src 'self'; script-src 'self'; style-src 'self'");
    CHECK(r.body != NULL);
    CHECK_INT(r.body_len, len);
    CHECK(memcmp(r.body, want, len) == 0);
    reply_free(&r);
}

static void test_embedded_assets_are_served_with_their_types(void)
{
    check_asset("/", "text/html; charset=utf-8", web_index_html,
                web_index_html_len);
    if (unit_failed_now)
        return;
    check_asset("/app.js", "application/javascript; charset=utf-8", web_app_js,
                web_app_js_len);
    if (unit_failed_now)
        return;
    check_asset("/style.css", "text/css; charset=utf-8", web_style_css,
                web_style_css_len);
}

static void test_page_has_no_inline_script(void)
{
    const char *page = (const char *)web_index_html;
    const char *p = page;
    int n;

    /* The policy would block an inline script, leaving the page dead. */
    for (n = 0; n < 1000; n++) {
        const char *end, *src;

        p = strstr(p, "<script");
        if (!p)
            return;
        end = strchr(p, '>');
        src = strstr(p, " src=");
        if (!end || !src || src > end)
            UNIT_FAIL("index.html has an inline script at byte %zu",
                      (size_t)(p - page));
        p = end;
    }
}

static void test_script_never_writes_markup(void)
{
    static const char *const sinks[] = {"innerHTML", "outerHTML",
                                        "insertAdjacentHTML", "document.write",
                                        "eval("};
    const char *js = (const char *)web_app_js;
    size_t i;

    for (i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++) {
        if (strstr(js, sinks[i]))
            UNIT_FAIL("app.js uses %s", sinks[i]);
    }
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

/* GET path over IPv4 with Host: host, or as HTTP/1.0 without a Host line
 * when host is NULL. */
static int fetch_host(unsigned port, const char *path, const char *host,
                      struct reply *r)
{
    char req[512];
    int n;

    if (host)
        n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\n"
                     "Connection: close\r\n\r\n",
                     path, host);
    else
        n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
    if (n < 0 || (size_t)n >= sizeof(req))
        return -1;
    return exchange(AF_INET, port, req, (size_t)n, r);
}

/* Reads the whole file at path; returns its bytes (malloc'd) or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);

    if (!f || !buf)
        goto fail;
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);

        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            char *bigger;

            if (cap >= T_MAX_REPLY)
                goto fail;
            bigger = realloc(buf, cap * 2);
            if (!bigger)
                goto fail;
            buf = bigger;
            cap *= 2;
        }
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    *len = n;
    return buf;

fail:
    if (f)
        fclose(f);
    free(buf);
    return NULL;
}

static void test_chartjs_is_served(void)
{
    const char *path = getenv("DNDTRACK_CHARTJS");
    struct reply r;
    size_t len;
    char v[128];
    char *file;

    if (!path || !*path)
        path = "/usr/share/javascript/chart.js/chart.min.js";
    CHECK_INT(fetch(http_port(srv), "GET", "/chart.js", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(header(&r, "Content-Type", v, sizeof(v)), 0);
    CHECK_STR(v, "application/javascript; charset=utf-8");
    file = slurp(path, &len);
    if (!file) {
        printf("%s: cannot read %s, Chart.js not compared\n", __FILE__, path);
        CHECK(strstr(r.body, "window.Chart = undefined") != NULL);
        reply_free(&r);
        return;
    }
    if (r.body_len != len || memcmp(r.body, file, len) != 0) {
        free(file);
        reply_free(&r);
        UNIT_FAIL("/chart.js is not %s (%zu bytes)", path, len);
    }
    free(file);
    reply_free(&r);
}

static void test_metrics_are_empty_then_published(void)
{
    const char *text = "# TYPE dndtrack_messages_total counter\n"
                       "dndtrack_messages_total 12\n";
    struct reply r;
    char v[128];

    CHECK_INT(fetch(http_port(srv), "GET", "/metrics", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.body_len, 0);
    CHECK_INT(header(&r, "Content-Type", v, sizeof(v)), 0);
    CHECK_STR(v, "text/plain; version=0.0.4; charset=utf-8");
    reply_free(&r);

    http_publish_metrics(srv, strdup(text), strlen(text));
    CHECK_INT(fetch(http_port(srv), "GET", "/metrics", &r), 0);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, text);
    reply_free(&r);
}

/* How a Host value in a test ends. */
enum t_port { T_NO_PORT, T_PORT, T_WRONG_PORT, T_EMPTY_PORT };

struct t_host {
    const char *name;
    enum t_port port;
};

/* Writes name with the ending asked for, given the server's port. */
static void make_host(char *out, size_t len, const struct t_host *h,
                      unsigned port)
{
    switch (h->port) {
    case T_NO_PORT:
        snprintf(out, len, "%s", h->name);
        break;
    case T_PORT:
        snprintf(out, len, "%s:%u", h->name, port);
        break;
    case T_WRONG_PORT:
        snprintf(out, len, "%s:%u", h->name, port == 1 ? 2 : port - 1);
        break;
    case T_EMPTY_PORT:
        snprintf(out, len, "%s:", h->name);
        break;
    }
}

static void test_foreign_host_gets_421(void)
{
    static const struct t_host bad[] = {{"evil.example", T_NO_PORT},
                                        {"evil.example", T_PORT},
                                        {"localhost.evil.example", T_PORT},
                                        {"[::2]", T_PORT},
                                        {"localhost", T_WRONG_PORT},
                                        {"127.0.0.1", T_EMPTY_PORT},
                                        {"127.1", T_PORT}};
    static const struct t_host good[] = {{"localhost", T_PORT},
                                         {"LocalHost", T_NO_PORT},
                                         {"127.0.0.1", T_PORT},
                                         {"127.1.2.3", T_NO_PORT},
                                         {"[::1]", T_PORT}};
    unsigned port = http_port(srv);
    struct reply r;
    char host[64], v[64];
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        make_host(host, sizeof(host), &bad[i], port);
        CHECK_INT(fetch_host(port, "/api/players", host, &r), 0);
        if (r.status != 421)
            UNIT_FAIL("Host %s got %d", host, r.status);
        CHECK_INT(header(&r, "X-Content-Type-Options", v, sizeof(v)), 0);
        reply_free(&r);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        make_host(host, sizeof(host), &good[i], port);
        CHECK_INT(fetch_host(port, "/api/players", host, &r), 0);
        if (r.status != 200)
            UNIT_FAIL("Host %s got %d", host, r.status);
        reply_free(&r);
    }

    /* HTTP/1.0 may leave Host out. */
    CHECK_INT(fetch_host(port, "/healthz", NULL, &r), 0);
    CHECK_INT(r.status, 200);
    reply_free(&r);
}

/* A client of /api/stream that undoes the chunked framing and splits the
 * body into events. */
struct stream {
    int fd;
    int status;
    int chunked;
    char type[128]; /* Content-Type */
    char *raw;      /* bytes received, NUL-terminated */
    size_t raw_len, raw_cap, raw_used;
    char *text; /* body received so far, NUL-terminated */
    size_t text_len, text_cap, text_used;
};

/* Appends n bytes to a growing NUL-terminated buffer. */
static int grow_append(char **buf, size_t *len, size_t *cap, const char *p,
                       size_t n)
{
    while (*len + n + 1 > *cap) {
        size_t want = *cap ? *cap * 2 : 65536;
        char *bigger;

        if (want > T_MAX_REPLY * 4)
            return -1;
        bigger = realloc(*buf, want);
        if (!bigger)
            return -1;
        *buf = bigger;
        *cap = want;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* Moves the whole chunks received to text. Returns 0, 1 after the last
 * chunk, or -1 when the framing is wrong. */
static int stream_dechunk(struct stream *c)
{
    while (c->raw_used < c->raw_len) {
        const char *line = c->raw + c->raw_used;
        const char *eol = strstr(line, "\r\n");
        unsigned long size;
        char *end;
        size_t need;

        if (!c->chunked) {
            if (grow_append(&c->text, &c->text_len, &c->text_cap, line,
                            c->raw_len - c->raw_used) != 0)
                return -1;
            c->raw_used = c->raw_len;
            return 0;
        }
        if (!eol)
            return 0;
        errno = 0;
        size = strtoul(line, &end, 16);
        if (errno != 0 || end == line || (*end != '\r' && *end != ';'))
            return -1;
        if (size == 0)
            return 1;
        need = (size_t)(eol + 2 - c->raw) + size + 2;
        if (c->raw_len < need)
            return 0;
        if (grow_append(&c->text, &c->text_len, &c->text_cap, eol + 2, size) !=
            0)
            return -1;
        c->raw_used = need;
    }
    return 0;
}

/* Receives more bytes; returns 0, 1 when the server closed, -1 on error or
 * timeout. */
static int stream_recv(struct stream *c)
{
    char buf[16384];
    ssize_t n;

    do {
        n = recv(c->fd, buf, sizeof(buf), 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0 || (n < 0 && errno == ECONNRESET))
        return 1;
    if (n < 0)
        return -1;
    return grow_append(&c->raw, &c->raw_len, &c->raw_cap, buf, (size_t)n);
}

static void stream_close(struct stream *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->raw);
    free(c->text);
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

/* Opens a stream and reads its headers. Returns 0 or -1. */
static int stream_open(unsigned port, struct stream *c)
{
    static const char req[] = "GET /api/stream HTTP/1.1\r\n"
                              "Host: 127.0.0.1\r\n\r\n";
    double start = now_seconds();
    struct reply head;
    char *end;
    int i;

    memset(c, 0, sizeof(*c));
    c->fd = dial(AF_INET, port);
    if (c->fd < 0 || send_all(c->fd, req, sizeof(req) - 1) != 0)
        return -1;
    for (i = 0; i < 1000 && now_seconds() - start < T_IO_SECONDS; i++) {
        end = c->raw ? strstr(c->raw, "\r\n\r\n") : NULL;
        if (end)
            break;
        if (stream_recv(c) != 0)
            return -1;
    }
    if (!end || c->raw_len < 12)
        return -1;

    /* Borrow the reply parser for the status and the headers. */
    memset(&head, 0, sizeof(head));
    head.raw = c->raw;
    head.len = c->raw_len;
    head.body = end + 4;
    c->status = (int)strtol(c->raw + 9, NULL, 10);
    if (header(&head, "Content-Type", c->type, sizeof(c->type)) != 0)
        c->type[0] = '\0';
    c->chunked = strstr(c->raw, "Transfer-Encoding: chunked") != NULL &&
                 strstr(c->raw, "Transfer-Encoding: chunked") < end;
    c->raw_used = (size_t)(end + 4 - c->raw);
    return stream_dechunk(c) < 0 ? -1 : 0;
}

/* The next event, without its blank line, in *ev (malloc'd). Returns 0, 1
 * when the stream ended first, or -1 on an error or after secs seconds. */
static int stream_event(struct stream *c, double secs, char **ev)
{
    double start = now_seconds();
    int i, rc;

    *ev = NULL;
    for (i = 0; i < 100000 && now_seconds() - start < secs; i++) {
        const char *from = c->text ? c->text + c->text_used : NULL;
        const char *end = from ? strstr(from, "\n\n") : NULL;

        if (end) {
            size_t n = (size_t)(end - from);

            *ev = malloc(n + 1);
            if (!*ev)
                return -1;
            memcpy(*ev, from, n);
            (*ev)[n] = '\0';
            c->text_used += n + 2;
            return 0;
        }
        rc = stream_recv(c);
        if (rc != 0)
            return rc;
        rc = stream_dechunk(c);
        if (rc != 0)
            return rc;
    }
    return -1;
}

/* Checks that the next event is a snapshot of doc. */
static void check_snapshot(struct stream *c, const char *doc)
{
    static const char prefix[] = "event: snapshot\ndata: ";
    char *ev;

    CHECK_INT(stream_event(c, T_IO_SECONDS, &ev), 0);
    if (strncmp(ev, prefix, sizeof(prefix) - 1) != 0 ||
        strcmp(ev + sizeof(prefix) - 1, doc) != 0) {
        UNIT_FAIL("event \"%.80s\", expected a snapshot of %.80s", ev, doc);
    }
    free(ev);
}

/* Opens a stream and reads up to its first snapshot, of doc. */
static void open_stream_at(unsigned port, struct stream *c, const char *doc)
{
    char *ev;

    CHECK_INT(stream_open(port, c), 0);
    CHECK_INT(c->status, 200);
    CHECK_STR(c->type, "text/event-stream");
    CHECK_INT(c->chunked, 1);
    CHECK_INT(stream_event(c, T_IO_SECONDS, &ev), 0);
    if (strcmp(ev, "retry: 1000") != 0) {
        UNIT_FAIL("first event \"%.80s\", expected retry: 1000", ev);
    }
    free(ev);
    check_snapshot(c, doc);
}

static void test_stream_sends_snapshot_then_newest(void)
{
    const char *a = "{\"messages\":1,\"invalid\":0,\"players\":[]}";
    const char *b = "{\"messages\":2,\"invalid\":0,\"players\":[]}";
    const char *d = "{\"messages\":3,\"invalid\":0,\"players\":[]}";
    static const char prefix[] = "event: snapshot\ndata: ";
    struct stream c;
    char *ev;

    CHECK_INT(publish_copy(srv, a), 0);
    open_stream_at(http_port(srv), &c, a);
    if (unit_failed_now)
        goto done;

    /* Two quick publications: the second may overtake the first. */
    CHECK_INT(publish_copy(srv, b), 0);
    CHECK_INT(publish_copy(srv, d), 0);
    if (stream_event(&c, T_IO_SECONDS, &ev) != 0) {
        stream_close(&c);
        UNIT_FAIL("no event after two publications");
    }
    if (strncmp(ev, prefix, sizeof(prefix) - 1) == 0 &&
        strcmp(ev + sizeof(prefix) - 1, b) == 0) {
        free(ev);
        check_snapshot(&c, d);
    } else {
        int newest = strncmp(ev, prefix, sizeof(prefix) - 1) == 0 &&
                     strcmp(ev + sizeof(prefix) - 1, d) == 0;

        free(ev);
        if (!newest) {
            stream_close(&c);
            UNIT_FAIL("the stream did not send the newest document");
        }
    }
    if (unit_failed_now)
        goto done;

    /* A line break would end the data line: it goes out as a space. */
    CHECK_INT(publish_copy(srv, "{\"messages\":\n4}"), 0);
    check_snapshot(&c, "{\"messages\": 4}");

done:
    stream_close(&c);
}

/* Publishes document i of T_SLOW_PUBLISHES, T_SLOW_DOC bytes long, and
 * returns the seconds http_publish() took, or -1. */
static double timed_publish(struct http_server *s, int i)
{
    char *doc = malloc(T_SLOW_DOC + 1);
    double start;
    int n;

    if (!doc)
        return -1;
    n = snprintf(doc, T_SLOW_DOC + 1, "{\"messages\":%d,\"pad\":\"", i);
    memset(doc + n, 'y', T_SLOW_DOC - (size_t)n - 2);
    memcpy(doc + T_SLOW_DOC - 2, "\"}", 3);
    start = now_seconds();
    http_publish(s, doc, T_SLOW_DOC);
    return now_seconds() - start;
}

static void test_stream_that_is_not_read_does_not_block_publish(void)
{
    struct timespec pause = {0, 1000 * 1000};
    double worst = 0, t;
    struct stream c;
    struct reply r;
    int i;

    CHECK_INT(publish_copy(srv, "{}"), 0);
    open_stream_at(http_port(srv), &c, "{}");
    if (unit_failed_now) {
        stream_close(&c);
        return;
    }

    /* From here the client reads nothing, so the socket buffers fill. */
    for (i = 0; i < T_SLOW_PUBLISHES; i++) {
        t = timed_publish(srv, i);
        if (t < 0) {
            stream_close(&c);
            UNIT_FAIL("out of memory at publication %d", i);
        }
        if (t > worst)
            worst = t;
        nanosleep(&pause, NULL);
    }
    printf("%s: slowest of %d publications: %.3f ms\n", __FILE__,
           T_SLOW_PUBLISHES, worst * 1000);
    if (worst > 1.0) {
        stream_close(&c);
        UNIT_FAIL("a publication took %.3f s", worst);
    }

    CHECK_INT(fetch(http_port(srv), "GET", "/healthz", &r), 0);
    CHECK_INT(r.status, 200);
    reply_free(&r);
    stream_close(&c);
}

static void test_stop_ends_open_streams_promptly(void)
{
    struct http_server *s = NULL;
    struct stream c[2];
    double start, took;
    char *ev;
    int i, rc;

    CHECK_INT(http_start("127.0.0.1:0", &s), 0);
    for (i = 0; i < 2; i++) {
        open_stream_at(http_port(s), &c[i], HTTP_EMPTY_DOC);
        if (unit_failed_now) {
            http_stop(s);
            stream_close(&c[0]);
            if (i == 1)
                stream_close(&c[1]);
            return;
        }
    }

    start = now_seconds();
    http_stop(s);
    took = now_seconds() - start;

    /* Each client sees its stream end, not a keepalive. */
    for (i = 0; i < 2; i++) {
        rc = stream_event(&c[i], 3.0, &ev);
        free(ev);
        stream_close(&c[i]);
        if (rc != 1)
            UNIT_FAIL("stream %d did not end (%d)", i, rc);
    }
    if (took >= 3.0)
        UNIT_FAIL("http_stop took %.3f s with two open streams", took);
}

static void test_stop_does_not_wait_for_a_stalled_stream(void)
{
    struct timespec pause = {0, 1000 * 1000};
    struct http_server *s = NULL;
    struct stream c;
    double start, took;
    int i;

    CHECK_INT(http_start("127.0.0.1:0", &s), 0);
    open_stream_at(http_port(s), &c, HTTP_EMPTY_DOC);
    if (unit_failed_now) {
        http_stop(s);
        stream_close(&c);
        return;
    }

    /* More than the socket buffers hold, so the server's writes stall. */
    for (i = 0; i < T_STALL_PUBLISHES; i++) {
        if (timed_publish(s, i) < 0)
            break;
        nanosleep(&pause, NULL);
    }
    start = now_seconds();
    http_stop(s);
    took = now_seconds() - start;
    stream_close(&c);
    if (took >= 3.0)
        UNIT_FAIL("http_stop took %.3f s with a stalled stream", took);
}

static void test_streams_beyond_the_limit_get_503(void)
{
    struct http_server *s = NULL;
    struct stream *c = calloc(T_MAX_STREAMS, sizeof(*c));
    struct stream extra;
    struct reply r;
    double start;
    int i, opened = 0;

    CHECK(c != NULL);
    CHECK_INT(http_start("127.0.0.1:0", &s), 0);
    for (i = 0; i < T_MAX_STREAMS && !unit_failed_now; i++) {
        open_stream_at(http_port(s), &c[i], HTTP_EMPTY_DOC);
        opened = i + 1;
    }
    if (!unit_failed_now) {
        CHECK_INT(fetch(http_port(s), "GET", "/api/stream", &r), 0);
        if (r.status != 503)
            UNIT_FAIL("stream %d got %d", T_MAX_STREAMS + 1, r.status);
        reply_free(&r);
    }

    /* A closed client frees its place once a write to it fails; each
     * publication makes one. */
    stream_close(&c[0]);
    start = now_seconds();
    memset(&extra, 0, sizeof(extra));
    extra.fd = -1;
    for (i = 0; i < 100 && !unit_failed_now; i++) {
        struct timespec pause = {0, 50 * 1000 * 1000};

        if (now_seconds() - start > T_IO_SECONDS) {
            UNIT_FAIL("no place for a stream after one was closed");
            break;
        }
        http_publish(s, strdup("{}"), 2);
        nanosleep(&pause, NULL);
        if (stream_open(http_port(s), &extra) == 0 && extra.status == 200)
            break;
        stream_close(&extra);
    }
    stream_close(&extra);
    for (i = 1; i < opened; i++)
        stream_close(&c[i]);
    free(c);
    http_stop(s);
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
    UNIT_RUN(test_embedded_assets_are_served_with_their_types);
    UNIT_RUN(test_page_has_no_inline_script);
    UNIT_RUN(test_script_never_writes_markup);
    UNIT_RUN(test_chartjs_is_served);
    UNIT_RUN(test_metrics_are_empty_then_published);
    UNIT_RUN(test_foreign_host_gets_421);
    UNIT_RUN(test_huge_header_is_refused_and_server_lives);
    UNIT_RUN(test_large_document_is_served_whole);
    UNIT_RUN(test_publishing_while_fetching);
    UNIT_RUN(test_stream_sends_snapshot_then_newest);
    UNIT_RUN(test_stream_that_is_not_read_does_not_block_publish);
    UNIT_RUN(test_stop_ends_open_streams_promptly);
    UNIT_RUN(test_stop_does_not_wait_for_a_stalled_stream);
    UNIT_RUN(test_streams_beyond_the_limit_get_503);
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
