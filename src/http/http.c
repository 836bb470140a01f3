/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's HTTP server on libmicrohttpd, one thread per connection
 * so that a stream can wait for the next document inside its own thread.
 * We open the listening socket ourselves so a failure says why (port in
 * use, no permission), and share documents with responses through a
 * reference count so publishing never waits on them.
 */
#include "http/http.h"

#include "core/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/page.h"
#include "util/log.h"

/*
 * Open connections at once, streams included; more wait in the kernel's
 * backlog. Each one is a thread.
 *
 * XXX: the timeout is per idle period, not per request, so clients that
 * send a header line every few seconds can hold all connections and keep
 * the page away from others; the consumer is not slowed. A total request
 * deadline would need libmicrohttpd's external select mode.
 */
#define HTTP_MAX_CONNECTIONS 64u
/* Open streams at once; more get 503, which leaves connections for the
 * page and the API. */
#define HTTP_MAX_STREAMS 32
/* Seconds a connection may stay idle before it is closed. */
#define HTTP_TIMEOUT_SECONDS 10u
/* Seconds a stream may go without sending before it is closed. It must
 * exceed HTTP_KEEPALIVE_SECONDS, as libmicrohttpd counts the time a stream
 * waits for a document as idle; it also drops a client that stopped
 * reading. */
#define HTTP_STREAM_TIMEOUT_SECONDS 60u
/*
 * Seconds of silence after which a stream sends a comment line.
 *
 * XXX: a stream notices that its client left only when a write fails, so a
 * closed page holds its thread and its place among HTTP_MAX_STREAMS until
 * the next document or keepalive, at most this long.
 */
#define HTTP_KEEPALIVE_SECONDS 15
/* Bytes per connection for the request line, headers and reply headers;
 * a request that needs more is refused with 431. */
#define HTTP_MEMORY_LIMIT ((size_t)32 * 1024)
/* XXX: replies that libmicrohttpd makes by itself (431 for oversize
 * headers, 400 for malformed requests) lack our headers, nosniff and
 * no-store included. Their bodies are fixed text that echoes nothing from
 * the request, so the cost is only that they may be cached. */
#define HTTP_BACKLOG 64
/* Bytes a stream hands libmicrohttpd at most per call. */
#define HTTP_STREAM_BLOCK ((size_t)16 * 1024)

/* Chart.js as Debian's libjs-chart.js installs it, and a bound on what we
 * read: the 3.9.1 build is about 200 kB. */
#define HTTP_CHARTJS_PATH "/usr/share/javascript/chart.js/chart.min.js"
#define HTTP_CHARTJS_ENV "DNDTRACK_CHARTJS"
#define HTTP_CHARTJS_MAX ((off_t)16 * 1024 * 1024)

#define HTTP_CSP "default-src 'self'; script-src 'self'; style-src 'self'"
#define HTTP_TEXT "text/plain; charset=utf-8"
#define HTTP_JS "application/javascript; charset=utf-8"
#define HTTP_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define HTTP_SSE "text/event-stream"

/* What a stream sends around each document, and when it is silent. */
#define HTTP_SSE_FIRST "retry: 1000\n\nevent: snapshot\ndata: "
#define HTTP_SSE_NEXT "event: snapshot\ndata: "
#define HTTP_SSE_END "\n\n"
#define HTTP_SSE_KEEPALIVE ": keepalive\n\n"

/* One published text. Each response that sends it holds a reference, and
 * so does the server while it is the current one. */
struct http_doc {
    struct http_server *owner;
    char *text;
    size_t len;
    unsigned long long version; /* of /api/players; 0 for other texts */
    int refs;                   /* guarded by owner->lock */
};

struct http_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;
    pthread_cond_t changed;   /* signalled on publish and on stop */
    struct http_doc *doc;     /* /api/players, guarded by lock */
    struct http_doc *metrics; /* /metrics, guarded by lock */
    int streams;              /* open streams, guarded by lock */
    int stopping;             /* guarded by lock */
    unsigned port;
    int loopback;       /* bound to a loopback address: check Host */
    atomic_int started; /* libmicrohttpd messages before this are fatal */
};

/* Static routes; the documents, the stream and Chart.js are apart. */
struct http_route {
    const char *path;
    const char *type;
    const unsigned char *body;
    const size_t *len;
};

static const unsigned char http_ok[] = "ok";
static const size_t http_ok_len = sizeof(http_ok) - 1;

