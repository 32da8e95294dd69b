/*
 * proto: the method table and the request decoder. Decoding distrusts the
 * wire: size, UTF-8, JSON shape (no duplicate keys, no NUL in a string),
 * version, method and every parameter are checked here, and any problem
 * becomes an error reply naming it.
 */
#include <ctype.h>
#include <math.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"
#include "ipc/proto.h"

#define ID_MAX 128
#define PRINTABLE                                                              \
	"!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"   \
	"abcdefghijklmnopqrstuvwxyz{|}~"
#define TEXT_MAX 4096
#define END                                                                    \
	{                                                                      \
		NULL, 0, 0, 0, 0, 0, NULL, NULL                                \
	}

static const char *const err_codes[] = {
	[E_BAD_REQUEST] = "bad_request",
	[E_NOT_FOUND] = "not_found",
	[E_ALREADY_EXISTS] = "already_exists",
	[E_INVALID_STATE] = "invalid_state",
	[E_UNAUTHORIZED] = "unauthorized",
	[E_TOO_LARGE] = "too_large",
	[E_UNAVAILABLE] = "unavailable",
	[E_INTERNAL] = "internal",
};

static const char *const statuses[] = {
	"running", "waiting_approval", "in_doubt", "completed",
	"failed",  "cancelled",        "rejected", NULL,
};
static const char *const outcomes[] = { "done", "retry", NULL };

static const struct param no_params[] = { END };

static const struct param start_params[] = {
	{ "type", P_ID, 1, 0, 0, 0, NULL, "workflow type" },
	{ "input", P_JSON, 0, 0, 0, 0, NULL, "input (JSON)" },
	{ "id", P_ID, 0, 0, 0, 0, NULL, "execution id (default: generated)" },
	END,
};

static const struct param list_params[] = {
	{ "status", P_ENUM, 0, 0, 0, 0, statuses, "only this status" },
	{ "type", P_ID, 0, 0, 0, 0, NULL, "only this workflow type" },
	{ "brand", P_ID, 0, 0, 0, 0, NULL, "only this brand" },
	{ "limit", P_INT, 0, 0, 1, 1000, NULL, "at most N (default 50)" },
	{ "after", P_INT, 0, 0, 1, INT64_MAX, NULL,
	  "cursor: the page below, from a \"next\"" },
	{ "before", P_INT, 0, 0, 0, INT64_MAX, NULL,
	  "cursor: the page above, from a \"prev\"; 0: the oldest page" },
	{ "match", P_STRING, 0, 128, 0, 0, NULL,
	  "only ids, types or brands containing this text (any case)" },
	END,
};

static const struct param id_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	END,
};

static const struct param show_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	{ "after", P_INT, 0, 0, 0, INT64_MAX, NULL, "events after this seq" },
	{ "limit", P_INT, 0, 0, 1, 10000, NULL, "at most N (default 1000)" },
	END,
};

static const struct param cancel_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	{ "reason", P_STRING, 0, TEXT_MAX, 0, 0, NULL, "why, for the history" },
	END,
};

static const char *const topics[] = { "execution", "step",   "schedule",
	                              "approval",  "daemon", "photo",
	                              NULL };

static const struct param since_params[] = {
	{ "seq", P_INT, 1, 0, 0, INT64_MAX, NULL, "events after this seq" },
	{ "limit", P_INT, 0, 0, 1, 1000, NULL, "at most N (default 500)" },
	{ "topic", P_ENUM, 0, 0, 0, 0, topics, "only this topic" },
	END,
};

static const char *const overlaps[] = { "skip", "buffer_one", "allow_all",
	                                NULL };

static const struct param sched_id_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "schedule id" },
	END,
};

static const struct param sched_note_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "schedule id" },
	{ "note", P_STRING, 0, TEXT_MAX, 0, 0, NULL, "why, shown with it" },
	END,
};

