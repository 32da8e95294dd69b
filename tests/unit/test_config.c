/*
 * Config decoding: good files decode, and every kind of bad file is refused
 * with a message naming the file and the key path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "daemon/config.h"

struct bad_case {
	const char *name;
	const char *text;
	const char *want; /* substring of the error, after "FILE: " */
};

#define PHOTOS "\"photos\": {\"source\": \"dir\", \"path\": \"p\"}"
#define S3     "\"photos\": {\"source\": \"s3\", \"bucket\": \"photos\"}"
#define SCHED_OK                                                               \
	"{\"id\": \"ok\", \"workflow\": \"FeedPublisherWorkflow\", "           \
	"\"input\": \"p\", \"cron\": [\"@daily\"]}"

static const struct bad_case bad_cases[] = {
	{ "broken json", "{\n  \"workers\": 4,\n  \"x\"\n}",
	  ":4:1: invalid JSON" },
	{ "trailing garbage", "{} x", ":1:4: invalid JSON" },
	{ "empty file", "", ":1:1: invalid JSON" },
	{ "top level array", "[1]",
	  "the top level must be an object, not an array" },
	{ "wrong type", "{\"workers\": \"four\"}",
	  "workers: expected an integer, got a string" },
	{ "fraction", "{\"workers\": 2.5}",
	  "workers: expected an integer, got a number" },
	{ "out of range", "{\"workers\": 0}",
	  "workers: 0 is out of range 1..64" },
	{ "unknown key", "{\"wrokers\": 4}", "wrokers: unknown key" },
	{ "unknown nested key",
	  "{\"brands\": {\"pomandi\": {\"language\": \"nl\", " PHOTOS
	  ", \"aproval\": \"auto\"}}}",
	  "brands.pomandi.aproval: unknown key" },
	{ "missing required",
	  "{\"brands\": {\"pomandi\": {\"approval\": \"auto\"}}}",
	  "brands.pomandi.language: required key is missing" },
	{ "bad enum", "{\"synchronous\": \"fast\"}",
	  "synchronous: expected one of \"full\", \"normal\"" },
	{ "bad level", "{\"log_level\": 3}", "log_level: expected one of" },
	{ "duplicate key", "{\"workers\": 2, \"workers\": 3}",
	  "workers: duplicate key" },
	{ "brand not an object", "{\"brands\": {\"pomandi\": \"nl\"}}",
	  "brands.pomandi: expected an object, got a string" },
	{ "bad brand name",
	  "{\"brands\": {\"po mandi\": {\"language\": \"nl\"}}}",
	  "brands: \"po mandi\" is not a valid name" },
	{ "schedule missing cron",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\"}]}",
	  "schedules[0].cron: required key is missing" },
	{ "cron element type",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[\"0 9 * * *\", 5]}]}",
	  "schedules[0].cron[1]: expected a string, got a number" },
	{ "empty cron",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[]}]}",
	  "schedules[0].cron: expected a non-empty array of strings" },
	{ "duplicate schedule id",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[\"@daily\"]}, {\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[\"@daily\"]}]}",
	  "schedules[1].id: \"a\" is already used by schedules[0]" },
	{ "approval timeout too short",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"approval\": "
	  "\"required\", \"approval_timeout\": \"10s\", " PHOTOS "}}}",
	  "brands.p.approval_timeout: at least 1m" },
	{ "bad on_timeout",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"on_timeout\": "
	  "\"publish\", " PHOTOS "}}}",
	  "brands.p.on_timeout: expected one of \"reject\", \"approve\"" },
	{ "unknown language",
	  "{\"brands\": {\"p\": {\"language\": \"de\", " PHOTOS "}}}",
	  "brands.p.language: expected one of \"nl\", \"fr\", \"en\"" },
	{ "meta without accounts",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS
	  ", \"publish\": {\"to\": \"meta\", \"token_env\": \"T\"}}}}",
	  "brands.p.publish: \"to\": \"meta\" needs page_id, "
	  "instagram_user_id or both" },
	{ "instagram from a folder",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS
	  ", \"publish\": {\"to\": \"meta\", \"token_env\": \"T\", "
	  "\"instagram_user_id\": \"17\"}}}}",
	  "brands.p.publish.instagram_user_id: Instagram fetches the photo "
	  "from a public URL, which a local folder does not have" },
	{ "meta keys for the outbox",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS
	  ", \"publish\": {\"page_id\": \"1\"}}}}",
	  "brands.p.publish: page_id, instagram_user_id and token_env are "
	  "for \"to\": \"meta\"" },
	{ "bad graph version", "{\"meta\": {\"version\": \"26\"}}",
	  "meta.version: \"26\" is not a Graph API version like \"v26.0\"" },
	{ "page id with a slash",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS
	  ", \"publish\": {\"to\": \"meta\", \"token_env\": \"T\", "
	  "\"page_id\": \"1/feed\"}}}}",
	  "brands.p.publish.page_id:" },
	{ "brand without photos",
	  "{\"brands\": {\"p\": {\"language\": \"nl\"}}}",
	  "brands.p.photos: required key is missing" },
	{ "unknown photo source",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"ftp\", \"path\": \"x\"}}}}",
	  "brands.p.photos.source: expected one of \"dir\"" },
	{ "s3 without bucket",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\"}}}}",
	  "brands.p.photos.bucket: required for source \"s3\"" },
	{ "s3 with a path",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", \"path\": \"x\"}}}}",
	  "brands.p.photos.path: only for source \"dir\"" },
	{ "dir with a bucket",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"dir\", \"path\": \"x\", \"bucket\": \"photos\"}}}}",
	  "brands.p.photos.bucket: only for source \"s3\"" },
	{ "dir without path",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"dir\"}}}}",
	  "brands.p.photos.path: required for source \"dir\"" },
	{ "bad bucket name",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"My_Photos\"}}}}",
	  "brands.p.photos.bucket: \"My_Photos\" is not a bucket name" },
	{ "bad region",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", \"region\": "
	  "\"EU West\"}}}}",
	  "brands.p.photos.region: \"EU West\" is not a region name" },
	{ "bad endpoint",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", \"endpoint\": "
	  "\"ftp://files.example\"}}}}",
	  "brands.p.photos.endpoint: \"ftp://files.example\" is not a base "
	  "URL" },
	{ "endpoint with a query",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", \"endpoint\": "
	  "\"http://127.0.0.1:9000/?x=1\"}}}}",
	  "brands.p.photos.endpoint: \"http://127.0.0.1:9000/?x=1\" is not" },
	{ "virtual host on an IP address",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", \"endpoint\": "
	  "\"http://127.0.0.1:9000\"}}}}",
	  "brands.p.photos.path_style: the endpoint http://127.0.0.1:9000 is "
	  "an "
	  "IP address" },
	{ "presigned URLs too long",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", \"url_expires\": "
	  "\"8d\"}}}}",
	  "brands.p.photos.url_expires: must be 1s to 7d" },
	{ "unknown fit",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"dir\", \"path\": \"p\", \"fit\": \"stretch\"}}}}",
	  "brands.p.photos.fit: expected one of" },
	{ "background not a colour",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"dir\", \"path\": \"p\", \"background\": "
	  "\"white\"}}}}",
	  "brands.p.photos.background: \"white\" is not a colour like "
	  "\"#ffffff\"" },
	{ "variants prefix on a folder brand",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"dir\", \"path\": \"p\", \"variants_prefix\": "
	  "\"v/\"}}}}",
	  "brands.p.photos.variants_prefix: only for source \"s3\"" },
	{ "empty variants prefix",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", "
	  "\"variants_prefix\": \"\"}}}}",
	  "brands.p.photos.variants_prefix: 1 to 512 bytes" },
	{ "variants kept no time",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"dir\", \"path\": \"p\", \"variants_keep\": "
	  "\"10ms\"}}}}",
	  "brands.p.photos.variants_keep: at least 1s" },
	{ "path_style not a bool",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"photos\": "
	  "{\"source\": \"s3\", \"bucket\": \"photos\", \"path_style\": "
	  "\"yes\"}}}}",
	  "brands.p.photos.path_style: expected true or false" },
	{ "schedules not array", "{\"schedules\": {}}",
	  "schedules: expected an array, got an object" },
	{ "bad socket mode", "{\"socket_mode\": \"0999\"}",
	  "socket_mode: expected a file mode as an octal string" },
	{ "socket mode number", "{\"socket_mode\": 660}",
	  "socket_mode: expected a file mode" },
	{ "plain tcp",
	  "{\"listen\": [\"tcp://0.0.0.0:7443\"], "
	  "\"token_env\": \"T\"}",
	  "listen[0]: tcp://0.0.0.0:7443 would carry the token in the clear" },
	{ "tls without cert",
	  "{\"listen\": [\"tls+tcp://0.0.0.0:7443\"], "
	  "\"token_env\": \"T\"}",
	  "listen[0]: tls+tcp://0.0.0.0:7443 needs \"tls\"" },
	{ "listen without token",
	  "{\"listen\": [\"tls+tcp://h:1\"], "
	  "\"tls\": {\"cert\": \"c\", \"key\": \"k\"}}",
	  "listen: needs \"token_env\"" },
	{ "tls missing key", "{\"tls\": {\"cert\": \"c\"}}",
	  "tls.key: required key is missing" },
	{ "bad cron",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[\"0 9 * * *\", \"0 25 * * *\"]}]}",
	  "schedules[0].cron[1]: \"0 25 * * *\": hour 25 out of range 0-23" },
	{ "bad timezone",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[\"@daily\"], \"timezone\": \"Europe/Nowhere\"}]}",
	  "schedules[0].timezone: unknown time zone \"Europe/Nowhere\"" },
	{ "bad overlap",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[\"@daily\"], \"overlap\": \"queue\"}]}",
	  "schedules[0].overlap: expected one of \"skip\", \"buffer_one\", "
	  "\"allow_all\"" },
	{ "bad duration",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"w\", \"cron\": "
	  "[\"@daily\"], \"catchup\": \"1 hour\"}]}",
	  "schedules[0].catchup: \"1 hour\" is not a duration" },
	{ "listen scheme", "{\"listen\": [\"ws://h:1\"], \"token_env\": \"T\"}",
	  "listen[0]: \"ws://h:1\" is not a tls+tcp:// or tcp:// address" },

	/* Accepted once, failing at the first post or never firing. */
	{ "page id not a number",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS
	  ", \"publish\": {\"to\": \"meta\", \"token_env\": \"T\", "
	  "\"page_id\": \"pomandi-page\"}}}}",
	  "brands.p.publish.page_id: \"pomandi-page\" is not a Page id" },
	{ "instagram id not a number",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " S3
	  ", \"publish\": {\"to\": \"meta\", \"token_env\": \"T\", "
	  "\"instagram_user_id\": \"pomandi.shop\"}}}}",
	  "brands.p.publish.instagram_user_id: \"pomandi.shop\" is not an "
	  "Instagram user id" },
	{ "schedule for an unknown brand",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS "}}, "
	  "\"schedules\": [{\"id\": \"a\", \"workflow\": "
	  "\"FeedPublisherWorkflow\", \"input\": \"nobody\", \"cron\": "
	  "[\"@daily\"]}]}",
	  "schedules[0].input: no brand \"nobody\" in \"brands\"" },
	{ "schedule for an unknown brand, as an object",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS "}}, "
	  "\"schedules\": [" SCHED_OK ", {\"id\": \"b\", \"workflow\": "
	  "\"FeedPublisherWorkflow\", \"input\": {\"brand\": \"q\"}, "
	  "\"cron\": [\"@daily\"]}]}",
	  "schedules[1].input: no brand \"q\" in \"brands\"" },
	{ "schedule input with an extra key",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS "}}, "
	  "\"schedules\": [{\"id\": \"a\", \"workflow\": "
	  "\"FeedPublisherWorkflow\", \"input\": {\"brand\": \"p\", "
	  "\"channel\": \"facebook\"}, \"cron\": [\"@daily\"]}]}",
	  "schedules[0].input.channel: unknown key" },
	{ "schedule without the input it needs",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS "}}, "
	  "\"schedules\": [{\"id\": \"a\", \"workflow\": "
	  "\"FeedPublisherWorkflow\", \"cron\": [\"@daily\"]}]}",
	  "schedules[0].input: expected a brand" },
	{ "diagnostic input with an unknown step",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"diagnostic\", "
	  "\"input\": {\"fail\": {\"s9\": 1}}, \"cron\": [\"@daily\"]}]}",
	  "schedules[0].input.fail.s9: no such step" },
	{ "schedule of an unknown workflow type",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"Feed\", "
	  "\"cron\": [\"@daily\"]}]}",
	  "schedules[0].workflow: no workflow type \"Feed\" (there are: "
	  "diagnostic, FeedPublisherWorkflow)" },
	{ "cron that never fires",
	  "{\"schedules\": [{\"id\": \"feb\", \"workflow\": \"diagnostic\", "
	  "\"cron\": [\"@daily\", \"0 9 30 2 *\"]}]}",
	  "schedules[0].cron[1]: \"0 9 30 2 *\" never fires" },
	{ "cron that never fires, in a zone",
	  "{\"schedules\": [{\"id\": \"apr\", \"workflow\": \"diagnostic\", "
	  "\"cron\": [\"0 0 31 4,6 *\"], \"timezone\": "
	  "\"Europe/Brussels\"}]}",
	  "schedules[0].cron[0]: \"0 0 31 4,6 *\" never fires (no such date "
	  "in the next ten years): schedule apr would never run" },
	{ "zero poll interval", "{\"meta\": {\"poll_interval\": \"0s\"}}",
	  "meta.poll_interval: must be more than 0s" },
	{ "zero throttle wait", "{\"meta\": {\"throttle_wait\": \"0ms\"}}",
	  "meta.throttle_wait: must be more than 0s" },
	{ "zero check settle", "{\"meta\": {\"check_settle\": \"0m\"}}",
	  "meta.check_settle: must be more than 0s" },
	{ "zero langfuse backoff", "{\"langfuse\": {\"max_backoff\": \"0s\"}}",
	  "langfuse.max_backoff: must be more than 0s" },
	{ "graph base url without scheme",
	  "{\"meta\": {\"base_url\": \"graph.facebook.com\"}}",
	  "meta.base_url: \"graph.facebook.com\" is not a base URL" },
	{ "anthropic base url with a query",
	  "{\"anthropic\": {\"base_url\": \"https://proxy/?k=1\"}}",
	  "anthropic.base_url: \"https://proxy/?k=1\" is not a base URL" },
	{ "langfuse base url",
	  "{\"langfuse\": {\"base_url\": \"cloud.langfuse.com\"}}",
	  "langfuse.base_url: \"cloud.langfuse.com\" is not a base URL" },
	{ "empty model", "{\"anthropic\": {\"model\": \"\"}}",
	  "anthropic.model: \"\" is not a model id" },
	{ "default model without a price",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS ", "
	  "\"captions\": {\"writer\": \"claude\"}}}}",
	  "anthropic.prices: no price for the model \"claude-sonnet-4-6\" "
	  "(the default model), which brands.p.captions.writer \"claude\" "
	  "uses" },
	{ "model without a price",
	  "{\"brands\": {\"o\": {\"language\": \"nl\", " PHOTOS "}, "
	  "\"p\": {\"language\": \"nl\", " PHOTOS ", "
	  "\"captions\": {\"writer\": \"claude\"}}}, \"anthropic\": "
	  "{\"model\": \"claude-opus-4-7\", \"prices\": "
	  "{\"claude-sonnet-4-6\": {\"input\": 3, \"output\": 15}}}}",
	  "anthropic.prices: no price for the model \"claude-opus-4-7\", "
	  "which brands.p.captions.writer \"claude\" uses" },
	{ "invalid UTF-8 in a value",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"display_name\": "
	  "\"Caf\xe9\", " PHOTOS "}}}",
	  "brands.p.display_name: is not valid UTF-8" },
	{ "invalid UTF-8 in a comment", "{\"//\": \"caf\xe9 au lait\"}",
	  "//: is not valid UTF-8" },
	{ "invalid UTF-8 in a key", "{\"caf\xe9\": 1}",
	  "caf?: the key is not valid UTF-8" },
	{ "invalid UTF-8 between values", "{\"workers\": 4,\n \xc3\x28}",
	  ":2:2: not valid UTF-8" },
	{ "NUL in a value",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", \"display_name\": "
	  "\"Pom\\u0000andi\", " PHOTOS "}}}",
	  "brands.p.display_name: contains a NUL character (\\u0000)" },
	{ "NUL in a schedule input",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"diagnostic\", "
	  "\"input\": {\"brand\": \"p\\u0000\"}, \"cron\": [\"@daily\"]}]}",
	  "schedules[0].input.brand: contains a NUL character" },
	{ "duplicate key in a schedule input",
	  "{\"schedules\": [{\"id\": \"a\", \"workflow\": \"diagnostic\", "
	  "\"input\": {\"sleep_ms\": {\"s1\": 1, \"s1\": 2}}, \"cron\": "
	  "[\"@daily\"]}]}",
	  "schedules[0].input.sleep_ms.s1: duplicate key" },
	{ "duplicate brand",
	  "{\"brands\": {\"p\": {\"language\": \"nl\", " PHOTOS "}, "
	  "\"p\": {\"language\": \"fr\", " PHOTOS "}}}",
	  "brands.p: duplicate key" },
};

static char *
write_temp(const char *text)
{
	char  tmpl[] = "/tmp/herald-config-XXXXXX";
	int   fd = mkstemp(tmpl);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return xstrdup(tmpl);
}

static void
test_bad_files(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nitems(bad_cases); i++) {
		const struct bad_case *bc = &bad_cases[i];
		char          *path = write_temp(bc->text), *cause = NULL;
		struct config *c = config_load(path, &cause);

		if (c != NULL)
			fail_msg("%s: accepted", bc->name);
		assert_non_null(cause);
		if (strncmp(cause, path, strlen(path)) != 0 ||
		    strstr(cause, bc->want) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\" after the file",
			         bc->name, cause, bc->want);
		free(cause);
		unlink(path);
		free(path);
	}
}

static void
test_missing_file(void **state)
{
	char          *cause = NULL;
	struct config *c;

	(void)state;
	c = config_load("/nonexistent/herald.json", &cause);
	assert_null(c);
	assert_string_equal(
	    cause, "/nonexistent/herald.json: No such file or directory");
	free(cause);
}

static void
test_defaults(void **state)
{
	struct config *c = config_defaults();

	(void)state;
	assert_int_equal(c->workers, 4);
	assert_int_equal(c->socket_mode, 0600);
	assert_int_equal(c->synchronous, CONFIG_SYNC_FULL);
	assert_int_equal(c->log_level, -1);
	assert_int_equal(c->brands.n, 0);
	assert_int_equal(c->schedules.n, 0);
	config_free(c);
}

static void
test_good(void **state)
{
	const char *text =
	    "{\"//\": \"comment\", \"workers\": 8, \"synchronous\": \"normal\","
	    " \"log_level\": \"debug\","
	    " \"brands\": {\"pomandi\": {\"language\": \"nl\", " PHOTOS "},"
	    "  \"costume\": {\"language\": \"fr\", \"approval\": "
	    "\"auto\", " PHOTOS ","
	    "   \"captions\": {\"hashtags\": [\"#costume\"]}}},"
	    " \"schedules\": [{\"id\": \"p\", \"workflow\": \"diagnostic\","
	    "  \"input\": {\"sleep_ms\": {\"s1\": 5}}, \"cron\": "
	    "[\"0 9 * * *\", \"@daily\"],"
	    "  \"paused\": true}]}";
	char                         *cause = NULL;
	struct config                *c;
	const struct config_brand    *b;
	const struct config_schedule *s;

	(void)state;
	c = config_parse(text, strlen(text), "t.json", &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_int_equal(c->workers, 8);
	assert_int_equal(c->synchronous, CONFIG_SYNC_NORMAL);
	assert_int_equal(c->log_level, 0);
	assert_int_equal(c->brands.n, 2);
	b = config_brand(c, "costume");
	assert_non_null(b);
	assert_int_equal(b->language, CONFIG_LANG_FR);
	assert_int_equal(b->approval, CONFIG_APPROVAL_AUTO);
	assert_string_equal(b->photos.path, "p");
	assert_int_equal(b->captions.hashtags.n, 1);
	assert_int_equal(b->publish.to, CONFIG_PUBLISH_OUTBOX);
	b = config_brand(c, "pomandi");
	assert_int_equal(b->approval, CONFIG_APPROVAL_AUTO);
	assert_null(config_brand(c, "nobody"));
	assert_int_equal(c->schedules.n, 1);
	s = c->schedules.v;
	assert_string_equal(s->id, "p");
	assert_string_equal(s->input, "{\"sleep_ms\":{\"s1\":5}}");
	assert_int_equal(s->cron.n, 2);
	assert_string_equal(((char **)s->cron.v)[1], "@daily");
	assert_true(s->paused);
	assert_null(s->timezone);
	assert_int_equal(s->catchup_ms, 3600000);
	assert_int_equal(s->jitter_ms, 0);
	assert_int_equal(s->overlap, CONFIG_OVERLAP_SKIP);
	config_free(c);
}

/* What the stricter checks must still take: repeated comments, a leap day
 * (fires every four years), a priced model, text that only looks like a
 * NUL (an escaped backslash), UTF-8 beyond ASCII, numeric Meta ids. */
static void
test_good_strict(void **state)
{
	const char *text =
	    "{\"//\": \"one\", \"//\": \"two\","
	    " \"anthropic\": {\"model\": \"claude-haiku-4-5\", \"prices\": "
	    "{\"claude-haiku-4-5\": {\"input\": 1, \"output\": 5}}},"
	    " \"meta\": {\"poll_interval\": \"200ms\"},"
	    " \"brands\": {\"p\": {\"//\": \"x\", \"//\": \"y\","
	    "  \"language\": \"nl\", \"display_name\": \"a\\\\u0000b \xc3\xa9"
	    "\xf0\x9f\x8e\x89\", " S3 ", \"captions\": {\"writer\": "
	    "\"claude\"}, \"publish\": {\"to\": \"meta\", \"token_env\": "
	    "\"T\", \"page_id\": \"1234567890\", \"instagram_user_id\": "
	    "\"17841400000000000\"}}},"
	    " \"schedules\": [{\"id\": \"leap\", \"workflow\": "
	    "\"FeedPublisherWorkflow\", \"input\": {\"brand\": \"p\"}, "
	    "\"cron\": [\"0 9 29 2 *\"], \"timezone\": \"Europe/Brussels\"}]}";
	char                      *cause = NULL;
	struct config             *c;
	const struct config_brand *b;

	(void)state;
	c = config_parse(text, strlen(text), "t.json", &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	b = config_brand(c, "p");
	assert_string_equal(b->display_name,
	                    "a\\u0000b \xc3\xa9\xf0\x9f\x8e\x89");
	assert_string_equal(b->publish.page_id, "1234567890");
	assert_int_equal(c->meta.poll_interval_ms, 200);
	assert_int_equal(c->schedules.n, 1);
	config_free(c);
}

static void
test_s3_photos(void **state)
{
	const char *text =
	    "{\"brands\": {\"a\": {\"language\": \"nl\", \"photos\": "
	    "{\"source\": \"s3\", \"bucket\": \"photos\"}},"
	    " \"b\": {\"language\": \"fr\", \"photos\": {\"source\": "
	    "\"s3\", \"bucket\": \"my.photos-2\", \"prefix\": \"\", "
	    "\"region\": \"eu-west-1\", \"endpoint\": "
	    "\"http://127.0.0.1:9000\", \"path_style\": true, "
	    "\"url_expires\": \"7d\", \"fit\": \"crop\", "
	    "\"background\": \"#10Ab30\", \"variants_prefix\": \"v/\", "
	    "\"variants_keep\": \"2d\"}}}}";
	char                      *cause = NULL;
	struct config             *c;
	const struct config_brand *b;

	(void)state;
	c = config_parse(text, strlen(text), "t.json", &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	b = config_brand(c, "a");
	assert_int_equal(b->photos.source, CONFIG_PHOTOS_S3);
	assert_string_equal(b->photos.bucket, "photos");
	assert_null(b->photos.prefix); /* "<brand>/" in the settings */
	assert_null(b->photos.region);
	assert_null(b->photos.endpoint);
	assert_false(b->photos.path_style);
	assert_int_equal(b->photos.url_expires_ms, 6 * 3600 * 1000);
	assert_null(b->photos.path);
	assert_int_equal(b->photos.fit, CONFIG_FIT_PAD);
	assert_null(b->photos.background);      /* white */
	assert_null(b->photos.variants_prefix); /* "herald-variants/" */
	assert_int_equal(b->photos.variants_keep_ms, 30LL * 24 * 3600 * 1000);
	b = config_brand(c, "b");
	assert_string_equal(b->photos.prefix, "");
	assert_string_equal(b->photos.region, "eu-west-1");
	assert_string_equal(b->photos.endpoint, "http://127.0.0.1:9000");
	assert_true(b->photos.path_style);
	assert_int_equal(b->photos.fit, CONFIG_FIT_CROP);
	assert_string_equal(b->photos.background, "#10Ab30");
	assert_string_equal(b->photos.variants_prefix, "v/");
	assert_int_equal(b->photos.variants_keep_ms, 2LL * 24 * 3600 * 1000);
	assert_int_equal(b->photos.url_expires_ms, 7LL * 24 * 3600 * 1000);
	config_free(c);
}

/* The shipped example and demo configs must always load. */
static void
test_shipped(void **state)
{
	const char *files[] = { HERALD_SRC "/assets/herald.example.json",
		                HERALD_SRC "/assets/demo/herald.json" };
	size_t      i;

	(void)state;
	for (i = 0; i < nitems(files); i++) {
		char          *cause = NULL;
		struct config *c = config_load(files[i], &cause);

		if (c == NULL)
			fail_msg("%s", cause);
		assert_int_equal(c->brands.n, 2);
		assert_int_equal(c->schedules.n, 2);
		config_free(c);
	}
}

static void
test_durations(void **state)
{
	static const struct {
		const char *text;
		int64_t     ms; /* -1: refused */
	} cases[] = {
		{ "90s", 90000 }, { "15m", 900000 },   { "1h30m", 5400000 },
		{ "500ms", 500 }, { "2d", 172800000 }, { "1h", 3600000 },
		{ "0s", 0 },      { "", -1 },          { "1 hour", -1 },
		{ "h", -1 },      { "10", -1 },        { "5x", -1 },
		{ "400d", -1 },   { "-5m", -1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(cases); i++) {
		char   *cause = NULL;
		int64_t ms = 0;
		int     rc = parse_duration(cases[i].text, &ms, &cause);

		if (cases[i].ms < 0) {
			if (rc == 0)
				fail_msg("\"%s\" accepted", cases[i].text);
			assert_non_null(strstr(cause, "is not a duration"));
			free(cause);
		} else {
			if (rc != 0)
				fail_msg("\"%s\": %s", cases[i].text, cause);
			assert_int_equal(ms, cases[i].ms);
		}
	}
}

/* A Meta brand without token_env reads the old system's variable. */
static void
test_old_token_name(void **state)
{
	const char *text =
	    "{\"brands\": {\"pom-andi\": {\"language\": \"nl\", " PHOTOS
	    ", \"publish\": {\"to\": \"meta\", \"page_id\": \"1\"}},"
	    " \"costume\": {\"language\": \"fr\", " PHOTOS
	    ", \"publish\": {\"to\": \"meta\", \"page_id\": \"2\", "
	    "\"token_env\": \"COSTUME_TOKEN\"}},"
	    " \"demo\": {\"language\": \"fr\", " PHOTOS "}}}";
	char          *cause = NULL;
	struct config *c;

	(void)state;
	c = config_parse(text, strlen(text), "t.json", &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	assert_string_equal(config_brand(c, "pom-andi")->publish.token_env,
	                    "META_ACCESS_TOKEN_POM_ANDI");
	assert_string_equal(config_brand(c, "costume")->publish.token_env,
	                    "COSTUME_TOKEN");
	assert_null(config_brand(c, "demo")->publish.token_env);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_good_strict),
		cmocka_unit_test(test_old_token_name),
		cmocka_unit_test(test_s3_photos),
		cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_durations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