/* A d20 for the browser's tab, so that it does not ask in vain. */
static const unsigned char http_icon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
    "<polygon points=\"16,1 30,9 30,23 16,31 2,23 2,9\" fill=\"#8b5cf6\"/>"
    "<polygon points=\"16,7 25,22 7,22\" fill=\"none\" stroke=\"#fff\" "
    "stroke-width=\"2\"/></svg>";
static const size_t http_icon_len = sizeof(http_icon) - 1;

static const struct http_route http_routes[] = {
    {"/", "text/html; charset=utf-8", web_index_html, &web_index_html_len},
    {"/app.js", HTTP_JS, web_app_js, &web_app_js_len},
    {"/style.css", "text/css; charset=utf-8", web_style_css,
     &web_style_css_len},
    {"/healthz", HTTP_TEXT, http_ok, &http_ok_len},
    {"/favicon.ico", "image/svg+xml", http_icon, &http_icon_len},
};

#define HTTP_COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *http_strerror(int err)
{
    switch (err) {
    case HTTP_OK:
        return "success";
    case HTTP_EINVAL:
        return "invalid argument";
    case HTTP_EADDRESS:
        return "address is not host:port with a port from 0 to 65535";
    case HTTP_ERESOLVE:
        return "host name does not resolve";
    case HTTP_EINUSE:
        return "address already in use";
    case HTTP_EACCES:
        return "permission denied to listen on this port";
    case HTTP_ENOTAVAIL:
        return "address is not available on this machine";
    case HTTP_ESOCKET:
        return "cannot open a listening socket";
    case HTTP_ESTART:
        return "cannot start the HTTP server thread";
    case HTTP_ENOMEM:
        return "out of memory";
    default:
        return "unknown HTTP server error";
    }
}

int http_parse_address(const char *address, char *host, size_t hostlen,
                       unsigned *port)
{
    if (!address || !host || hostlen == 0 || !port)
        return HTTP_EINVAL;
    return config_parse_address(address, host, hostlen, port) ? HTTP_EADDRESS
                                                              : 0;
}

static int http_errno_code(int e)
{
    switch (e) {
    case EADDRINUSE:
        return HTTP_EINUSE;
    case EACCES:
    case EPERM:
        return HTTP_EACCES;
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
        return HTTP_ENOTAVAIL;
    case ENOMEM:
    case ENOBUFS:
        return HTTP_ENOMEM;
    default:
        return HTTP_ESOCKET;
    }
}

/* Opens a non-blocking, close-on-exec socket listening on ai at port.
 * Returns it, or a negative http_err. */
static int http_listen_one(const struct addrinfo *ai, unsigned port,
                           const char *host)
{
    struct sockaddr_storage ss;
    int fd, flags, err;
    int one = 1;

    if (ai->ai_addrlen > sizeof(ss))
        return HTTP_ESOCKET;
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    if (ai->ai_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);

    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        err = errno;
        goto report;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) != 0 ||
        listen(fd, HTTP_BACKLOG) != 0) {
        err = errno;
        close(fd);
        goto report;
    }
    return fd;

report:
    log_info("http: cannot listen on %s (%s) port %u: %s", host,
             ai->ai_family == AF_INET ? "IPv4" : "IPv6", port, strerror(err));
    return http_errno_code(err);
}

/*
 * Resolves host and listens on the first of its addresses that binds,
 * IPv4 ones first. Returns the socket and sets *family, or returns a
 * negative http_err: the first failure other than "not available", so
 * "localhost" on a machine without IPv6 still reports a port in use.
 */
static int http_listen(const char *host, unsigned port, int *family)
{
    static const int families[] = {AF_INET, AF_INET6};
    struct addrinfo hints, *res = NULL;
    const struct addrinfo *ai;
    int err = 0, rc;
    size_t i;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        log_info("http: cannot resolve %s: %s", host, gai_strerror(rc));
        return rc == EAI_MEMORY ? HTTP_ENOMEM : HTTP_ERESOLVE;
    }

    for (i = 0; i < HTTP_COUNT(families); i++) {
        for (ai = res; ai; ai = ai->ai_next) {
            if (ai->ai_family != families[i])
                continue;
            rc = http_listen_one(ai, port, host);
            if (rc >= 0) {
                *family = families[i];
                goto cleanup;
            }
            if (err == 0 || err == HTTP_ENOTAVAIL)
                err = rc;
        }
    }
    rc = err ? err : HTTP_ERESOLVE;