static const struct param sched_create_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "schedule id (names its runs)" },
	{ "workflow", P_ID, 1, 0, 0, 0, NULL, "workflow type to start" },
	{ "input", P_JSON, 0, 0, 0, 0, NULL, "input of each run (JSON)" },
	{ "cron", P_STRINGS, 1, 128, 0, 0, NULL,
	  "cron expressions (5 fields or @daily...)" },
	{ "timezone", P_STRING, 0, 64, 0, 0, NULL,
	  "IANA time zone (default UTC)" },
	{ "overlap", P_ENUM, 0, 0, 0, 0, overlaps,
	  "when a run is still open (default skip)" },
	{ "catchup", P_STRING, 0, 32, 0, 0, NULL,
	  "how far back missed fires still run, e.g. 1h (default)" },
	{ "jitter", P_STRING, 0, 32, 0, 0, NULL,
	  "start up to this much after each fire, e.g. 30s" },
	{ "paused", P_BOOL, 0, 0, 0, 0, NULL, "create it paused" },
	{ "note", P_STRING, 0, TEXT_MAX, 0, 0, NULL, "a note shown with it" },
	END,
};

static const struct param pub_params[] = {
	{ "brand", P_ID, 0, 0, 0, 0, NULL, "only this brand" },
	{ "limit", P_INT, 0, 0, 1, 1000, NULL, "at most N (default 50)" },
	END,
};

static const struct param resolve_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	{ "step", P_ID, 1, 0, 0, 0, NULL, "the in_doubt step" },
	{ "outcome", P_ENUM, 1, 0, 0, 0, outcomes,
	  "done: it took effect; retry: run it again" },
	END,
};

static const struct param approval_list_params[] = {
	{ "brand", P_ID, 0, 0, 0, 0, NULL, "only this brand" },
	END,
};

static const struct param approve_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	{ "caption", P_STRING, 0, 16384, 0, 0, NULL,
	  "publish this caption instead (an edit; at most 2,200 characters)" },
	{ "by", P_STRING, 0, 128, 0, 0, NULL, "who decides, for the history" },
	{ "round", P_INT, 0, 0, 1, 1000000, NULL,
	  "the round approval.list showed: refused if the caption changed" },
	END,
};

static const struct param reject_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	{ "reason", P_STRING, 0, TEXT_MAX, 0, 0, NULL, "why, for the history" },
	{ "by", P_STRING, 0, 128, 0, 0, NULL, "who decides, for the history" },
	{ "round", P_INT, 0, 0, 1, 1000000, NULL,
	  "the round approval.list showed: refused if the caption changed" },
	END,
};

static const struct param regenerate_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	{ "hint", P_STRING, 0, TEXT_MAX, 0, 0, NULL,
	  "what the new caption should do differently" },
	{ "by", P_STRING, 0, 128, 0, 0, NULL, "who decides, for the history" },
	{ "round", P_INT, 0, 0, 1, 1000000, NULL,
	  "the round approval.list showed: refused if the caption changed" },
	END,
};

static const char *const photo_states[] = { "unused", "reserved", "used",
	                                    "set_aside", NULL };
static const char *const photo_channel_names[] = { "instagram", "facebook",
	                                           "claude", NULL };

static const struct param photo_list_params[] = {
	{ "brand", P_ID, 1, 0, 0, 0, NULL, "the brand whose pool to list" },
	{ "state", P_ENUM, 0, 0, 0, 0, photo_states,
	  "only photos in this state" },
	END,
};

static const struct param photo_check_params[] = {
	{ "brand", P_ID, 1, 0, 0, 0, NULL, "the brand whose pool to check" },
	{ "apply", P_BOOL, 0, 0, 0, 0, NULL,
	  "set aside what cannot be used, and give back to the pool what "
	  "can" },
	END,
};

static const struct param photo_preview_params[] = {
	{ "id", P_ID, 1, 0, 0, 0, NULL, "execution id" },
	{ "channel", P_ENUM, 0, 0, 0, 0, photo_channel_names,
	  "whose variant (default instagram)" },
	{ "width", P_INT, 0, 0, 16, 2048, NULL,
	  "fits this many pixels wide (default 640)" },
	{ "height", P_INT, 0, 0, 16, 2048, NULL,
	  "fits this many pixels high (default 640)" },
	END,
};

static const struct param photo_mark_params[] = {
	{ "brand", P_ID, 1, 0, 0, 0, NULL, "the brand whose photos these are" },
	{ "keys", P_STRINGS, 1, 1024, 0, 1000, NULL,
	  "the photos' keys (file names, or S3 keys with the prefix), at "
	  "most 1,000 a request" },
	{ "by", P_STRING, 0, 128, 0, 0, NULL, "who did it, for the history" },
	END,
};

