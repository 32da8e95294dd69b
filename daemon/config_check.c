/*
 * config_check: what the schema cannot say about a decoded config: how
 * keys go together (a brand's photo source and publisher, listeners and
 * TLS), and whether what a key names can work: brands, workflow types and
 * their inputs, a price for the Claude model in use, a cron expression
 * that fires at all, URLs, ids. Each problem names its key, so a config
 * that would fail at the first post stops heraldd at start (or keeps the
 * old config on SIGHUP) instead. Main thread only.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "activities/claude.h"
#include "common/json.h"
#include "common/tz.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/config_check.h"
#include "daemon/cron.h"
#include "daemon/workflow.h"

/* S3 bucket names: 3-63 of a-z 0-9 . -, a letter or digit at each end. */
static int
valid_bucket(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 3 || n > 63 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) ||
		      isdigit((unsigned char)s[i]) || s[i] == '.' ||
		      s[i] == '-'))
			return 0;
	return 1;
}

/* http(s)://host[:port][/path], nothing else. */
static int
valid_base_url(const char *s)
{
	const char *host = strncmp(s, "https://", 8) == 0  ? s + 8
	                   : strncmp(s, "http://", 7) == 0 ? s + 7
	                                                   : NULL;
	const char *p;

	if (host == NULL || *host == '\0' || *host == '/' || *host == ':')
		return 0;
	for (p = host; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || *p == '?' || *p == '#' ||
		    *p == '@' || (unsigned char)*p < 0x20)
			return 0;
	return 1;
}

/* An endpoint's base URL setting, when given. */
static int
check_url(const char *key, const char *url, const char *example, char **cause)
{
	if (url == NULL || valid_base_url(url))
		return 0;
	xasprintf(cause,
	          "%s: \"%s\" is not a base URL like \"%s\" or "
	          "\"http://127.0.0.1:8080\"",
	          key, url, example);
	return -1;
}

/* Is the endpoint's host an IP address (no <bucket>.<host> for it)? */
static int
ip_host(const char *url)
{
	const char *h = strstr(url, "://") + 3;
	size_t      n = strcspn(h, ":/");

	return *h == '[' || (n > 0 && strspn(h, "0123456789.") == n);
}

/* The keys a brand's photo source needs, and none of another's. */
static int
check_photos_of(const struct config_brand *b, char **cause)
{
	const struct config_photos *p = &b->photos;
	const char                 *s3_key = p->bucket     ? "bucket"
	                                     : p->prefix   ? "prefix"
	                                     : p->region   ? "region"
	                                     : p->endpoint ? "endpoint"
	                                                   : NULL;

	if (p->source == CONFIG_PHOTOS_DIR) {
		if (p->path == NULL)
			xasprintf(cause,
			          "brands.%s.photos.path: required for "
			          "source \"dir\"",
			          b->name);
		else if (s3_key != NULL)
			xasprintf(cause,
			          "brands.%s.photos.%s: only for source "
			          "\"s3\"",
			          b->name, s3_key);
		else
			return 0;
		return -1;
	}
	if (p->path != NULL)
		xasprintf(cause,
		          "brands.%s.photos.path: only for source \"dir\" "
		          "(S3 photos are found by bucket and prefix)",
		          b->name);
	else if (p->bucket == NULL)
		xasprintf(cause,
		          "brands.%s.photos.bucket: required for source "
		          "\"s3\"",
		          b->name);
	else if (!valid_bucket(p->bucket))
		xasprintf(cause,
		          "brands.%s.photos.bucket: \"%s\" is not a bucket "
		          "name (3-63 of a-z 0-9 . -, starting and ending "
		          "with a letter or digit)",
		          b->name, p->bucket);
	else if (p->prefix != NULL && strlen(p->prefix) > 1024)
		xasprintf(cause,
		          "brands.%s.photos.prefix: longer than 1024 bytes",
		          b->name);
	else if (p->region != NULL &&
	         (*p->region == '\0' || strlen(p->region) > 64 ||
	          p->region[strspn(p->region,
	                           "abcdefghijklmnopqrstuvwxyz0123456789-")] !=
	              '\0'))
		xasprintf(cause,
		          "brands.%s.photos.region: \"%s\" is not a region "
		          "name like \"eu-west-1\"",
		          b->name, p->region);
	else if (p->endpoint != NULL && !valid_base_url(p->endpoint))
		xasprintf(cause,
		          "brands.%s.photos.endpoint: \"%s\" is not a base "
		          "URL like \"https://s3.example.com\" or "
		          "\"http://127.0.0.1:9000\"",
		          b->name, p->endpoint);
	else if (p->endpoint != NULL && !p->path_style && ip_host(p->endpoint))
		xasprintf(cause,
		          "brands.%s.photos.path_style: the endpoint %s is an "
		          "IP address, which has no <bucket>.<host> names: set "
		          "\"path_style\": true",
		          b->name, p->endpoint);
	else if (p->url_expires_ms < 1000 ||
	         p->url_expires_ms > 7LL * 24 * 3600 * 1000)
		xasprintf(cause,
		          "brands.%s.photos.url_expires: must be 1s to 7d "
		          "(a presigned URL lives at most 7 days)",
		          b->name);
	else
		return 0;
	return -1;
}

