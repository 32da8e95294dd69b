/*
 * cli: herald's commands, driven by the protocol's method table.
 */
#ifndef HERALD_CLI_H
#define HERALD_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

struct client_opts;

void cli_usage(FILE *);

/* Runs the command in argv against the daemon at url; returns the exit
 * code (0 ok, 1 error reply, 2 usage, 3 unreachable). */
int cli_run(const char *url, const struct client_opts *, int json, int argc,
            char **argv);

/* For the printers (cli_*.c): the string at key ("-" when there is
 * none) and the number at key (0). */
const char *cli_str(const cJSON *, const char *key);
double      cli_num(const cJSON *, const char *key);

/* The console's command line speaks the same commands. */

/* Turns a command's words and arguments (argv without "herald") into a
 * request: *method (static) and *params (caller frees), and *wait (1: no
 * reply timeout). 0, or -1 with *cause (caller frees) saying what is
 * wrong, as the CLI would. */
int cli_parse(int argc, char **argv, const char **method, cJSON **params,
              int *wait, char **cause);

/* Prints a result of method to f as the CLI does. */
void cli_print(FILE *f, const char *method, const cJSON *result);

/* The i-th command's words ("schedule pause"), NULL past the last: for
 * completion. */
const char *cli_command_words(size_t i);

/* The usage lines of the commands whose words start with prefix. */
void cli_usage_of(FILE *f, const char *prefix);

/* herald events ...: argv after "events". events_url NULL: the daemon is
 * remote, so --follow polls events.since instead of subscribing. */
int events_run(const char *url, const char    *events_url,
               const struct client_opts *, int argc, char **argv);

#endif