cleanup:
    freeaddrinfo(res);
    return rc;
}

/* A loopback address: 127.0.0.0/8, ::1, or 127.x.x.x mapped into IPv6. */
static int http_is_loopback(const struct sockaddr_storage *ss)
{
    const struct in6_addr *a6;

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)ss;

        return (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
    }
    a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(a6))
        return 1;
    return IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127;
}

/* Sets *port to the port fd is bound to and *loopback to whether its
 * address is a loopback one. */
static int http_bound(int fd, unsigned *port, int *loopback)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return HTTP_ESOCKET;
    if (ss.ss_family == AF_INET)
        *port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    else if (ss.ss_family == AF_INET6)
        *port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    else
        return HTTP_ESOCKET;
    *loopback = http_is_loopback(&ss);
    return 0;
}

/* True when port is 1 to 5 decimal digits whose value is want. */
static int http_port_is(const char *port, unsigned want)
{
    unsigned long v = 0;
    size_t i;

    for (i = 0; port[i]; i++) {
        if (i == 5 || port[i] < '0' || port[i] > '9')
            return 0;
        v = v * 10 + (unsigned long)(port[i] - '0');
    }
    return i > 0 && v == want;
}

int http_loopback_host(const char *host, unsigned port)
{
    char name[64];
    const char *rest;
    struct in_addr a4;
    struct in6_addr a6;
    size_t len;
    int bracketed, ok;

    if (!host)
        return 0;
    bracketed = host[0] == '[';
    if (bracketed) {
        host++;
        rest = strchr(host, ']');
        if (!rest)
            return 0;
        len = (size_t)(rest - host);
        rest++;
    } else {
        rest = strchr(host, ':');
        if (!rest)
            rest = host + strlen(host);
        len = (size_t)(rest - host);
    }
    if (len == 0 || len >= sizeof(name))
        return 0;
    memcpy(name, host, len);
    name[len] = '\0';

    /* inet_pton() takes dotted decimal only: no octal, no short forms. */
    if (bracketed)
        ok = inet_pton(AF_INET6, name, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    else
        ok = strcasecmp(name, "localhost") == 0 ||
             (inet_pton(AF_INET, name, &a4) == 1 &&
              (ntohl(a4.s_addr) >> 24) == 127);
    if (!ok)
        return 0;
    if (*rest == '\0')
        return 1;
    return *rest == ':' && http_port_is(rest + 1, port);
}

/* Chart.js, read once for the life of the program. */
static const char http_chartjs_missing[] = "window.Chart = undefined;\n";
static pthread_once_t http_chartjs_once = PTHREAD_ONCE_INIT;
static char *http_chartjs_text;
static size_t http_chartjs_len;

/*
 * Reads the regular file at path, of at most max bytes, into a malloc'd,
 * NUL-terminated buffer. Returns 0 and sets *out and *len, or an errno
 * value: EINVAL when path is not a regular file, EFBIG when it is larger
 * than max. O_NONBLOCK keeps a FIFO from blocking the open.
 */
static int http_read_file(const char *path, off_t max, char **out, size_t *len)
{
    struct stat st;
    size_t size, got = 0;
    char *buf;
    int fd, err;

    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (fstat(fd, &st) != 0) {
        err = errno;
        goto fail_fd;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > max) {
        err = !S_ISREG(st.st_mode) ? EINVAL : EFBIG;
        goto fail_fd;
    }
    size = (size_t)st.st_size;
    buf = malloc(size + 1);
    if (!buf) {
        err = ENOMEM;
        goto fail_fd;
    }

    /* Stops at the size fstat() gave, or earlier if the file shrank. */
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            free(buf);
            goto fail_fd;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;

fail_fd:
    close(fd);
    return err;
}

/* Why http_read_file() failed, in words. */
static const char *http_file_error(int err)
{
    if (err == EINVAL)
        return "not a regular file";
    if (err == EFBIG)
        return "larger than 16 MiB";
    return strerror(err);
}

static void http_chartjs_load(void)
{
    const char *path = getenv(HTTP_CHARTJS_ENV);
    int err;

    if (!path || !*path)
        path = HTTP_CHARTJS_PATH;
    err = http_read_file(path, HTTP_CHARTJS_MAX, &http_chartjs_text,
                         &http_chartjs_len);
    if (err) {
        log_warn("http: cannot read Chart.js from %s: %s; the page will "
                 "show its figures without charts (install libjs-chart.js "
                 "or set " HTTP_CHARTJS_ENV ")",
                 path, http_file_error(err));
        http_chartjs_text = NULL;
    }
}

const char *http_chartjs(size_t *len)
{
    pthread_once(&http_chartjs_once, http_chartjs_load);
    if (!http_chartjs_text) {
        if (len)
            *len = sizeof(http_chartjs_missing) - 1;
        return http_chartjs_missing;
    }
    if (len)
        *len = http_chartjs_len;
    return http_chartjs_text;
}

/* A new text holding one reference, or NULL. text stays the caller's on
 * failure. */
static struct http_doc *http_doc_new(struct http_server *s, char *text,
                                     size_t len)
{
    struct http_doc *d = malloc(sizeof(*d));

    if (!d)
        return NULL;
    d->owner = s;
    d->text = text;
    d->len = len;
    d->version = 0;
    d->refs = 1;
    return d;
}

/* Takes a reference to the current text of slot (&s->doc or
 * &s->metrics). */
static struct http_doc *http_doc_get(struct http_server *s,
                                     struct http_doc **slot)
{
    struct http_doc *d;

    pthread_mutex_lock(&s->lock);
    d = *slot;
    d->refs++;
    pthread_mutex_unlock(&s->lock);
    return d;
}

/* Drops one reference; the last one frees. Also libmicrohttpd's callback
 * for when a response that sends the text is destroyed. */
static void http_doc_put(void *cls)
{
    struct http_doc *d = cls;
    int last;

    pthread_mutex_lock(&d->owner->lock);
    d->refs--;
    last = d->refs == 0;
    pthread_mutex_unlock(&d->owner->lock);
    if (last) {
        free(d->text);
        free(d);
    }
}

/*
 * Makes text the current one of slot; with is_doc, also gives it the next
 * version and wakes the streams. Takes ownership of text, freeing it when
 * out of memory.
 */
static void http_swap(struct http_server *s, struct http_doc **slot, int is_doc,
                      char *text, size_t len)
{
    struct http_doc *d, *old;

    if (!s || !text) {
        free(text);
        return;
    }
    d = http_doc_new(s, text, len);
    if (!d) {
        log_warn("http: out of memory; the dashboard keeps the previous "
                 "figures");
        free(text);
        return;
    }

    pthread_mutex_lock(&s->lock);
    old = *slot;
    if (is_doc) {
        d->version = old->version + 1;
        pthread_cond_broadcast(&s->changed);
    }
    *slot = d;
    pthread_mutex_unlock(&s->lock);
    http_doc_put(old);
}

/*
 * One open /api/stream. Between documents it waits in libmicrohttpd's
 * thread for this connection; an event goes out as head, the document
 * and HTTP_SSE_END, over as many calls as the buffer sizes need.
 */
struct http_stream {
    struct http_server *s;
    struct http_doc *doc;       /* being sent, or NULL */
    unsigned long long version; /* of the last document taken */
    int started;                /* the first event has been taken */
    const char *head;           /* NULL when no event is being sent */
    size_t head_len;
    size_t pos; /* bytes of the event sent so far */
};

/* Turns the line breaks of n bytes into spaces (JSON whitespace), so that
 * a document stays one data line. */
static void http_one_line(char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\n' || p[i] == '\r')
            p[i] = ' ';
    }
}

