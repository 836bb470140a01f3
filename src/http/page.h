/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's page, script and styles, compiled into the binary from
 * src/http/web/ by tools/embed at build time, so dndtrack needs no files
 * of its own at run time. http.c serves them; `report` may inline them.
 * Nothing here builds or changes them.
 */
#ifndef DND_HTTP_PAGE_H
#define DND_HTTP_PAGE_H

#include <stddef.h>

/*
 * Each asset is NAME[], its bytes as read from the file, and NAME_len,
 * their count. A NUL follows the bytes (not counted in NAME_len), so an
 * asset is also a C string when the file holds no NUL of its own. They
 * live as long as the program and must not be written to or freed.
 */

/* The page served at "/" (src/http/web/index.html). */
extern const unsigned char web_index_html[];
extern const size_t web_index_html_len;

/* The page's script served at "/app.js" (src/http/web/app.js). */
extern const unsigned char web_app_js[];
extern const size_t web_app_js_len;

/* The page's styles served at "/style.css" (src/http/web/style.css). */
extern const unsigned char web_style_css[];
extern const size_t web_style_css_len;

#endif
