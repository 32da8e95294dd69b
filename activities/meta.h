/*
 * meta: calls to Meta's Graph API (Facebook Pages, Instagram), shared by
 * the two publishers. One place reads the brand's Meta settings and token,
 * makes the call, and turns Graph's answer into the engine's error
 * classes (api-notes §2):
 *   throttling (4, 17, 32, 613, 341, 80000-80014), quota (9), 1, 2 and
 *     errors marked is_transient: retry, after Retry-After or the
 *     business-use-case estimate when Meta gives one;
 *   190, 102 (token invalid or expired), 10 and 200-299 (permissions):
 *     fail and pause the brand's schedules;
 *   506 and subcode 1366051 (duplicate): the post may exist, check;
 *   a publishing call whose answer is lost (timeout, 5xx, garbage after
 *     it went out): unknown, check;
 *   anything else: fail, with Graph's own message.
 * The error kept on the step reads
 *   "graph 400 code 190/463 OAuthException: <message> (fbtrace_id X)".
 * The token travels in the Authorization header only; nothing here logs.
 * Worker threads.
 */
#ifndef HERALD_META_H
#define HERALD_META_H

#include "activities/activity.h"

/* A file sent as one multipart part (Facebook's "source" upload). */
struct meta_file {
	const char          *field;
	const char          *filename;
	const char          *type; /* "image/jpeg" */
	const unsigned char *data;
	size_t               len;
};

struct meta_call {
	const char             *method; /* "GET" or "POST" */
	const char             *path;   /* after the version: "1234/photos" */
	const char *const      *params; /* name/value pairs, as http_form */
	int                     nparams;
	const struct meta_file *file; /* POST as multipart, or NULL */
	int publishes; /* the call may publish: a lost answer is unknown */
};

/* Makes the call. Returns the answer's JSON object, or NULL with out set
 * (status, error, retry_after_ms, pause_brand). */
cJSON *meta_request(const struct act_call *, const struct meta_call *,
                    struct act_out *out);

/* The brand's publish setting at key ("page_id", "instagram_user_id"),
 * or NULL. */
const char *meta_setting(const struct act_call *, const char *key);

/* A meta.* setting as a number, or def. */
double meta_number(const struct act_call *, const char *key, double def);

/* The item of a Graph list answer ({"data": [...]}) whose field equals
 * value exactly, or NULL: how a post is found again by its caption. */
const cJSON *meta_find(const cJSON *answer, const char *field,
                       const char *value);

/* Sets out to the final error text and returns; for callers that found a
 * problem themselves (an answer without the id it must have). */
void meta_fail(struct act_out *out, enum act_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
