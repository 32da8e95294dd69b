/*
 * meta_instagram: the brand's Instagram post, in three calls spread over
 * several step calls (api-notes §2):
 *
 *   1. POST {ig-user}/media (image_url, caption) -> a container. Nothing
 *      is public yet, so any failure here is safe to retry. The container
 *      id is kept as the step's progress and the step waits (ACT_WAIT):
 *      Instagram fetches and processes the photo meanwhile, and the id is
 *      durable before anything could be published with it.
 *   2. GET {container}?fields=status_code,status, once per call, until
 *      FINISHED (at most meta.poll_max calls, meta.poll_interval apart;
 *      the waits are the engine's durable timers, not a sleeping worker).
 *      ERROR or EXPIRED: the container is dropped and the step retried.
 *   3. The quota (content_publishing_limit) is read, then
 *      POST {ig-user}/media_publish (creation_id) -> the media id, then
 *      its permalink (best effort).
 *
 * The check, after a lost answer or a crash, asks the container: PUBLISHED
 * means the post is out (its media is found by caption among the
 * account's latest); FINISHED or IN_PROGRESS means it is not, and the
 * retry publishes the same container; no container means nothing could
 * have gone out. A status read that fails for a passing reason is read
 * again within the check (meta_check_again) before it says it cannot
 * tell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/meta.h"
#include "activities/meta_instagram.h"
#include "activities/photo.h"
#include "common/util.h"

#define POLL_INTERVAL_MS 10000
#define POLL_MAX         90
/* A full quota is looked at again this often. */
#define QUOTA_RECHECK_MS (15 * 60 * 1000)

static cJSON *
get(const struct act_call *c, const char *path, const char *fields,
    struct act_out *out)
{
	const char      *params[] = { "fields", fields };
	struct meta_call mc = {
		.method = "GET", .path = path, .params = params, .nparams = 1
	};

	return meta_request(c, &mc, out);
}

static char *
permalink(const struct act_call *c, const char *media_id)
{
	struct act_out o;
	cJSON         *a;
	char          *link;

	memset(&o, 0, sizeof o);
	a = get(c, media_id, "permalink", &o);
	free(o.error);
	link =
	    xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(a, "permalink")));
	cJSON_Delete(a);
	return link;
}

static const char *
container_of(const struct act_call *c)
{
	return cJSON_GetStringValue(
	    cJSON_GetObjectItem(c->progress, "container_id"));
}

static int
polls_of(const struct act_call *c)
{
	double n =
	    cJSON_GetNumberValue(cJSON_GetObjectItem(c->progress, "polls"));

	return n == n && n > 0 ? (int)n : 0;
}

/* Graph ids are digits; anything else is not used in a path. */
static int
valid_id(const char *s)
{
	size_t n = s != NULL ? strspn(s, "0123456789") : 0;

	return n > 0 && n < 64 && s[n] == '\0';
}

static void
keep(struct act_out *out, const char *container, int polls)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "container_id", container);
	cJSON_AddNumberToObject(p, "polls", polls);
	free(out->progress);
	out->progress = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
}

/* Calls again in delay ms, keeping the container. */
static void
wait_for(struct act_out *out, const char *container, int polls, int64_t delay,
         char *why)
{
	keep(out, container, polls);
	out->status = ACT_WAIT;
	out->retry_after_ms = delay;
	free(out->error);
	out->error = why;
}

static void
wait_again(const struct act_call *c, struct act_out *out, const char *container,
           int polls, const char *state)
{
	char *why;

	xasprintf(&why, "Instagram container %s is %s (check %d of %d)",
	          container, state, polls,
	          (int)meta_number(c, "poll_max", POLL_MAX));
	wait_for(out, container, polls,
	         (int64_t)meta_number(c, "poll_interval_ms", POLL_INTERVAL_MS),
	         why);
}

