/*
 * report_pg: libpq, parameterised statements only (and, for herald
 * photo import-used, an operator's own query in a read-only
 * transaction). libpq (and the
 * Kerberos, LDAP and TLS libraries it brings) is loaded at the first
 * report, not at start: most daemons never write one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>
#include <pthread.h>

#include <libpq-fe.h>

#include "common/util.h"
#include "db/report_pg.h"

/* The libpq calls we make, found in the loaded library. */
static struct {
	PQconninfoOption *(*conninfoParse)(const char *, char **);
	void (*conninfoFree)(PQconninfoOption *);
	PGconn *(*connectdbParams)(const char *const *, const char *const *,
	                           int);
	ConnStatusType (*status)(const PGconn *);
	char *(*errorMessage)(const PGconn *);
	PGresult *(*exec)(PGconn *, const char *);
	ExecStatusType (*resultStatus)(const PGresult *);
	void (*clear)(PGresult *);
	PGresult *(*execParams)(PGconn *, const char *, int, const Oid *,
	                        const char *const *, const int *, const int *,
	                        int);
	char *(*resultErrorField)(const PGresult *, int);
	char *(*resultErrorMessage)(const PGresult *);
	void (*finish)(PGconn *);
	int (*ntuples)(const PGresult *);
	int (*nfields)(const PGresult *);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
} pq;
static void          *pq_lib;
static char           pq_error[256];
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;

