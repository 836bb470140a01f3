/* SPDX-License-Identifier: MIT */
/*
 * The dashboard page and its script, compiled in as C strings so the binary
 * needs no files at run time. The script fetches /api/players every two
 * seconds and builds the tables with DOM calls only; nothing here serves
 * them (http.c does).
 */
#ifndef DND_HTTP_PAGE_H
#define DND_HTTP_PAGE_H

/* The HTML page served at "/": UTF-8, NUL-terminated, no inline script. */
extern const char http_page_html[];

/* The script served at "/app.js". It sets every string that came from
 * events as text nodes, never as markup, so names show as typed. */
extern const char http_page_js[];

#endif
