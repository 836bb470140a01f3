/* SPDX-License-Identifier: MIT */
/*
 * dndtrack's entry point: picks the subcommand and hands it the rest of
 * the command line.
 */
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "cli/cli.h"

#define DNDTRACK_VERSION "0.1.0"

static const char main_help[] =
    "Usage: dndtrack COMMAND [OPTIONS]\n"
    "A real-time tracker of tabletop game events over Apache Kafka.\n"
    "\n"
    "Commands:\n"
    "  demo      the whole pipeline in one process, on an embedded broker\n"
    "  produce   send simulated or imported events to Kafka\n"
    "  consume   keep every player's figures and serve the dashboard\n"
    "  report    write the figures as one offline HTML page\n"
    "  version   print the version\n"
    "\n"
    "Settings come from defaults, then ./.env, then the environment, then\n"
    "options; see .env.example. 'dndtrack COMMAND --help' tells more.\n"
    "Exit status: 0 success, 1 failure, 2 bad option or setting.\n";

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd || strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "help") == 0) {
        fputs(main_help, cmd ? stdout : stderr);
        return cmd ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("dndtrack %s (librdkafka %s)\n", DNDTRACK_VERSION,
               rd_kafka_version_str());
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "produce") == 0)
        return cmd_produce(argc - 1, argv + 1);
    if (strcmp(cmd, "consume") == 0)
        return cmd_consume(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return cmd_demo(argc - 1, argv + 1);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 1, argv + 1);
    fprintf(stderr,
            "dndtrack: unknown command '%s'\n"
            "Try 'dndtrack --help' for more.\n",
            cmd);
    return CLI_EXIT_USAGE;
}
