/*
 * activity: the contract between the engine and the code that does a
 * step's work. An activity runs on a worker thread, gets everything it needs
 * in struct act_call, never touches the store, and says in struct act_out
 * whether it worked and, if not, whether trying again could help. The
 * engine applies the retry policy: activities do not loop.
 */
#ifndef HERALD_ACTIVITY_H
#define HERALD_ACTIVITY_H

#include <stdatomic.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "common/redact.h"

struct http;

/* Instagram's limit on a caption, in characters (code points). */
#define ACT_CAPTION_MAX 2200

enum act_status {
	ACT_OK,      /* done; result holds its JSON */
	ACT_RETRY,   /* failed; another attempt may work (network, 5xx, 429) */
	ACT_FAIL,    /* failed for good (bad input, credentials, config) */
	ACT_UNKNOWN, /* a side effect may or may not have happened */
	ACT_WAIT,    /* not done yet, nothing failed: call again after
	                retry_after_ms (an Instagram container still being
	                processed); uses no attempt of the retry budget */
};

struct act_call {
	const char *exec_id;
	const char *step;
	int         attempt;        /* 1 for the first */
	int         check;          /* 1: find out whether an earlier attempt
	                               took effect, instead of acting */
	const cJSON *input;         /* the execution's input */
	const cJSON *deps;          /* {"<dep step>": result, ...} */
	const cJSON *settings;      /* {"state_dir", "brand": {...}} */
	const cJSON *taken;         /* step_def.claims: the keys other runs
	                               hold (array of strings), else NULL */
	const cJSON *aside;         /* step_def.claims: the keys set aside
	                               in the brand, {"<key>": "<identity
	                               it had>"}, else NULL */
	const cJSON *progress;      /* what an earlier call of this step kept
	                               (act_out.progress), else NULL */
	int64_t created_at;         /* wall clock ms the execution began */
	int64_t prev_started_at;    /* a check: when the attempt it checks
	                               began (wall clock ms), else 0 */
	int64_t           deadline; /* wall clock ms: give up by then */
	const atomic_int *cancel;   /* non-zero: stop as soon as possible */
	struct http      *http;     /* this worker's HTTP handle (http.h) */
};

/* A result (ACT_OK) may ask the engine, which alone writes the store, to
 * record things in the same transaction as the step's completion:
 *   "_claim": {"kind": "photo", "key": "..."}   reserve a key for this run
 *                  (in the run's brand); if another run holds it, the step
 *                  is called again at once, using no attempt, with that
 *                  key among the taken;
 *   "_variants": [{"channel", "location"}]   variants made for the run's
 *                  photo (removed by retention later);
 *   "_publications": [{"channel", "post_id", "permalink", "caption",
 *                  "photo_key", "model", "input_tokens", "output_tokens",
 *                  "cost_usd"}]                  report what went out. */
struct act_out {
	enum act_status status;
	char           *result; /* ACT_OK: JSON text (malloc'd) */
	char           *error;  /* otherwise: what went wrong (for
	                           ACT_WAIT: what it waits for) */
	int64_t retry_after_ms; /* ACT_RETRY: wait at least this;
	                           ACT_WAIT: call again after this */
	/* JSON text the step keeps for its next calls, whatever the status
	 * (malloc'd; NULL: keep what it had; "null": forget it). Whatever an
	 * ACT_WAIT needs to resume goes here, and is durable before the next
	 * call: a publish that needs an id made earlier can rely on it. */
	char *progress;
	/* Not ACT_OK: what the attempt cost all the same (a billed model call
	 * whose answer was refused or unusable), as JSON {"model",
	 * "input_tokens", "output_tokens", "cost_usd", ...}; NULL: nothing. */
	char *usage;
	/* ACT_FAIL, or ACT_UNKNOWN (a check that could not tell because of
	 * it): the brand's credentials are invalid or lack a permission:
	 * the engine pauses the brand's schedules with the error as the note,
	 * so the next fires do not fail the same way. */
	int pause_brand;
	/* Photos found unusable, whatever the status, as a JSON array of
	 * {"key", "identity", "reason"}: the engine sets them aside in the
	 * brand until their identity changes (NULL: none). */
	char *aside;
};

typedef void (*activity_fn)(const struct act_call *, struct act_out *);

/* Every text an activity hands back, with the registered secrets replaced
 * (common/redact.h): the engine calls this on the worker as soon as the
 * activity returns, so what an outside API echoed reaches neither the
 * store nor the events, the traces or the log. JSON stays JSON. */
static inline void
act_out_redact(struct act_out *out)
{
	redact_str(&out->error);
	redact_json(&out->result);
	redact_json(&out->usage);
	redact_json(&out->progress);
	redact_json(&out->aside);
}

/* The string at key in the result of dependency step, or NULL. */
static inline const char *
act_dep_str(const struct act_call *c, const char *step, const char *key)
{
	return cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c->deps, step), key));
}

/* The caption to publish: the one that passed the approval gate (an
 * operator may have edited it), else the generated one. */
static inline const char *
act_caption(const struct act_call *c)
{
	const char *s = act_dep_str(c, "approve_caption", "caption");

	return s != NULL ? s : act_dep_str(c, "generate_caption", "caption");
}

#endif
