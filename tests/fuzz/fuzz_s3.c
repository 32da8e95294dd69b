/*
 * fuzz-s3: libFuzzer over S3's XML (activities/s3.c: s3_parse_list for a
 * ListObjectsV2 page, s3_parse_error for an <Error>), read with expat:
 * any bytes give a page or a cause, never a crash, a leak or a hang. The
 * input is parsed whole as a first page, then its second half as the next
 * one, so the second parse starts from a list that may already hold keys
 * and may fail where the first did not. Checked: a page that parses adds
 * keys that are not empty and fit S3's bounds, each with an ETag (maybe
 * empty, quotes gone) bounded too, and a truncated page has a token to go
 * on with; a page that fails leaves the list as it was; an error has a
 * code. Last, the input is the body of an
 * answer (s3_answer, the classing every S3 call shares), with a status
 * its last byte picks.
 */
#include <stdlib.h>
#include <string.h>

#include "activities/s3.h"
#include "common/util.h"
#include "tests/fuzz/fuzz.h"

static void
page(const uint8_t *data, size_t size, struct s3_list *l)
{
	char  *cause = NULL;
	size_t before = l->n, i;
	int    rc;

	rc = s3_parse_list((const char *)data, size, l, &cause);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && cause != NULL, "rc %d", rc);
		FUZZ_CHECK(l->n == before && l->next_token == NULL &&
		               !l->truncated,
		           "a failed page left %zu keys", l->n - before);
		free(cause);
		return;
	}
	FUZZ_CHECK(cause == NULL, "a cause too: %s", cause);
	FUZZ_CHECK(l->n >= before, "keys lost");
	for (i = before; i < l->n; i++) {
		const char *e = l->v[i].etag;

		FUZZ_CHECK(l->v[i].key != NULL && *l->v[i].key != '\0' &&
		               strlen(l->v[i].key) <= 4096,
		           "key %zu", i);
		FUZZ_CHECK(e != NULL && strlen(e) <= 4096, "etag %zu", i);
	}
	FUZZ_CHECK(!l->truncated ||
	               (l->next_token != NULL && *l->next_token != '\0'),
	           "truncated without a token");
}

/* The input as the body of an answer with a status it picks (its last
 * byte): an error is one short line of valid UTF-8, retried or final. */
static void
answer(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 206, 301, 400, 403,
		                         404, 409, 429, 500, 503 };
	struct http_resp  r;
	struct act_out    out;
	int               rc;

	memset(&r, 0, sizeof r);
	memset(&out, 0, sizeof out);
	r.status = statuses[(size > 0 ? data[size - 1] : 0) % 10];
	r.should_retry = -1;
	r.body = xmalloc(size + 1);
	memcpy(r.body, data, size);
	r.body[size] = '\0';
	r.len = size;
	rc = s3_answer(&r, "S3 listing s3://photos/pomandi/", &out);
	if (r.status < 300) {
		FUZZ_CHECK(rc == 0 && out.status == ACT_OK && out.error == NULL,
		           "status %ld: rc %d", r.status, rc);
	} else {
		FUZZ_CHECK(
		    rc == -1 && out.error != NULL &&
		        (out.status == ACT_RETRY || out.status == ACT_FAIL),
		    "status %ld: rc %d class %d", r.status, rc, out.status);
		FUZZ_CHECK(strlen(out.error) <= 1024, "%zu bytes of error",
		           strlen(out.error));
		FUZZ_CHECK(utf8_valid(out.error, strlen(out.error)),
		           "invalid UTF-8: %s", out.error);
	}
	free(out.error);
	http_resp_fini(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3_list l;
	char          *err, *code = NULL;

	memset(&l, 0, sizeof l);
	page(data, size, &l);
	page(data + size / 2, size - size / 2, &l);
	s3_list_fini(&l);
	err = s3_parse_error((const char *)data, size, &code);
	if (err != NULL) {
		FUZZ_CHECK(code != NULL && *code != '\0' &&
		               strncmp(err, code, strlen(code)) == 0,
		           "error %s without its code", err);
		free(err);
		free(code);
	} else
		FUZZ_CHECK(code == NULL, "a code without an error");
	answer(data, size);
	return 0;
}