const struct method proto_methods[M_COUNT] = {
	{ M_STATUS, "status", no_params, M_READONLY,
	  "the daemon's version, uptime, executions by status, model spend "
	  "and trace export",
	  "`{version, pid, state_dir, started_at, uptime_s, workers, "
	  "engine: {open_executions, running_steps, commits, last_seq}, "
	  "executions: {<status>: count}, spend: {day, month, brands: "
	  "{<brand>: {today_usd, today_calls, month_usd, month_calls, "
	  "month_input_tokens, month_output_tokens}}}, langfuse: {enabled, "
	  "outbox, exported, rejected, dropped, failures, last_error, "
	  "retry_at}}`; spend counts every Claude call of the UTC day and "
	  "month (a run without a brand under \"\"); langfuse is "
	  "`{enabled: false}` when export is off, else the spans waiting, "
	  "taken, refused (4xx) and dropped (outbox full), failed requests "
	  "in a row, the last error and the next retry",
	  "internal" },
	{ M_WORKFLOW_START, "workflow.start", start_params, M_MUTATES,
	  "start an execution; replies with its id",
	  "`{id}`, once the execution is stored",
	  "bad_request (unknown type, bad input), already_exists" },
	{ M_WORKFLOW_EXECUTE, "workflow.execute", start_params, M_MUTATES,
	  "start an execution and reply when it has closed, or waits for "
	  "an operator to resolve a step in doubt",
	  "`{id, status, error}` when the execution has closed (or is "
	  "in_doubt)",
	  "as workflow.start" },
	{ M_WORKFLOW_LIST, "workflow.list", list_params, M_READONLY,
	  "executions, newest first, a page at a time",
	  "`{executions: [{id, type, brand, status, created_at, closed_at, "
	  "error, schedule, cursor, step, retries, in_doubt}], next, prev, "
	  "seq}`; `next` and `prev` are the cursors for `after` and "
	  "`before`, or null at the end; `step` is the step to look at, "
	  "`retries` the attempts beyond each step's first, `seq` the last "
	  "event the page reflects",
	  "bad_request (both after and before), internal" },
	{ M_WORKFLOW_DESCRIBE, "workflow.describe", id_params, M_READONLY,
	  "one execution with its steps",
	  "`{id, type, brand, status, input, created_at, closed_at, error, "
	  "schedule, seq, steps: [{name, status, attempt, attempts_used, "
	  "max_attempts, interrupted, last_error, next_attempt_at, "
	  "started_at, finished_at, result}]}`; `attempts_used` count "
	  "against `max_attempts` (null: unlimited); `interrupted` (only "
	  "when > 0) counts attempts heraldd's own stop or crash cut short, "
	  "which use none; `seq` is the last event it reflects",
	  "not_found" },
	{ M_WORKFLOW_SHOW, "workflow.show", show_params, M_READONLY,
	  "the history of one execution",
	  "`{events: [{seq, at, type, step, attempt, data}]}`", "not_found" },
	{ M_WORKFLOW_CANCEL, "workflow.cancel", cancel_params, M_MUTATES,
	  "cancel a running execution", "`{id, status}`",
	  "not_found, invalid_state (not running)" },
	{ M_WORKFLOW_RETRY, "workflow.retry", id_params, M_MUTATES,
	  "re-run a failed or cancelled execution from where it stopped",
	  "`{id, status}`",
	  "not_found, invalid_state (not failed or cancelled)" },
	{ M_WORKFLOW_RESOLVE, "workflow.resolve", resolve_params, M_MUTATES,
	  "decide an in_doubt step: done, or retry (in a run of any status)",
	  "`{id, step, status, execution_status}`",
	  "not_found (execution or step), invalid_state (not in_doubt)" },
	{ M_EVENTS_SINCE, "events.since", since_params, M_READONLY,
	  "the events after a seq, oldest first, a page at a time",
	  "`{events: [event], more}`; `more` is true when another page "
	  "follows",
	  "internal" },
	{ M_SCHEDULE_LIST, "schedule.list", no_params, M_READONLY,
	  "every schedule with its next and last fire",
	  "`{schedules: [{id, workflow, input, cron, description, timezone, "
	  "overlap, catchup_ms, jitter_ms, source, paused, note, next_fire, "
	  "last_fire}]}`",
	  "internal" },
	{ M_SCHEDULE_DESCRIBE, "schedule.describe", sched_id_params, M_READONLY,
	  "one schedule: its next 5 fires, its last fires and missed fires",
	  "as in schedule.list, plus `next_fires`, `fires` (newest first: "
	  "`{fire_at, at, outcome, execution, execution_status, detail}`) "
	  "and `missed`",
	  "not_found" },
	{ M_SCHEDULE_CREATE, "schedule.create", sched_create_params, M_MUTATES,
	  "add a schedule at run time", "`{id, next_fire}`",
	  "already_exists, bad_request (a bad expression, zone or input)" },
	{ M_SCHEDULE_PAUSE, "schedule.pause", sched_note_params, M_MUTATES,
	  "stop a schedule firing, with a note saying why",
	  "`{id, paused, note}`", "not_found" },
	{ M_SCHEDULE_UNPAUSE, "schedule.unpause", sched_note_params, M_MUTATES,
	  "let a schedule fire again (fires missed while paused do not run)",
	  "`{id, paused, note, next_fire}`", "not_found" },
	{ M_SCHEDULE_TRIGGER, "schedule.trigger", sched_id_params, M_MUTATES,
	  "fire a schedule now (its overlap policy applies)",
	  "`{id, outcome, execution, detail}`; outcome is started, "
	  "buffered, skipped or failed (detail says why: e.g. a run of "
	  "that second exists already)",
	  "not_found" },
	{ M_SCHEDULE_DELETE, "schedule.delete", sched_id_params, M_MUTATES,
	  "delete a schedule made at run time (one declared in the config "
	  "is refused: remove it from the file and reload, or pause it)",
	  "`{id, deleted}`",
	  "not_found, invalid_state (declared in the config: the message "
	  "names the file)" },
	{ M_PUBLICATION_LIST, "publication.list", pub_params, M_READONLY,
	  "what went out, newest first, per brand and channel",
	  "`{publications: [{execution, brand, channel, post_id, permalink, "
	  "caption, photo_key, model, input_tokens, output_tokens, cost_usd, "
	  "published_at}]}`",
	  "internal" },
	{ M_APPROVAL_LIST, "approval.list", approval_list_params, M_READONLY,
	  "captions waiting for approval, oldest first",
	  "`{approvals: [{execution, brand, caption, photo_key, description, "
	  "round, since, expires_at}]}`; `round` counts the captions shown "
	  "for the run (a regenerate makes a new one)",
	  "internal" },
	{ M_APPROVAL_APPROVE, "approval.approve", approve_params, M_MUTATES,
	  "approve a waiting caption, as it is or edited; the run publishes it",
	  "`{execution, status}`",
	  "not_found, invalid_state (not waiting: the message says what "
	  "became of it), bad_request (an edited caption that is empty, too "
	  "long or not UTF-8)" },
	{ M_APPROVAL_REJECT, "approval.reject", reject_params, M_MUTATES,
	  "reject a waiting caption: the run ends rejected, publishes "
	  "nothing, and its photo goes back to the pool",
	  "`{execution, status}`", "not_found, invalid_state" },
	{ M_APPROVAL_REGENERATE, "approval.regenerate", regenerate_params,
	  M_MUTATES,
	  "write the caption again (with a hint) and wait for approval again",
	  "`{execution, status}`", "not_found, invalid_state" },
	{ M_PHOTO_LIST, "photo.list", photo_list_params, M_READONLY | M_POOL,
	  "a brand's photo pool, each photo with its state",
	  "`{brand, where, counts: {photos, unused, reserved, used, "
	  "set_aside}, photos: [{key, bytes, state, execution, since, "
	  "reason}]}`; state is unused, reserved (a run holds it), used "
	  "(published) or set_aside (`reason` says why; it stays aside until "
	  "its file changes)",
	  "not_found (no such brand), unavailable (the pool cannot be "
	  "listed: the message says why)" },
	{ M_PHOTO_CHECK, "photo.check", photo_check_params, M_MUTATES | M_POOL,
	  "read every photo of a brand's pool (but the used ones) and say "
	  "what each channel would get; sets nothing aside unless apply",
	  "`{brand, where, applied, counts: {photos, checked, usable, "
	  "unusable, unread}, photos: [{key, bytes, state, usable, reason, "
	  "error, format, width, height, orientation, channels: "
	  "{instagram|facebook|claude: {width, height, done}}}]}`; `reason` "
	  "says why a photo cannot be used, `error` why it could not be "
	  "read now (it is not set aside for that)",
	  "not_found (no such brand), unavailable" },
	{ M_PHOTO_PREVIEW, "photo.preview", photo_preview_params,
	  M_READONLY | M_POOL,
	  "a run's photo as a channel gets it, as a small JPEG (at most "
	  "256 KiB): what the console shows",
	  "`{execution, brand, key, channel, format, width, height, bytes, "
	  "data, variant: {width, height, bytes, done}}`; `data` is the "
	  "preview's JPEG in base64, `variant` what the channel is sent",
	  "not_found, invalid_state (no photo picked yet), unavailable" },
	{ M_PHOTO_MARK_USED, "photo.mark_used", photo_mark_params,
	  M_MUTATES | M_POOL,
	  "mark photos used, as if published (moving from another system): "
	  "no run picks them again; a repeat changes nothing",
	  "`{brand, new, known, unknown, held}`: marked now, used already, "
	  "not in the pool now (marked all the same), held by a run now "
	  "(not marked: the run decides)",
	  "not_found (no such brand), unavailable" },
};

