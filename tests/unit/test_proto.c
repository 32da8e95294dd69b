/*
 * The method table and the request decoder: every entry well formed, and
 * every kind of bad request refused with the right code, naming the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "ipc/proto.h"

static void
test_table(void **state)
{
	const struct param *p, *q;
	size_t              i, k;

	(void)state;
	for (i = 0; i < M_COUNT; i++) {
		const struct method *m = &proto_methods[i];

		assert_int_equal(m->id, (int)i);
		assert_non_null(m->name);
		assert_non_null(m->summary);
		assert_true(*m->summary != '\0');
		assert_true((m->flags & (M_READONLY | M_MUTATES)) != 0);
		assert_true((m->flags & (M_READONLY | M_MUTATES)) !=
		            (M_READONLY | M_MUTATES));
		assert_ptr_equal(proto_method(m->name), m);
		for (k = 0; k < i; k++)
			assert_string_not_equal(proto_methods[k].name, m->name);
		for (p = m->params; p->name != NULL; p++) {
			assert_non_null(p->help);
			for (q = m->params; q != p; q++)
				assert_string_not_equal(q->name, p->name);
			if (p->type == P_ENUM)
				assert_non_null(p->choices);
		}
	}
	assert_null(proto_method("nope"));
}

struct bad {
	const char *req;
	const char *code;
	const char *msg; /* substring */
};

static const struct bad bad[] = {
	{ "not json", "bad_request", "not valid JSON" },
	{ "[1,2]", "bad_request", "must be a JSON object" },
	{ "{}", "bad_request", "v: unsupported" },
	{ "{\"v\":2,\"method\":\"status\"}", "bad_request", "v: unsupported" },
	{ "{\"v\":1}", "bad_request", "method: expected a string" },
	{ "{\"v\":1,\"method\":\"nope\"}", "bad_request", "unknown method" },
	{ "{\"v\":1,\"method\":\"status\",\"params\":[]}", "bad_request",
	  "params: expected an object" },
	{ "{\"v\":1,\"method\":\"status\",\"params\":{\"x\":1}}", "bad_request",
	  "params.x: unknown parameter" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{}}",
	  "bad_request", "params.type: required" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":5}}",
	  "bad_request", "params.type: expected a name" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":\"a "
	  "b\"}}",
	  "bad_request", "params.type" },
	{ "{\"v\":1,\"method\":\"workflow.list\",\"params\":{\"limit\":0}}",
	  "bad_request", "params.limit: out of range" },
	{ "{\"v\":1,\"method\":\"workflow.list\",\"params\":{\"limit\":1.5}}",
	  "bad_request", "params.limit: expected an integer" },
	{ "{\"v\":1,\"method\":\"workflow.list\",\"params\":{\"status\":\"x\"}"
	  "}",
	  "bad_request", "params.status: expected one of" },
	{ "{\"v\":1,\"method\":\"workflow.resolve\",\"params\":{\"id\":\"a\","
	  "\"step\":\"s\",\"outcome\":\"maybe\"}}",
	  "bad_request", "params.outcome" },
	{ "{\"v\":1,\"method\":\"status\",\"rid\":7}", "bad_request",
	  "rid: expected 1-64 printable" },
	{ "{\"v\":1,\"method\":\"status\",\"rid\":\"a\\nb\"}", "bad_request",
	  "rid: expected 1-64 printable" },
	{ "{\"v\":1,\"method\":\"workflow.show\",\"params\":{\"id\":\"x\","
	  "\"after\":9223372036854775808}}",
	  "bad_request", "params.after: out of range" },
	{ "{\"v\":1,\"method\":\"status\"} trailing", "bad_request",
	  "not valid JSON" },

	/* A NUL would cut the string short ("a\u0000b" read as "a"). */
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"diagnostic\",\"id\":\"a\\u0000b\"}}",
	  "bad_request", "params.id: contains a NUL character (\\u0000)" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"diagnostic\",\"id\":\"\\u0000\"}}",
	  "bad_request", "params.id: contains a NUL character" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"FeedPublisherWorkflow\",\"input\":{\"brand\":\"pomandi\\u0000x\"}"
	  "}}",
	  "bad_request", "params.input.brand: contains a NUL character" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"diagnostic\",\"input\":[\"ok\",\"x\\u0000\"]}}",
	  "bad_request", "params.input[1]: contains a NUL character" },
	{ "{\"v\":1,\"method\":\"approval.approve\",\"params\":{\"id\":\"x\","
	  "\"caption\":\"Nieuw\\u0000 bij Pomandi\"}}",
	  "bad_request", "params.caption: contains a NUL character" },
	{ "{\"v\":1,\"method\":\"workflow.cancel\",\"params\":{\"id\":\"x\","
	  "\"reason\":\"\\u00e9\\u0000\"}}",
	  "bad_request", "params.reason: contains a NUL character" },
	{ "{\"v\":1,\"method\":\"status\",\"params\":{\"a\\u0000b\":1}}",
	  "bad_request",
	  "params.a?b: the key contains a NUL character (\\u0000)" },
	{ "{\"v\":1,\"method\":\"status\\u0000x\"}", "bad_request",
	  "method: contains a NUL character" },
	{ "{\"v\":1,\"method\":\"status\",\"rid\":\"r\\u0000\"}", "bad_request",
	  "rid: contains a NUL character" },

	/* A key twice: which one counts would be a guess. */
	{ "{\"v\":1,\"method\":\"status\",\"method\":\"workflow.list\"}",
	  "bad_request", "method: duplicate key" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"diagnostic\",\"id\":\"a\",\"id\":\"b\"}}",
	  "bad_request", "params.id: duplicate key" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"diagnostic\"},\"params\":{\"type\":\"x\"}}",
	  "bad_request", "params: duplicate key" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"diagnostic\",\"input\":{\"fail\":{\"s2\":1,\"s2\":5}}}}",
	  "bad_request", "params.input.fail.s2: duplicate key" },
	{ "{\"v\":1,\"method\":\"workflow.start\",\"params\":{\"type\":"
	  "\"diagnostic\",\"input\":{\"x\":[{\"a\":1},{\"b\":1,\"b\":1}]}}}",
	  "bad_request", "params.input.x[1].b: duplicate key" },
	{ "{\"v\":1,\"method\":\"status\",\"//\":1,\"//\":2}", "bad_request",
	  "//: duplicate key" },
	/* Many keys: found by sorting, the second one named. */
	{ "{\"v\":1,\"method\":\"status\",\"params\":{\"k1\":1,\"k2\":1,"
	  "\"k3\":1,\"k4\":1,\"k5\":1,\"k6\":1,\"k7\":1,\"k8\":1,\"k9\":1,"
	  "\"k3\":2}}",
	  "bad_request", "params.k3: duplicate key" },
};