/* Copies up to max bytes of the pending event, from where the last call
 * stopped, and drops the document once all is copied. Returns the bytes
 * written. */
static size_t http_stream_fill(struct http_stream *st, char *buf, size_t max)
{
    const char *part[3];
    size_t len[3], at = st->pos, n = 0, i;

    part[0] = st->head;
    len[0] = st->head_len;
    part[1] = st->doc ? st->doc->text : "";
    len[1] = st->doc ? st->doc->len : 0;
    part[2] = HTTP_SSE_END;
    len[2] = st->doc ? sizeof(HTTP_SSE_END) - 1 : 0;

    for (i = 0; i < 3 && n < max; i++) {
        size_t take;

        if (at >= len[i]) {
            at -= len[i];
            continue;
        }
        take = len[i] - at < max - n ? len[i] - at : max - n;
        memcpy(buf + n, part[i] + at, take);
        if (i == 1)
            http_one_line(buf + n, take);
        n += take;
        at = 0;
    }
    st->pos += n;

    if (st->pos == len[0] + len[1] + len[2]) {
        if (st->doc)
            http_doc_put(st->doc);
        st->doc = NULL;
        st->head = NULL;
    }
    return n;
}

/* A deadline secs seconds from now on the condition variable's clock. */
static struct timespec http_deadline(int secs)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += secs;
    return ts;
}