const struct event_type proto_event_types[] = {
	{ "daemon_started", "the daemon started (after recovery)",
	  "`{version, pid, open_executions}`" },
	{ "daemon_stopping", "the daemon is stopping",
	  "`{version, pid, open_executions}`" },
	{ "workflow_started", "an execution was created", "its input" },
	{ "workflow_completed", "every step completed", "null" },
	{ "workflow_failed", "a step failed for good", "`{error}`" },
	{ "workflow_in_doubt",
	  "nothing can go on until an operator resolves a step in doubt "
	  "(status in_doubt; a run never closes with a step in doubt)",
	  "`{steps, error}`: the steps in doubt, and the run's error if a "
	  "step also failed" },
	{ "workflow_cancelled", "an operator cancelled it", "`{reason}`" },
	{ "workflow_rejected",
	  "its caption was rejected, or its approval expired into a reject",
	  "`{by, reason}`" },
	{ "approval_requested",
	  "a run waits at the approval gate (status waiting_approval)",
	  "`{caption, photo_key, description, expires_at}`" },
	{ "approval_decided", "an operator (or the timeout) decided",
	  "`{decision, by, ...}`: decision approved (`caption`, and "
	  "`caption_before` when edited), rejected (`reason`), regenerate "
	  "(`hint`, `caption_before`) or expired (`action`: approve or "
	  "reject)" },
	{ "workflow_reset", "an operator retried it",
	  "`{steps}`: the steps run again" },
	{ "step_started", "an attempt was dispatched to a worker",
	  "null, `{check: true}` when it checks an unknown outcome, or "
	  "`{continue: true}` when it resumes after step_waiting" },
	{ "step_completed", "an attempt succeeded", "`{duration_ms}`" },
	{ "step_failed", "an attempt failed",
	  "`{error, next, retry_at, retry_in_ms}` or `{error, next, final: "
	  "true}`: error says what happened, next what heraldd does now" },
	{ "step_interrupted",
	  "heraldd's own stop or crash cut an attempt short; it uses no "
	  "attempt of the retry budget",
	  "`{error, interruptions, next}`: next is running it again, "
	  "checking it (a publish), or giving up after 20" },
	{ "step_timed_out", "an attempt passed its start-to-close timeout",
	  "null (a step_failed or step_in_doubt follows)" },
	{ "step_in_doubt",
	  "a side effect may have happened; an operator decides",
	  "`{error, next}`" },
	{ "step_waiting",
	  "the activity is not done and will be called again (an Instagram "
	  "container being processed); uses no attempt",
	  "`{waiting_for, next_call_at}`" },
	{ "step_resolved", "an operator decided an in_doubt step",
	  "`{outcome}`: done or retry" },
	{ "schedule_created", "a schedule was added (config or API)",
	  "`{schedule, source, next_fire}`" },
	{ "schedule_updated", "its spec changed in the config",
	  "`{schedule, next_fire}`" },
	{ "schedule_deleted", "a schedule was removed", "`{schedule}`" },
	{ "schedule_paused",
	  "an operator paused it, or heraldd did (a brand's token failed)",
	  "`{schedule, note}`" },
	{ "schedule_unpaused", "an operator let it fire again",
	  "`{schedule, note, next_fire}`" },
	{ "schedule_fired",
	  "a fire time came (or a trigger); `execution` is the run it "
	  "started",
	  "`{schedule, fire_at, outcome, detail, trigger}`; outcome: started, "
	  "buffered, skipped, failed" },
	{ "photo_marked_used",
	  "an operator marked photos used (herald photo mark-used)",
	  "`{brand, by, new, known, unknown, held}`" },
	{ "schedule_missed",
	  "fires passed while heraldd was down, outside the "
	  "catch-up window",
	  "`{schedule, count, first, last}`" },
	{ NULL, NULL, NULL },
};

