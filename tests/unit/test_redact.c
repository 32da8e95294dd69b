/*
 * test_redact: the redactor (common/redact.h) on a table of texts, as
 * plain text and as JSON, its registration rules, many threads redacting
 * while secrets are added, and what heraldd registers (daemon/secrets.h).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activities/activity.h"
#include "common/json.h"
#include "common/redact.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/secrets.h"

#define KEY   "sk-ant-api03-AbCdEf_0123456789"
#define SLASH "wJalrXUtnFEMI/K7MDENG+bPxRfiCY"
#define QUOTE "tok\"en\\with\"quote"
#define SHORT "prefix-12345"
#define LONG  "prefix-12345-and-more-67890"
#define SPACE "pass word with space"
#define TINY  "tiny123" /* 7 bytes: not a secret */
#define PK    "pk-lf-1234"
#define SK    "sk-lf-5678-secret"
#define BASIC "cGstbGYtMTIzNDpzay1sZi01Njc4LXNlY3JldA==" /* PK:SK */
#define M(n)  "[redacted " n "]"
#define PGPW  M("DATABASE_URL_PASSWORD")

static void
register_all(void)
{
	redact_clear();
	assert_int_equal(redact_add("ALPHA_KEY", KEY), 1);
	assert_int_equal(redact_add("SLASH_SECRET", SLASH), 1);
	assert_int_equal(redact_add("QUOTE_TOKEN", QUOTE), 1);
	assert_int_equal(redact_add("SHORT_PREFIX", SHORT), 1);
	assert_int_equal(redact_add("LONG_SECRET", LONG), 1);
	assert_int_equal(redact_add("SPACE_PASS", SPACE), 1);
	assert_int_equal(redact_add("LANGFUSE_SECRET_KEY", SK), 1);
	assert_int_equal(redact_add_basic("LANGFUSE_SECRET_KEY", PK, SK), 1);
}

struct row {
	const char *what, *in, *want;
	int         count;
};

static const struct row rows[] = {
	{ "plain", "error: " KEY " is invalid",
	  "error: " M("ALPHA_KEY") " is invalid", 1 },
	{ "the whole text", KEY, M("ALPHA_KEY"), 1 },
	{ "twice", KEY " and " KEY, M("ALPHA_KEY") " and " M("ALPHA_KEY"), 2 },
	{ "json, slash escaped", "{\"k\":\"wJalrXUtnFEMI\\/K7MDENG+bPxRfiCY\"}",
	  "{\"k\":\"" M("SLASH_SECRET") "\"}", 1 },
	{ "json, slash as is", "{\"k\":\"" SLASH "\"}",
	  "{\"k\":\"" M("SLASH_SECRET") "\"}", 1 },
	{ "json, quotes escaped", "{\"m\":\"tok\\\"en\\\\with\\\"quote\"}",
	  "{\"m\":\"" M("QUOTE_TOKEN") "\"}", 1 },
	{ "percent-encoded", "key=wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCY&x=1",
	  "key=" M("SLASH_SECRET") "&x=1", 1 },
	{ "percent-encoded, lower hex",
	  "key=wJalrXUtnFEMI%2fK7MDENG%2bbPxRfiCY&x=1",
	  "key=" M("SLASH_SECRET") "&x=1", 1 },
	{ "form-encoded space", "p=pass+word+with+space&q=1",
	  "p=" M("SPACE_PASS") "&q=1", 1 },
	{ "space percent-encoded", "p=pass%20word%20with%20space",
	  "p=" M("SPACE_PASS"), 1 },
	{ "two secrets", "a " KEY " b " SLASH " c",
	  "a " M("ALPHA_KEY") " b " M("SLASH_SECRET") " c", 2 },
	{ "back to back", KEY SLASH, M("ALPHA_KEY") M("SLASH_SECRET"), 2 },
	{ "a prefix of another: the longer", "x " LONG " y",
	  "x " M("LONG_SECRET") " y", 1 },
	{ "a prefix of another: the shorter", "x " SHORT "-and-less",
	  "x " M("SHORT_PREFIX") "-and-less", 1 },
	{ "bearer", "Authorization: Bearer " KEY,
	  "Authorization: Bearer " M("ALPHA_KEY"), 1 },
	{ "basic auth", "Authorization: Basic " BASIC,
	  "Authorization: Basic " M("LANGFUSE_SECRET_KEY"), 1 },
	{ "basic auth, json", "{\"a\":\"Basic " BASIC "\",\"s\":\"" SK "\"}",
	  "{\"a\":\"Basic " M("LANGFUSE_SECRET_KEY") "\",\"s\":\"" M(
	      "LANGFUSE_SECRET_KEY") "\"}",
	  2 },
	{ "too short to register", "code " TINY " left", "code " TINY " left",
	  0 },
	{ "a part of a secret is no secret", "sk-ant-api03-AbCdEf",
	  "sk-ant-api03-AbCdEf", 0 },
	{ "nothing", "nothing secret here", "nothing secret here", 0 },
	{ "empty", "", "", 0 },
};

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	register_all();
	assert_int_equal(redact_add("TINY", TINY), -1);
	for (i = 0; i < nitems(rows); i++) {
		char *dup = redact_dup(rows[i].in), *s = xstrdup(rows[i].in);
		int   n = redact_str(&s);

		if (strcmp(dup, rows[i].want) != 0 ||
		    strcmp(s, rows[i].want) != 0 || n != rows[i].count)
			fail_msg("%s: got \"%s\" (%d), want \"%s\" (%d)",
			         rows[i].what, s, n, rows[i].want,
			         rows[i].count);
		assert_int_equal(redact_found(rows[i].in, strlen(rows[i].in)),
		                 rows[i].count > 0);
		free(dup);
		free(s);
	}
}