/*
 * Waits until there is something to send: the current document the first
 * time, then a newer one, or a keepalive after HTTP_KEEPALIVE_SECONDS of
 * silence. Returns 0 with st's event set, or -1 when the server stops.
 */
static int http_stream_next(struct http_stream *st)
{
    struct http_server *s = st->s;
    struct timespec until = http_deadline(HTTP_KEEPALIVE_SECONDS);
    int rc = 0;

    pthread_mutex_lock(&s->lock);
    /* Any error of the wait, a timeout included, ends it with a
     * keepalive rather than a busy loop. */
    while (st->started && !s->stopping && s->doc->version == st->version &&
           rc == 0)
        rc = pthread_cond_timedwait(&s->changed, &s->lock, &until);
    if (s->stopping) {
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    if (!st->started || s->doc->version != st->version) {
        st->doc = s->doc;
        st->doc->refs++;
        st->version = st->doc->version;
        st->head = st->started ? HTTP_SSE_NEXT : HTTP_SSE_FIRST;
        st->started = 1;
    } else {
        st->head = HTTP_SSE_KEEPALIVE;
    }
    pthread_mutex_unlock(&s->lock);
    st->head_len = strlen(st->head);
    st->pos = 0;
    return 0;
}

/* libmicrohttpd's content reader for a stream; pos is not needed. */
static ssize_t http_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct http_stream *st = cls;

    (void)pos;
    if (!st->head && http_stream_next(st) != 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)http_stream_fill(st, buf, max);
}

/* Called when the stream's response is destroyed. */
static void http_stream_free(void *cls)
{
    struct http_stream *st = cls;
    struct http_server *s = st->s;

    if (st->doc)
        http_doc_put(st->doc);
    pthread_mutex_lock(&s->lock);
    s->streams--;
    pthread_mutex_unlock(&s->lock);
    free(st);
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's messages end in a newline; our logger adds its own. */
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *s = cls;
    char msg[512];
    size_t n;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (atomic_load(&s->started))
        log_info("http: %s", msg);
    else
        log_warn("http: %s", msg);
}

/* Adds the headers every reply carries, queues r and drops our reference
 * to it (libmicrohttpd keeps its own until the reply is sent). */
static enum MHD_Result http_queue(struct MHD_Connection *conn, unsigned status,
                                  struct MHD_Response *r, const char *type)
{
    enum MHD_Result ret = MHD_NO;

    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) !=
            MHD_YES ||
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") !=
            MHD_YES ||
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") !=
            MHD_YES ||
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_SECURITY_POLICY,
                                HTTP_CSP) != MHD_YES)
        goto cleanup;
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") !=
            MHD_YES)
        goto cleanup;
    if (status == MHD_HTTP_SERVICE_UNAVAILABLE &&
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5") != MHD_YES)
        goto cleanup;
    ret = MHD_queue_response(conn, status, r);

cleanup:
    MHD_destroy_response(r);
    return ret;
}

