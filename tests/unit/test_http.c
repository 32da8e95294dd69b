/*
 * The HTTP helper against a misbehaving local server
 * (tests/fakes/http_fault.py): statuses and their classes, Retry-After,
 * x-should-retry, the deadline, the size cap, cancellation, refused
 * connections (nothing sent) and a request that surely went out.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "activities/http.h"
#include "common/util.h"

static pid_t        fake;
static int          port;
static struct http *h;

static int
setup(void **state)
{
	int   fds[2];
	char  buf[32];
	FILE *f;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	if ((fake = fork()) == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl("/usr/bin/python3", "python3",
		      HERALD_SRC "/tests/fakes/http_fault.py", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	assert_non_null(fgets(buf, sizeof buf, f));
	fclose(f);
	port = atoi(buf);
	assert_true(port > 0);
	assert_int_equal(http_global_init(NULL), 0);
	h = http_thread_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	http_thread_free(h);
	http_global_fini();
	kill(fake, SIGTERM);
	waitpid(fake, NULL, 0);
	return 0;
}

static int
get(const char *path, int64_t budget_ms, const atomic_int *cancel, size_t max,
    struct http_resp *r, char **cause)
{
	struct http_req q;
	char            url[256];

	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	memset(&q, 0, sizeof q);
	q.method = "GET";
	q.url = url;
	q.deadline = clock_ms() + budget_ms;
	q.cancel = cancel;
	q.max_response = max;
	return http_do(h, &q, r, cause);
}

static void
test_statuses(void **state)
{
	static const struct {
		const char     *path;
		long            status;
		enum act_status idem, once; /* idempotent call, publish */
		int64_t         retry_after;
	} cases[] = {
		{ "/ok", 200, ACT_OK, ACT_OK, 0 },
		{ "/status/400", 400, ACT_FAIL, ACT_FAIL, 0 },
		{ "/status/401", 401, ACT_FAIL, ACT_FAIL, 0 },
		{ "/status/403", 403, ACT_FAIL, ACT_FAIL, 0 },
		{ "/status/404", 404, ACT_FAIL, ACT_FAIL, 0 },
		{ "/status/429?retry_after=7", 429, ACT_RETRY, ACT_RETRY,
		  7000 },
		{ "/status/429?retry_after_ms=1500", 429, ACT_RETRY, ACT_RETRY,
		  1500 },
		{ "/status/500", 500, ACT_RETRY, ACT_UNKNOWN, 0 },
		{ "/status/503?retry_after=2", 503, ACT_RETRY, ACT_UNKNOWN,
		  2000 },
		{ "/status/529", 529, ACT_RETRY, ACT_UNKNOWN, 0 },
		{ "/status/409", 409, ACT_RETRY, ACT_RETRY, 0 },
		{ "/status/400?should_retry=true", 400, ACT_RETRY, ACT_RETRY,
		  0 },
		{ "/status/429?should_retry=false", 429, ACT_FAIL, ACT_FAIL,
		  0 },
	};
	struct http_resp r;
	size_t           i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		char *cause = NULL;
		int   rc = get(cases[i].path, 5000, NULL, 0, &r, &cause);

		if (rc != 0)
			fail_msg("%s: %s", cases[i].path, cause);
		assert_int_equal(r.status, cases[i].status);
		assert_int_equal(http_class(rc, &r, 1), cases[i].idem);
		assert_int_equal(http_class(rc, &r, 0), cases[i].once);
		assert_int_equal(r.retry_after_ms, cases[i].retry_after);
		if (cases[i].status >= 400)
			assert_non_null(strstr(r.body, "injected"));
		http_resp_fini(&r);
	}
}

static void
test_deadline(void **state)
{
	struct http_resp r;
	char            *cause = NULL;
	int64_t          t0 = mono_ms();
	int              rc;

	(void)state;
	rc = get("/slow?ms=3000", 300, NULL, 0, &r, &cause);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(cause, "timed out"));
	assert_true(r.sent);
	/* A publish that timed out may have happened; a read is retried. */
	assert_int_equal(http_class(rc, &r, 0), ACT_UNKNOWN);
	assert_int_equal(http_class(rc, &r, 1), ACT_RETRY);
	assert_true(mono_ms() - t0 < 2900); /* the server would take 3 s */
	free(cause);
	http_resp_fini(&r);
}

static void
test_size_cap(void **state)
{
	struct http_resp r;
	char            *cause = NULL;

	(void)state;
	assert_int_equal(get("/big?bytes=100000", 5000, NULL, 1000, &r, &cause),
	                 -1);
	assert_non_null(strstr(cause, "larger than 1000 bytes"));
	free(cause);
	http_resp_fini(&r);
	cause = NULL;
	assert_int_equal(get("/big?bytes=1000", 5000, NULL, 1000, &r, &cause),
	                 0);
	assert_int_equal(r.len, 1000);
	http_resp_fini(&r);
	assert_int_equal(get("/garbage", 5000, NULL, 0, &r, &cause), 0);
	assert_int_equal(r.status, 200); /* the caller judges the body */
	http_resp_fini(&r);
}

static atomic_int flag;

static void *
cancel_soon(void *arg)
{
	(void)arg;
	usleep(200000);
	atomic_store(&flag, 1);
	return NULL;
}

static void
test_cancel(void **state)
{
	struct http_resp r;
	pthread_t        t;
	char            *cause = NULL;
	int64_t          t0 = mono_ms();

	(void)state;
	atomic_store(&flag, 0);
	pthread_create(&t, NULL, cancel_soon, NULL);
	assert_int_equal(get("/slow?ms=5000", 10000, &flag, 0, &r, &cause), -1);
	pthread_join(t, NULL);
	assert_string_equal(cause, "cancelled");
	assert_true(mono_ms() - t0 < 4900); /* the server would take 5 s */
	free(cause);
	http_resp_fini(&r);
}

static void
test_refused(void **state)
{
	struct http_req  q;
	struct http_resp r;
	char            *cause = NULL;
	int              rc;

	(void)state;
	memset(&q, 0, sizeof q);
	q.method = "POST";
	q.url = "http://127.0.0.1:1/nothing-listens-here";
	q.body = "x";
	q.body_len = 1;
	q.deadline = clock_ms() + 5000;
	rc = http_do(h, &q, &r, &cause);
	assert_int_equal(rc, -1);
	assert_false(r.sent);
	/* Nothing went out: even a publish may simply try again. */
	assert_int_equal(http_class(rc, &r, 0), ACT_RETRY);
	free(cause);
	http_resp_fini(&r);
}

static void
test_post_echo(void **state)
{
	const char *headers[] = { "Content-Type: application/json", "X-Test: 1",
		                  NULL };
	struct http_req  q;
	struct http_resp r;
	char             url[128], *cause = NULL;

	(void)state;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/echo", port);
	memset(&q, 0, sizeof q);
	q.method = "POST";
	q.url = url;
	q.headers = headers;
	q.body = "{\"a\":1}";
	q.body_len = 7;
	q.deadline = clock_ms() + 5000;
	assert_int_equal(http_do(h, &q, &r, &cause), 0);
	assert_non_null(strstr(r.body, "\"method\": \"POST\""));
	assert_non_null(strstr(r.body, "\"x-test\": \"1\""));
	assert_non_null(strstr(r.body, "{\\\"a\\\":1}"));
	http_resp_fini(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_post_echo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
