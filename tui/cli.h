/*
 * cli: herald's commands, driven by the protocol's method table.
 */
#ifndef HERALD_CLI_H
#define HERALD_CLI_H

#include <stdio.h>

struct client_opts;

void cli_usage(FILE *);

/* Runs the command in argv against the daemon at url; returns the exit
 * code (0 ok, 1 error reply, 2 usage, 3 unreachable). */
int cli_run(const char *url, const struct client_opts *, int json, int argc,
            char **argv);

/* herald events ...: argv after "events". events_url NULL: the daemon is
 * remote, so --follow polls events.since instead of subscribing. */
int events_run(const char *url, const char    *events_url,
               const struct client_opts *, int argc, char **argv);

#endif
