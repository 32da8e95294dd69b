/*
 * cli_mark: `herald photo mark-used` (keys from the command line, a file
 * or stdin, sent in batches to photo.mark_used).
 */
#ifndef HERALD_CLI_MARK_H
#define HERALD_CLI_MARK_H

struct client_opts;

/* argv after "photo mark-used". Returns the exit code. */
int cli_mark_used(const char *url, const struct client_opts *, int json,
                  int argc, char **argv);

/* argv after "photo import-used". Returns the exit code. */
int cli_import_used(const char *url, const struct client_opts *, int json,
                    int argc, char **argv);

#endif
