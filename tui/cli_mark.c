/*
 * cli_mark: `herald photo mark-used`, for an agency moving from another
 * system: the photos it already posted are marked used, so herald never
 * posts them again. The keys come from the command line, a file or
 * stdin (one a line); they go to the daemon in batches small enough for
 * a request (photo.mark_used), and the counts are summed. A repeat
 * changes nothing and says so.
 *
 *   herald photo mark-used --brand B [KEY...] [--from-file F|-] [--by N]
 *   herald photo import-used --brand B --query SQL [--pg URL] [--by N]
 *
 * import-used runs the operator's query against the old system's
 * PostgreSQL here, in the client, read-only: the URL (with its
 * password) never travels to the daemon.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/report_pg.h"
#include "ipc/client.h"
#include "ipc/proto.h"
#include "tui/cli.h"
#include "tui/cli_mark.h"

#define BATCH   500  /* keys a request: well under the 1 MiB limit */
#define KEY_MAX 1024 /* as photo.mark_used takes them */

struct keys {
	char **v;
	size_t n, cap;
};

static void
add_key(struct keys *k, const char *s, size_t n)
{
	while (n > 0 &&
	       (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return;
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 256;
		k->v = xrealloc(k->v, k->cap * sizeof *k->v);
	}
	k->v[k->n++] = xstrndup(s, n);
}

/* One key a line from path ("-": stdin). 0, or -1 with *cause. */
static int
read_keys(const char *path, struct keys *k, char **cause)
{
	FILE   *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char   *line = NULL;
	size_t  cap = 0;
	ssize_t n;
	int     lineno = 0;

	if (f == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if ((size_t)n > KEY_MAX) {
			xasprintf(cause, "%s:%d: a key longer than %d bytes",
			          path, lineno, KEY_MAX);
			free(line);
			if (f != stdin)
				fclose(f);
			return -1;
		}
		add_key(k, line, (size_t)n);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return 0;
}

static void
keys_fini(struct keys *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
}

static void
usage_import(FILE *f)
{
	fprintf(f, "usage: herald photo import-used --brand B --query SQL "
	           "[--pg URL] [--by NAME]\n"
	           "      mark used the photos whose keys a query returns "
	           "(first column), from the old\n"
	           "      system's PostgreSQL (read-only; --pg or "
	           "$DATABASE_URL)\n");
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: herald photo mark-used --brand B [KEY...] "
	           "[--from-file FILE|-] [--by NAME]\n"
	           "      mark photos used, as if published (moving from "
	           "another system): no run picks them again\n");
}

/* Sends the keys to photo.mark_used, BATCH a request, and prints the
 * counts summed. Returns the exit code. */
static int
send_keys(const char *url, const struct client_opts *opts, int json,
          const char *brand, const char *by, const struct keys *kp)
{
	static const char *const counts[] = { "new", "known", "unknown",
		                              "held" };
	const struct keys        k = *kp;
	struct client           *cl = NULL;
	cJSON *sum = cJSON_CreateObject(), *params, *arr, *reply, *r;
	char  *cause = NULL;
	size_t i, j;
	int    rc = 0, unreachable;

	if ((cl = client_open(url, opts, &unreachable, &cause)) == NULL) {
		fprintf(stderr, "herald: %s\n", cause);
		rc = unreachable == 2 ? 2 : unreachable == 1 ? 3 : 1;
		goto out;
	}
	for (j = 0; j < nitems(counts); j++)
		cJSON_AddNumberToObject(sum, counts[j], 0);
	for (i = 0; i < k.n; i += BATCH) {
		params = cJSON_CreateObject();
		cJSON_AddStringToObject(params, "brand", brand);
		if (by != NULL)
			cJSON_AddStringToObject(params, "by", by);
		arr = cJSON_AddArrayToObject(params, "keys");
		for (j = i; j < k.n && j < i + BATCH; j++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(k.v[j]));
		if ((reply = client_call(cl, "photo.mark_used", params, -1,
		                         &cause)) == NULL) {
			fprintf(stderr, "herald: %s: %s\n", url, cause);
			rc = 3;
			goto out;
		}
		if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
			fprintf(stderr, "herald: %s\n",
			        cli_str(cJSON_GetObjectItem(reply, "error"),
			                "message"));
			cJSON_Delete(reply);
			rc = 1;
			goto out;
		}
		r = cJSON_GetObjectItem(reply, "result");
		for (j = 0; j < nitems(counts); j++)
			cJSON_SetNumberValue(
			    cJSON_GetObjectItem(sum, counts[j]),
			    cli_num(sum, counts[j]) + cli_num(r, counts[j]));
		cJSON_Delete(reply);
	}
	if (json) {
		char *text = cJSON_PrintUnformatted(sum);

		printf("%s\n", text);
		cJSON_free(text);
	} else
		printf("%zu keys: %.0f marked used now, %.0f used already, "
		       "%.0f held by a run (not marked); %.0f not in the "
		       "pool now (marked all the same)\n",
		       k.n, cli_num(sum, "new"), cli_num(sum, "known"),
		       cli_num(sum, "held"), cli_num(sum, "unknown"));
out:
	if (cl != NULL)
		client_close(cl);
	free(cause);
	cJSON_Delete(sum);
	return rc;
}