int
proto_event_known(const char *type)
{
	const struct event_type *t;

	for (t = proto_event_types; t->type != NULL; t++)
		if (strcmp(t->type, type) == 0)
			return 1;
	return 0;
}

const struct method *
proto_method(const char *name)
{
	size_t i;

	for (i = 0; i < M_COUNT; i++)
		if (strcmp(proto_methods[i].name, name) == 0)
			return &proto_methods[i];
	return NULL;
}

const char *
proto_err_code(enum proto_err e)
{
	return err_codes[e];
}

static char *
print_free(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s == NULL)
		fatal("cJSON_PrintUnformatted: out of memory");
	cJSON_Delete(o);
	return s;
}

char *
proto_reply_ok(cJSON *result)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "v", PROTO_VERSION);
	cJSON_AddTrueToObject(o, "ok");
	cJSON_AddItemToObject(o, "result",
	                      result != NULL ? result : cJSON_CreateNull());
	return print_free(o);
}

char *
proto_reply_err(enum proto_err e, const char *fmt, ...)
{
	cJSON  *o = cJSON_CreateObject(), *err;
	char   *msg;
	va_list ap;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	cJSON_AddNumberToObject(o, "v", PROTO_VERSION);
	cJSON_AddFalseToObject(o, "ok");
	err = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(err, "code", err_codes[e]);
	cJSON_AddStringToObject(err, "message", msg);
	free(msg);
	return print_free(o);
}