static void
check_bad(const char *buf, size_t len, const char *code, const char *msg)
{
	struct proto_req req;
	char            *reply = NULL;
	cJSON           *r, *err;

	assert_int_equal(proto_decode(buf, len, &req, &reply), -1);
	r = cJSON_Parse(reply);
	assert_non_null(r);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	err = cJSON_GetObjectItem(r, "error");
	assert_string_equal(cJSON_GetObjectItem(err, "code")->valuestring,
	                    code);
	if (strstr(cJSON_GetObjectItem(err, "message")->valuestring, msg) ==
	    NULL)
		fail_msg("%.60s: message \"%s\" lacks \"%s\"", buf,
		         cJSON_GetObjectItem(err, "message")->valuestring, msg);
	cJSON_Delete(r);
	free(reply);
}

static void
test_bad_requests(void **state)
{
	size_t i;
	char  *big;

	(void)state;
	for (i = 0; i < nitems(bad); i++)
		check_bad(bad[i].req, strlen(bad[i].req), bad[i].code,
		          bad[i].msg);
	check_bad("{\"v\":1,\"method\":\"st\xff\"}", 21, "bad_request",
	          "UTF-8");
	check_bad("{\"v\":1,\0}", 9, "bad_request", "UTF-8");
	big = xmalloc(PROTO_MAX_REQUEST + 2);
	memset(big, ' ', PROTO_MAX_REQUEST + 1);
	check_bad(big, PROTO_MAX_REQUEST + 1, "too_large", "over the limit");
	free(big);
}

static void
test_good_request(void **state)
{
	const char *buf =
	    "{\"v\":1,\"method\":\"workflow.start\",\"rid\":\"r1\","
	    "\"params\":{\"type\":\"diagnostic\","
	    "\"input\":{\"a\":[1]},\"id\":\"x-1\"}}";
	struct proto_req req;
	char            *reply = NULL, *again;

	(void)state;
	assert_int_equal(proto_decode(buf, strlen(buf), &req, &reply), 0);
	assert_null(reply);
	assert_int_equal(req.m->id, M_WORKFLOW_START);
	assert_string_equal(req.rid, "r1");
	assert_string_equal(proto_str(req.params, "type"), "diagnostic");
	assert_string_equal(proto_str(req.params, "id"), "x-1");
	assert_int_equal(proto_int(req.params, "limit", 50), 50);
	proto_req_fini(&req);

	/* An escaped backslash before u0000 is text, not a NUL. */
	buf = "{\"v\":1,\"method\":\"workflow.cancel\",\"params\":{\"id\":"
	      "\"x\",\"reason\":\"a\\\\u0000b\"}}";
	assert_int_equal(proto_decode(buf, strlen(buf), &req, &reply), 0);
	assert_string_equal(proto_str(req.params, "reason"), "a\\u0000b");
	proto_req_fini(&req);

	/* A client's request decodes as the daemon expects. */
	again = proto_request("workflow.list", cJSON_Parse("{\"limit\":5}"),
	                      NULL, NULL);
	assert_int_equal(proto_decode(again, strlen(again), &req, &reply), 0);
	assert_int_equal(proto_int(req.params, "limit", 50), 5);
	proto_req_fini(&req);
	free(again);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_good_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