static void
test_registration(void **state)
{
	(void)state;
	register_all();
	assert_int_equal(redact_add("AGAIN", KEY), 0); /* known value */
	assert_int_equal(redact_add("X", NULL), -1);
	assert_int_equal(redact_add("X", "1234567"), -1);
	assert_int_equal(redact_add("X", ""), -1);
	assert_int_equal(redact_add_basic("X", NULL, SK), -1);
	/* A name is made fit for the marker. */
	assert_int_equal(redact_add("a name\"with]odd", "odd-name-value"), 1);
	char *s = redact_dup("odd-name-value");
	assert_string_equal(s, M("a_name_with_odd"));
	free(s);
	assert_null(redact_dup(NULL));
	s = NULL;
	assert_int_equal(redact_str(&s), 0);
	assert_int_equal(redact_json(&s), 0);
	redact_clear();
	s = redact_dup(KEY);
	assert_string_equal(s, KEY); /* forgotten */
	free(s);
}

static void
test_json(void **state)
{
	const char *in = "{\"error\":\"echo " KEY "\",\"n\":12345678,"
	                 "\"deep\":[{\"tok\\\"en\\\\with\\\"quote\":"
	                 "\"wJalrXUtnFEMI\\/K7MDENG+bPxRfiCY\"}],\"ok\":true}";
	char       *s = xstrdup(in), *plain;
	cJSON      *j;

	(void)state;
	register_all();
	assert_int_equal(redact_add("NUMBER", "12345678"), 1);
	assert_int_equal(redact_json(&s), 1);
	j = json_parse(s, strlen(s), NULL);
	assert_non_null(j); /* still JSON */
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(j, "error")),
	    "echo " M("ALPHA_KEY"));
	/* A number is left alone: it stays a number. */
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "n")),
	                 12345678);
	/* A key too, and a value that was escaped in the text. */
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(j, "deep"), 0),
	        M("QUOTE_TOKEN"))),
	    M("SLASH_SECRET"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
	cJSON_Delete(j);
	assert_null(strstr(s, "sk-ant"));
	free(s);

	/* Not JSON: redacted as text. */
	s = xstrdup("{broken " KEY);
	assert_int_equal(redact_json(&s), 1);
	assert_string_equal(s, "{broken " M("ALPHA_KEY"));
	free(s);

	/* No secret: the very same text, untouched. */
	s = plain = xstrdup("{\"a\": 1,   \"b\": \"x\"}");
	assert_int_equal(redact_json(&s), 0);
	assert_ptr_equal(s, plain);
	free(s);
	redact_clear();
}

/* Concurrent use: readers redact while the main thread adds secrets; the
 * secret registered first must never come through, and every one added
 * meanwhile is redacted once its add returned. */

#define READERS 4
#define ROUNDS  3000
#define ADDS    200

static atomic_int leaks, missing_marks, stop_readers;