/* Replies with len bytes that live as long as the program. */
static enum MHD_Result http_reply_static(struct MHD_Connection *conn,
                                         unsigned status, const char *type,
                                         const void *body, size_t len)
{
    struct MHD_Response *r;

    /* PERSISTENT: libmicrohttpd neither copies nor frees nor writes it. */
    r = MHD_create_response_from_buffer(len, (void *)body,
                                        MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    return http_queue(conn, status, r, type);
}

/* Replies with a short message. */
static enum MHD_Result http_reply_text(struct MHD_Connection *conn,
                                       unsigned status, const char *text)
{
    return http_reply_static(conn, status, HTTP_TEXT, text, strlen(text));
}

/* Sends the current text of slot without copying it; the reference taken
 * here is dropped by libmicrohttpd once the reply is done. */
static enum MHD_Result http_reply_doc(struct http_server *s,
                                      struct MHD_Connection *conn,
                                      struct http_doc **slot, const char *type)
{
    struct http_doc *d = http_doc_get(s, slot);
    struct MHD_Response *r;

    r = MHD_create_response_from_buffer_with_free_callback_cls(d->len, d->text,
                                                               http_doc_put, d);
    if (!r) {
        http_doc_put(d);
        return MHD_NO;
    }
    return http_queue(conn, MHD_HTTP_OK, r, type);
}

/* Opens a stream unless HTTP_MAX_STREAMS are open or the server stops. */
static enum MHD_Result http_reply_stream(struct http_server *s,
                                         struct MHD_Connection *conn)
{
    struct http_stream *st;
    struct MHD_Response *r;
    int full;

    pthread_mutex_lock(&s->lock);
    full = s->stopping || s->streams >= HTTP_MAX_STREAMS;
    if (!full)
        s->streams++;
    pthread_mutex_unlock(&s->lock);
    if (full)
        return http_reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                               "too many streams\n");

    /* From here http_stream_free() undoes the count. */
    st = calloc(1, sizeof(*st));
    if (!st) {
        pthread_mutex_lock(&s->lock);
        s->streams--;
        pthread_mutex_unlock(&s->lock);
        return MHD_NO;
    }
    st->s = s;
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK,
                                          http_stream_read, st,
                                          http_stream_free);
    if (!r) {
        http_stream_free(st);
        return MHD_NO;
    }
    if (MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
                                  (unsigned)HTTP_STREAM_TIMEOUT_SECONDS) !=
        MHD_YES)
        log_info("http: cannot lengthen a stream's timeout; it will end at "
                 "the first keepalive and the page will reconnect");
    return http_queue(conn, MHD_HTTP_OK, r, HTTP_SSE);
}

/* True when the request announces a body, which no route accepts. */
static int http_has_body(struct MHD_Connection *conn)
{
    const char *len;

    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                    MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return 1;
    len = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                      MHD_HTTP_HEADER_CONTENT_LENGTH);
    return len && strcmp(len, "0") != 0;
}

/* True when the request may be answered: on loopback, its Host (if any:
 * HTTP/1.0 may send none) must be a loopback name. On any other address
 * every Host is taken, as the user chose to expose the dashboard. */
static int http_host_ok(const struct http_server *s,
                        struct MHD_Connection *conn)
{
    const char *host;

    if (!s->loopback)
        return 1;
    host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                       MHD_HTTP_HEADER_HOST);
    return !host || http_loopback_host(host, s->port);
}

/* Answers the routes whose body is not fixed at build time. Returns 1
 * and sets *ret when url is one of them, else 0. */
static int http_route_dynamic(struct http_server *s,
                              struct MHD_Connection *conn, const char *url,
                              enum MHD_Result *ret)
{
    const char *js;
    size_t len;

    if (strcmp(url, "/api/players") == 0)
        *ret = http_reply_doc(s, conn, &s->doc, "application/json");
    else if (strcmp(url, "/api/stream") == 0)
        *ret = http_reply_stream(s, conn);
    else if (strcmp(url, "/metrics") == 0)
        *ret = http_reply_doc(s, conn, &s->metrics, HTTP_METRICS);
    else if (strcmp(url, "/chart.js") == 0) {
        js = http_chartjs(&len);
        *ret = http_reply_static(conn, MHD_HTTP_OK, HTTP_JS, js, len);
    } else
        return 0;
    return 1;
}

/*
 * Answers every request on its first call, before any body is read; when
 * a body follows, libmicrohttpd closes the connection after the reply
 * instead of reading it. url comes without its query string.
 */
static enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    const struct http_route *rt;
    enum MHD_Result ret;
    size_t i;

    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (!http_host_ok(s, conn))
        return http_reply_text(conn, MHD_HTTP_MISDIRECTED_REQUEST,
                               "this server answers only to loopback "
                               "names\n");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return http_reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                               "method not allowed\n");
    if (http_has_body(conn))
        return http_reply_text(conn, MHD_HTTP_CONTENT_TOO_LARGE,
                               "request bodies are not accepted\n");

    if (http_route_dynamic(s, conn, url, &ret))
        return ret;
    for (i = 0; i < HTTP_COUNT(http_routes); i++) {
        rt = &http_routes[i];
        if (strcmp(url, rt->path) == 0)
            return http_reply_static(conn, MHD_HTTP_OK, rt->type, rt->body,
                                     *rt->len);
    }
    return http_reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
}

