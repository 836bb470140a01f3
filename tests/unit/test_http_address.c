/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of http_parse_address(): which dashboard addresses are taken
 * apart into host and port, and which are refused; and of
 * http_loopback_host(): which Host headers a server on loopback answers.
 * No sockets are opened and no names are looked up.
 */
#include "http/http.h"

#include "unit.h"

/* Parses address and checks the host and port it must give. */
#define CHECK_ADDR(address, want_host, want_port)                              \
    do {                                                                       \
        char h_[HTTP_HOST_MAX];                                                \
        unsigned p_ = 99999;                                                   \
        CHECK_INT(http_parse_address(address, h_, sizeof(h_), &p_), 0);        \
        CHECK_STR(h_, want_host);                                              \
        CHECK_INT(p_, want_port);                                              \
    } while (0)

#define CHECK_BAD(address)                                                     \
    do {                                                                       \
        char h_[HTTP_HOST_MAX];                                                \
        unsigned p_;                                                           \
        CHECK_INT(http_parse_address(address, h_, sizeof(h_), &p_),            \
                  HTTP_EADDRESS);                                              \
    } while (0)

static void test_ipv4_with_port_parses(void)
{
    CHECK_ADDR("127.0.0.1:8080", "127.0.0.1", 8080);
    CHECK_ADDR("0.0.0.0:1", "0.0.0.0", 1);
}

static void test_name_with_port_parses(void)
{
    CHECK_ADDR("localhost:8080", "localhost", 8080);
    CHECK_ADDR("dash-board.example:443", "dash-board.example", 443);
}

static void test_port_zero_and_max_parse(void)
{
    CHECK_ADDR("127.0.0.1:0", "127.0.0.1", 0);
    CHECK_ADDR("127.0.0.1:65535", "127.0.0.1", 65535);
    CHECK_ADDR("127.0.0.1:008080", "127.0.0.1", 8080);
}

static void test_bracketed_ipv6_parses(void)
{
    CHECK_ADDR("[::1]:8080", "::1", 8080);
    CHECK_ADDR("[::]:0", "::", 0);
    CHECK_ADDR("[fe80::1%lo]:9000", "fe80::1%lo", 9000);
}

static void test_missing_port_is_refused(void)
{
    CHECK_BAD("127.0.0.1");
    CHECK_BAD("localhost");
    CHECK_BAD("127.0.0.1:");
    CHECK_BAD("[::1]");
    CHECK_BAD("[::1]:");
}

static void test_port_out_of_range_is_refused(void)
{
    CHECK_BAD("127.0.0.1:65536");
    CHECK_BAD("127.0.0.1:70000");
    CHECK_BAD("127.0.0.1:99999999999999999999999");
    CHECK_BAD("127.0.0.1:-1");
}

static void test_port_with_junk_is_refused(void)
{
    CHECK_BAD("127.0.0.1:8x");
    CHECK_BAD("127.0.0.1:x8");
    CHECK_BAD("127.0.0.1:+80");
    CHECK_BAD("127.0.0.1: 80");
    CHECK_BAD("127.0.0.1:80 ");
    CHECK_BAD("127.0.0.1:0x50");
}

static void test_empty_host_is_refused(void)
{
    CHECK_BAD(":8080");
    CHECK_BAD("[]:8080");
    CHECK_BAD("");
    CHECK_BAD(":");
}

static void test_bad_ipv6_forms_are_refused(void)
{
    CHECK_BAD("::1:8080");         /* IPv6 literal without brackets */
    CHECK_BAD("[::1:8080");        /* no closing bracket */
    CHECK_BAD("[::1]8080");        /* no colon after the bracket */
    CHECK_BAD("[::1]]:8080");      /* stray bracket */
    CHECK_BAD("[[::1]]:8080");     /* nested brackets */
    CHECK_BAD("[127.0.0.1]:8080"); /* brackets hold IPv6 only */
    CHECK_BAD("::1]:8080");        /* closing bracket only */
    CHECK_BAD("[::1]:8080:80");    /* two ports */
}

static void test_bad_host_characters_are_refused(void)
{
    CHECK_BAD("local host:8080");
    CHECK_BAD("local\thost:8080");
    CHECK_BAD("host/path:8080");
    CHECK_BAD("h\xc3\xa9te:8080");
}

static void test_host_longer_than_buffer_is_refused(void)
{
    char host[10];
    unsigned port;

    /* Ten bytes hold nine characters and the NUL. */
    CHECK_INT(http_parse_address("1234567890:80", host, sizeof(host), &port),
              HTTP_EADDRESS);
    CHECK_INT(http_parse_address("123456789:80", host, sizeof(host), &port), 0);
    CHECK_STR(host, "123456789");
    CHECK_INT(port, 80);
}

