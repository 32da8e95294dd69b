/*
 * proto: herald's JSON protocol. One table describes every method: its
 * name, parameters (checked here, before any handler runs), whether it
 * changes state, and a help line. The daemon dispatches from it, the CLI
 * prints help from it. Pure functions; any thread.
 */
#ifndef HERALD_PROTO_H
#define HERALD_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#define PROTO_VERSION     1
#define PROTO_MAX_REQUEST (1024 * 1024)
/* nng's receive limit: a little above the request limit, so a request
 * just over it still arrives and gets a too_large answer. */
#define PROTO_RECV_MAX (PROTO_MAX_REQUEST + 64 * 1024)

enum proto_err {
	E_BAD_REQUEST,
	E_NOT_FOUND,
	E_ALREADY_EXISTS,
	E_INVALID_STATE,
	E_UNAUTHORIZED,
	E_TOO_LARGE,
	E_UNAVAILABLE,
	E_INTERNAL,
};

enum method_id {
	M_STATUS,
	M_WORKFLOW_START,
	M_WORKFLOW_EXECUTE,
	M_WORKFLOW_LIST,
	M_WORKFLOW_DESCRIBE,
	M_WORKFLOW_SHOW,
	M_WORKFLOW_CANCEL,
	M_WORKFLOW_RETRY,
	M_WORKFLOW_RESOLVE,
	M_EVENTS_SINCE,
	M_SCHEDULE_LIST,
	M_SCHEDULE_DESCRIBE,
	M_SCHEDULE_CREATE,
	M_SCHEDULE_PAUSE,
	M_SCHEDULE_UNPAUSE,
	M_SCHEDULE_TRIGGER,
	M_SCHEDULE_DELETE,
	M_PUBLICATION_LIST,
	M_APPROVAL_LIST,
	M_APPROVAL_APPROVE,
	M_APPROVAL_REJECT,
	M_APPROVAL_REGENERATE,
	M_PHOTO_LIST,
	M_PHOTO_CHECK,
	M_PHOTO_PREVIEW,
	M_PHOTO_MARK_USED,
	M_COUNT
};

enum param_type {
	P_STRING,
	P_ID,
	P_INT,
	P_BOOL,
	P_JSON,
	P_ENUM,
	P_STRINGS /* a non-empty array of strings, each up to max_len */
};

struct param {
	const char        *name;
	enum param_type    type;
	int                required;
	size_t             max_len;  /* P_STRING: bytes */
	int64_t            min, max; /* P_INT; P_STRINGS: max items (0: 32) */
	const char *const *choices;  /* P_ENUM, NULL-terminated */
	const char        *help;
};

/* M_POOL: answered on the photo pool's own thread (daemon/photo_ops.c),
 * since it reads the pool (a folder or a bucket) and may take minutes. */
enum method_flags { M_READONLY = 1, M_MUTATES = 2, M_POOL = 4 };

struct method {
	enum method_id      id;
	const char         *name;
	const struct param *params; /* ends with a NULL name */
	int                 flags;
	const char         *summary; /* one line for --help and the docs */
	const char         *result;  /* the result's shape, for the docs */
	const char         *errors;  /* the error codes it may give */
};

extern const struct method proto_methods[M_COUNT];

/* Every event type the daemon publishes (ends with a NULL type). */
struct event_type {
	const char *type;
	const char *summary;
	const char *data;
};
extern const struct event_type proto_event_types[];
int                            proto_event_known(const char *type);

/* Writes the reference part of docs/protocol.md: methods, parameters,
 * results, errors and event types, from the tables. */
void proto_doc(FILE *);

const struct method *proto_method(const char *name);
const char          *proto_err_code(enum proto_err);

struct proto_req {
	const struct method *m;
	cJSON               *params; /* owned; an object, checked */
	char                *rid;    /* client request id, or NULL */
	char                *token;  /* access token (remote listeners) */
};

/* 1 if the token matches want, compared in constant time. */
int proto_token_ok(const char *token, const char *want);

/* Where a reply goes: fn(arg, reply) takes the reply text and must be
 * called exactly once per request. Any thread. */
struct reply_to {
	void (*fn)(void *arg, char *reply);
	void *arg;
};

/* Decodes and checks one request. Returns 0 with req filled, or -1 with
 * *reply set to the error reply to send (caller frees). */
int  proto_decode(const char *buf, size_t len, struct proto_req *req,
                  char **reply);
void proto_req_fini(struct proto_req *);

/* Replies, as text to send. ok takes result (NULL means null). */
char *proto_reply_ok(cJSON *result);
char *proto_reply_err(enum proto_err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Param helpers for handlers: the value of a checked param or a default. */
const char *proto_str(const cJSON *params, const char *name);
int64_t     proto_int(const cJSON *params, const char *name, int64_t def);
int         proto_bool(const cJSON *params, const char *name);

/* One event, as published on the events socket ("<topic> <json>") and as
 * events.since returns it. Strings may be NULL. */
struct proto_event {
	int64_t     seq;
	int64_t     at; /* UTC ms */
	const char *topic;
	const char *type;
	const char *execution;
	const char *workflow;
	const char *brand;
	const char *step;
	int         attempt; /* 0: none */
	const char *data;    /* JSON text */
};

/* The topic of an event type: "step_*" -> step, "schedule_*" ->
 * schedule, "approval_*" -> approval, "daemon_*" -> daemon, else
 * execution. */
const char *proto_event_topic(const char *type);
cJSON      *proto_event_json(const struct proto_event *);

/* Clients: builds {"v":1,"method":...,"params":...} taking params; rid
 * and token may be NULL. */
char *proto_request(const char *method, cJSON *params, const char *rid,
                    const char *token);

#endif
