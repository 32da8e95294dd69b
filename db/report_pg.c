/*
 * report_pg: libpq, parameterised statements only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/util.h"
#include "db/report_pg.h"

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS herald_publications ("
    "  execution     text NOT NULL,"
    "  channel       text NOT NULL,"
    "  brand         text,"
    "  post_id       text,"
    "  permalink     text,"
    "  caption       text,"
    "  photo_key     text,"
    "  model         text,"
    "  input_tokens  bigint,"
    "  output_tokens bigint,"
    "  cost_usd      double precision,"
    "  published_at  timestamptz NOT NULL,"
    "  PRIMARY KEY (execution, channel))";

static const char insert_sql[] =
    "INSERT INTO herald_publications (execution, channel, brand, post_id, "
    "permalink, caption, photo_key, model, input_tokens, output_tokens, "
    "cost_usd, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
    "$10, $11, to_timestamp($12::double precision / 1000)) "
    "ON CONFLICT (execution, channel) DO NOTHING";

/* Connection trouble, a server shutting down or out of resources, a
 * serialization conflict: worth another attempt. */
static int
transient(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state == NULL || strncmp(state, "08", 2) == 0 ||
	       strncmp(state, "40", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	       strncmp(state, "57", 2) == 0;
}

static void
one_line(char *s)
{
	char *nl;

	while ((nl = strchr(s, '\n')) != NULL)
		*nl = ' ';
}

int
report_pg_write(const char *conninfo, const struct store_publication *rows,
                int n, int64_t deadline, char **cause, int *retryable)
{
	const char *keys[] = { "dbname", "connect_timeout", "application_name",
		               NULL };
	const char *vals[4];
	char        timeout[16], nums[4][32];
	PGconn     *pg;
	PGresult   *res = NULL;
	int64_t     left = (deadline - clock_ms()) / 1000;
	int         i, rc = -1;

	*retryable = 1;
	snprintf(timeout, sizeof timeout, "%lld",
	         (long long)(left < 2    ? 2
	                     : left > 30 ? 30
	                                 : left));
	vals[0] = conninfo;
	vals[1] = timeout;
	vals[2] = "heraldd";
	vals[3] = NULL;
	pg = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(pg) != CONNECTION_OK) {
		xasprintf(cause, "postgres: %s", PQerrorMessage(pg));
		one_line(*cause);
		goto out;
	}
	/* Two reports creating the table at once would collide: one at a
	 * time, inside the transaction that writes the rows. */
	res = PQexec(pg, "BEGIN");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	PQclear(res);
	res = PQexec(pg, "SELECT pg_advisory_xact_lock(7365447)");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		goto sql_error;
	PQclear(res);
	res = PQexec(pg, create_sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	PQclear(res);
	res = NULL;
	for (i = 0; i < n; i++) {
		const char *p[12];

		snprintf(nums[0], sizeof nums[0], "%lld",
		         (long long)rows[i].input_tokens);
		snprintf(nums[1], sizeof nums[1], "%lld",
		         (long long)rows[i].output_tokens);
		snprintf(nums[2], sizeof nums[2], "%.10f", rows[i].cost_usd);
		snprintf(nums[3], sizeof nums[3], "%lld",
		         (long long)rows[i].published_at);
		p[0] = rows[i].execution;
		p[1] = rows[i].channel;
		p[2] = rows[i].brand;
		p[3] = rows[i].post_id;
		p[4] = rows[i].permalink;
		p[5] = rows[i].caption;
		p[6] = rows[i].photo_key;
		p[7] = rows[i].model;
		p[8] = nums[0];
		p[9] = nums[1];
		p[10] = nums[2];
		p[11] = nums[3];
		res = PQexecParams(pg, insert_sql, 12, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			goto sql_error;
		PQclear(res);
		res = NULL;
	}
	res = PQexec(pg, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	rc = 0;
	goto out;
sql_error:
	*retryable = transient(res);
	xasprintf(cause, "postgres: %s", PQresultErrorMessage(res));
	one_line(*cause);
out:
	PQclear(res);
	PQfinish(pg);
	return rc;
}
