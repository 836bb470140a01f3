/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's HTTP server: serves the page and its assets, Chart.js,
 * a health check, the latest /api/players document (also pushed as a
 * stream of server-sent events) and the Prometheus metrics, from threads
 * of its own. It does not build the documents (the consumer publishes
 * ready text) and it never lets a slow client hold up the publisher.
 */
#ifndef DND_HTTP_H
#define DND_HTTP_H

#include <stddef.h>

/* Bytes of a host buffer big enough for any host http_parse_address()
 * accepts, including the NUL. */
#define HTTP_HOST_MAX 256

/* Document served by GET /api/players before the first http_publish(). */
#define HTTP_EMPTY_DOC "{\"messages\":0,\"invalid\":0,\"players\":[]}"

/* Error codes, all negative; http_strerror() names them. */
enum http_err {
    HTTP_OK = 0,
    HTTP_EINVAL = -1,    /* a NULL or otherwise unusable argument */
    HTTP_EADDRESS = -2,  /* not host:port with a port from 0 to 65535 */
    HTTP_ERESOLVE = -3,  /* the host name does not resolve */
    HTTP_EINUSE = -4,    /* another program listens on that port */
    HTTP_EACCES = -5,    /* not allowed to listen on that port */
    HTTP_ENOTAVAIL = -6, /* the address belongs to no local interface */
    HTTP_ESOCKET = -7,   /* any other failure to open the listening socket */
    HTTP_ESTART = -8,    /* libmicrohttpd could not start its thread */
    HTTP_ENOMEM = -9
};

struct http_server;

/*
 * Splits address into host and port. Accepted forms: "127.0.0.1:8080",
 * "localhost:8080" and "[::1]:8080" (an IPv6 literal must be in brackets,
 * and brackets must hold an IPv6 literal). The host must not be empty and
 * the port is 0 to 65535 in decimal digits only; 0 asks for any free port.
 * Writes the host without brackets, NUL-terminated, into host (hostlen
 * bytes) and the port into *port. Pure: no I/O, no name lookups. Returns 0,
 * HTTP_EINVAL for a NULL argument, or HTTP_EADDRESS (also when the host
 * does not fit), leaving host and *port unspecified on failure.
 */
int http_parse_address(const char *address, char *host, size_t hostlen,
                       unsigned *port);

/*
 * True (1) when host, the value of a request's Host header, names the
 * loopback interface: "localhost" (any case), an IPv4 address 127.x.x.x in
 * dotted decimal, or "[::1]", each alone or followed by ":PORT" where PORT
 * is decimal digits equal to port. False (0) otherwise, NULL included.
 * Pure: no I/O, no name lookups. A server on a loopback address answers
 * other Host values with 421, so a web page whose DNS name was rebound to
 * 127.0.0.1 cannot read the figures.
 */
int http_loopback_host(const char *host, unsigned port);

/*
 * The Chart.js script served at /chart.js: the file named by the
 * environment variable DNDTRACK_CHARTJS, or else Debian's
 * /usr/share/javascript/chart.js/chart.min.js. It is read on the first
 * call (http_start() makes one) and kept for the life of the program; when
 * it cannot be read, a warning is logged once and a one-line script that
 * sets window.Chart to undefined stands in, so the page shows its figures
 * without charts. Sets *len (when len is not NULL) to its length. Returns
 * NUL-terminated text, never NULL, owned by this module: the caller must
 * not free or change it. Safe from any thread.
 */
const char *http_chartjs(size_t *len);

/*
 * Resolves address (see http_parse_address()), listens on it and starts
 * serving, one thread per connection. A name with several addresses is served
 * on the first one that binds, IPv4 before IPv6. Returns 0 and sets *out
 * to a server to be freed with http_stop(), or a negative http_err with
 * *out untouched.
 */
int http_start(const char *address, struct http_server **out);

/* The port actually bound, useful when port 0 was asked for. */
unsigned http_port(const struct http_server *s);

/*
 * Replaces the document served at /api/players and pushed to every open
 * /api/stream. Takes ownership of json, which must be malloc'd,
 * NUL-terminated and len bytes long (the NUL not counted); it is freed
 * when the last response sending it is done. The stream sends it as one
 * data line, so it should be compact JSON (line breaks in it go out as
 * spaces). Safe from any one thread while the server serves: it only swaps
 * a pointer under a mutex and wakes the streams, and never waits for
 * clients. Requests already answered keep the document they started with;
 * a stream that is still sending an older one skips to the newest. When
 * out of memory, the previous document stays and json is freed. A NULL s
 * or json is ignored (json is still freed).
 */
void http_publish(struct http_server *s, char *json, size_t len);

/*
 * Replaces the Prometheus text served at /metrics (empty until the first
 * call). Ownership and safety as for http_publish(): text is malloc'd,
 * NUL-terminated, len bytes long, and the server frees it.
 */
void http_publish_metrics(struct http_server *s, char *text, size_t len);

/*
 * Stops serving: ends every open stream, closes every connection and the
 * listening socket, and frees s and its documents. Must not run at the
 * same time as http_publish() or http_publish_metrics() on the same
 * server. NULL is a no-op.
 */
void http_stop(struct http_server *s);

/* A static, human-readable description of err; never NULL. */
const char *http_strerror(int err);

#endif