static void
create_container(const struct act_call *c, struct act_out *out)
{
	const char      *user = meta_setting(c, "instagram_user_id");
	const char      *caption = act_caption(c);
	const char      *params[4];
	char             path[160], *url = NULL;
	struct meta_call mc = { .method = "POST" };
	const char      *id;
	cJSON           *a;

	if (caption == NULL) {
		meta_fail(out, ACT_FAIL, "no caption to publish");
		return;
	}
	if (photo_url(c, CH_INSTAGRAM, &url, out) != 0)
		return;
	snprintf(path, sizeof path, "%s/media", user);
	params[0] = "image_url";
	params[1] = url;
	params[2] = "caption";
	params[3] = caption;
	mc.path = path;
	mc.params = params;
	mc.nparams = 2;
	/* Not a publish: a container nobody publishes expires unseen. */
	a = meta_request(c, &mc, out);
	explicit_bzero(url, strlen(url));
	free(url);
	if (a == NULL) {
		if (out->status == ACT_UNKNOWN)
			out->status = ACT_RETRY;
		return;
	}
	if (!valid_id(id = cJSON_GetStringValue(cJSON_GetObjectItem(a, "id"))))
		meta_fail(out, ACT_RETRY,
		          "graph: the answer to the container has no valid id");
	else
		wait_again(c, out, id, 0, "created");
	cJSON_Delete(a);
}

/* Is there room in the 24-hour publishing quota? 0 yes; -1 with out set
 * (a wait, or the error reading it). A full quota is waited out with the
 * container kept (it lives 24 h), using no attempt. */
static int
quota_ok(const struct act_call *c, struct act_out *out, const char *container,
         int polls)
{
	const char  *user = meta_setting(c, "instagram_user_id");
	char         path[160];
	cJSON       *a;
	const cJSON *d;
	double       used, total;

	snprintf(path, sizeof path, "%s/content_publishing_limit", user);
	if ((a = get(c, path, "quota_usage,config", out)) == NULL)
		return -1;
	d = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "data"), 0);
	used = cJSON_GetNumberValue(cJSON_GetObjectItem(d, "quota_usage"));
	total = cJSON_GetNumberValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(d, "config"), "quota_total"));
	cJSON_Delete(a);
	if (used != used || total != total) {
		meta_fail(out, ACT_RETRY,
		          "graph: content_publishing_limit has no quota_usage "
		          "or quota_total");
		return -1;
	}
	if (used >= total) {
		char *why;

		xasprintf(&why,
		          "Instagram publishing quota used up (%.0f of %.0f in "
		          "24 h); container %s is kept",
		          used, total, container);
		wait_for(out, container, polls, QUOTA_RECHECK_MS, why);
		return -1;
	}
	return 0;
}

static void
publish(const struct act_call *c, struct act_out *out, const char *container,
        int polls)
{
	const char      *user = meta_setting(c, "instagram_user_id");
	const char      *params[] = { "creation_id", container };
	char             path[160], *link;
	struct meta_call mc = {
		.method = "POST", .params = params, .nparams = 1, .publishes = 1
	};
	const char *id;
	cJSON      *a;

	if (quota_ok(c, out, container, polls) != 0)
		return;
	snprintf(path, sizeof path, "%s/media_publish", user);
	mc.path = path;
	if ((a = meta_request(c, &mc, out)) == NULL) {
		if (mc.code == 9) {
			/* The quota filled meanwhile: refused, not posted. */
			char *why;

			xasprintf(&why, "%s; container %s is kept", out->error,
			          container);
			wait_for(out, container, polls, QUOTA_RECHECK_MS, why);
		}
		return;
	}
	if ((id = cJSON_GetStringValue(cJSON_GetObjectItem(a, "id"))) == NULL) {
		meta_fail(out, ACT_UNKNOWN,
		          "graph: the answer to media_publish has no id");
		cJSON_Delete(a);
		return;
	}
	link = permalink(c, id);
	meta_result(out, "instagram", id, link, "container_id", container, 0);
	free(link);
	cJSON_Delete(a);
}

/* The media a published container became: found by caption among the
 * account's latest posts (the container does not name it). */