static void *
reader(void *arg)
{
	char text[256];
	int  i;

	(void)arg;
	for (i = 0; i < ROUNDS || !atomic_load(&stop_readers); i++) {
		char *out, *s;

		snprintf(text, sizeof text,
		         "%d: \"" KEY "\" then concurrent-secret-%04d-xyz", i,
		         i % ADDS);
		out = redact_dup(text);
		if (strstr(out, KEY) != NULL)
			atomic_fetch_add(&leaks, 1);
		if (strstr(out, M("ALPHA_KEY")) == NULL)
			atomic_fetch_add(&missing_marks, 1);
		s = xstrdup(text);
		redact_str(&s);
		if (strstr(s, KEY) != NULL)
			atomic_fetch_add(&leaks, 1);
		free(s);
		free(out);
	}
	return NULL;
}

static void
test_concurrent(void **state)
{
	pthread_t t[READERS];
	char      name[32], value[64], want[64], *s;
	int       i;

	(void)state;
	redact_clear();
	assert_int_equal(redact_add("ALPHA_KEY", KEY), 1);
	atomic_store(&stop_readers, 0);
	for (i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, reader, NULL), 0);
	for (i = 0; i < ADDS; i++) {
		snprintf(name, sizeof name, "CONC_%d", i);
		snprintf(value, sizeof value, "concurrent-secret-%04d-xyz", i);
		assert_int_equal(redact_add(name, value), 1);
		s = redact_dup(value); /* redacted from the moment it is in */
		snprintf(want, sizeof want, "[redacted %s]", name);
		assert_string_equal(s, want);
		free(s);
	}
	atomic_store(&stop_readers, 1);
	for (i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&leaks), 0);
	assert_int_equal(atomic_load(&missing_marks), 0);
	s = redact_dup("concurrent-secret-0199-xyz concurrent-secret-0000-xyz");
	assert_string_equal(s, M("CONC_199") " " M("CONC_0"));
	free(s);
	redact_clear();
}

/* What the engine does with an activity's output as soon as it returns:
 * every text redacted, the JSON ones still JSON. */
static void
test_act_out(void **state)
{
	struct act_out out = { 0 };
	cJSON         *j;

	(void)state;
	register_all();
	out.status = ACT_FAIL;
	out.error = xstrdup("anthropic 400: the key " KEY " is not valid");
	out.result = xstrdup("{\"caption\":\"says " KEY "\"}");
	out.usage = xstrdup("{\"model\":\"m\",\"note\":\"Bearer " KEY "\"}");
	out.progress = xstrdup("{\"url\":\"https://x/?k=wJalrXUtnFEMI%2FK7MDENG"
	                       "%2BbPxRfiCY\"}");
	act_out_redact(&out);
	assert_string_equal(out.error,
	                    "anthropic 400: the key " M("ALPHA_KEY") " is not "
	                                                             "valid");
	assert_string_equal(out.result,
	                    "{\"caption\":\"says " M("ALPHA_KEY") "\"}");
	assert_string_equal(out.usage, "{\"model\":\"m\",\"note\":\"Bearer " M(
	                                   "ALPHA_KEY") "\"}");
	assert_string_equal(out.progress,
	                    "{\"url\":\"https://x/?k=" M("SLASH_SECRET") "\"}");
	j = json_parse(out.usage, strlen(out.usage), NULL);
	assert_non_null(j);
	cJSON_Delete(j);
	free(out.error);
	free(out.result);
	free(out.usage);
	free(out.progress);
	/* Nothing to redact, nothing there: left as they are. */
	memset(&out, 0, sizeof out);
	out.result = xstrdup("{\"ok\":true}");
	act_out_redact(&out);
	assert_null(out.error);
	assert_string_equal(out.result, "{\"ok\":true}");
	free(out.result);
	redact_clear();
}