static void test_null_arguments_are_invalid(void)
{
    char host[HTTP_HOST_MAX];
    unsigned port;

    CHECK_INT(http_parse_address(NULL, host, sizeof(host), &port), HTTP_EINVAL);
    CHECK_INT(http_parse_address("a:1", NULL, sizeof(host), &port),
              HTTP_EINVAL);
    CHECK_INT(http_parse_address("a:1", host, 0, &port), HTTP_EINVAL);
    CHECK_INT(http_parse_address("a:1", host, sizeof(host), NULL), HTTP_EINVAL);
}

static void test_every_error_has_a_message(void)
{
    int err;

    for (err = HTTP_ENOMEM; err <= HTTP_OK; err++) {
        CHECK(http_strerror(err) != NULL);
        CHECK(strcmp(http_strerror(err), http_strerror(-1000)) != 0);
    }
    CHECK_STR(http_strerror(HTTP_EADDRESS),
              "address is not host:port with a port from 0 to 65535");
}

static void test_loopback_names_are_accepted(void)
{
    CHECK_INT(http_loopback_host("localhost", 8080), 1);
    CHECK_INT(http_loopback_host("localhost:8080", 8080), 1);
    CHECK_INT(http_loopback_host("LOCALHOST:8080", 8080), 1);
    CHECK_INT(http_loopback_host("127.0.0.1", 8080), 1);
    CHECK_INT(http_loopback_host("127.0.0.1:8080", 8080), 1);
    CHECK_INT(http_loopback_host("127.255.3.4:80", 80), 1);
    CHECK_INT(http_loopback_host("[::1]", 8080), 1);
    CHECK_INT(http_loopback_host("[::1]:8080", 8080), 1);
    CHECK_INT(http_loopback_host("[0:0:0:0:0:0:0:1]:8080", 8080), 1);
}

static void test_other_hosts_are_refused(void)
{
    CHECK_INT(http_loopback_host("evil.example", 8080), 0);
    CHECK_INT(http_loopback_host("evil.example:8080", 8080), 0);
    CHECK_INT(http_loopback_host("localhost.evil.example", 8080), 0);
    CHECK_INT(http_loopback_host("localhost.", 8080), 0);
    CHECK_INT(http_loopback_host("128.0.0.1", 8080), 0);
    CHECK_INT(http_loopback_host("127.0.0.1.evil.example", 8080), 0);
    CHECK_INT(http_loopback_host("127.1", 8080), 0);
    CHECK_INT(http_loopback_host("0177.0.0.1", 8080), 0);
    CHECK_INT(http_loopback_host("[::2]", 8080), 0);
    CHECK_INT(http_loopback_host("[::ffff:127.0.0.1]", 8080), 0);
    CHECK_INT(http_loopback_host("[localhost]", 8080), 0);
    CHECK_INT(http_loopback_host("::1", 8080), 0);
    CHECK_INT(http_loopback_host("", 8080), 0);
    CHECK_INT(http_loopback_host(NULL, 8080), 0);
}

static void test_host_port_must_be_the_served_one(void)
{
    CHECK_INT(http_loopback_host("localhost:8081", 8080), 0);
    CHECK_INT(http_loopback_host("localhost:", 8080), 0);
    CHECK_INT(http_loopback_host("localhost:80800", 8080), 0);
    CHECK_INT(http_loopback_host("localhost:+8080", 8080), 0);
    CHECK_INT(http_loopback_host("localhost:8080x", 8080), 0);
    CHECK_INT(http_loopback_host("localhost:8080:8080", 8080), 0);
    CHECK_INT(http_loopback_host("[::1]8080", 8080), 0);
    CHECK_INT(http_loopback_host("[::1]:", 8080), 0);
    CHECK_INT(http_loopback_host("[::1", 8080), 0);
    CHECK_INT(http_loopback_host("127.0.0.1:99999999999999999999", 8080), 0);
}

int main(void)
{
    UNIT_RUN(test_ipv4_with_port_parses);
    UNIT_RUN(test_name_with_port_parses);
    UNIT_RUN(test_port_zero_and_max_parse);
    UNIT_RUN(test_bracketed_ipv6_parses);
    UNIT_RUN(test_missing_port_is_refused);
    UNIT_RUN(test_port_out_of_range_is_refused);
    UNIT_RUN(test_port_with_junk_is_refused);
    UNIT_RUN(test_empty_host_is_refused);
    UNIT_RUN(test_bad_ipv6_forms_are_refused);
    UNIT_RUN(test_bad_host_characters_are_refused);
    UNIT_RUN(test_host_longer_than_buffer_is_refused);
    UNIT_RUN(test_null_arguments_are_invalid);
    UNIT_RUN(test_every_error_has_a_message);
    UNIT_RUN(test_loopback_names_are_accepted);
    UNIT_RUN(test_other_hosts_are_refused);
    UNIT_RUN(test_host_port_must_be_the_served_one);
    return UNIT_DONE();
}