/* The settings of the channels' variants, whatever the source. */
static int
check_variants_of(const struct config_brand *b, char **cause)
{
	const struct config_photos *p = &b->photos;
	const char                 *bg = p->background;

	if (bg != NULL && (strlen(bg) != 7 || bg[0] != '#' ||
	                   strspn(bg + 1, "0123456789abcdefABCDEF") != 6))
		xasprintf(cause,
		          "brands.%s.photos.background: \"%s\" is not a colour "
		          "like \"#ffffff\"",
		          b->name, bg);
	else if (p->variants_prefix != NULL && p->source != CONFIG_PHOTOS_S3)
		xasprintf(cause,
		          "brands.%s.photos.variants_prefix: only for source "
		          "\"s3\" (a folder brand's variants live in the state "
		          "dir)",
		          b->name);
	else if (p->variants_prefix != NULL &&
	         (*p->variants_prefix == '\0' ||
	          strlen(p->variants_prefix) > 512))
		xasprintf(cause,
		          "brands.%s.photos.variants_prefix: 1 to 512 bytes, "
		          "like \"herald-variants/\"",
		          b->name);
	else if (p->variants_keep_ms < 1000)
		xasprintf(cause,
		          "brands.%s.photos.variants_keep: at least 1s (the "
		          "variants of a photo a run holds are kept anyway)",
		          b->name);
	else
		return 0;
	return -1;
}

static int
check_photos(const struct config *c, char **cause)
{
	const struct config_brand *b = c->brands.v;
	int                        i;

	for (i = 0; i < c->brands.n; i++)
		if (check_photos_of(&b[i], cause) != 0 ||
		    check_variants_of(&b[i], cause) != 0)
			return -1;
	return 0;
}

/* Graph ids of Pages and Instagram accounts are numbers, written as
 * strings: a name or a URL here would fail at the first post. */
static int
graph_id(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= 32 && strspn(s, "0123456789") == n;
}

/* What the schema cannot say: how a brand's keys go together. */
static int
check_publish(const struct config_brand *b, char **cause)
{
	const struct config_publish *p = &b->publish;

	if (p->to != CONFIG_PUBLISH_META) {
		if (p->page_id != NULL || p->instagram_user_id != NULL ||
		    p->token_env != NULL) {
			xasprintf(cause,
			          "brands.%s.publish: page_id, "
			          "instagram_user_id and token_env are for "
			          "\"to\": \"meta\"",
			          b->name);
			return -1;
		}
		return 0;
	}
	if (p->page_id == NULL && p->instagram_user_id == NULL) {
		xasprintf(cause,
		          "brands.%s.publish: \"to\": \"meta\" needs page_id, "
		          "instagram_user_id or both",
		          b->name);
		return -1;
	}
	if (p->page_id != NULL && !graph_id(p->page_id)) {
		xasprintf(cause,
		          "brands.%s.publish.page_id: \"%s\" is not a Page id "
		          "(the digits Meta shows in the Page's settings, like "
		          "\"1234567890\")",
		          b->name, p->page_id);
		return -1;
	}
	if (p->instagram_user_id != NULL && !graph_id(p->instagram_user_id)) {
		xasprintf(
		    cause,
		    "brands.%s.publish.instagram_user_id: \"%s\" is not an "
		    "Instagram user id (the digits of the business "
		    "account's id, like \"17841400000000000\", not its "
		    "@name)",
		    b->name, p->instagram_user_id);
		return -1;
	}
	if (p->instagram_user_id != NULL &&
	    b->photos.source == CONFIG_PHOTOS_DIR) {
		xasprintf(cause,
		          "brands.%s.publish.instagram_user_id: Instagram "
		          "fetches the photo from a public URL, which a local "
		          "folder does not have: use \"photos\": {\"source\": "
		          "\"s3\", ...} for this brand",
		          b->name);
		return -1;
	}
	return 0;
}

