/*
 * report_pg: the publication report in PostgreSQL (libpq), for the agency's
 * own dashboards. Any thread (a worker); one connection per call, which
 * is plenty at a few posts a day. The table is created if missing; a row
 * per execution and channel, so a repeated report changes nothing.
 */
#ifndef HERALD_REPORT_PG_H
#define HERALD_REPORT_PG_H

#include <stddef.h>
#include <stdint.h>

#include "db/store.h"

/* Writes rows into herald_publications at conninfo (a DATABASE_URL),
 * giving up at deadline (wall ms). 0, or -1 with *cause (never holding
 * the password) and *retryable: 1 for a connection or server trouble, 0
 * for a request PostgreSQL refuses. */
int report_pg_write(const char *conninfo, const struct store_publication *,
                    int n, int64_t deadline, char **cause, int *retryable);

/* herald photo import-used: runs the operator's sql at conninfo in a
 * read-only transaction and takes the first column of every row (NULL
 * and empty values skipped) as photo keys: *keys (n of them; free each
 * and the array). 0, or -1 with *cause (never holding the password). */
int report_pg_keys(const char *conninfo, const char *sql, int64_t deadline,
                   char ***keys, size_t *n, char **cause);

#endif