static int
valid_id(const char *s)
{
	size_t n = strlen(s);

	/* A letter or digit first: ids name folders (the outbox), so "."
	 * and ".." and hidden names are out. */
	return n > 0 && n <= ID_MAX && isalnum((unsigned char)s[0]) &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                 "0123456789_.:-") == n;
}

/* Checks one parameter; NULL if fine, else the reason. */
static char *
check_param(const struct param *p, const cJSON *v)
{
	char *why = NULL;
	int   i;

	switch (p->type) {
	case P_STRING:
		if (!cJSON_IsString(v))
			xasprintf(&why, "expected a string");
		else if (strlen(v->valuestring) > p->max_len)
			xasprintf(&why, "longer than %zu bytes", p->max_len);
		break;
	case P_ID:
		if (!cJSON_IsString(v) || !valid_id(v->valuestring))
			xasprintf(&why,
			          "expected a name of 1-%d characters "
			          "from A-Z a-z 0-9 _ . : -, starting with a "
			          "letter or digit",
			          ID_MAX);
		break;
	case P_INT:
		if (!cJSON_IsNumber(v) || isnan(v->valuedouble) ||
		    v->valuedouble != floor(v->valuedouble))
			xasprintf(&why, "expected an integer");
		else if (v->valuedouble < (double)p->min ||
		         v->valuedouble > (double)p->max ||
		         v->valuedouble >= 0x1p63) /* (double)INT64_MAX */
			xasprintf(&why, "out of range %lld..%lld",
			          (long long)p->min, (long long)p->max);
		break;
	case P_BOOL:
		if (!cJSON_IsBool(v))
			xasprintf(&why, "expected true or false");
		break;
	case P_JSON:
		break;
	case P_STRINGS: {
		const cJSON *it;
		int          n = 0;

		int64_t most = p->max > 0 ? p->max : 32;

		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0 ||
		    cJSON_GetArraySize(v) > most) {
			xasprintf(&why, "expected an array of 1-%lld strings",
			          (long long)most);
			break;
		}
		cJSON_ArrayForEach(it, v)
		{
			if (!cJSON_IsString(it) ||
			    strlen(it->valuestring) > p->max_len) {
				xasprintf(&why,
				          "[%d]: expected a string of at most "
				          "%zu bytes",
				          n, p->max_len);
				break;
			}
			n++;
		}
		break;
	}
	case P_ENUM:
		if (cJSON_IsString(v))
			for (i = 0; p->choices[i] != NULL; i++)
				if (strcmp(p->choices[i], v->valuestring) == 0)
					return NULL;
		xasprintf(&why, "expected one of");
		for (i = 0; p->choices[i] != NULL; i++) {
			char *tmp;

			xasprintf(&tmp, "%s%s %s", why, i ? "," : "",
			          p->choices[i]);
			free(why);
			why = tmp;
		}
		break;
	}
	return why;
}