int
cli_mark_used(const char *url, const struct client_opts *opts, int json,
              int argc, char **argv)
{
	const char *brand = NULL, *by = getenv("USER"), *file = NULL;
	struct keys k = { NULL, 0, 0 };
	char       *cause = NULL;
	int         a, rc = 0;

	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "--help") == 0) {
			usage(stdout);
			goto out;
		}
		if (strncmp(argv[a], "--", 2) == 0 && a + 1 == argc) {
			fprintf(stderr,
			        "herald photo mark-used: %s needs a "
			        "value\n",
			        argv[a]);
			rc = 2;
			goto out;
		}
		if (strcmp(argv[a], "--brand") == 0)
			brand = argv[++a];
		else if (strcmp(argv[a], "--by") == 0)
			by = argv[++a];
		else if (strcmp(argv[a], "--from-file") == 0)
			file = argv[++a];
		else if (strncmp(argv[a], "--", 2) == 0) {
			fprintf(stderr,
			        "herald photo mark-used: unknown option "
			        "%s\n",
			        argv[a]);
			rc = 2;
			goto out;
		} else
			add_key(&k, argv[a], strlen(argv[a]));
	}
	if (brand == NULL || (file == NULL && k.n == 0)) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (file != NULL && read_keys(file, &k, &cause) != 0) {
		fprintf(stderr, "herald photo mark-used: %s\n", cause);
		rc = 2;
		goto out;
	}
	if (k.n == 0) {
		fprintf(stderr, "herald photo mark-used: no keys in %s\n",
		        file);
		rc = 2;
		goto out;
	}
	rc = send_keys(url, opts, json, brand, by, &k);
out:
	free(cause);
	keys_fini(&k);
	return rc;
}

int
cli_import_used(const char *url, const struct client_opts *opts, int json,
                int argc, char **argv)
{
	const char *brand = NULL, *by = getenv("USER"), *query = NULL;
	const char *pg = getenv("DATABASE_URL");
	struct keys k = { NULL, 0, 0 };
	char       *cause = NULL;
	size_t      i;
	int         a, rc = 0;

	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "--help") == 0) {
			usage_import(stdout);
			return 0;
		}
		if (a + 1 == argc) {
			fprintf(stderr,
			        "herald photo import-used: %s needs a "
			        "value\n",
			        argv[a]);
			usage_import(stderr);
			return 2;
		}
		if (strcmp(argv[a], "--brand") == 0)
			brand = argv[++a];
		else if (strcmp(argv[a], "--by") == 0)
			by = argv[++a];
		else if (strcmp(argv[a], "--pg") == 0)
			pg = argv[++a];
		else if (strcmp(argv[a], "--query") == 0)
			query = argv[++a];
		else {
			fprintf(stderr,
			        "herald photo import-used: unknown "
			        "argument %s\n",
			        argv[a]);
			usage_import(stderr);
			return 2;
		}
	}
	if (brand == NULL || query == NULL || pg == NULL) {
		usage_import(stderr);
		return 2;
	}
	if (report_pg_keys(pg, query, clock_ms() + 60000, &k.v, &k.n, &cause) !=
	    0) {
		fprintf(stderr, "herald photo import-used: %s\n", cause);
		free(cause);
		return 1;
	}
	k.cap = k.n;
	for (i = 0; i < k.n; i++)
		if (strlen(k.v[i]) > KEY_MAX) {
			fprintf(stderr,
			        "herald photo import-used: row %zu: a "
			        "key longer than %d bytes\n",
			        i + 1, KEY_MAX);
			keys_fini(&k);
			return 1;
		}
	if (k.n == 0)
		fprintf(stderr, "herald photo import-used: the query returned "
		                "no key\n");
	else
		rc = send_keys(url, opts, json, brand, by, &k);
	keys_fini(&k);
	return rc;
}
