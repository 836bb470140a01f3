/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the incremental CSV parser: line ends, quoting, the last
 * line, chunking, per-record errors and resynchronisation. Every expected
 * output below was written out by hand from the input next to it.
 */
#include "core/csv.h"

#include <stdio.h>
#include <string.h>

#include "unit.h"

/* Collects records as text: "LINE[field][field]\n", or "LINE!ERR\n". */
struct sink {
    char out[4096];
    size_t len;
    int overflow;  /* out was too small */
    int bad_nul;   /* a field without its NUL terminator */
    int stop_with; /* value returned by the callback */
};

static void sink_put(struct sink *s, const char *data, size_t len)
{
    if (s->len + len >= sizeof(s->out)) {
        s->overflow = 1;
        return;
    }
    memcpy(s->out + s->len, data, len);
    s->len += len;
    s->out[s->len] = '\0';
}

static int sink_record(const struct csv_record *rec, void *arg)
{
    struct sink *s = arg;
    char head[48];
    size_t i;
    int n;

    if (rec->err)
        n = snprintf(head, sizeof(head), "%lu!%d", rec->line, rec->err);
    else
        n = snprintf(head, sizeof(head), "%lu", rec->line);
    sink_put(s, head, (size_t)n);
    for (i = 0; i < rec->nfields; i++) {
        if (rec->fields[i].data[rec->fields[i].len] != '\0')
            s->bad_nul = 1;
        sink_put(s, "[", 1);
        sink_put(s, rec->fields[i].data, rec->fields[i].len);
        sink_put(s, "]", 1);
    }
    sink_put(s, "\n", 1);
    return s->stop_with;
}

/* Parses len bytes in chunks of `chunk` (0: all at once), then finishes. */
static int parse(const char *in, size_t len, size_t chunk, size_t max,
                 struct sink *s)
{
    struct csv_parser *p;
    size_t off, n;
    int rc = 0;

    memset(s, 0, sizeof(*s));
    p = csv_new(max, sink_record, s);
    if (!p)
        return CSV_ENOMEM;
    for (off = 0; rc == 0 && off < len; off += n) {
        n = chunk == 0 || len - off < chunk ? len - off : chunk;
        rc = csv_feed(p, in + off, n);
    }
    if (rc == 0)
        rc = csv_finish(p);
    csv_free(p);
    return rc;
}

#define PARSE_STR(in, s) parse((in), strlen(in), 0, 0, (s))

static void test_lf_line_ends(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("a,b\nc,d\n", &s), 0);
    CHECK_STR(s.out, "1[a][b]\n2[c][d]\n");
    CHECK_INT(s.bad_nul, 0);
}

static void test_crlf_line_ends(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("RollID,Notes\r\n1,null\r\n2,x\r\n", &s), 0);
    CHECK_STR(s.out, "1[RollID][Notes]\n2[1][null]\n3[2][x]\n");
}

static void test_quoted_comma(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("\"Vex, Vax\",2\r\n", &s), 0);
    CHECK_STR(s.out, "1[Vex, Vax][2]\n");
}

static void test_quoted_newline_counts_lines(void)
{
    struct sink s;

    /* The quoted field spans lines 1-3, so "next" is on line 4. */
    CHECK_INT(PARSE_STR("a,\"one\r\ntwo\nthree\"\r\nnext\r\n", &s), 0);
    CHECK_STR(s.out, "1[a][one\r\ntwo\nthree]\n4[next]\n");
}

static void test_doubled_quote_is_one_quote(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("\"say \"\"hi\"\"\",\"\"\"\"\n", &s), 0);
    CHECK_STR(s.out, "1[say \"hi\"][\"]\n");
}

static void test_empty_fields(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR(",,\n\"\",x\nx,\n", &s), 0);
    CHECK_STR(s.out, "1[][][]\n2[][x]\n3[x][]\n");
}

static void test_blank_lines_skipped(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("\n\r\na\n\n\r\nb\n", &s), 0);
    CHECK_STR(s.out, "3[a]\n6[b]\n");
}

static void test_last_line_without_line_end(void)
{
    struct sink s;
    struct csv_parser *p;

    memset(&s, 0, sizeof(s));
    p = csv_new(0, sink_record, &s);
    CHECK(p != NULL);
    CHECK_INT(csv_feed(p, "a,b\r\nc,d", 8), 0);
    CHECK_STR(s.out, "1[a][b]\n");
    CHECK_INT(csv_finish(p), 0);
    csv_free(p);
    CHECK_STR(s.out, "1[a][b]\n2[c][d]\n");
}