int
proto_decode(const char *buf, size_t len, struct proto_req *req, char **reply)
{
	cJSON               *root = NULL, *v, *params, *it;
	const struct param  *p;
	const struct method *m;
	char                *why = NULL;
	size_t               off = 0;
	int                  rc = -1;

	memset(req, 0, sizeof *req);
	if (len > PROTO_MAX_REQUEST) {
		*reply = proto_reply_err(E_TOO_LARGE,
		                         "request of %zu bytes is over the "
		                         "limit of %d",
		                         len, PROTO_MAX_REQUEST);
		return -1;
	}
	if (!utf8_valid(buf, len) || memchr(buf, '\0', len) != NULL) {
		*reply = proto_reply_err(E_BAD_REQUEST,
		                         "request is not valid UTF-8 text");
		return -1;
	}
	/* Strict: a duplicate key, or a NUL that would cut a string short
	 * ("a\u0000b" read as "a"), is refused, naming its key. */
	root = json_parse_strict(buf, len, NULL, &off, &why);
	if (root == NULL) {
		if (off != JSON_NO_OFFSET)
			*reply = proto_reply_err(E_BAD_REQUEST,
			                         "request is not valid JSON");
		else
			*reply = proto_reply_err(E_BAD_REQUEST, "%s", why);
		free(why);
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		*reply = proto_reply_err(E_BAD_REQUEST,
		                         "request must be a JSON object");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "v");
	if (!cJSON_IsNumber(v) || v->valuedouble != PROTO_VERSION) {
		*reply = proto_reply_err(E_BAD_REQUEST,
		                         "v: unsupported protocol version "
		                         "(this daemon speaks %d)",
		                         PROTO_VERSION);
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "method");
	if (!cJSON_IsString(v)) {
		*reply =
		    proto_reply_err(E_BAD_REQUEST, "method: expected a string");
		goto out;
	}
	if ((m = proto_method(v->valuestring)) == NULL) {
		*reply = proto_reply_err(E_BAD_REQUEST,
		                         "method: unknown method \"%.64s\"",
		                         v->valuestring);
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "token");
	if (v != NULL) {
		if (!cJSON_IsString(v) || strlen(v->valuestring) > 512) {
			*reply = proto_reply_err(E_BAD_REQUEST,
			                         "token: expected a string");
			goto out;
		}
		req->token = xstrdup(v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "rid");
	if (v != NULL) {
		if (!cJSON_IsString(v) || *v->valuestring == '\0' ||
		    strlen(v->valuestring) > 64 ||
		    strspn(v->valuestring, PRINTABLE) !=
		        strlen(v->valuestring)) {
			*reply = proto_reply_err(E_BAD_REQUEST,
			                         "rid: expected 1-64 printable "
			                         "ASCII characters");
			goto out;
		}
		req->rid = xstrdup(v->valuestring);
	}
	params = cJSON_DetachItemFromObjectCaseSensitive(root, "params");
	if (params == NULL || cJSON_IsNull(params)) {
		cJSON_Delete(params);
		params = cJSON_CreateObject();
	}
	req->params = params;
	if (!cJSON_IsObject(params)) {
		*reply = proto_reply_err(E_BAD_REQUEST,
		                         "params: expected an object");
		goto out;
	}
	cJSON_ArrayForEach(it, params)
	{
		for (p = m->params; p->name != NULL; p++)
			if (strcmp(p->name, it->string) == 0)
				break;
		if (p->name == NULL) {
			*reply =
			    proto_reply_err(E_BAD_REQUEST,
			                    "params.%.64s: unknown parameter "
			                    "of %s",
			                    it->string, m->name);
			goto out;
		}
		if ((why = check_param(p, it)) != NULL) {
			*reply = proto_reply_err(E_BAD_REQUEST, "params.%s: %s",
			                         p->name, why);
			free(why);
			goto out;
		}
	}
	for (p = m->params; p->name != NULL; p++) {
		if (p->required &&
		    cJSON_GetObjectItemCaseSensitive(params, p->name) == NULL) {
			*reply = proto_reply_err(E_BAD_REQUEST,
			                         "params.%s: required by %s",
			                         p->name, m->name);
			goto out;
		}
	}
	req->m = m;
	rc = 0;
out:
	if (root != NULL &&
	    (v = cJSON_GetObjectItemCaseSensitive(root, "token")) != NULL &&
	    cJSON_IsString(v))
		explicit_bzero(v->valuestring, strlen(v->valuestring));
	cJSON_Delete(root);
	if (rc != 0)
		proto_req_fini(req);
	return rc;
}

int
proto_token_ok(const char *token, const char *want)
{
	unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];

	if (token == NULL || want == NULL || *want == '\0')
		return 0;
	/* Hash both, so the comparison takes the same time whatever the
	 * lengths, then compare in constant time. */
	SHA256((const unsigned char *)token, strlen(token), a);
	SHA256((const unsigned char *)want, strlen(want), b);
	return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

void
proto_req_fini(struct proto_req *req)
{
	cJSON_Delete(req->params);
	free(req->rid);
	if (req->token != NULL) {
		explicit_bzero(req->token, strlen(req->token));
		free(req->token);
	}
	memset(req, 0, sizeof *req);
}

const char *
proto_str(const cJSON *params, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t
proto_int(const cJSON *params, const char *name, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, name);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

int
proto_bool(const cJSON *params, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(params, name));
}

const char *
proto_event_topic(const char *type)
{
	static const char *const prefixes[][2] = {
		{ "step_", "step" },         { "schedule_", "schedule" },
		{ "approval_", "approval" }, { "daemon_", "daemon" },
		{ "photo_", "photo" },
	};
	size_t i;

	for (i = 0; i < nitems(prefixes); i++)
		if (strncmp(type, prefixes[i][0], strlen(prefixes[i][0])) == 0)
			return prefixes[i][1];
	return "execution";
}

cJSON *
proto_event_json(const struct proto_event *ev)
{
	cJSON *o = cJSON_CreateObject(), *data;
	char   ts[32];

	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddStringToObject(o, "at", iso8601(ev->at, ts, sizeof ts));
	cJSON_AddStringToObject(o, "topic", ev->topic);
	cJSON_AddStringToObject(o, "type", ev->type);
	json_add_str(o, "execution", ev->execution);
	json_add_str(o, "workflow", ev->workflow);
	json_add_str(o, "brand", ev->brand);
	json_add_str(o, "step", ev->step);
	if (ev->attempt > 0)
		cJSON_AddNumberToObject(o, "attempt", ev->attempt);
	else
		cJSON_AddNullToObject(o, "attempt");
	data = ev->data != NULL ? cJSON_Parse(ev->data) : NULL;
	cJSON_AddItemToObject(o, "data",
	                      data != NULL ? data : cJSON_CreateNull());
	return o;
}

char *
proto_request(const char *method, cJSON *params, const char *rid,
              const char *token)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "v", PROTO_VERSION);
	cJSON_AddStringToObject(o, "method", method);
	if (rid != NULL)
		cJSON_AddStringToObject(o, "rid", rid);
	if (token != NULL)
		cJSON_AddStringToObject(o, "token", token);
	cJSON_AddItemToObject(o, "params",
	                      params != NULL ? params : cJSON_CreateObject());
	return print_free(o);
}
