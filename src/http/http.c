/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's HTTP server on libmicrohttpd and its internal polling
 * thread. We open the listening socket ourselves so a failure says why
 * (port in use, no permission), and share the /api/players document with
 * responses through a reference count so publishing never waits on them.
 */
#include "http/http.h"

#include "core/config.h"

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
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/page.h"
#include "util/log.h"

/*
 * Open connections at once; more wait in the kernel's backlog.
 *
 * XXX: the timeout is per idle period, not per request, so clients that
 * send a header line every few seconds can hold all connections and keep
 * the page away from others; the consumer is not slowed. A total request
 * deadline would need libmicrohttpd's external select mode.
 */
#define HTTP_MAX_CONNECTIONS 64u
/* Seconds a connection may stay idle before it is closed. */
#define HTTP_TIMEOUT_SECONDS 10u
/* Bytes per connection for the request line, headers and reply headers;
 * a request that needs more is refused with 431. */
#define HTTP_MEMORY_LIMIT ((size_t)32 * 1024)
/* XXX: replies that libmicrohttpd makes by itself (431 for oversize
 * headers, 400 for malformed requests) lack our headers, nosniff and
 * no-store included. Their bodies are fixed text that echoes nothing from
 * the request, so the cost is only that they may be cached. */
#define HTTP_BACKLOG 64

#define HTTP_CSP                                                               \
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'"
#define HTTP_TEXT "text/plain; charset=utf-8"

/* One published document. Each response that sends it holds a reference,
 * and so does the server while it is the current one. */
struct http_doc {
    struct http_server *owner;
    char *json;
    size_t len;
    int refs; /* guarded by owner->lock */
};

struct http_server {
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;
    struct http_doc *doc; /* current document, guarded by lock */
    unsigned port;
    atomic_int started; /* libmicrohttpd messages before this are fatal */
};

/* Static routes; /api/players is handled apart. */
struct http_route {
    const char *path;
    const char *type;
    const char *body;
};

static const struct http_route http_routes[] = {
    {"/", "text/html; charset=utf-8", http_page_html},
    {"/app.js", "application/javascript; charset=utf-8", http_page_js},
    {"/healthz", HTTP_TEXT, "ok"},
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

static int http_bound_port(int fd, unsigned *port)
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
    return 0;
}

/* A new document holding one reference, or NULL. json stays the caller's
 * on failure. */
static struct http_doc *http_doc_new(struct http_server *s, char *json,
                                     size_t len)
{
    struct http_doc *d = malloc(sizeof(*d));

    if (!d)
        return NULL;
    d->owner = s;
    d->json = json;
    d->len = len;
    d->refs = 1;
    return d;
}

static struct http_doc *http_doc_get(struct http_server *s)
{
    struct http_doc *d;

    pthread_mutex_lock(&s->lock);
    d = s->doc;
    d->refs++;
    pthread_mutex_unlock(&s->lock);
    return d;
}

/* Drops one reference; the last one frees. Also libmicrohttpd's callback
 * for when a response that sends the document is destroyed. */
static void http_doc_put(void *cls)
{
    struct http_doc *d = cls;
    int last;

    pthread_mutex_lock(&d->owner->lock);
    d->refs--;
    last = d->refs == 0;
    pthread_mutex_unlock(&d->owner->lock);
    if (last) {
        free(d->json);
        free(d);
    }
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
    ret = MHD_queue_response(conn, status, r);

cleanup:
    MHD_destroy_response(r);
    return ret;
}

/* Replies with a string that lives as long as the program. */
static enum MHD_Result http_reply_static(struct MHD_Connection *conn,
                                         unsigned status, const char *type,
                                         const char *body)
{
    struct MHD_Response *r;

    /* PERSISTENT: libmicrohttpd neither copies nor frees nor writes it. */
    r = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                        MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    return http_queue(conn, status, r, type);
}

/* Sends the current document without copying it; the reference taken
 * here is dropped by libmicrohttpd once the reply is done. */