static void test_last_line_quoted_or_bare_cr(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("a\n\"b,c\"", &s), 0);
    CHECK_STR(s.out, "1[a]\n2[b,c]\n");
    CHECK_INT(PARSE_STR("a\nb\r", &s), 0);
    CHECK_STR(s.out, "1[a]\n2[b]\n");
}

static void test_lone_cr_is_text(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("a\rb,c\n", &s), 0);
    CHECK_STR(s.out, "1[a\rb][c]\n");
}

static void test_utf8_passed_through(void)
{
    struct sink s;

    /* An en dash and a no-break space, as in the real notes. */
    CHECK_INT(PARSE_STR("Grapple \xE2\x80\x93 no,Poison\xC2\xA0"
                        "Dagger\r\n",
                        &s),
              0);
    CHECK_STR(s.out, "1[Grapple \xE2\x80\x93 no][Poison\xC2\xA0"
                     "Dagger]\n");
}

static void test_byte_at_a_time_equals_whole(void)
{
    const char *in = "h1,h2,h3\r\n\"q,1\",\"l1\r\nl2\",\"\"\"x\"\"\"\r\n"
                     "\r\nbad\"q,2\r\n\"a\"b\n\xC3\xA9,,\"\"\r\nlast,row";
    size_t len = strlen(in);
    struct sink whole, piece;
    size_t chunk;

    CHECK_INT(parse(in, len, 0, 0, &whole), 0);
    CHECK_STR(whole.out, "1[h1][h2][h3]\n2[q,1][l1\r\nl2][\"x\"]\n"
                         "5!-3\n6!-4\n7[\xC3\xA9][][]\n8[last][row]\n");
    for (chunk = 1; chunk <= len; chunk++) {
        CHECK_INT(parse(in, len, chunk, 0, &piece), 0);
        if (strcmp(piece.out, whole.out) != 0)
            UNIT_FAIL("chunk size %zu gave:\n%s", chunk, piece.out);
    }
}

static void test_bad_quote_then_rows_go_on(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("a,b\r\nx,ab\"c\"d,e\r\n\"ok\",1\r\nz\r\n", &s), 0);
    CHECK_STR(s.out, "1[a][b]\n2!-3\n3[ok][1]\n4[z]\n");
}

static void test_text_after_closing_quote(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("\"a\"b,c\n\"a\"\rb\nd\n", &s), 0);
    CHECK_STR(s.out, "1!-4\n2!-4\n3[d]\n");
}

static void test_unterminated_quote_at_end(void)
{
    struct sink s;

    CHECK_INT(PARSE_STR("a\n\"open,\nmore", &s), 0);
    CHECK_STR(s.out, "1[a]\n2!-5\n");
}

static void test_record_limit(void)
{
    struct sink s;

    /* "abcd,efg" is 4 + 1 + 3 = 8 bytes: at the limit, accepted. */
    CHECK_INT(parse("abcd,efg\n", 9, 0, 8, &s), 0);
    CHECK_STR(s.out, "1[abcd][efg]\n");
    CHECK_INT(parse("abcd,efgh\nok\n", 13, 0, 8, &s), 0);
    CHECK_STR(s.out, "1!-6\n2[ok]\n");
    CHECK_INT(parse("abcdefghij\r\n\"x\"\r\n", 17, 1, 8, &s), 0);
    CHECK_STR(s.out, "1!-6\n2[x]\n");
}

/* Keeps only the shape of each record, for inputs too big for a sink. */
struct shape {
    int records;
    unsigned long line[4];
    int err[4];
    size_t first_len[4];
};

static int shape_record(const struct csv_record *rec, void *arg)
{
    struct shape *sh = arg;

    if (sh->records < 4) {
        sh->line[sh->records] = rec->line;
        sh->err[sh->records] = rec->err;
        sh->first_len[sh->records] = rec->nfields ? rec->fields[0].len : 0;
    }
    sh->records++;
    return 0;
}

