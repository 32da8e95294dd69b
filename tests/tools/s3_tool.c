/*
 * s3-tool: activities/s3.c's calls from the command line, for the S3
 * integration test: every request is the library's, signed as heraldd
 * signs it. The credentials come from the environment, as in heraldd.
 * usage: s3-tool ENDPOINT path|vhost BUCKET COMMAND ARGS
 *   put KEY FILE [CONTENT-TYPE]   PutObject with FILE's bytes
 *   get KEY FILE                  GetObject into FILE
 *   head KEY                      prints "exists SIZE" or "missing"
 *   delete KEY                    DeleteObject
 *   list PREFIX                   prints "KEY<tab>SIZE<tab>ETAG" a line
 * Exits 0, or 1 printing the error and its class (retry, fail, unknown)
 * on stderr; 2 for a bad command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/http.h"
#include "activities/s3.h"
#include "common/util.h"

#define GET_MAX (64 * 1024 * 1024)

static int
usage(void)
{
	fprintf(stderr, "usage: s3-tool ENDPOINT path|vhost BUCKET "
	                "put KEY FILE [TYPE] | get KEY FILE | head KEY | "
	                "delete KEY | list PREFIX\n");
	return 2;
}

/* FILE's bytes (malloc'd), or NULL with errno set. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	size_t         cap = 0, n;
	FILE          *f;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	do {
		if (*len == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int
spill(const char *path, const unsigned char *data, size_t len)
{
	FILE *f;
	int   rc = 0;

	if ((f = fopen(path, "wb")) == NULL)
		return -1;
	if (fwrite(data, 1, len, f) != len)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

static const char *
class_name(enum act_status s)
{
	switch (s) {
	case ACT_RETRY:
		return "retry";
	case ACT_FAIL:
		return "fail";
	case ACT_UNKNOWN:
		return "unknown";
	default:
		return "?";
	}
}

static int
run(const struct act_call *c, const struct s3_bucket *b, int argc, char **argv,
    struct act_out *out)
{
	struct s3_list l;
	unsigned char *data;
	size_t         len, i;
	int64_t        size;
	int            exists, rc;

	if (strcmp(argv[0], "put") == 0 && (argc == 3 || argc == 4)) {
		if ((data = slurp(argv[2], &len)) == NULL) {
			fprintf(stderr, "s3-tool: %s: %s\n", argv[2],
			        strerror(errno));
			return 1;
		}
		rc = s3_put(c, b, argv[1], data, len,
		            argc == 4 ? argv[3] : NULL, out);
		free(data);
		return rc;
	}
	if (strcmp(argv[0], "get") == 0 && argc == 3) {
		if (s3_get(c, b, argv[1], GET_MAX, &data, &len, out) != 0)
			return -1;
		rc = spill(argv[2], data, len);
		free(data);
		if (rc != 0)
			fprintf(stderr, "s3-tool: %s: %s\n", argv[2],
			        strerror(errno));
		return rc != 0 ? 1 : 0;
	}
	if (strcmp(argv[0], "head") == 0 && argc == 2) {
		if (s3_head(c, b, argv[1], &exists, &size, out) != 0)
			return -1;
		if (exists)
			printf("exists %lld\n", (long long)size);
		else
			printf("missing\n");
		return 0;
	}
	if (strcmp(argv[0], "delete") == 0 && argc == 2)
		return s3_delete(c, b, argv[1], out);
	if (strcmp(argv[0], "list") == 0 && argc == 2) {
		if (s3_list_all(c, b, argv[1], &l, out) != 0)
			return -1;
		for (i = 0; i < l.n; i++)
			printf("%s\t%lld\t%s\n", l.v[i].key,
			       (long long)l.v[i].size, l.v[i].etag);
		s3_list_fini(&l);
		return 0;
	}
	return 2;
}

int
main(int argc, char **argv)
{
	struct s3_bucket b;
	struct act_call  c;
	struct act_out   out;
	char            *cause = NULL;
	int              rc;

	if (argc < 6)
		return usage();
	if (http_global_init(&cause) != 0) {
		fprintf(stderr, "s3-tool: %s\n", cause);
		free(cause);
		return 1;
	}
	memset(&b, 0, sizeof b);
	b.endpoint = argv[1];
	b.path_style = strcmp(argv[2], "path") == 0;
	b.name = argv[3];
	memset(&c, 0, sizeof c);
	c.deadline = clock_ms() + 60 * 1000;
	c.http = http_thread_new();
	memset(&out, 0, sizeof out);
	rc = run(&c, &b, argc - 4, argv + 4, &out);
	if (rc == 2)
		usage();
	else if (rc == -1) {
		fprintf(stderr, "s3-tool: %s (%s)\n", out.error,
		        class_name(out.status));
		rc = 1;
	}
	free(out.error);
	http_thread_free(c.http);
	http_global_fini();
	return rc;
}