/* The password in each form of connection string libpq takes. */
static void
test_conninfo(void **state)
{
	static const struct {
		const char *conninfo, *want;
	} cases[] = {
		{ "postgresql://u:p%40ssw0rd-x@db.example/app", "p@ssw0rd-x" },
		{ "postgres://u:s3cr%zzet-pw@/postgres?host=/tmp",
		  "s3cr%zzet-pw" },
		{ "postgresql://u@h/db?sslmode=require&password=abc%20defgh",
		  "abc defgh" },
		{ "postgresql://u@h/db?passwordx=1", NULL },
		{ "postgresql://h:5432/db", NULL },
		{ "host=/tmp password='se cret\\'q' dbname=d", "se cret'q" },
		{ "host=localhost password = plainpass", "plainpass" },
		{ "host=x dbname=y", NULL },
		{ "", NULL },
	};
	size_t i;

	(void)state;
	assert_null(secrets_conninfo_password(NULL));
	for (i = 0; i < nitems(cases); i++) {
		char *pw = secrets_conninfo_password(cases[i].conninfo);

		if (cases[i].want == NULL
		        ? pw != NULL
		        : pw == NULL || strcmp(pw, cases[i].want) != 0)
			fail_msg("%s: got %s, want %s", cases[i].conninfo,
			         pw ? pw : "NULL",
			         cases[i].want ? cases[i].want : "NULL");
		free(pw);
	}
}

/* heraldd registers every secret it reads, under its variable's name. */
static void
test_secrets_register(void **state)
{
	static const char cfg_text[] =
	    "{\"brands\": {\"pomandi\": {\"language\": \"nl\","
	    "  \"photos\": {\"source\": \"dir\", \"path\": \"/tmp\"},"
	    "  \"publish\": {\"to\": \"meta\", \"page_id\": \"1\","
	    "               \"token_env\": \"POMANDI_META_TOKEN\"}}},"
	    " \"token_env\": \"HT_LISTEN_TOKEN\"}";
	static const struct {
		const char *var, *value, *marker;
	} env[] = {
		{ "ANTHROPIC_API_KEY", "sk-ant-unit-key-0001",
		  M("ANTHROPIC_API_KEY") },
		{ "AWS_SECRET_ACCESS_KEY", "aws/secret+key-0002",
		  M("AWS_SECRET_ACCESS_KEY") },
		{ "AWS_SESSION_TOKEN",
		  "FwoGZXIvYXdzEB0003==", M("AWS_SESSION_TOKEN") },
		{ "LANGFUSE_PUBLIC_KEY", "pk-lf-unit-0004",
		  M("LANGFUSE_PUBLIC_KEY") },
		{ "LANGFUSE_SECRET_KEY", "sk-lf-unit-0005",
		  M("LANGFUSE_SECRET_KEY") },
		{ "PGPASSWORD", "pg-password-0006", M("PGPASSWORD") },
		{ "POMANDI_META_TOKEN", "EAAunit-meta-0007",
		  M("POMANDI_META_TOKEN") },
		{ "HT_LISTEN_TOKEN", "listen-token-0008-abcdef",
		  M("HT_LISTEN_TOKEN") },
	};
	struct config *cfg;
	char          *cause = NULL, *s;
	size_t         i;

	(void)state;
	redact_clear();
	for (i = 0; i < nitems(env); i++)
		setenv(env[i].var, env[i].value, 1);
	setenv("DATABASE_URL", "postgresql://herald:db%2Fpass-0009@/h", 1);
	cfg = config_parse(cfg_text, strlen(cfg_text), "unit", &cause);
	if (cfg == NULL)
		fail_msg("config: %s", cause);
	secrets_register(cfg);
	for (i = 0; i < nitems(env); i++) {
		s = redact_dup(env[i].value);
		if (strcmp(s, env[i].marker) != 0)
			fail_msg("%s: got %s", env[i].var, s);
		free(s);
	}
	/* The password decoded, and as the URL writes it. */
	s = redact_dup("db/pass-0009, postgresql://herald:db%2Fpass-0009@/h");
	assert_string_equal(s, PGPW ", postgresql://herald:" PGPW "@/h");
	free(s);
	/* The Basic auth of the Langfuse pair. */
	s = redact_dup("Basic cGstbGYtdW5pdC0wMDA0OnNrLWxmLXVuaXQtMDAwNQ==");
	assert_string_equal(s, "Basic " M("LANGFUSE_SECRET_KEY"));
	free(s);
	/* A reload registers again: nothing new, nothing lost. */
	secrets_register(cfg);
	s = redact_dup("sk-ant-unit-key-0001");
	assert_string_equal(s, M("ANTHROPIC_API_KEY"));
	free(s);
	config_free(cfg);
	for (i = 0; i < nitems(env); i++)
		unsetenv(env[i].var);
	unsetenv("DATABASE_URL");
	redact_clear();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_registration),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_act_out),
		cmocka_unit_test(test_conninfo),
		cmocka_unit_test(test_secrets_register),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
