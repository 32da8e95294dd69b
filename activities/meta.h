/*
 * meta: calls to Meta's Graph API (Facebook Pages, Instagram), shared by
 * the two publishers. One place reads the brand's Meta settings and token,
 * makes the call, and turns Graph's answer into the engine's error
 * classes (api-notes §2):
 *   throttling (4, 17, 32, 613, 341, 80000-80014): retry, after
 *     Retry-After or the business-use-case estimate when Meta gives one,
 *     else meta.throttle_wait (five times that for page and business
 *     limits); the publishing quota (9) and a temporary block (368): retry
 *     in an hour;
 *   190, 102 (token invalid or expired), 10 and 200-299 (permissions):
 *     fail and pause the brand's schedules;
 *   from a call that publishes: a duplicate (506, subcode 1366051), a
 *     media builder gone or not ready (24, 9007), Meta's own trouble (1, 2,
 *     5xx), a lost answer (timeout, garbage after it went out): unknown,
 *     the step's check finds out;
 *   otherwise 1, 2, 9004 (Instagram's media fetch failed), 324 (Facebook's
 *     photo fetch or upload failed), is_transient and 5xx: retry;
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
	const char          *type; /* "image/jpeg" or "image/png" */
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
	int code;      /* out: Graph's error code, 0 when none */
};

/* Makes the call. Returns the answer's JSON object, or NULL with out set
 * (status, error, retry_after_ms, pause_brand) and mc->code. */
cJSON *meta_request(const struct act_call *, struct meta_call *,
                    struct act_out *out);

struct http_resp;

/* Graph's answer to mc (a response that arrived), as meta_request
 * classifies it: the answer's JSON object (caller frees) when it is a 2xx
 * without an error, else NULL with out set (status, error,
 * retry_after_ms, pause_brand) and mc->code. Secrets Graph may quote are
 * redacted (common/redact.h); throttle_wait_ms stands for
 * meta.throttle_wait. Pure: the Graph fuzz target calls it with whatever
 * bytes it likes. */
cJSON *meta_answer(const struct http_resp *, struct meta_call *mc,
                   int64_t throttle_wait_ms, struct act_out *out);

/* What Graph said, for meta_class. */
struct meta_error {
	long    http_status;
	int     code, subcode, transient;
	int64_t wait_hint_ms;     /* Retry-After or the business-use-case
	                             estimate, else 0 */
	int64_t throttle_wait_ms; /* meta.throttle_wait */
};

/* The class of a Graph error (the table in meta.c's comment), the wait
 * before another attempt, and whether the brand must be paused. Pure. */
enum act_status meta_class(const struct meta_error *, int publishes,
                           int64_t *wait, int *pause);

/* The brand's publish setting at key ("page_id", "instagram_user_id"),
 * or NULL. */
const char *meta_setting(const struct act_call *, const char *key);

/* A meta.* setting as a number, or def. */
double meta_number(const struct act_call *, const char *key, double def);

/* The item of a Graph list answer ({"data": [...]}) whose field equals
 * value exactly, or NULL: how a post is found again by its caption. */
const cJSON *meta_find(const cJSON *answer, const char *field,
                       const char *value);

/* out = ACT_OK with a publish step's result: {"channel", "publisher":
 * "meta", "post_id" (or null), "permalink" (or null), key: value when key
 * is not NULL, "found_by_check": true when found}. */
void meta_result(struct act_out *, const char *channel, const char *post_id,
                 const char *permalink, const char *key, const char *value,
                 int found);

/* A brand without the setting naming its account on channel skips the
 * channel: out = ACT_OK {"channel", "skipped"} and 1; else 0. */
int meta_skipped(const struct act_call *, struct act_out *, const char *channel,
                 const char *setting);

/* Sleeps ms, waking early for the step's cancel or deadline: 0, or -1
 * when it had to stop. */
int meta_sleep(const struct act_call *, int64_t ms);

/* How many reads a check makes of one thing (the Page's posts, a
 * container's status) before it gives up on transient failures. */
#define META_CHECK_READS 6

/* For a check (act_call.check), after read n (1 for the first) failed with
 * out as meta_request left it. A transient failure (ACT_RETRY: network,
 * 5xx, 429, throttling) with reads left is read again: this sleeps
 * meta.check_retry_ms doubled n - 1 times (at most 30 s), or the wait
 * Meta asked for when longer, clears out and returns 1. It returns 0 with
 * out = ACT_UNKNOWN and the error "<what>: <why it stopped, the last
 * failure>" when the failure is permanent (a token, a permission: at
 * once), the reads are used up, the wait would end past c->deadline, or
 * the step is cancelled. */
int meta_check_again(const struct act_call *c, struct act_out *out, int n,
                     const char *what);

/* Sets out to the final error text and returns; for callers that found a
 * problem themselves (an answer without the id it must have). */
void meta_fail(struct act_out *out, enum act_status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