static void
published(const struct act_call *c, struct act_out *out, const char *container)
{
	const char    *user = meta_setting(c, "instagram_user_id");
	const char    *caption = act_caption(c);
	char           path[160];
	struct act_out o;
	const cJSON   *it;
	cJSON         *a;

	snprintf(path, sizeof path, "%s/media", user);
	memset(&o, 0, sizeof o);
	a = get(c, path, "id,caption,permalink,timestamp", &o);
	free(o.error);
	if ((it = meta_find(a, "caption", caption)) != NULL) {
		meta_result(
		    out, "instagram",
		    cJSON_GetObjectItem(it, "id")->valuestring,
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "permalink")),
		    "container_id", container, 1);
		cJSON_Delete(a);
		return;
	}
	cJSON_Delete(a);
	/* Out for sure; which media it is, the listing did not say. */
	meta_result(out, "instagram", NULL, NULL, "container_id", container, 1);
}

/* The container's status_code, and its status text in *detail, or NULL
 * with out set when Instagram could not be asked. */
static char *
status_of(const struct act_call *c, const char *container, char **detail,
          struct act_out *out)
{
	cJSON *a = get(c, container, "status_code,status", out);
	char  *code;

	*detail = NULL;
	if (a == NULL)
		return NULL;
	code = xstrdup(
	    cJSON_GetStringValue(cJSON_GetObjectItem(a, "status_code")));
	*detail =
	    xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(a, "status")));
	cJSON_Delete(a);
	if (code == NULL)
		meta_fail(out, ACT_RETRY,
		          "graph: container %s has no status_code", container);
	return code;
}

/* A container that will never publish: forgotten (the retry makes a new
 * one). The text says what the container is, not what comes next. */
static void
drop(struct act_out *out, const char *container, const char *why,
     const char *detail)
{
	meta_fail(out, ACT_RETRY, "Instagram container %s %s%s%s", container,
	          why, detail ? ": " : "", detail ? detail : "");
	free(out->progress);
	out->progress = xstrdup("null");
}

void
meta_instagram_publish(const struct act_call *c, struct act_out *out)
{
	const char *container = container_of(c);
	int         polls = polls_of(c) + 1;
	char       *code, *detail;

	if (meta_skipped(c, out, "instagram", "instagram_user_id"))
		return;
	if (container != NULL && !valid_id(container))
		container = NULL; /* not one Graph made: start again */
	if (container == NULL) {
		create_container(c, out);
		return;
	}
	if ((code = status_of(c, container, &detail, out)) == NULL)
		goto done;
	if (strcmp(code, "FINISHED") == 0)
		publish(c, out, container, polls);
	else if (strcmp(code, "PUBLISHED") == 0)
		published(c, out, container);
	else if (strcmp(code, "IN_PROGRESS") == 0) {
		if (polls >= (int)meta_number(c, "poll_max", POLL_MAX))
			drop(out, container,
			     "is still IN_PROGRESS after the last check", NULL);
		else
			wait_again(c, out, container, polls, "IN_PROGRESS");
	} else if (strcmp(code, "ERROR") == 0)
		drop(out, container, "failed (ERROR)", detail);
	else if (strcmp(code, "EXPIRED") == 0)
		drop(out, container, "expired unpublished", detail);
	else
		drop(out, container, "has an unknown status_code", code);
done:
	free(code);
	free(detail);
}

void
meta_instagram_check(const struct act_call *c, struct act_out *out)
{
	const char *container = container_of(c);
	char       *code, *detail, what[160];
	int         n;

	if (meta_skipped(c, out, "instagram", "instagram_user_id"))
		return;
	if (container == NULL || !valid_id(container)) {
		meta_fail(out, ACT_RETRY,
		          "no Instagram container was made: nothing went out");
		return;
	}
	snprintf(what, sizeof what,
	         "could not read the status of Instagram container %s",
	         container);
	for (n = 1; (code = status_of(c, container, &detail, out)) == NULL;
	     n++) {
		free(detail);
		if (!meta_check_again(c, out, n, what))
			return; /* could not ask: cannot tell */
	}
	if (strcmp(code, "PUBLISHED") == 0)
		published(c, out, container);
	else if (strcmp(code, "ERROR") == 0 || strcmp(code, "EXPIRED") == 0) {
		snprintf(what, sizeof what, "is %s, never published", code);
		drop(out, container, what, detail);
	} else
		meta_fail(out, ACT_RETRY,
		          "Instagram container %s is %s, not PUBLISHED: it did "
		          "not go out",
		          container, code);
	free(code);
	free(detail);
}