/* The Graph API version goes in every URL: "v26.0". */
static int
check_meta(const struct config *c, char **cause)
{
	const char *v = c->meta.version;
	int         n = 0;

	if (v != NULL &&
	    (sscanf(v, "v%*u.%*u%n", &n) != 0 || n == 0 || v[n] != '\0')) {
		xasprintf(cause,
		          "meta.version: \"%s\" is not a Graph API version "
		          "like \"v26.0\"",
		          v);
		return -1;
	}
	return check_url("meta.base_url", c->meta.base_url,
	                 "https://graph.facebook.com", cause);
}

/* The Claude model in use needs a price, or each run's cost (status,
 * the console's spend, Langfuse) would silently be 0. */
static int
check_anthropic(const struct config *c, char **cause)
{
	const struct config_brand *b = c->brands.v, *user = NULL;
	const struct config_price *pr = c->anthropic.prices.v;
	const char                *model =
            c->anthropic.model ? c->anthropic.model : CLAUDE_DEFAULT_MODEL;
	int i;

	if (check_url("anthropic.base_url", c->anthropic.base_url,
	              "https://api.anthropic.com", cause) != 0)
		return -1;
	if (c->anthropic.model != NULL &&
	    (*model == '\0' || strlen(model) > 128 ||
	     strspn(model, "abcdefghijklmnopqrstuvwxyz"
	                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@/") !=
	         strlen(model))) {
		xasprintf(cause,
		          "anthropic.model: \"%s\" is not a model id like "
		          "\"%s\"",
		          model, CLAUDE_DEFAULT_MODEL);
		return -1;
	}
	for (i = 0; i < c->brands.n && user == NULL; i++)
		if (b[i].captions.writer == CONFIG_WRITER_CLAUDE)
			user = &b[i];
	if (user == NULL)
		return 0;
	for (i = 0; i < c->anthropic.prices.n; i++)
		if (strcmp(pr[i].model, model) == 0)
			return 0;
	xasprintf(cause,
	          "anthropic.prices: no price for the model \"%s\"%s, which "
	          "brands.%s.captions.writer \"claude\" uses: add \"%s\": "
	          "{\"input\": USD, \"output\": USD} (per million tokens), "
	          "so each run's cost is known",
	          model, c->anthropic.model ? "" : " (the default model)",
	          user->name, model);
	return -1;
}

static int
check_langfuse(const struct config *c, char **cause)
{
	return check_url("langfuse.base_url", c->langfuse.base_url,
	                 "https://cloud.langfuse.com", cause);
}

static int
check_brands(const struct config *c, char **cause)
{
	const struct config_brand *b = c->brands.v;
	int                        i;

	for (i = 0; i < c->brands.n; i++) {
		if (check_publish(&b[i], cause) != 0)
			return -1;
		if (b[i].approval_timeout_ms < 60000) {
			xasprintf(cause,
			          "brands.%s.approval_timeout: at least 1m",
			          b[i].name);
			return -1;
		}
	}
	return 0;
}

/* The workflow type a schedule starts, and its input as that type checks
 * it (with the brand it names, when the type works for a brand). */
static int
check_workflow(const struct config *c, int i, char **cause)
{
	const struct config_schedule *s =
	    &((struct config_schedule *)c->schedules.v)[i];
	const struct workflow *wf;
	const char            *brand, *text;
	char                  *why = NULL, *list = NULL, *tmp;
	cJSON                 *in;
	int                    k, rc = -1;

	if ((wf = workflow_find(workflow_types, s->workflow)) == NULL) {
		for (k = 0; workflow_types[k] != NULL; k++) {
			xasprintf(&tmp, "%s%s%s", list ? list : "",
			          list ? ", " : "", workflow_types[k]->name);
			free(list);
			list = tmp;
		}
		xasprintf(cause,
		          "schedules[%d].workflow: no workflow type \"%s\" "
		          "(there are: %s)",
		          i, s->workflow, list);
		free(list);
		return -1;
	}
	text = s->input != NULL ? s->input : "null";
	if ((in = json_parse(text, strlen(text), NULL)) == NULL)
		fatal("config: schedule input \"%s\" does not parse", text);
	brand = workflow_brand(in);
	if (wf->check_input != NULL && wf->check_input(in, &why) != 0)
		xasprintf(cause, "schedules[%d].%s", i, why);
	else if (wf->needs_brand && brand == NULL)
		xasprintf(cause,
		          "schedules[%d].input: %s needs a brand: \"name\" "
		          "or {\"brand\": \"name\"}",
		          i, wf->name);
	else if (wf->needs_brand && config_brand(c, brand) == NULL)
		xasprintf(cause,
		          "schedules[%d].input: no brand \"%s\" in \"brands\"",
		          i, brand);
	else
		rc = 0;
	free(why);
	cJSON_Delete(in);
	return rc;
}

/* Cron expressions, time zones, workflow types and inputs are checked
 * when the config is read, so a typo stops the daemon at start, with the
 * key to fix, rather than at the first fire (or never). */
static int
check_schedules(const struct config *c, char **cause)
{
	const struct config_schedule *s = c->schedules.v;
	struct cron                   cr;
	struct tz                    *z;
	const char                   *expr;
	char                         *why = NULL;
	int64_t                       now = clock_ms() / 1000;
	int                           i, k;

	for (i = 0; i < c->schedules.n; i++) {
		for (k = 0; k < s[i].cron.n; k++) {
			expr = ((char **)s[i].cron.v)[k];
			if (cron_parse(expr, &cr, &why) != 0) {
				xasprintf(cause, "schedules[%d].cron[%d]: %s",
				          i, k, why);
				free(why);
				return -1;
			}
		}
		z = tz_load(s[i].timezone != NULL ? s[i].timezone : "UTC",
		            &why);
		if (z == NULL) {
			xasprintf(cause, "schedules[%d].timezone: %s", i, why);
			free(why);
			return -1;
		}
		/* "0 9 30 2 *" parses, and never comes. */
		for (k = 0; k < s[i].cron.n; k++) {
			expr = ((char **)s[i].cron.v)[k];
			if (cron_parse(expr, &cr, &why) != 0)
				fatal("config: cron \"%s\" parsed once", expr);
			if (cron_next(&cr, z, now) < 0) {
				xasprintf(
				    cause,
				    "schedules[%d].cron[%d]: \"%s\" never "
				    "fires (no such date in the next ten "
				    "years): schedule %s would never run",
				    i, k, expr, s[i].id);
				tz_free(z);
				return -1;
			}
		}
		tz_free(z);
		if (check_workflow(c, i, cause) != 0)
			return -1;
	}
	return 0;
}

/* Remote listeners carry a token in every request: only over TLS, unless
 * the operator says otherwise. */
static int
check_listen(const struct config *c, char **cause)
{
	int i;

	for (i = 0; i < c->listen.n; i++) {
		const char *url = ((char **)c->listen.v)[i];

		if (strncmp(url, "tls+tcp://", 10) == 0) {
			if (c->tls.cert == NULL) {
				xasprintf(cause,
				          "listen[%d]: %s needs \"tls\": "
				          "{\"cert\": ..., \"key\": ...}",
				          i, url);
				return -1;
			}
		} else if (strncmp(url, "tcp://", 6) == 0) {
			if (!c->insecure) {
				xasprintf(
				    cause,
				    "listen[%d]: %s would carry the token "
				    "in the clear; use tls+tcp:// or set "
				    "\"insecure\": true",
				    i, url);
				return -1;
			}
		} else {
			xasprintf(cause,
			          "listen[%d]: \"%s\" is not a "
			          "tls+tcp:// or tcp:// address",
			          i, url);
			return -1;
		}
	}
	if (c->listen.n > 0 && c->token_env == NULL) {
		xasprintf(cause, "listen: needs \"token_env\", the environment "
		                 "variable holding the token clients send");
		return -1;
	}
	return 0;
}

int
config_check(const struct config *c, char **cause)
{
	if (check_listen(c, cause) != 0 || check_schedules(c, cause) != 0 ||
	    check_brands(c, cause) != 0 || check_photos(c, cause) != 0 ||
	    check_meta(c, cause) != 0 || check_anthropic(c, cause) != 0 ||
	    check_langfuse(c, cause) != 0)
		return -1;
	return 0;
}