static void
pq_load(void)
{
	if ((pq_lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(pq_error, sizeof pq_error, "cannot load libpq: %s",
		         dlerror());
		return;
	}
	if ((*(void **)&pq.conninfoParse = dlsym(pq_lib, "PQconninfoParse")) ==
	    NULL)
		goto missing;
	if ((*(void **)&pq.conninfoFree = dlsym(pq_lib, "PQconninfoFree")) ==
	    NULL)
		goto missing;
	if ((*(void **)&pq.connectdbParams =
	         dlsym(pq_lib, "PQconnectdbParams")) == NULL)
		goto missing;
	if ((*(void **)&pq.status = dlsym(pq_lib, "PQstatus")) == NULL)
		goto missing;
	if ((*(void **)&pq.errorMessage = dlsym(pq_lib, "PQerrorMessage")) ==
	    NULL)
		goto missing;
	if ((*(void **)&pq.exec = dlsym(pq_lib, "PQexec")) == NULL)
		goto missing;
	if ((*(void **)&pq.resultStatus = dlsym(pq_lib, "PQresultStatus")) ==
	    NULL)
		goto missing;
	if ((*(void **)&pq.clear = dlsym(pq_lib, "PQclear")) == NULL)
		goto missing;
	if ((*(void **)&pq.execParams = dlsym(pq_lib, "PQexecParams")) == NULL)
		goto missing;
	if ((*(void **)&pq.resultErrorField =
	         dlsym(pq_lib, "PQresultErrorField")) == NULL)
		goto missing;
	if ((*(void **)&pq.resultErrorMessage =
	         dlsym(pq_lib, "PQresultErrorMessage")) == NULL)
		goto missing;
	if ((*(void **)&pq.finish = dlsym(pq_lib, "PQfinish")) == NULL)
		goto missing;
	if ((*(void **)&pq.ntuples = dlsym(pq_lib, "PQntuples")) == NULL ||
	    (*(void **)&pq.nfields = dlsym(pq_lib, "PQnfields")) == NULL ||
	    (*(void **)&pq.getvalue = dlsym(pq_lib, "PQgetvalue")) == NULL ||
	    (*(void **)&pq.getisnull = dlsym(pq_lib, "PQgetisnull")) == NULL)
		goto missing;
	return;
missing:
	snprintf(pq_error, sizeof pq_error, "libpq lacks %s", dlerror());
	dlclose(pq_lib);
	pq_lib = NULL;
}

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
	const char *state = pq.resultErrorField(res, PG_DIAG_SQLSTATE);

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

/* libpq may repeat parts of the connection string in its messages (the
 * password among them, for a malformed URL): blank out the password and
 * the string itself. */
static void
scrub(char *msg, const char *conninfo, const char *password)
{
	const char *secrets[] = { conninfo, password };
	size_t      i, n;
	char       *p;

	for (i = 0; i < 2; i++) {
		if (secrets[i] == NULL || (n = strlen(secrets[i])) < 3)
			continue;
		while ((p = strstr(msg, secrets[i])) != NULL)
			memset(p, '*', n);
	}
}

/* Connects to conninfo as application name app, giving up at deadline.
 * The connection, or NULL with *cause and *retryable; *password (the
 * caller wipes and frees it, NULL when none) is for scrubbing messages. */
static PGconn *
connect_to(const char *conninfo, const char *app, int64_t deadline,
           char **password, char **cause, int *retryable)
{
	const char *keys[] = { "dbname",  "connect_timeout", "application_name",
		               "options", "keepalives",      NULL };
	const char *vals[6];
	char        timeout[16], options[96];
	PQconninfoOption *info, *o;
	PGconn           *pg;
	int64_t           left = deadline - clock_ms();

	*retryable = 1;
	*password = NULL;
	pthread_once(&pq_once, pq_load);
	if (pq_lib == NULL) {
		*retryable = 0; /* libpq missing: another try will not help */
		xasprintf(cause, "postgres: %s", pq_error);
		return NULL;
	}
	/* A string libpq cannot read is a setting to fix; its message
	 * could hold the password, so it is not repeated. */
	if ((info = pq.conninfoParse(conninfo, NULL)) == NULL) {
		*retryable = 0;
		xasprintf(cause, "postgres: the URL is not a valid "
		                 "connection string");
		return NULL;
	}
	for (o = info; o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val != NULL)
			*password = xstrdup(o->val);
	pq.conninfoFree(info);
	if (left < 1000)
		left = 1000;
	snprintf(timeout, sizeof timeout, "%lld",
	         (long long)(left / 1000 > 30 ? 30 : left / 1000 + 1));
	/* Nothing may hold the caller past its deadline. */
	snprintf(options, sizeof options,
	         "-c statement_timeout=%lld -c lock_timeout=%lld",
	         (long long)left, (long long)left);
	vals[0] = conninfo;
	vals[1] = timeout;
	vals[2] = app;
	vals[3] = options;
	vals[4] = "1";
	vals[5] = NULL;
	pg = pq.connectdbParams(keys, vals, 1);
	if (pq.status(pg) != CONNECTION_OK) {
		const char *m = pq.errorMessage(pg);

		/* Bad credentials are not retried (DESIGN.md rule 3). */
		if (strstr(m, "authentication failed") != NULL ||
		    strstr(m, "does not exist") != NULL ||
		    strstr(m, "no password supplied") != NULL)
			*retryable = 0;
		xasprintf(cause, "postgres: %s", m);
		one_line(*cause);
		scrub(*cause, conninfo, *password);
		pq.finish(pg);
		return NULL;
	}
	return pg;
}

static void
wipe(char *password)
{
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
}

int
report_pg_write(const char *conninfo, const struct store_publication *rows,
                int n, int64_t deadline, char **cause, int *retryable)
{
	char      nums[4][32], *password = NULL;
	PGconn   *pg;
	PGresult *res = NULL;
	int       i, rc = -1;

	if ((pg = connect_to(conninfo, "heraldd", deadline, &password, cause,
	                     retryable)) == NULL) {
		wipe(password);
		return -1;
	}
	/* Two reports creating the table at once would collide: one at a
	 * time, inside the transaction that writes the rows. */
	/* "already exists, skipping" notices would go to stderr, the
	 * daemon's log: only warnings and errors matter here. */
	res = pq.exec(pg, "SET client_min_messages TO warning");
	if (pq.resultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	pq.clear(res);
	res = pq.exec(pg, "BEGIN");
	if (pq.resultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	pq.clear(res);
	res = pq.exec(pg, "SELECT pg_advisory_xact_lock(7365447)");
	if (pq.resultStatus(res) != PGRES_TUPLES_OK)
		goto sql_error;
	pq.clear(res);
	res = pq.exec(pg, create_sql);
	if (pq.resultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	pq.clear(res);
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
		res = pq.execParams(pg, insert_sql, 12, NULL, p, NULL, NULL, 0);
		if (pq.resultStatus(res) != PGRES_COMMAND_OK)
			goto sql_error;
		pq.clear(res);
		res = NULL;
	}
	res = pq.exec(pg, "COMMIT");
	if (pq.resultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	rc = 0;
	goto out;
sql_error:
	*retryable = transient(res);
	xasprintf(cause, "postgres: %s", pq.resultErrorMessage(res));
	one_line(*cause);
	scrub(*cause, conninfo, password);
out:
	wipe(password);
	pq.clear(res);
	pq.finish(pg);
	return rc;
}

int
report_pg_keys(const char *conninfo, const char *sql, int64_t deadline,
               char ***keys, size_t *n, char **cause)
{
	char     *password = NULL;
	PGconn   *pg;
	PGresult *res = NULL;
	int       retryable, rows, i, rc = -1;

	*keys = NULL;
	*n = 0;
	if ((pg = connect_to(conninfo, "herald", deadline, &password, cause,
	                     &retryable)) == NULL) {
		wipe(password);
		return -1;
	}
	/* Read only: whatever the query says, nothing is written. */
	res = pq.exec(pg, "BEGIN READ ONLY");
	if (pq.resultStatus(res) != PGRES_COMMAND_OK)
		goto sql_error;
	pq.clear(res);
	res = pq.exec(pg, sql);
	if (pq.resultStatus(res) != PGRES_TUPLES_OK)
		goto sql_error;
	if (pq.nfields(res) < 1) {
		xasprintf(cause, "postgres: the query returns no column");
		goto out;
	}
	rows = pq.ntuples(res);
	*keys = xcalloc((size_t)rows + 1, sizeof **keys);
	for (i = 0; i < rows; i++)
		if (!pq.getisnull(res, i, 0) && *pq.getvalue(res, i, 0) != '\0')
			(*keys)[(*n)++] = xstrdup(pq.getvalue(res, i, 0));
	rc = 0;
	goto out;
sql_error:
	xasprintf(cause, "postgres: %s", pq.resultErrorMessage(res));
	one_line(*cause);
	scrub(*cause, conninfo, password);
out:
	wipe(password);
	pq.clear(res);
	pq.finish(pg);
	return rc;
}