/*
 * Hands the listening socket fd to a new libmicrohttpd daemon. Streams
 * wait for the next document inside the content reader, which only a
 * thread per connection allows: with one polling thread, one waiting
 * stream would stall every other client. MHD_USE_AUTO then picks poll().
 */
static struct MHD_Daemon *http_daemon(struct http_server *s, int fd, int family)
{
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                     MHD_USE_ERROR_LOG;

    if (family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* The logger goes first so that start-up messages reach it too. */
    return MHD_start_daemon(
        flags, 0, NULL, NULL, http_handle, s, MHD_OPTION_EXTERNAL_LOGGER,
        http_mhd_log, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_SECONDS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_MEMORY_LIMIT, MHD_OPTION_END);
}

/* The lock, the condition variable on the monotonic clock, and the two
 * empty texts. */
static int http_init(struct http_server *s)
{
    pthread_condattr_t ca;
    char *empty_doc = NULL, *empty_metrics = NULL;

    if (pthread_mutex_init(&s->lock, NULL) != 0)
        return HTTP_ENOMEM;
    if (pthread_condattr_init(&ca) != 0)
        goto fail_mutex;
    if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&s->changed, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        goto fail_mutex;
    }
    pthread_condattr_destroy(&ca);

    empty_doc = strdup(HTTP_EMPTY_DOC);
    empty_metrics = strdup("");
    s->doc = empty_doc ? http_doc_new(s, empty_doc, strlen(empty_doc)) : NULL;
    s->metrics = empty_metrics ? http_doc_new(s, empty_metrics, 0) : NULL;
    if (!s->doc || !s->metrics)
        goto fail_docs;
    return 0;

fail_docs:
    if (s->doc)
        http_doc_put(s->doc);
    else
        free(empty_doc);
    if (s->metrics)
        http_doc_put(s->metrics);
    else
        free(empty_metrics);
    pthread_cond_destroy(&s->changed);
fail_mutex:
    pthread_mutex_destroy(&s->lock);
    return HTTP_ENOMEM;
}

static void http_fini(struct http_server *s)
{
    http_doc_put(s->doc);
    http_doc_put(s->metrics);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
}

int http_start(const char *address, struct http_server **out)
{
    char host[HTTP_HOST_MAX];
    struct http_server *s;
    unsigned port;
    int fd, family = AF_INET;
    int rc;

    if (!address || !out)
        return HTTP_EINVAL;
    rc = http_parse_address(address, host, sizeof(host), &port);
    if (rc)
        return rc;
    http_chartjs(NULL); /* read it now, and warn now if it is missing */

    s = calloc(1, sizeof(*s));
    if (!s)
        return HTTP_ENOMEM;
    atomic_init(&s->started, 0);
    rc = http_init(s);
    if (rc)
        goto fail_free;

    fd = http_listen(host, port, &family);
    if (fd < 0) {
        rc = fd;
        goto fail_init;
    }
    rc = http_bound(fd, &s->port, &s->loopback);
    if (rc) {
        close(fd);
        goto fail_init;
    }

    s->daemon = http_daemon(s, fd, family);
    if (!s->daemon) {
        /* XXX: libmicrohttpd does not say whether a failed start closed
         * the socket it was given, so we leave it: at worst one descriptor
         * leaks on a path where the caller is about to exit anyway, which
         * beats closing a number another thread may have reused. */
        rc = HTTP_ESTART;
        goto fail_init;
    }
    atomic_store(&s->started, 1);
    log_info("http: serving on %s port %u", host, s->port);
    *out = s;
    return 0;

fail_init:
    http_fini(s);
fail_free:
    free(s);
    return rc;
}

unsigned http_port(const struct http_server *s)
{
    return s ? s->port : 0;
}

void http_publish(struct http_server *s, char *json, size_t len)
{
    http_swap(s, s ? &s->doc : NULL, 1, json, len);
}

void http_publish_metrics(struct http_server *s, char *text, size_t len)
{
    http_swap(s, s ? &s->metrics : NULL, 0, text, len);
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    /* Streams waiting for a document see the flag and end; new ones are
     * refused. */
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);

    /* Closes the listening socket and every connection and joins their
     * threads; responses still holding a text drop their references
     * before this returns. */
    MHD_stop_daemon(s->daemon);
    http_fini(s);
    free(s);
}