static void test_default_limit_is_64k(void)
{
    static char big[CSV_MAX_RECORD + 8];
    struct csv_parser *p;
    struct shape sh;

    /* One field of exactly CSV_MAX_RECORD bytes, then "y". */
    memset(&sh, 0, sizeof(sh));
    memset(big, 'x', CSV_MAX_RECORD);
    memcpy(big + CSV_MAX_RECORD, "\ny\n", 3);
    p = csv_new(0, shape_record, &sh);
    CHECK(p != NULL);
    CHECK_INT(csv_feed(p, big, CSV_MAX_RECORD + 3), 0);
    CHECK_INT(csv_finish(p), 0);
    CHECK_INT(sh.records, 2);
    CHECK_INT(sh.err[0], 0);
    CHECK_INT(sh.first_len[0], CSV_MAX_RECORD);
    CHECK_INT(sh.line[1], 2);
    CHECK_INT(sh.first_len[1], 1);

    /* One byte more is too big; the next line still comes through. */
    memset(&sh, 0, sizeof(sh));
    memcpy(big + CSV_MAX_RECORD, "x\ny\n", 4);
    CHECK_INT(csv_feed(p, big, CSV_MAX_RECORD + 4), 0);
    CHECK_INT(csv_finish(p), 0);
    csv_free(p);
    CHECK_INT(sh.records, 2);
    CHECK_INT(sh.err[0], CSV_ETOOBIG);
    CHECK_INT(sh.line[0], 1);
    CHECK_INT(sh.err[1], 0);
    CHECK_INT(sh.line[1], 2);
    CHECK_INT(sh.first_len[1], 1);
}

static void test_callback_value_stops_feed(void)
{
    struct sink s;
    struct csv_parser *p;

    memset(&s, 0, sizeof(s));
    s.stop_with = 7;
    p = csv_new(0, sink_record, &s);
    CHECK(p != NULL);
    CHECK_INT(csv_feed(p, "a\nb\n", 4), 7);
    csv_free(p);
    CHECK_STR(s.out, "1[a]\n");
}

static void test_finish_starts_over_at_line_one(void)
{
    struct sink s;
    struct csv_parser *p;

    memset(&s, 0, sizeof(s));
    p = csv_new(0, sink_record, &s);
    CHECK(p != NULL);
    CHECK_INT(csv_feed(p, "a\nb", 3), 0);
    CHECK_INT(csv_finish(p), 0);
    CHECK_INT(csv_feed(p, "c\n", 2), 0);
    CHECK_INT(csv_finish(p), 0);
    csv_free(p);
    CHECK_STR(s.out, "1[a]\n2[b]\n1[c]\n");
}

static void test_bad_arguments(void)
{
    struct sink s;
    struct csv_parser *p;

    CHECK(csv_new(0, NULL, NULL) == NULL);
    CHECK_INT(csv_feed(NULL, "a", 1), CSV_EINVAL);
    CHECK_INT(csv_finish(NULL), CSV_EINVAL);
    memset(&s, 0, sizeof(s));
    p = csv_new(0, sink_record, &s);
    CHECK(p != NULL);
    CHECK_INT(csv_feed(p, NULL, 1), CSV_EINVAL);
    CHECK_INT(csv_feed(p, NULL, 0), 0);
    csv_free(p);
    csv_free(NULL);
}

static void test_strerror_names_every_code(void)
{
    int err;

    for (err = CSV_ETOOBIG; err <= CSV_OK; err++)
        CHECK(strcmp(csv_strerror(err), csv_strerror(-100)) != 0);
    CHECK_STR(csv_strerror(CSV_EQUOTE), "quote inside an unquoted field");
}

int main(void)
{
    UNIT_RUN(test_lf_line_ends);
    UNIT_RUN(test_crlf_line_ends);
    UNIT_RUN(test_quoted_comma);
    UNIT_RUN(test_quoted_newline_counts_lines);
    UNIT_RUN(test_doubled_quote_is_one_quote);
    UNIT_RUN(test_empty_fields);
    UNIT_RUN(test_blank_lines_skipped);
    UNIT_RUN(test_last_line_without_line_end);
    UNIT_RUN(test_last_line_quoted_or_bare_cr);
    UNIT_RUN(test_lone_cr_is_text);
    UNIT_RUN(test_utf8_passed_through);
    UNIT_RUN(test_byte_at_a_time_equals_whole);
    UNIT_RUN(test_bad_quote_then_rows_go_on);
    UNIT_RUN(test_text_after_closing_quote);
    UNIT_RUN(test_unterminated_quote_at_end);
    UNIT_RUN(test_record_limit);
    UNIT_RUN(test_default_limit_is_64k);
    UNIT_RUN(test_callback_value_stops_feed);
    UNIT_RUN(test_finish_starts_over_at_line_one);
    UNIT_RUN(test_bad_arguments);
    UNIT_RUN(test_strerror_names_every_code);
    return UNIT_DONE();
}