static enum MHD_Result http_reply_doc(struct http_server *s,
                                      struct MHD_Connection *conn)
{
    struct http_doc *d = http_doc_get(s);
    struct MHD_Response *r;

    r = MHD_create_response_from_buffer_with_free_callback_cls(d->len, d->json,
                                                               http_doc_put, d);
    if (!r) {
        http_doc_put(d);
        return MHD_NO;
    }
    return http_queue(conn, MHD_HTTP_OK, r, "application/json");
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
    size_t i;

    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)con_cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return http_reply_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, HTTP_TEXT,
                                 "method not allowed\n");
    if (http_has_body(conn))
        return http_reply_static(conn, MHD_HTTP_CONTENT_TOO_LARGE, HTTP_TEXT,
                                 "request bodies are not accepted\n");

    if (strcmp(url, "/api/players") == 0)
        return http_reply_doc(s, conn);
    for (i = 0; i < HTTP_COUNT(http_routes); i++) {
        if (strcmp(url, http_routes[i].path) == 0)
            return http_reply_static(conn, MHD_HTTP_OK, http_routes[i].type,
                                     http_routes[i].body);
    }
    return http_reply_static(conn, MHD_HTTP_NOT_FOUND, HTTP_TEXT,
                             "not found\n");
}

/* Hands the listening socket fd to a new libmicrohttpd daemon. */
static struct MHD_Daemon *http_daemon(struct http_server *s, int fd, int family)
{
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;

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

int http_start(const char *address, struct http_server **out)
{
    char host[HTTP_HOST_MAX];
    struct http_server *s;
    char *empty;
    unsigned port;
    int fd, family = AF_INET;
    int rc;

    if (!address || !out)
        return HTTP_EINVAL;
    rc = http_parse_address(address, host, sizeof(host), &port);
    if (rc)
        return rc;

    s = calloc(1, sizeof(*s));
    if (!s)
        return HTTP_ENOMEM;
    atomic_init(&s->started, 0);
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        rc = HTTP_ENOMEM;
        goto fail_free;
    }
    empty = strdup(HTTP_EMPTY_DOC);
    s->doc = empty ? http_doc_new(s, empty, strlen(empty)) : NULL;
    if (!s->doc) {
        free(empty);
        rc = HTTP_ENOMEM;
        goto fail_mutex;
    }

    fd = http_listen(host, port, &family);
    if (fd < 0) {
        rc = fd;
        goto fail_doc;
    }
    rc = http_bound_port(fd, &s->port);
    if (rc) {
        close(fd);
        goto fail_doc;
    }

    s->daemon = http_daemon(s, fd, family);
    if (!s->daemon) {
        /* XXX: libmicrohttpd does not say whether a failed start closed
         * the socket it was given, so we leave it: at worst one descriptor
         * leaks on a path where the caller is about to exit anyway, which
         * beats closing a number another thread may have reused. */
        rc = HTTP_ESTART;
        goto fail_doc;
    }
    atomic_store(&s->started, 1);
    log_info("http: serving on %s port %u", host, s->port);
    *out = s;
    return 0;

fail_doc:
    http_doc_put(s->doc);
fail_mutex:
    pthread_mutex_destroy(&s->lock);
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
    struct http_doc *d, *old;

    if (!s || !json) {
        free(json);
        return;
    }
    d = http_doc_new(s, json, len);
    if (!d) {
        log_warn("http: out of memory; the dashboard keeps the previous "
                 "document");
        free(json);
        return;
    }

    pthread_mutex_lock(&s->lock);
    old = s->doc;
    s->doc = d;
    pthread_mutex_unlock(&s->lock);
    http_doc_put(old);
}

void http_stop(struct http_server *s)
{
    if (!s)
        return;
    /* Closes the listening socket and every connection; responses still
     * holding a document drop their references before this returns. */
    MHD_stop_daemon(s->daemon);
    http_doc_put(s->doc);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
