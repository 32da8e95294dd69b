/*
 * engine: executions as durable state machines.
 *
 * DESIGN
 * Threads: the engine thread owns everything in struct engine except the
 * inbox (locked; pushed by nng callbacks and workers) and the stats
 * (atomics). Workers only see struct act_job, which is moved to them and
 * moved back through the inbox.
 *
 * One turn of the loop: wait for the inbox or the next timer; take all
 * that is queued; apply it in memory and in the store inside ONE
 * transaction (group commit); commit; then, and only then, run the
 * effects: submit jobs, send replies, publish events. If the transaction
 * fails (disk full, I/O error) it is rolled back, the effects are dropped,
 * callers get "unavailable", and the in-memory state is reloaded from the
 * store, so memory never runs ahead of the disk.
 *
 * Only open executions live in memory (the map by id); closed ones are
 * loaded from the store when an operator retries them.
 *
 * Request ids: a mutating call may carry the client's request id (nng's REQ
 * resends a request on reconnect and after its resend time). The first
 * answer is stored with the change it made, in the same transaction, and a
 * repeat gets that answer instead of acting twice, even after a restart. A
 * repeated workflow.execute joins the wait of the execution it started.
 *
 * Attempt fencing: a step's attempt number is counted and committed before
 * its job is dispatched; a result is applied only if the step is still
 * running that same attempt. A timed-out or cancelled attempt's late result
 * is dropped.
 *
 * Timers: a step has at most one at a time (its start-to-close deadline
 * while running, its backoff while waiting to retry), kept in a binary heap
 * of steps keyed by wall-clock time. Each step knows its place in the heap,
 * so leaving a state removes its timer at once: a finished step leaves
 * nothing behind, however many run. The times are in the store too, so a
 * restart rebuilds the heap.
 */
#include <sys/random.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activities/http.h"
#include "common/json.h"
#include "common/log.h"
#include "common/strmap.h"
#include "common/util.h"
#include "daemon/engine.h"
#include "daemon/pool.h"
#include "daemon/sched.h"
#include "daemon/trace.h"
#include "db/store.h"
#include "db/store_photos.h"

enum step_status {
	SS_PENDING,
	SS_RUNNING,
	SS_RETRY_WAIT,
	SS_COMPLETED,
	SS_FAILED,
	SS_CANCELLED,
	SS_IN_DOUBT,
	SS_WAITING,
	SS_COUNT
};
static const char *const step_status_names[SS_COUNT] = {
	"pending", "running",   "retry_wait", "completed",
	"failed",  "cancelled", "in_doubt",   "waiting",
};

/* How an attempt starts. */
enum start_mode {
	START_RUN,      /* act, using one attempt of the budget */
	START_CHECK,    /* find out what an unknown outcome was */
	START_CONTINUE, /* call again after ACT_WAIT */
};

enum exec_status {
	XS_RUNNING,
	XS_COMPLETED,
	XS_FAILED,
	XS_CANCELLED,
	XS_WAITING, /* at the approval gate */
	XS_REJECTED,
	XS_IN_DOUBT, /* nothing can go on until an operator resolves a step
	                in doubt (DESIGN rule 5: a run never closes so) */
	XS_COUNT
};
static const char *const exec_status_names[XS_COUNT] = {
	"running",          "completed", "failed",   "cancelled",
	"waiting_approval", "rejected",  "in_doubt",
};

/* Holds its schedule (overlap: skip or buffer_one): open, and not only
 * waiting for an operator to resolve a doubt, which may take days. */
#define HOLDS_SCHEDULE(x) (OPEN(x) && (x)->status != XS_IN_DOUBT)

/* Not closed: in memory, its timers armed. */
#define OPEN(x)                                                                \
	((x)->status == XS_RUNNING || (x)->status == XS_WAITING ||             \
	 (x)->status == XS_IN_DOUBT)

/* A step whose attempts heraldd's own stop or crash keeps cutting short
 * (they use no retry budget) is given up after this many: in doubt for a
 * side effect, failed for the others, saying why. */
#define INTERRUPT_MAX 20

/* Shared by the engine and one running job: the job's abort flag. An
 * activity only tests it for non-zero; the engine also reads which it is:
 * an abort asked by heraldd's own stop makes the attempt interrupted, not
 * failed. */
enum { TOK_ABORT = 1, TOK_STOP = 2, TOK_DONE = 3 };
struct cancel_tok {
	atomic_int flag;
	atomic_int refs;
};

enum timer_kind {
	TM_NONE,
	TM_RETRY,
	TM_DEADLINE,
	TM_GRACE,
	TM_POLL,  /* a waiting step's next call */
	TM_EXPIRE /* an approval's deadline */
};

/* How long a side-effecting attempt that passed its timeout (and was told
 * to abort) may take to come back before an operator must decide. */
#define OVERDUE_GRACE_MS 30000

struct exec;

struct step {
	struct exec     *x;   /* the execution it belongs to */
	int              idx; /* its index in x->steps */
	enum step_status status;
	int              attempt;   /* attempts so far; never goes back */
	int              base;      /* of which not counted against the retry
	                               policy: before a reset, and checks */
	enum start_mode mode;       /* how the current attempt started */
	int             interrupts; /* attempts cut by heraldd's stop or
	                               crash (they use no retry budget) */
	int overdue;                /* running past its timeout (side effect):
	                               aborted, waiting for the worker */
	int64_t check_from; /* a check: when the attempt it checks began */
	int64_t next_at, started_at, finished_at, deadline;
	char   *last_error;
	char   *result;            /* JSON text */
	char   *progress;          /* JSON text, kept between calls */
	struct cancel_tok *cancel; /* while running */
	enum timer_kind    tkind;  /* its timer, if any */
	int64_t            due;
	size_t             hidx; /* its place in the timer heap */
};

struct waiter {
	struct reply_to rt;
	struct waiter  *next;
};

struct exec {
	int64_t                n;
	char                  *id;
	const struct workflow *wf;
	char                  *brand;
	char                  *input;
	enum exec_status       status;
	int64_t                created_at, closed_at;
	char                  *error;
	char                  *schedule;    /* that started it, or NULL */
	int                    running;     /* steps running */
	int                    failing;     /* a step failed for good: */
	int                    failed_step; /* the first that did, or -1 */
	int                    dirty;       /* on the dirty list */
	TAILQ_ENTRY(exec) dirty_entry;
	TAILQ_ENTRY(exec) closed_entry;
	struct waiter *waiters; /* workflow.execute calls */
	struct step    steps[WF_MAX_STEPS];
};
TAILQ_HEAD(exec_list, exec);

struct act_job {
	struct job             job;
	struct engine         *e;
	char                  *exec_id;
	int                    step;
	int                    attempt; /* the fence */
	int                    try;     /* within the retry budget, from 1 */
	int                    check;
	int64_t                created_at, prev_started_at;
	const struct step_def *def;
	char                  *input;    /* JSON text */
	char                  *deps;     /* JSON text */
	char                  *settings; /* JSON text */
	char                  *taken;    /* JSON text, or NULL */
	char                  *aside;    /* JSON text, or NULL */
	char                  *progress; /* JSON text, or NULL */
	int64_t                deadline;
	struct cancel_tok     *cancel;
	struct act_out         out;
	TAILQ_ENTRY(act_job) entry; /* on the dispatch list */
};
TAILQ_HEAD(job_list, act_job);

enum ev_type { EV_CALL, EV_RESULT, EV_CONFIG };

struct ev {
	TAILQ_ENTRY(ev) entry;
	enum ev_type      type;
	enum method_id    method;
	cJSON            *params;
	char             *rid;
	struct reply_to   rt;
	struct act_job   *job;
	struct schedule **scheds; /* EV_CONFIG: the config's schedules */
	int               nscheds;
};
TAILQ_HEAD(ev_list, ev);

struct reply {
	struct reply_to rt;
	char           *text;
	TAILQ_ENTRY(reply) entry;
};
TAILQ_HEAD(reply_list, reply);

/* A remembered request: its answer, or the execution an execute started. */
struct rid_rec {
	char *rid;
	char *method;
	char *exec_id;
	char *reply;
	TAILQ_ENTRY(rid_rec) entry;
};
TAILQ_HEAD(rid_list, rid_rec);

#define RID_CACHE    1000
#define RID_KEEP_MS  (24 * 3600 * 1000LL)
#define RID_PRUNE_MS (3600 * 1000LL)

struct pub {
	const char *topic;
	char       *json;
	TAILQ_ENTRY(pub) entry;
};
TAILQ_HEAD(pub_list, pub);

struct engine {
	struct engine_opts opts;
	struct store      *store;
	struct pool       *pool;
	pthread_t          thread;

	/* The inbox: the only state other threads touch. */
	pthread_mutex_t lock;
	pthread_cond_t  cond;
	struct ev_list  inbox;
	int             stopping;
	int             drain_asked;  /* engine_drain was called */
	pthread_cond_t  drained_cond; /* draining was set */

	/* Engine thread only. */
	struct strmap      *execs;    /* id -> struct exec, open ones */
	struct strmap      *scheds;   /* id -> struct schedule */
	cJSON              *settings; /* {"state_dir", "brands": {...}} */
	struct exec_list    dirty;
	struct exec_list    closed; /* freed after the turn's effects */
	struct step       **heap;
	size_t              nheap, capheap;
	int64_t             seq;
	int                 in_tx;
	char               *tx_error; /* the first store error of this turn */
	struct job_list     dispatch;
	struct reply_list   replies;
	struct pub_list     pubs;
	struct cancel_tok **aborts; /* to abort once the turn commits */
	size_t              naborts, capaborts;
	struct ev_list      applied; /* results applied this turn */
	int draining; /* stopping: start nothing new (set under lock) */

	/* Test hook (HERALD_TEST_KILL="<step>:start|after"): heraldd kills
	 * itself with SIGKILL when that step's attempt is committed as
	 * started and about to go to a worker (start), or when its worker
	 * has the result, before the engine stores it (after). The crash
	 * tests sweep these points; unset, it costs one compare. */
	char *kill_step;
	int   kill_after;

	struct strmap  *rids; /* rid -> struct rid_rec, most recent */
	struct rid_list rid_lru;
	int64_t         rid_pruned_at;

	/* Stats, read by any thread. */
	atomic_llong active, running, commits, last_seq;
	atomic_llong inflight; /* jobs a worker has not finished */
};

static void exec_free(struct exec *);
static void sched_run_closed(struct engine *, const char *);
static void sched_pause_brand(struct engine *, const char *, const char *);
static void gates_recheck(struct engine *);
static int  sched_load_cb(void *, const struct store_sched *);
static void sched_catch_up(struct engine *, struct schedule *, int64_t);

/* Cancel tokens. */

static struct cancel_tok *
tok_new(void)
{
	struct cancel_tok *t = xcalloc(1, sizeof *t);

	atomic_init(&t->flag, 0);
	atomic_init(&t->refs, 1);
	return t;
}

static struct cancel_tok *
tok_ref(struct cancel_tok *t)
{
	atomic_fetch_add(&t->refs, 1);
	return t;
}

static void
tok_unref(struct cancel_tok *t)
{
	if (t != NULL && atomic_fetch_sub(&t->refs, 1) == 1)
		free(t);
}

/* Timer heap (min-heap on due), of steps that know their place in it. */

static void
heap_put(struct engine *e, size_t i, struct step *st)
{
	e->heap[i] = st;
	st->hidx = i;
}

static void
heap_up(struct engine *e, size_t i)
{
	struct step *st = e->heap[i];

	while (i > 0 && e->heap[(i - 1) / 2]->due > st->due) {
		heap_put(e, i, e->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_put(e, i, st);
}

static void
heap_down(struct engine *e, size_t i)
{
	struct step *st = e->heap[i];

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = l;

		if (l >= e->nheap)
			break;
		if (r < e->nheap && e->heap[r]->due < e->heap[l]->due)
			m = r;
		if (e->heap[m]->due >= st->due)
			break;
		heap_put(e, i, e->heap[m]);
		i = m;
	}
	heap_put(e, i, st);
}

static void
timer_clear(struct engine *e, struct step *st)
{
	size_t i = st->hidx;

	if (st->tkind == TM_NONE)
		return;
	st->tkind = TM_NONE;
	if (i != --e->nheap) {
		heap_put(e, i, e->heap[e->nheap]);
		heap_up(e, i);
		heap_down(e, e->heap[i]->hidx);
	}
}

static void
timer_set(struct engine *e, struct step *st, int64_t due, enum timer_kind kind)
{
	timer_clear(e, st);
	if (e->nheap == e->capheap) {
		e->capheap = e->capheap ? e->capheap * 2 : 64;
		e->heap = xrealloc(e->heap, e->capheap * sizeof *e->heap);
	}
	st->tkind = kind;
	st->due = due;
	heap_put(e, e->nheap++, st);
	heap_up(e, e->nheap - 1);
}

/* Store access: every write goes through here, inside the turn's
 * transaction; the first failure is kept and fails the whole turn. */

static int
tx(struct engine *e)
{
	char *cause = NULL;

	if (e->tx_error != NULL)
		return -1;
	if (!e->in_tx) {
		if (store_begin(e->store, &cause) != 0) {
			e->tx_error = cause;
			return -1;
		}
		e->in_tx = 1;
	}
	return 0;
}

static void
tx_check(struct engine *e, int rc, char *cause)
{
	if (rc != 0 && e->tx_error == NULL)
		e->tx_error = cause != NULL ? cause : xstrdup("store error");
	else
		free(cause);
}

static void
save_step(struct engine *e, struct exec *x, int i)
{
	struct step      *s = &x->steps[i];
	struct store_step row;
	char             *cause = NULL;

	if (tx(e) != 0)
		return;
	row.idx = i;
	row.name = x->wf->steps[i].name;
	row.status = step_status_names[s->status];
	row.attempt = s->attempt;
	row.attempt_base = s->base;
	row.next_attempt_at =
	    s->status == SS_RETRY_WAIT || s->status == SS_WAITING ? s->next_at
	                                                          : 0;
	row.started_at = s->started_at;
	row.finished_at = s->finished_at;
	row.last_error = s->last_error;
	row.result = s->result;
	row.progress = s->progress;
	row.mode = (int)s->mode;
	row.interrupted = s->interrupts;
	row.check_from = s->check_from;
	tx_check(e, store_step_update(e->store, x->n, &row, &cause), cause);
}

static void
save_exec(struct engine *e, struct exec *x)
{
	char *cause = NULL;

	if (tx(e) != 0)
		return;
	tx_check(e,
	         store_exec_update(e->store, x->n, exec_status_names[x->status],
	                           x->closed_at, x->error, &cause),
	         cause);
}

/* Appends a history event (takes data, which may be NULL) and queues it
 * for publishing after the commit. x is NULL for daemon events; step is
 * -1 for events about a whole execution. */
static void
history(struct engine *e, struct exec *x, const char *type, int step,
        int attempt, cJSON *data)
{
	struct store_event row;
	struct proto_event ev;
	struct pub        *p;
	char              *text = NULL, *cause = NULL;
	cJSON             *json;

	if (!proto_event_known(type))
		fatal("event type %s is not in proto_event_types", type);
	if (tx(e) != 0) {
		cJSON_Delete(data);
		return;
	}
	if (data != NULL)
		text = cJSON_PrintUnformatted(data);
	cJSON_Delete(data);
	memset(&ev, 0, sizeof ev);
	ev.seq = ++e->seq;
	ev.at = clock_ms();
	ev.topic = proto_event_topic(type);
	ev.type = type;
	if (x != NULL) {
		ev.execution = x->id;
		ev.workflow = x->wf->name;
		ev.brand = x->brand;
	}
	ev.step = step >= 0 ? x->wf->steps[step].name : NULL;
	ev.attempt = attempt;
	ev.data = text;

	memset(&row, 0, sizeof row);
	row.seq = ev.seq;
	row.at = ev.at;
	row.exec_n = x != NULL ? x->n : 0;
	row.topic = ev.topic;
	row.type = type;
	row.step = ev.step;
	row.attempt = attempt;
	row.data = text;
	row.exec_id = ev.execution;
	row.workflow = ev.workflow;
	row.brand = ev.brand;
	tx_check(e, store_event_add(e->store, &row, &cause), cause);
	if (e->opts.trace != NULL && e->tx_error == NULL) {
		cause = NULL;
		tx_check(e,
		         trace_event(e->opts.trace, e->store, &row,
		                     step >= 0 ? x->steps[step].result : NULL,
		                     &cause),
		         cause);
	}
	if (e->opts.publish != NULL) {
		json = proto_event_json(&ev);
		p = xcalloc(1, sizeof *p);
		p->topic = ev.topic;
		p->json = cJSON_PrintUnformatted(json);
		cJSON_Delete(json);
		TAILQ_INSERT_TAIL(&e->pubs, p, entry);
	}
	cJSON_free(text);
}

static void
reply_later(struct engine *e, struct reply_to rt, char *text)
{
	struct reply *r = xcalloc(1, sizeof *r);

	r->rt = rt;
	r->text = text;
	TAILQ_INSERT_TAIL(&e->replies, r, entry);
}

static void
mark_dirty(struct engine *e, struct exec *x)
{
	if (!x->dirty) {
		x->dirty = 1;
		TAILQ_INSERT_TAIL(&e->dirty, x, dirty_entry);
	}
}

static void
set_str(char **p, const char *v)
{
	free(*p);
	*p = xstrdup(v);
}

/* Jobs: built on the engine thread, run on a worker, applied back here. */

static void job_run(struct job *, void *);
static void job_drop(struct job *);

static void
act_job_free(struct act_job *j)
{
	if (j == NULL)
		return;
	free(j->exec_id);
	free(j->input);
	free(j->deps);
	free(j->settings);
	free(j->taken);
	free(j->aside);
	free(j->progress);
	free(j->out.result);
	free(j->out.error);
	free(j->out.progress);
	free(j->out.usage);
	free(j->out.aside);
	tok_unref(j->cancel);
	free(j);
}

/* {"<dep>": <its result>, ...} */
static char *
deps_json(struct exec *x, int i)
{
	const struct step_def *d = &x->wf->steps[i];
	char                  *out = xstrdup("{"), *tmp;
	int                    k, idx;

	for (k = 0; k < WF_MAX_DEPS && d->deps[k] != NULL; k++) {
		for (idx = 0; idx < x->wf->nsteps; idx++)
			if (strcmp(x->wf->steps[idx].name, d->deps[k]) == 0)
				break;
		xasprintf(&tmp, "%s%s\"%s\":%s", out, k ? "," : "", d->deps[k],
		          x->steps[idx].result ? x->steps[idx].result : "null");
		free(out);
		out = tmp;
	}
	xasprintf(&tmp, "%s}", out);
	free(out);
	return tmp;
}

/* What an activity may know of the daemon's settings: the state dir, the
 * API settings and its run's brand (secrets are not in here: they stay in
 * the environment). */
static char *
settings_json(struct engine *e, const struct exec *x)
{
	cJSON *o = cJSON_CreateObject(), *brands, *b;
	char  *text;

	cJSON_AddItemToObject(
	    o, "state_dir",
	    cJSON_Duplicate(cJSON_GetObjectItem(e->settings, "state_dir"), 1));
	cJSON_AddItemToObject(
	    o, "anthropic",
	    cJSON_Duplicate(cJSON_GetObjectItem(e->settings, "anthropic"), 1));
	cJSON_AddItemToObject(
	    o, "meta",
	    cJSON_Duplicate(cJSON_GetObjectItem(e->settings, "meta"), 1));
	brands = cJSON_GetObjectItem(e->settings, "brands");
	b = x->brand != NULL ? cJSON_GetObjectItem(brands, x->brand) : NULL;
	cJSON_AddItemToObject(
	    o, "brand", b != NULL ? cJSON_Duplicate(b, 1) : cJSON_CreateNull());
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static int
aside_add(void *arg, const struct store_aside *a)
{
	cJSON_AddStringToObject(arg, a->key, a->identity);
	return 0;
}

/* The brand's set-aside photos for a pick: {"<key>": "<identity>"}, or
 * NULL with *cause. */
static char *
aside_json(struct engine *e, const char *brand, char **cause)
{
	cJSON *o = cJSON_CreateObject();
	char  *text = NULL;

	if (store_aside_each(e->store, brand, aside_add, o, cause) == 0)
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Sets aside what a pick found unusable (act_out.aside), whatever its
 * status: a fact about the files, not about the attempt. */
static void
record_aside(struct engine *e, struct exec *x, const char *json)
{
	cJSON             *arr = json != NULL ? cJSON_Parse(json) : NULL, *it;
	struct store_aside a;
	char              *cause = NULL;

	cJSON_ArrayForEach(it, arr)
	{
		memset(&a, 0, sizeof a);
		a.scope = x->brand;
		a.key = cJSON_GetStringValue(cJSON_GetObjectItem(it, "key"));
		a.identity =
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "identity"));
		a.reason =
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "reason"));
		a.execution = x->id;
		a.at = clock_ms();
		if (a.scope == NULL || a.key == NULL || a.identity == NULL ||
		    a.reason == NULL || tx(e) != 0)
			continue;
		tx_check(e, store_aside_put(e->store, &a, &cause), cause);
	}
	cJSON_Delete(arr);
}

/* Counts and commits a new attempt of step i, then queues its job. */
static void
start_attempt(struct engine *e, struct exec *x, int i, enum start_mode mode)
{
	int                    check = mode == START_CHECK;
	const struct step_def *d = &x->wf->steps[i];
	struct step           *s = &x->steps[i];
	struct act_job        *j;
	cJSON                 *data = NULL;
	int64_t                now = clock_ms(), prev_started;

	s->status = SS_RUNNING;
	s->attempt++;
	if (mode != START_RUN)
		s->base++; /* checks and continuations use no attempt */
	/* A check looks for what the attempt it checks did, from when that
	 * began; checking again (after an interruption, or on a retry of
	 * the run) keeps looking from the same time. */
	if (check && s->mode != START_CHECK)
		s->check_from = s->started_at;
	s->mode = mode;
	s->overdue = 0;
	prev_started = s->check_from;
	s->started_at = now;
	s->finished_at = 0;
	s->next_at = 0;
	s->deadline = now + d->timeout_ms;
	s->cancel = tok_new();
	x->running++;
	save_step(e, x, i);
	if (mode != START_RUN) {
		data = cJSON_CreateObject();
		cJSON_AddTrueToObject(data, check ? "check" : "continue");
	}
	history(e, x, "step_started", i, s->attempt, data);
	timer_set(e, s, s->deadline, TM_DEADLINE);

	j = xcalloc(1, sizeof *j);
	j->job.run = job_run;
	j->job.drop = job_drop;
	j->e = e;
	j->exec_id = xstrdup(x->id);
	j->step = i;
	j->attempt = s->attempt;
	j->try = s->attempt - s->base;
	j->check = check;
	j->created_at = x->created_at;
	j->prev_started_at = check ? prev_started : 0;
	j->def = d;
	j->input = xstrdup(x->input);
	j->deps = deps_json(x, i);
	/* Only brand workflows read settings: the others skip the cost. */
	j->settings = x->wf->needs_brand ? settings_json(e, x) : NULL;
	if (d->claims != NULL && x->brand != NULL) {
		char *cause = NULL;

		if (store_claims_taken(e->store, d->claims, x->brand, &j->taken,
		                       &cause) != 0 ||
		    (j->aside = aside_json(e, x->brand, &cause)) == NULL)
			tx_check(e, -1, cause);
	}
	j->progress = xstrdup(s->progress);
	j->deadline = s->deadline;
	j->cancel = tok_ref(s->cancel);
	TAILQ_INSERT_TAIL(&e->dispatch, j, entry);
	/* Counted from now, not from the dispatch after the commit: a drain
	 * must not see 0 while a turn is about to hand out work. */
	atomic_fetch_add(&e->running, 1);
	log_debug("step_started", "execution=%s step=%s attempt=%d%s", x->id,
	          d->name, s->attempt, check ? " check=1" : "");
}

/* Aborts a running job once the turn has committed (rule 1: no side
 * effect before the state change is durable). Takes the reference. */
static void
abort_later(struct engine *e, struct cancel_tok *t)
{
	if (t == NULL)
		return;
	if (e->naborts == e->capaborts) {
		e->capaborts = e->capaborts ? 2 * e->capaborts : 16;
		e->aborts =
		    xrealloc(e->aborts, e->capaborts * sizeof *e->aborts);
	}
	e->aborts[e->naborts++] = t;
}

/* Ends step i's current state: its attempt if running (aborting it), and
 * its timer. */
static void
end_attempt(struct engine *e, struct exec *x, int i)
{
	struct step *s = &x->steps[i];

	timer_clear(e, s);
	if (s->status == SS_RUNNING) {
		x->running--;
		abort_later(e, s->cancel);
		s->cancel = NULL;
	}
}

/* {id, status, error}: what workflow.execute answers. */
static char *
execute_reply(const struct exec *x)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "id", x->id);
	cJSON_AddStringToObject(r, "status", exec_status_names[x->status]);
	if (x->error != NULL)
		cJSON_AddStringToObject(r, "error", x->error);
	else
		cJSON_AddNullToObject(r, "error");
	return proto_reply_ok(r);
}

/* Answers the workflow.execute calls waiting for x: it closed, or it
 * waits for an operator (in_doubt), which may take days. */
static void
answer_waiters(struct engine *e, struct exec *x)
{
	struct waiter *w, *next;

	for (w = x->waiters; w != NULL; w = next) {
		next = w->next;
		reply_later(e, w->rt, execute_reply(x));
		free(w);
	}
	x->waiters = NULL;
}

static void
close_exec(struct engine *e, struct exec *x, enum exec_status status,
           const char *type, cJSON *data)
{
	int i, published = 0, held = HOLDS_SCHEDULE(x);

	for (i = 0; i < x->wf->nsteps; i++)
		if (x->wf->steps[i].side_effect &&
		    (x->steps[i].status == SS_COMPLETED ||
		     x->steps[i].status == SS_IN_DOUBT ||
		     x->steps[i].status == SS_RUNNING))
			published = 1;
	for (i = 0; i < x->wf->nsteps; i++) {
		end_attempt(e, x, i);
		if (x->steps[i].status == SS_WAITING) {
			/* Nothing will call it again. */
			x->steps[i].status = SS_CANCELLED;
			x->steps[i].finished_at = clock_ms();
			save_step(e, x, i);
		}
	}
	x->status = status;
	x->closed_at = clock_ms();
	save_exec(e, x);
	/* What a run claimed (its photo) is used once anything may have
	 * gone out with it; only a run that published nothing gives it back.
	 * (Checked before the attempts above were ended: a step still
	 * running counts, it may be posting.) */
	if (tx(e) == 0) {
		char *cause = NULL;

		tx_check(e,
		         store_claims_close(e->store, x->n,
		                            status == XS_COMPLETED || published
		                                ? "used"
		                                : "released",
		                            &cause),
		         cause);
	}
	history(e, x, type, -1, 0, data);
	answer_waiters(e, x);
	strmap_del(e->execs, x->id);
	TAILQ_INSERT_TAIL(&e->closed, x, closed_entry);
	atomic_fetch_sub(&e->active, 1);
	if (x->schedule != NULL && held)
		sched_run_closed(e, x->schedule);
	log_info(type, "execution=%s status=%s", x->id,
	         exec_status_names[status]);
}

/* What happens next, in words, for a message: "in 4 s", "in 2 min". */
static const char *
delay_words(int64_t ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "%lld ms", (long long)ms);
	else if (ms < 120000)
		snprintf(buf, len, "%lld s", (long long)((ms + 999) / 1000));
	else
		snprintf(buf, len, "%lld min",
		         (long long)((ms + 59999) / 60000));
	return buf;
}

/* Step i failed for good: the run fails with its error once nothing runs.
 * The error is stored at once, so a crash before the close keeps it. */
static void
exec_failing(struct engine *e, struct exec *x, int i, const char *error)
{
	int used = x->steps[i].attempt - x->steps[i].base;

	if (x->failing)
		return;
	x->failing = 1;
	x->failed_step = i;
	free(x->error);
	if (used > 0)
		xasprintf(&x->error, "step %s failed after %d attempt%s: %s",
		          x->wf->steps[i].name, used, used == 1 ? "" : "s",
		          error);
	else
		xasprintf(&x->error, "step %s failed: %s", x->wf->steps[i].name,
		          error);
	save_exec(e, x);
}

/* The failing step's name, for "not retried" messages. */
static const char *
failing_name(const struct exec *x)
{
	return x->failed_step >= 0 ? x->wf->steps[x->failed_step].name
	                           : "another step";
}

/* A step's attempt failed. retryable says whether the error class allows
 * another attempt; the retry policy decides whether one is left. The
 * error says what happened; the engine alone says what happens next
 * ("next" in the event and the log), from the decision just made. */
static void
step_failed(struct engine *e, struct exec *x, int i, const char *error,
            int retryable, int64_t retry_after, const char *usage)
{
	const struct step_def *d = &x->wf->steps[i];
	struct step           *s = &x->steps[i];
	cJSON                 *data = cJSON_CreateObject();
	char                   ts[32], dw[32], *next;
	int64_t                delay;
	int                    used, max = d->retry.max_attempts;

	end_attempt(e, x, i);
	if (usage != NULL)
		/* What the failed attempt cost (a billed model call). */
		cJSON_AddItemToObject(data, "usage", cJSON_Parse(usage));
	if (s->mode == START_CHECK && s->last_error != NULL) {
		/* Keep what made the check necessary (the API's own words)
		 * beside what the check found. */
		char *both;

		xasprintf(&both, "%s; checked: %s", s->last_error, error);
		set_str(&s->last_error, both);
		free(both);
	} else
		set_str(&s->last_error, error);
	s->finished_at = clock_ms();
	cJSON_AddStringToObject(data, "error", error);
	used = s->attempt - s->base;
	if (retryable && !x->failing && (max == 0 || used < max)) {
		delay = retry_delay_ms(&d->retry, used);
		if (retry_after > delay)
			delay = retry_after;
		s->status = SS_RETRY_WAIT;
		s->next_at = s->finished_at + delay;
		cJSON_AddStringToObject(data, "retry_at",
		                        iso8601(s->next_at, ts, sizeof ts));
		cJSON_AddNumberToObject(data, "retry_in_ms", (double)delay);
		timer_set(e, s, s->next_at, TM_RETRY);
		if (max > 0)
			xasprintf(&next, "retrying in %s (attempt %d of %d)",
			          delay_words(delay, dw, sizeof dw), used + 1,
			          max);
		else
			xasprintf(&next, "retrying in %s (attempt %d)",
			          delay_words(delay, dw, sizeof dw), used + 1);
	} else {
		s->status = SS_FAILED;
		cJSON_AddTrueToObject(data, "final");
		if (x->failing)
			xasprintf(&next, "not retried: step %s failed for good",
			          failing_name(x));
		else if (!retryable)
			next = xstrdup("failed for good: this error is not "
			               "one that another attempt can fix");
		else
			xasprintf(&next,
			          "failed for good: all %d attempts "
			          "used",
			          used);
		exec_failing(e, x, i, error);
	}
	cJSON_AddStringToObject(data, "next", next);
	log_warn("step_failed",
	         "execution=%s step=%s attempt=%d error=\"%s\" next=\"%s\"",
	         x->id, d->name, s->attempt, error, next);
	free(next);
	save_step(e, x, i);
	history(e, x, "step_failed", i, s->attempt, data);
	mark_dirty(e, x);
}

/* Step i (its attempt already ended) is left to an operator; error, if
 * not NULL, is what happened (else last_error already says it). */
static void
step_in_doubt(struct engine *e, struct exec *x, int i, const char *error)
{
	const struct step_def *d = &x->wf->steps[i];
	struct step           *s = &x->steps[i];
	cJSON                 *data = cJSON_CreateObject();
	char                  *next;

	s->status = SS_IN_DOUBT;
	s->finished_at = clock_ms();
	if (error != NULL)
		set_str(&s->last_error, error);
	save_step(e, x, i);
	if (x->failing)
		xasprintf(
		    &next,
		    "in doubt: it may have taken effect; an operator says "
		    "whether it did with herald workflow resolve %s %s "
		    "--done|--retry, and the run then closes failed (step "
		    "%s failed for good)",
		    x->id, d->name, failing_name(x));
	else
		xasprintf(&next,
		          "in doubt: it may have taken effect; an operator "
		          "decides with herald workflow resolve %s %s "
		          "--done|--retry",
		          x->id, d->name);
	cJSON_AddStringToObject(data, "error", s->last_error);
	cJSON_AddStringToObject(data, "next", next);
	history(e, x, "step_in_doubt", i, s->attempt, data);
	log_warn("step_in_doubt",
	         "execution=%s step=%s attempt=%d error=\"%s\" next=\"%s\"",
	         x->id, d->name, s->attempt, s->last_error, next);
	free(next);
	mark_dirty(e, x);
}

/* The outcome of a side-effecting step is unknown: check it if the step
 * can (even in a failing run: what went out must be known), else leave
 * it to an operator. */
static void
step_unknown(struct engine *e, struct exec *x, int i, const char *error,
             int may_check)
{
	const struct step_def *d = &x->wf->steps[i];
	struct step           *s = &x->steps[i];
	int                    was_check = s->mode == START_CHECK;

	end_attempt(e, x, i);
	if (was_check && s->last_error != NULL) {
		/* Keep what made the check necessary beside what it found. */
		char *both;

		xasprintf(&both, "%s; checked: %s", s->last_error, error);
		set_str(&s->last_error, both);
		free(both);
	} else
		set_str(&s->last_error, error);
	if (may_check && d->check != NULL && !was_check) {
		log_info("step_checking",
		         "execution=%s step=%s attempt=%d error=\"%s\" "
		         "next=\"checking whether it took effect\"",
		         x->id, d->name, s->attempt, error);
		start_attempt(e, x, i, START_CHECK);
		return;
	}
	step_in_doubt(e, x, i, NULL);
}

/* heraldd's own stop or crash cut step i's running attempt short (DESIGN
 * rule 5). It uses none of the retry budget: a pure step runs again, a
 * side effect is checked first (rule 9). A step cut short more than
 * INTERRUPT_MAX times is given up, saying so. */
static void
step_interrupted(struct engine *e, struct exec *x, int i, const char *why)
{
	const struct step_def *d = &x->wf->steps[i];
	struct step           *s = &x->steps[i];
	enum start_mode        was = s->mode;
	cJSON                 *data = cJSON_CreateObject();
	char                  *error, *next;
	int                    over;

	s->interrupts++;
	/* The cut attempt uses none of the budget. A run attempt is given
	 * back; checks and continuations never used any, but a side effect
	 * cut while continuing (an Instagram publish after its container's
	 * wait) is checked and, if it did not go out, run again from the
	 * start: that run is paid for by the one already counted. */
	if (was == START_RUN || (was == START_CONTINUE && d->side_effect))
		s->base++;
	over = s->interrupts > INTERRUPT_MAX;
	if (over)
		xasprintf(&error,
		          "interrupted %d times, more than %d (heraldd stopped "
		          "or crashed while it ran, each time); the last: %s",
		          s->interrupts, INTERRUPT_MAX, why);
	else
		xasprintf(&error, "interrupted: %s", why);
	if (over)
		xasprintf(&next, "%s: it is not tried again by itself",
		          d->side_effect ? "in doubt" : "failed for good");
	else if (d->side_effect && d->check != NULL)
		next = xstrdup("checking whether it took effect (uses no "
		               "attempt)");
	else if (d->side_effect)
		next = xstrdup("in doubt: it may have taken effect");
	else if (x->failing)
		xasprintf(&next, "not run again: step %s failed for good",
		          failing_name(x));
	else
		next = xstrdup("running it again (uses no attempt)");
	cJSON_AddStringToObject(data, "error", error);
	cJSON_AddNumberToObject(data, "interruptions", s->interrupts);
	cJSON_AddStringToObject(data, "next", next);
	history(e, x, "step_interrupted", i, s->attempt, data);
	log_warn("step_interrupted",
	         "execution=%s step=%s attempt=%d interruptions=%d "
	         "next=\"%s\"",
	         x->id, d->name, s->attempt, s->interrupts, next);
	free(next);
	if (over && !d->side_effect)
		step_failed(e, x, i, error, 0, 0, NULL);
	else if (over || (d->side_effect && d->check == NULL)) {
		end_attempt(e, x, i);
		step_in_doubt(e, x, i, error);
	} else if (d->side_effect) {
		end_attempt(e, x, i);
		set_str(&s->last_error, error);
		start_attempt(e, x, i, START_CHECK);
	} else if (x->failing)
		step_failed(e, x, i, error, 1, 0, NULL);
	else {
		end_attempt(e, x, i);
		set_str(&s->last_error, error);
		start_attempt(e, x, i,
		              was == START_CONTINUE ? START_CONTINUE
		                                    : START_RUN);
	}
	free(error);
}

/* The activity is not done and asked to be called again later (ACT_WAIT):
 * no attempt is used and nothing failed. */
static void
step_wait(struct engine *e, struct exec *x, int i, const char *why,
          int64_t delay)
{
	struct step *s = &x->steps[i];
	cJSON       *data = cJSON_CreateObject();
	char         ts[32];

	end_attempt(e, x, i);
	if (delay < 100)
		delay = 100;
	s->status = SS_WAITING;
	s->finished_at = clock_ms();
	s->next_at = s->finished_at + delay;
	timer_set(e, s, s->next_at, TM_POLL);
	save_step(e, x, i);
	cJSON_AddStringToObject(data, "waiting_for", why);
	cJSON_AddStringToObject(data, "next_call_at",
	                        iso8601(s->next_at, ts, sizeof ts));
	history(e, x, "step_waiting", i, s->attempt, data);
	mark_dirty(e, x); /* a run failing meanwhile can close now */
	log_debug("step_waiting", "execution=%s step=%s in_ms=%lld for=\"%s\"",
	          x->id, x->wf->steps[i].name, (long long)delay, why);
}

static void
step_completed(struct engine *e, struct exec *x, int i, const char *result)
{
	struct step *s = &x->steps[i];
	cJSON       *data = cJSON_CreateObject();

	end_attempt(e, x, i);
	s->status = SS_COMPLETED;
	s->finished_at = clock_ms();
	set_str(&s->result, result);
	save_step(e, x, i); /* last_error stays: what earlier attempts hit */
	cJSON_AddNumberToObject(data, "duration_ms",
	                        (double)(s->finished_at - s->started_at));
	history(e, x, "step_completed", i, s->attempt, data);
	mark_dirty(e, x);
}

/* The approval gate (rule 10). */

/* The brand's setting at key, from the current config. */
static const cJSON *
brand_setting(struct engine *e, const struct exec *x, const char *key)
{
	return cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(e->settings, "brands"),
	                        x->brand != NULL ? x->brand : ""),
	    key);
}

static int
gated_step(const struct exec *x, int i)
{
	int k;

	for (k = 0; k < x->wf->nsteps; k++)
		if (strcmp(x->wf->steps[k].name, x->wf->steps[i].gate) == 0)
			return k;
	fatal("workflow %s: gate %s names no step", x->wf->name,
	      x->wf->steps[i].name);
}

/* The gate step of x, or -1. */
static int
gate_of(const struct exec *x)
{
	int i;

	for (i = 0; i < x->wf->nsteps; i++)
		if (x->wf->steps[i].gate != NULL)
			return i;
	return -1;
}

/* The string at key in step k's result, or NULL (caller frees). */
static char *
result_str(const struct exec *x, int k, const char *key)
{
	cJSON *r = x->steps[k].result ? cJSON_Parse(x->steps[k].result) : NULL;
	char  *v = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(r, key)));

	cJSON_Delete(r);
	return v;
}

/* The first string at key (or at "_claim"."key" when claim) among the
 * completed steps' results: what an operator needs to see beside the
 * caption (the photo the run claimed, its description). */
static char *
find_result_str(const struct exec *x, const char *key, int claim)
{
	cJSON *r;
	char  *v = NULL;
	int    k;

	for (k = 0; k < x->wf->nsteps && v == NULL; k++) {
		if (x->steps[k].status != SS_COMPLETED ||
		    x->steps[k].result == NULL)
			continue;
		r = cJSON_Parse(x->steps[k].result);
		v = xstrdup(cJSON_GetStringValue(cJSON_GetObjectItem(
		    claim ? cJSON_GetObjectItem(r, "_claim") : r, key)));
		cJSON_Delete(r);
	}
	return v;
}

/* Lets the run through the gate with caption. */
static void
gate_pass(struct engine *e, struct exec *x, int i, const char *caption,
          const char *how, const char *by, const char *before)
{
	struct step *s = &x->steps[i];
	cJSON       *r = cJSON_CreateObject();
	char        *text;

	cJSON_AddStringToObject(r, "caption", caption ? caption : "");
	cJSON_AddStringToObject(r, "approval", how);
	if (by != NULL)
		cJSON_AddStringToObject(r, "by", by);
	if (before != NULL)
		cJSON_AddStringToObject(r, "caption_before", before);
	text = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	if (s->started_at == 0)
		s->started_at = clock_ms();
	if (x->status == XS_WAITING) {
		x->status = XS_RUNNING;
		save_exec(e, x);
	}
	step_completed(e, x, i, text);
	cJSON_free(text);
}

/* Step i (a gate) is ready: wait for an operator, or pass. */
static void
gate_open(struct engine *e, struct exec *x, int i)
{
	struct step *s = &x->steps[i];
	const char  *mode =
	    cJSON_GetStringValue(brand_setting(e, x, "approval"));
	const cJSON *tmo = brand_setting(e, x, "approval_timeout_ms");
	int          k = gated_step(x, i);
	char        *caption = result_str(x, k, "caption"), ts[32];
	char        *photo, *desc;
	cJSON       *data;
	int64_t      now = clock_ms();

	if (mode == NULL || strcmp(mode, "required") != 0) {
		gate_pass(e, x, i, caption, "auto", NULL, NULL);
		free(caption);
		return;
	}
	s->status = SS_WAITING;
	s->attempt++;
	s->base++; /* waiting is not an attempt */
	s->started_at = now;
	s->finished_at = 0;
	s->next_at = now + (cJSON_IsNumber(tmo) && tmo->valuedouble > 0
	                        ? (int64_t)tmo->valuedouble
	                        : 12 * 3600 * 1000LL);
	timer_set(e, s, s->next_at, TM_EXPIRE);
	save_step(e, x, i);
	x->status = XS_WAITING;
	save_exec(e, x);
	photo = find_result_str(x, "key", 1);
	desc = find_result_str(x, "description", 0);
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "caption", caption ? caption : "");
	if (photo != NULL)
		cJSON_AddStringToObject(data, "photo_key", photo);
	if (desc != NULL)
		cJSON_AddStringToObject(data, "description", desc);
	cJSON_AddStringToObject(data, "expires_at",
	                        iso8601(s->next_at, ts, sizeof ts));
	history(e, x, "approval_requested", i, s->attempt, data);
	log_info("approval_requested", "execution=%s brand=%s expires_at=%s",
	         x->id, x->brand ? x->brand : "", ts);
	free(caption);
	free(photo);
	free(desc);
}

/* x waits for an operator to resolve a doubt: it no longer holds its
 * schedule, and workflow.execute calls waiting for it are answered. */
static void
exec_in_doubt_begins(struct engine *e, struct exec *x)
{
	cJSON *data = cJSON_CreateObject(), *steps;
	int    i;

	x->status = XS_IN_DOUBT;
	save_exec(e, x);
	steps = cJSON_AddArrayToObject(data, "steps");
	for (i = 0; i < x->wf->nsteps; i++)
		if (x->steps[i].status == SS_IN_DOUBT)
			cJSON_AddItemToArray(
			    steps, cJSON_CreateString(x->wf->steps[i].name));
	if (x->error != NULL)
		cJSON_AddStringToObject(data, "error", x->error);
	history(e, x, "workflow_in_doubt", -1, 0, data);
	answer_waiters(e, x);
	log_warn("workflow_in_doubt",
	         "execution=%s next=\"waits for an operator: herald workflow "
	         "resolve %s STEP --done|--retry\"",
	         x->id, x->id);
	if (x->schedule != NULL)
		sched_run_closed(e, x->schedule);
}

/* x goes on after its doubt was resolved (or a late answer resolved it):
 * it holds its schedule again. */
static void
exec_in_doubt_ends(struct engine *e, struct exec *x)
{
	struct schedule *sc;

	x->status = XS_RUNNING;
	save_exec(e, x);
	if (x->schedule != NULL &&
	    (sc = strmap_get(e->scheds, x->schedule)) != NULL)
		sc->open_runs++;
}

/* Starts every ready step of x (none while heraldd drains for a stop)
 * and closes x when nothing is left to do. A run never closes while a
 * step is in doubt: when that is all that holds it, it waits for an
 * operator (in_doubt), and goes on once the step is resolved. */
static void
advance(struct engine *e, struct exec *x)
{
	int i, k, idx, all_done = 1, ready, doubt = 0, live = 0;

	if (!OPEN(x))
		return;
	for (i = 0; i < x->wf->nsteps; i++) {
		switch (x->steps[i].status) {
		case SS_IN_DOUBT:
			doubt++;
			break;
		case SS_RETRY_WAIT:
		case SS_WAITING:
			if (!x->failing)
				live++;
			break;
		default:
			break;
		}
		if (x->steps[i].status != SS_COMPLETED)
			all_done = 0;
		if (x->steps[i].status != SS_PENDING || x->failing)
			continue;
		ready = 1;
		for (k = 0; k < WF_MAX_DEPS && x->wf->steps[i].deps[k]; k++) {
			for (idx = 0; idx < x->wf->nsteps; idx++)
				if (strcmp(x->wf->steps[idx].name,
				           x->wf->steps[i].deps[k]) == 0)
					break;
			if (x->steps[idx].status != SS_COMPLETED)
				ready = 0;
		}
		if (ready && e->draining)
			live++; /* the next start runs it */
		else if (ready && x->wf->steps[i].gate != NULL)
			gate_open(e, x, i);
		else if (ready)
			start_attempt(e, x, i, START_RUN);
	}
	if (all_done)
		close_exec(e, x, XS_COMPLETED, "workflow_completed", NULL);
	else if (x->running > 0 || live > 0 || x->status == XS_WAITING)
		return;
	else if (doubt > 0) {
		if (x->status != XS_IN_DOUBT)
			exec_in_doubt_begins(e, x);
	} else if (x->failing) {
		cJSON *data = cJSON_CreateObject();

		cJSON_AddStringToObject(data, "error", x->error);
		close_exec(e, x, XS_FAILED, "workflow_failed", data);
	}
}

/* Building executions in memory. */

static struct exec *
exec_new(const struct workflow *wf, const char *id, const char *input,
         const char *brand)
{
	struct exec *x = xcalloc(1, sizeof *x);
	int          i;

	for (i = 0; i < WF_MAX_STEPS; i++) {
		x->steps[i].x = x;
		x->steps[i].idx = i;
	}
	x->id = xstrdup(id);
	x->wf = wf;
	x->input = xstrdup(input);
	x->brand = xstrdup(brand);
	x->failed_step = -1;
	return x;
}

static void
exec_free(struct exec *x)
{
	struct waiter *w, *next;
	int            i;

	if (x == NULL)
		return;
	for (i = 0; i < WF_MAX_STEPS; i++) {
		free(x->steps[i].last_error);
		free(x->steps[i].result);
		free(x->steps[i].progress);
		tok_unref(x->steps[i].cancel);
	}
	for (w = x->waiters; w != NULL; w = next) {
		next = w->next;
		w->rt.fn(w->rt.arg,
		         proto_reply_err(E_UNAVAILABLE, "heraldd is stopping"));
		free(w);
	}
	free(x->id);
	free(x->input);
	free(x->brand);
	free(x->error);
	free(x->schedule);
	free(x);
}

static int
status_index(const char *const *names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

/* Rebuilds an execution from its rows. Returns NULL (logged) when the
 * rows name a type or status this daemon does not know. */
static struct exec *
exec_from_store(struct engine *e, const struct store_exec *r)
{
	const struct workflow *wf = workflow_find(e->opts.types, r->type);
	struct exec           *x;
	int                    i, st;

	if (wf == NULL || r->nsteps != wf->nsteps) {
		log_error("execution_unloadable",
		          "execution=%s type=%s reason=\"unknown workflow type "
		          "or step count\"",
		          r->id, r->type);
		return NULL;
	}
	x = exec_new(wf, r->id, r->input, r->brand);
	x->n = r->n;
	x->created_at = r->created_at;
	x->closed_at = r->closed_at;
	x->error = xstrdup(r->error);
	x->schedule = xstrdup(r->schedule);
	st = status_index(exec_status_names, XS_COUNT, r->status);
	x->status = st < 0 ? XS_RUNNING : (enum exec_status)st;
	for (i = 0; i < r->nsteps; i++) {
		const struct store_step *p = &r->steps[i];
		struct step             *s = &x->steps[p->idx];

		st = status_index(step_status_names, SS_COUNT, p->status);
		s->status = st < 0 ? SS_PENDING : (enum step_status)st;
		s->attempt = p->attempt;
		s->base = p->attempt_base;
		s->next_at = p->next_attempt_at;
		s->started_at = p->started_at;
		s->finished_at = p->finished_at;
		s->last_error = xstrdup(p->last_error);
		s->result = xstrdup(p->result);
		s->progress = xstrdup(p->progress);
		s->mode = p->mode >= START_RUN && p->mode <= START_CONTINUE
		              ? (enum start_mode)p->mode
		              : START_RUN;
		s->interrupts = p->interrupted;
		s->check_from = p->check_from;
		if (s->status == SS_FAILED && !x->failing) {
			x->failing = 1;
			x->failed_step = p->idx;
		}
	}
	/* A run failing when it was stored has its error (kept since the
	 * step failed); one stored by an older heraldd may not. */
	if (x->failing && x->error == NULL) {
		const struct step *f = &x->steps[x->failed_step];

		xasprintf(&x->error, "step %s failed: %s",
		          x->wf->steps[x->failed_step].name,
		          f->last_error ? f->last_error
		                        : "(no error recorded)");
	}
	return x;
}

/* Recovery after a crash (crashed = 1) or a failed commit (crashed = 0):
 * puts an open execution back in memory and re-arms its timers. */
static void
adopt(struct engine *e, struct exec *x, int crashed)
{
	int i;

	strmap_put(e->execs, x->id, x);
	atomic_fetch_add(&e->active, 1);
	for (i = 0; i < x->wf->nsteps; i++) {
		const struct step_def *d = &x->wf->steps[i];
		struct step           *s = &x->steps[i];

		switch (s->status) {
		case SS_RETRY_WAIT:
			timer_set(e, s, s->next_at, TM_RETRY);
			break;
		case SS_WAITING:
			/* An approval keeps its deadline across a restart. */
			timer_set(e, s, s->next_at,
			          d->gate != NULL ? TM_EXPIRE : TM_POLL);
			break;
		case SS_RUNNING:
			if (!crashed) {
				/* Its job is still on a worker: keep waiting
				 * for it, under a new deadline timer. */
				s->deadline = s->started_at + d->timeout_ms;
				s->cancel = tok_new();
				x->running++;
				timer_set(e, s, s->deadline, TM_DEADLINE);
				break;
			}
			/* The attempt died with the process (a crash, or
			 * a stop that could not wait for it). */
			x->running++;
			step_interrupted(e, x, i,
			                 "heraldd stopped while the step was "
			                 "running");
			break;
		default:
			break;
		}
	}
	mark_dirty(e, x);
}

struct load_ctx {
	struct engine *e;
	struct exec   *x; /* store_load_one */
	int            crashed;
};

static int
load_cb(void *arg, const struct store_exec *r)
{
	struct load_ctx *lc = arg;
	struct exec     *x = exec_from_store(lc->e, r);

	if (x != NULL)
		adopt(lc->e, x, lc->crashed);
	return 0;
}

static int
load_one_cb(void *arg, const struct store_exec *r)
{
	struct load_ctx *lc = arg;

	lc->x = exec_from_store(lc->e, r);
	return 0;
}

static const char *const open_statuses[] = { "running", "waiting_approval",
	                                     "in_doubt", NULL };

static int
load_open(struct engine *e, int crashed, char **cause)
{
	struct load_ctx lc = { e, NULL, crashed };

	return store_load(e->store, open_statuses, load_cb, &lc, cause);
}

/* Finds an execution: open ones in memory, closed ones in the store (the
 * caller owns a closed one it gets back: *loaded is set). */
static struct exec *
find_exec(struct engine *e, const char *id, int *loaded, char **cause)
{
	struct load_ctx lc = { e, NULL, 0 };
	struct exec    *x;

	*loaded = 0;
	if ((x = strmap_get(e->execs, id)) != NULL)
		return x;
	if (store_load_one(e->store, id, load_one_cb, &lc, cause) < 0)
		return NULL;
	if (lc.x != NULL)
		*loaded = 1;
	return lc.x;
}

/* Protocol calls. Each returns the reply text, or NULL when the reply
 * comes later (workflow.execute). */

static char *
new_id(const struct workflow *wf)
{
	unsigned char rnd[6] = { 0 };
	char          ts[32], hex[13], *id;
	time_t        t = (time_t)(clock_ms() / 1000);
	struct tm     tm;
	size_t        i;

	/* 48 random bits: thousands of runs in one second still do not
	 * collide in practice (and create_exec's caller tries again). */
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		fatal("getrandom failed");
	for (i = 0; i < sizeof rnd; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	xasprintf(&id, "%s-%s-%s", wf->name, ts, hex);
	return id;
}

/* Creates and stores an execution of wf (input already checked), started
 * by schedule (or NULL). Returns it, or NULL with *reply set to the error
 * reply (already_exists, or unavailable when the store failed). */
static struct exec *
create_exec(struct engine *e, const struct workflow *wf, const char *id,
            const cJSON *input, const char *schedule, char **reply)
{
	struct store_exec row;
	struct store_step rows[WF_MAX_STEPS];
	struct exec      *x;
	char             *cause = NULL, *text;
	int               i, rc;

	if (strmap_get(e->execs, id) != NULL) {
		*reply = proto_reply_err(E_ALREADY_EXISTS,
		                         "execution %s already exists", id);
		return NULL;
	}
	if (tx(e) != 0) {
		*reply = proto_reply_err(E_UNAVAILABLE, "store error");
		return NULL;
	}
	text = cJSON_PrintUnformatted(input);
	x = exec_new(wf, id, text, workflow_brand(input));
	cJSON_free(text);
	x->schedule = xstrdup(schedule);
	x->created_at = clock_ms();
	memset(&row, 0, sizeof row);
	row.id = x->id;
	row.type = wf->name;
	row.brand = x->brand;
	row.status = exec_status_names[XS_RUNNING];
	row.input = x->input;
	row.created_at = x->created_at;
	row.schedule = schedule;
	row.nsteps = wf->nsteps;
	row.steps = rows;
	for (i = 0; i < wf->nsteps; i++) {
		memset(&rows[i], 0, sizeof rows[i]);
		rows[i].idx = i;
		rows[i].name = wf->steps[i].name;
		rows[i].status = step_status_names[SS_PENDING];
	}
	rc = store_exec_insert(e->store, &row, &cause);
	if (rc != 0) {
		if (rc == 1)
			*reply = proto_reply_err(E_ALREADY_EXISTS,
			                         "execution %s already exists",
			                         x->id);
		else {
			tx_check(e, -1, cause);
			*reply = proto_reply_err(E_UNAVAILABLE, "store error");
		}
		exec_free(x);
		return NULL;
	}
	x->n = row.n;
	strmap_put(e->execs, x->id, x);
	atomic_fetch_add(&e->active, 1);
	history(e, x, "workflow_started", -1, 0, cJSON_Duplicate(input, 1));
	log_info("workflow_started", "execution=%s type=%s%s%s", x->id,
	         wf->name, schedule ? " schedule=" : "",
	         schedule ? schedule : "");
	mark_dirty(e, x);
	return x;
}

/* A workflow that works for a brand needs one the config knows. */
static int
check_brand(struct engine *e, const struct workflow *wf, const cJSON *input,
            char **cause)
{
	const char *brand = workflow_brand(input);

	if (!wf->needs_brand)
		return 0;
	if (brand == NULL) {
		xasprintf(cause,
		          "input: %s needs a brand: \"name\" or "
		          "{\"brand\": \"name\"}",
		          wf->name);
		return -1;
	}
	if (cJSON_GetObjectItem(cJSON_GetObjectItem(e->settings, "brands"),
	                        brand) == NULL) {
		xasprintf(cause, "input: no brand \"%s\" in the config", brand);
		return -1;
	}
	return 0;
}

static char *
call_start(struct engine *e, cJSON *params, struct reply_to rt, int wait,
           const char **created)
{
	const struct workflow *wf;
	const cJSON           *input;
	struct exec           *x;
	char                  *cause = NULL, *id, *reply = NULL;
	const char            *type = proto_str(params, "type");
	int                    tries;

	if ((wf = workflow_find(e->opts.types, type)) == NULL)
		return proto_reply_err(E_BAD_REQUEST,
		                       "params.type: no workflow type \"%s\"",
		                       type);
	input = cJSON_GetObjectItemCaseSensitive(params, "input");
	if (input == NULL)
		input = cJSON_AddNullToObject(params, "input");
	if ((wf->check_input != NULL && wf->check_input(input, &cause) != 0) ||
	    check_brand(e, wf, input, &cause) != 0) {
		reply = proto_reply_err(E_BAD_REQUEST, "params.%s", cause);
		free(cause);
		return reply;
	}
	if (proto_str(params, "id") != NULL) {
		id = xstrdup(proto_str(params, "id"));
		x = create_exec(e, wf, id, input, NULL, &reply);
		free(id);
	} else {
		/* A generated id that exists already: draw another. */
		for (tries = 0; tries < 5; tries++) {
			free(reply);
			reply = NULL;
			id = new_id(wf);
			x = create_exec(e, wf, id, input, NULL, &reply);
			free(id);
			if (x != NULL ||
			    strstr(reply, "already_exists") == NULL)
				break;
		}
	}
	if (x == NULL)
		return reply;
	*created = x->id;
	if (wait) {
		struct waiter *w = xcalloc(1, sizeof *w);

		w->rt = rt;
		w->next = x->waiters;
		x->waiters = w;
		return NULL;
	}
	{
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "id", x->id);
		return proto_reply_ok(r);
	}
}

static char *
not_found_or_error(const char *id, char *cause)
{
	char *reply;

	if (cause == NULL)
		return proto_reply_err(E_NOT_FOUND, "no execution %s", id);
	reply = proto_reply_err(E_INTERNAL, "%s", cause);
	free(cause);
	return reply;
}

/* An open execution is always in memory, unless reloading after a store
 * failure failed too: then its copy from the store must not be changed. */
static char *
loaded_running(const struct exec *x, int loaded)
{
	if (!loaded || !OPEN(x))
		return NULL;
	return proto_reply_err(E_UNAVAILABLE,
	                       "execution %s is not loaded (the store failed "
	                       "earlier); restart heraldd",
	                       x->id);
}

static char *
call_cancel(struct engine *e, cJSON *params)
{
	const char  *id = proto_str(params, "id");
	const char  *reason = proto_str(params, "reason");
	struct exec *x;
	cJSON       *data, *r;
	char        *cause = NULL, *reply;
	int          loaded, i;

	if ((x = find_exec(e, id, &loaded, &cause)) == NULL)
		return not_found_or_error(id, cause);
	if (loaded || !OPEN(x)) {
		reply = loaded_running(x, loaded);
		if (reply == NULL)
			reply = proto_reply_err(
			    E_INVALID_STATE, "execution %s is %s, not running",
			    id, exec_status_names[x->status]);
		if (loaded)
			exec_free(x);
		return reply;
	}
	for (i = 0; i < x->wf->nsteps; i++) {
		struct step *s = &x->steps[i];

		switch (s->status) {
		case SS_RUNNING:
			if (x->wf->steps[i].side_effect) {
				/* It may be posting right now: aborted, it is
				 * in doubt (the photo stays used; a retry
				 * checks it first; a late success still
				 * completes it). */
				end_attempt(e, x, i);
				step_in_doubt(e, x, i,
				              "cancelled while publishing: it "
				              "may have gone out");
				break;
			}
			/* FALLTHROUGH */
		case SS_PENDING:
		case SS_RETRY_WAIT:
		case SS_WAITING:
			/* A running attempt is aborted; its result, if it
			 * still comes, is dropped by the attempt fence. */
			end_attempt(e, x, i);
			s->status = SS_CANCELLED;
			s->finished_at = clock_ms();
			save_step(e, x, i);
			break;
		default:
			break;
		}
	}
	free(x->error);
	xasprintf(&x->error, "cancelled%s%s", reason ? ": " : "",
	          reason ? reason : "");
	data = cJSON_CreateObject();
	if (reason != NULL)
		cJSON_AddStringToObject(data, "reason", reason);
	close_exec(e, x, XS_CANCELLED, "workflow_cancelled", data);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "status", "cancelled");
	return proto_reply_ok(r);
}

static char *
call_retry(struct engine *e, cJSON *params)
{
	struct schedule *sc;
	const char      *id = proto_str(params, "id");
	struct exec     *x;
	cJSON           *data, *r, *reset;
	char            *cause = NULL;
	int              loaded, i;

	if ((x = find_exec(e, id, &loaded, &cause)) == NULL)
		return not_found_or_error(id, cause);
	if (x->status != XS_FAILED && x->status != XS_CANCELLED) {
		char *reply =
		    proto_reply_err(E_INVALID_STATE,
		                    "execution %s is %s; only failed "
		                    "or cancelled ones can be retried",
		                    id, exec_status_names[x->status]);

		if (loaded)
			exec_free(x);
		return reply;
	}
	/* Its photo comes back with it, unless another run took it. */
	switch (tx(e) == 0 ? store_claims_reserve(e->store, x->n, &cause)
	                   : -1) {
	case 1: {
		char *reply = proto_reply_err(
		    E_INVALID_STATE,
		    "what execution %s had claimed (its photo) was taken by "
		    "another run since; start a new run",
		    id);

		if (loaded)
			exec_free(x);
		return reply;
	}
	case -1:
		tx_check(e, -1, cause);
		if (loaded)
			exec_free(x);
		return proto_reply_err(E_UNAVAILABLE, "store error");
	}
	/* Completed steps keep their results, so nothing is done twice;
	 * in_doubt steps are checked first (below), or stay for an operator
	 * when they cannot be. */
	reset = cJSON_CreateArray();
	for (i = 0; i < x->wf->nsteps; i++) {
		struct step *s = &x->steps[i];

		if (s->status == SS_COMPLETED || s->status == SS_IN_DOUBT)
			continue;
		s->status = SS_PENDING;
		s->base = s->attempt; /* a fresh retry budget */
		s->interrupts = 0;
		s->next_at = 0;
		save_step(e, x, i);
		cJSON_AddItemToArray(reset,
		                     cJSON_CreateString(x->wf->steps[i].name));
	}
	x->status = XS_RUNNING;
	x->failing = 0;
	x->failed_step = -1;
	x->closed_at = 0;
	free(x->error);
	x->error = NULL;
	save_exec(e, x);
	data = cJSON_CreateObject();
	cJSON_AddItemToObject(data, "steps", reset);
	history(e, x, "workflow_reset", -1, 0, data);
	log_info("workflow_reset", "execution=%s", id);
	strmap_put(e->execs, x->id, x);
	atomic_fetch_add(&e->active, 1);
	if (x->schedule != NULL &&
	    (sc = strmap_get(e->scheds, x->schedule)) != NULL)
		sc->open_runs++;
	/* A publish whose outcome is unknown is checked before anything
	 * else happens to it. */
	for (i = 0; i < x->wf->nsteps; i++)
		if (x->steps[i].status == SS_IN_DOUBT &&
		    x->wf->steps[i].check != NULL)
			start_attempt(e, x, i, START_CHECK);
	mark_dirty(e, x);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "status", "running");
	return proto_reply_ok(r);
}

static char *
call_resolve(struct engine *e, cJSON *params)
{
	const char  *id = proto_str(params, "id");
	const char  *name = proto_str(params, "step");
	int          done = strcmp(proto_str(params, "outcome"), "done") == 0;
	struct exec *x;
	struct step *s;
	cJSON       *data, *r;
	char        *cause = NULL, *reply;
	int          loaded, i;

	if ((x = find_exec(e, id, &loaded, &cause)) == NULL)
		return not_found_or_error(id, cause);
	for (i = 0; i < x->wf->nsteps; i++)
		if (strcmp(x->wf->steps[i].name, name) == 0)
			break;
	if (i == x->wf->nsteps) {
		reply = proto_reply_err(
		    E_NOT_FOUND, "execution %s has no step %s", id, name);
		goto out;
	}
	if ((reply = loaded_running(x, loaded)) != NULL)
		goto out;
	s = &x->steps[i];
	if (s->status != SS_IN_DOUBT) {
		reply = proto_reply_err(E_INVALID_STATE,
		                        "step %s of %s is %s, not in doubt "
		                        "(the run is %s)",
		                        name, id, step_status_names[s->status],
		                        exec_status_names[x->status]);
		goto out;
	}
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "outcome", done ? "done" : "retry");
	if (done) {
		s->status = SS_COMPLETED;
		s->finished_at = clock_ms();
		set_str(&s->result, "{\"resolved\":\"done\"}");
	} else {
		/* The operator knows it did not happen: run it again (in a
		 * closed run, when the run is retried). */
		s->status = SS_PENDING;
		s->finished_at = 0;
	}
	if (!done)
		s->interrupts = 0; /* a fresh start, by an operator */
	if (OPEN(x) && x->status == XS_IN_DOUBT)
		exec_in_doubt_ends(e, x);
	save_step(e, x, i);
	history(e, x, "step_resolved", i, s->attempt, data);
	/* A closed run (cancelled while it published, or failed before
	 * heraldd kept runs open for their doubts) stays closed: a retry of
	 * it then skips the step (done) or runs it (retry). */
	log_info("step_resolved", "execution=%s step=%s outcome=%s", id, name,
	         done ? "done" : "retry");
	/* Now, so the answer says what became of the run (a failing one
	 * closes failed here). */
	if (!loaded)
		advance(e, x);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "id", id);
	cJSON_AddStringToObject(r, "step", name);
	cJSON_AddStringToObject(r, "status", step_status_names[s->status]);
	cJSON_AddStringToObject(r, "execution_status",
	                        exec_status_names[x->status]);
	reply = proto_reply_ok(r);
out:
	if (loaded)
		exec_free(x);
	return reply;
}

/* Approval decisions. Every one is checked against the run's state on the
 * engine thread, so of two operators deciding at once exactly one acts;
 * the other is told what happened. */

/* The run an approval call names, waiting at its gate (*gate: its index);
 * NULL with *reply otherwise. */
static struct exec *
approval_find(struct engine *e, cJSON *params, int *gate, char **reply)
{
	const char  *id = proto_str(params, "id");
	struct exec *x;
	char        *cause = NULL, *how = NULL;
	int          loaded, g;

	if ((x = find_exec(e, id, &loaded, &cause)) == NULL) {
		*reply = not_found_or_error(id, cause);
		return NULL;
	}
	if ((*reply = loaded_running(x, loaded)) != NULL)
		goto fail;
	if ((g = gate_of(x)) < 0) {
		*reply = proto_reply_err(E_INVALID_STATE,
		                         "execution %s (%s) has no approval "
		                         "gate",
		                         id, x->wf->name);
		goto fail;
	}
	if (x->status != XS_WAITING || x->steps[g].status != SS_WAITING) {
		/* Say what became of it: who decided, or why it ended. */
		if (x->steps[g].status == SS_COMPLETED) {
			char *by = result_str(x, g, "by");
			char *a = result_str(x, g, "approval");

			xasprintf(&how, " (approval: %s%s%s)", a ? a : "?",
			          by ? " by " : "", by ? by : "");
			free(by);
			free(a);
		} else if (x->error != NULL)
			xasprintf(&how, " (%s)", x->error);
		*reply = proto_reply_err(E_INVALID_STATE,
		                         "execution %s is %s, not "
		                         "waiting_approval%s",
		                         id, exec_status_names[x->status],
		                         how ? how : "");
		free(how);
		goto fail;
	}
	if (cJSON_GetObjectItem(params, "round") != NULL &&
	    proto_int(params, "round", 0) != x->steps[g].attempt) {
		/* The operator decided on a caption that was replaced. */
		*reply = proto_reply_err(
		    E_INVALID_STATE,
		    "execution %s now waits with another caption (round %d, "
		    "not %lld): look at it again",
		    id, x->steps[g].attempt,
		    (long long)proto_int(params, "round", 0));
		goto fail;
	}
	*gate = g;
	return x;
fail:
	if (loaded)
		exec_free(x);
	return NULL;
}

static char *
approval_reply_status(const char *id, const char *status)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "execution", id);
	cJSON_AddStringToObject(r, "status", status);
	return proto_reply_ok(r);
}

static char *
approval_reply(const struct exec *x)
{
	return approval_reply_status(x->id, exec_status_names[x->status]);
}

static const char *
who(cJSON *params)
{
	const char *by = proto_str(params, "by");

	return by != NULL ? by : "operator";
}

/* Ends a run at its gate: nothing is published, its photo goes back. */
static void
reject_run(struct engine *e, struct exec *x, const char *by, const char *reason)
{
	cJSON *data = cJSON_CreateObject();
	int    i;

	for (i = 0; i < x->wf->nsteps; i++) {
		struct step *s = &x->steps[i];

		if (s->status == SS_COMPLETED)
			continue;
		end_attempt(e, x, i);
		s->status = SS_CANCELLED;
		s->finished_at = clock_ms();
		save_step(e, x, i);
	}
	free(x->error);
	xasprintf(&x->error, "rejected by %s%s%s", by, reason ? ": " : "",
	          reason ? reason : "");
	cJSON_AddStringToObject(data, "by", by);
	if (reason != NULL)
		cJSON_AddStringToObject(data, "reason", reason);
	close_exec(e, x, XS_REJECTED, "workflow_rejected", data);
}

static void
decided(struct engine *e, struct exec *x, int g, const char *decision,
        const char *by, cJSON *data)
{
	cJSON_AddStringToObject(data, "decision", decision);
	cJSON_AddStringToObject(data, "by", by);
	history(e, x, "approval_decided", g, x->steps[g].attempt, data);
	log_info("approval_decided", "execution=%s decision=%s by=\"%s\"",
	         x->id, decision, by);
}

static char *approve(struct engine *, cJSON *);

static char *
call_approve(struct engine *e, cJSON *params)
{
	char       *trimmed = NULL, *reply;
	const char *edit = proto_str(params, "caption");

	/* What Meta would trim anyway, so that the check can find it. */
	if (edit != NULL) {
		size_t a = strspn(edit, " \t\r\n"), b = strlen(edit);

		while (b > a && strchr(" \t\r\n", edit[b - 1]) != NULL)
			b--;
		trimmed = xstrndup(edit + a, b - a);
		cJSON_ReplaceItemInObject(params, "caption",
		                          cJSON_CreateString(trimmed));
	}
	reply = approve(e, params);
	free(trimmed);
	return reply;
}

static char *
approve(struct engine *e, cJSON *params)
{
	const char  *edit = proto_str(params, "caption");
	const char  *by = who(params);
	struct exec *x;
	char        *reply = NULL, *before;
	cJSON       *data;
	size_t       n;
	int          g;

	if (edit != NULL) {
		/* An edited caption is held to what a generated one is. */
		for (n = 0;
		     edit[n] == ' ' || edit[n] == '\n' || edit[n] == '\t'; n++)
			;
		if (edit[n] == '\0')
			return proto_reply_err(E_BAD_REQUEST,
			                       "params.caption: empty");
		if (!utf8_valid(edit, strlen(edit)))
			return proto_reply_err(E_BAD_REQUEST,
			                       "params.caption: not valid "
			                       "UTF-8");
		if (utf8_chars(edit) > ACT_CAPTION_MAX)
			return proto_reply_err(
			    E_BAD_REQUEST,
			    "params.caption: %zu characters, over "
			    "Instagram's %d",
			    utf8_chars(edit), ACT_CAPTION_MAX);
	}
	if ((x = approval_find(e, params, &g, &reply)) == NULL)
		return reply;
	before = result_str(x, gated_step(x, g), "caption");
	if (edit != NULL && before != NULL && strcmp(edit, before) == 0)
		edit = NULL; /* unchanged */
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "caption", edit ? edit : before);
	if (edit != NULL && before != NULL)
		cJSON_AddStringToObject(data, "caption_before", before);
	decided(e, x, g, "approved", by, data);
	gate_pass(e, x, g, edit ? edit : before, edit ? "edited" : "approved",
	          by, edit ? before : NULL);
	free(before);
	return approval_reply(x);
}

static char *
call_reject(struct engine *e, cJSON *params)
{
	const char  *reason = proto_str(params, "reason");
	const char  *by = who(params);
	struct exec *x;
	char        *reply = NULL;
	cJSON       *data;
	int          g;

	if ((x = approval_find(e, params, &g, &reply)) == NULL)
		return reply;
	data = cJSON_CreateObject();
	if (reason != NULL)
		cJSON_AddStringToObject(data, "reason", reason);
	decided(e, x, g, "rejected", by, data);
	reply = approval_reply_status(x->id, "rejected");
	reject_run(e, x, by, reason);
	return reply;
}

static char *
call_regenerate(struct engine *e, cJSON *params)
{
	const char  *hint = proto_str(params, "hint");
	const char  *by = who(params);
	struct exec *x;
	struct step *s, *gs;
	char        *reply = NULL, *before;
	cJSON       *data, *prog, *old;
	int          g, k;

	if ((x = approval_find(e, params, &g, &reply)) == NULL)
		return reply;
	k = gated_step(x, g);
	before = result_str(x, k, "caption");
	data = cJSON_CreateObject();
	if (hint != NULL)
		cJSON_AddStringToObject(data, "hint", hint);
	if (before != NULL)
		cJSON_AddStringToObject(data, "caption_before", before);
	decided(e, x, g, "regenerate", by, data);
	/* The caption step runs again, with a fresh budget and the hint
	 * in its progress; the gate waits again after it. */
	s = &x->steps[k];
	old = s->progress != NULL ? cJSON_Parse(s->progress) : NULL;
	prog = cJSON_CreateObject();
	cJSON_AddNumberToObject(
	    prog, "round",
	    cJSON_GetNumberValue(cJSON_GetObjectItem(old, "round")) >= 1
	        ? cJSON_GetNumberValue(cJSON_GetObjectItem(old, "round")) + 1
	        : 1);
	cJSON_Delete(old);
	if (hint != NULL)
		cJSON_AddStringToObject(prog, "hint", hint);
	if (before != NULL)
		cJSON_AddStringToObject(prog, "caption_before", before);
	free(before);
	free(s->progress);
	s->progress = cJSON_PrintUnformatted(prog);
	cJSON_Delete(prog);
	s->status = SS_PENDING;
	s->base = s->attempt;
	save_step(e, x, k);
	gs = &x->steps[g];
	timer_clear(e, gs);
	gs->status = SS_PENDING;
	gs->next_at = 0;
	save_step(e, x, g);
	x->status = XS_RUNNING;
	save_exec(e, x);
	mark_dirty(e, x);
	return approval_reply(x);
}

/* After a config reload: runs waiting for a brand that no longer asks for
 * approval go on, as if approved by heraldd. (A changed timeout applies
 * to later waits: a waiting run keeps the deadline it was given.) */
static void
gates_recheck(struct engine *e)
{
	struct exec *x;
	const char  *mode;
	char        *caption;
	cJSON       *data;
	size_t       pos = 0;
	int          g;

	while ((x = strmap_next(e->execs, &pos)) != NULL) {
		if (x->status != XS_WAITING || (g = gate_of(x)) < 0)
			continue;
		mode = cJSON_GetStringValue(brand_setting(e, x, "approval"));
		if (mode != NULL && strcmp(mode, "required") == 0)
			continue;
		data = cJSON_CreateObject();
		cJSON_AddStringToObject(data, "reason",
		                        "approval is no longer required for "
		                        "the brand (config reloaded)");
		caption = result_str(x, gated_step(x, g), "caption");
		cJSON_AddStringToObject(data, "caption",
		                        caption ? caption : "");
		decided(e, x, g, "approved", "heraldd", data);
		gate_pass(e, x, g, caption, "config", "heraldd", NULL);
		free(caption);
	}
}

/* An approval waited past its deadline: the brand's on_timeout. */
static void
approval_expired(struct engine *e, struct exec *x, int g)
{
	const char *act =
	    cJSON_GetStringValue(brand_setting(e, x, "on_timeout"));
	cJSON *data = cJSON_CreateObject();
	char  *caption, *reason;

	if (act != NULL && strcmp(act, "approve") == 0) {
		cJSON_AddStringToObject(data, "action", "approve");
		decided(e, x, g, "expired", "heraldd", data);
		caption = result_str(x, gated_step(x, g), "caption");
		gate_pass(e, x, g, caption, "timeout", "heraldd", NULL);
		free(caption);
		return;
	}
	cJSON_AddStringToObject(data, "action", "reject");
	decided(e, x, g, "expired", "heraldd", data);
	xasprintf(&reason, "no decision before %s",
	          iso8601(x->steps[g].next_at, (char[32]){ 0 }, 32));
	reject_run(e, x, "heraldd", reason);
	free(reason);
}

/* Schedules: firing, catch-up after downtime, overlap, and the operator's
 * calls. All on the engine thread; a fire and its record (the execution it
 * starts, the fire row, the cursor) commit in one transaction, and the
 * execution's id is derived from the fire time, so no fire starts twice. */

static void
sched_save(struct engine *e, struct schedule *s)
{
	struct store_sched row;
	char              *cause = NULL;

	if (tx(e) != 0)
		return;
	schedule_to_row(s, &row);
	tx_check(e, store_sched_state(e->store, &row, &cause), cause);
}

static void
sched_put(struct engine *e, struct schedule *s)
{
	struct store_sched row;
	char              *cause = NULL;

	if (tx(e) != 0)
		return;
	schedule_to_row(s, &row);
	tx_check(e, store_sched_put(e->store, &row, &cause), cause);
}

/* A schedule event; takes data, adds the schedule's id to it. */
static void
sched_event(struct engine *e, struct schedule *s, struct exec *x,
            const char *type, cJSON *data)
{
	if (data == NULL)
		data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "schedule", s->id);
	history(e, x, type, -1, 0, data);
}

/* Fires s for the nominal time t: starts a run or records why not.
 * trigger: an operator's, now. Returns the outcome; *exec_out (if not
 * NULL) gets the execution's id, *detail_out why nothing started. */
static const char *
sched_fire(struct engine *e, struct schedule *s, int64_t t, int trigger,
           char **exec_out, char **detail_out)
{
	const char  *outcome;
	struct exec *x = NULL;
	cJSON       *input = NULL, *data, *r;
	char        *detail = NULL, *cause = NULL, *id, *reply = NULL, ts[32];
	char        *store_cause = NULL;

	if (s->wf == NULL) {
		outcome = "failed";
		xasprintf(&detail, "this heraldd has no workflow type %s",
		          s->workflow);
	} else if (s->open_runs > 0 && s->overlap == OVERLAP_SKIP) {
		outcome = "skipped";
		detail = xstrdup("a run is still open (overlap: skip)");
	} else if (s->open_runs > 0 && s->overlap == OVERLAP_BUFFER_ONE) {
		if (s->buffered_at == 0) {
			s->buffered_at = t;
			outcome = "buffered";
			detail = xstrdup("starts when the open run closes");
		} else {
			outcome = "skipped";
			detail = xstrdup("a run is open and another is "
			                 "buffered (overlap: buffer_one)");
		}
	} else {
		input = json_parse(s->input, strlen(s->input), NULL);
		if ((s->wf->check_input != NULL &&
		     s->wf->check_input(input, &cause) != 0) ||
		    check_brand(e, s->wf, input, &cause) != 0) {
			outcome = "failed";
			xasprintf(&detail, "bad input: %s", cause);
			free(cause);
		} else {
			id = schedule_exec_id(s, t);
			x = create_exec(e, s->wf, id, input, s->id, &reply);
			free(id);
			if (x != NULL) {
				outcome = "started";
				s->open_runs++;
			} else {
				r = cJSON_Parse(reply);
				outcome = "failed";
				detail = xstrdup(
				    cJSON_GetStringValue(cJSON_GetObjectItem(
				        cJSON_GetObjectItem(r, "error"),
				        "message")));
				cJSON_Delete(r);
				free(reply);
			}
		}
		cJSON_Delete(input);
	}
	if (tx(e) == 0)
		tx_check(e,
		         store_fire_add(e->store, s->id, t, clock_ms(), outcome,
		                        x ? x->id : NULL, detail, &store_cause),
		         store_cause);
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "fire_at", iso8601(t, ts, sizeof ts));
	cJSON_AddStringToObject(data, "outcome", outcome);
	if (detail != NULL)
		cJSON_AddStringToObject(data, "detail", detail);
	cJSON_AddBoolToObject(data, "trigger", trigger);
	sched_event(e, s, x, "schedule_fired", data);
	log_msg(strcmp(outcome, "started") == 0 ? LOG_INFO : LOG_WARN,
	        "schedule_fired", "schedule=%s fire_at=%s outcome=%s%s%s%s%s",
	        s->id, ts, outcome, x ? " execution=" : "", x ? x->id : "",
	        detail ? " detail=" : "", detail ? detail : "");
	if (exec_out != NULL)
		*exec_out = x != NULL ? xstrdup(x->id) : NULL;
	if (detail_out != NULL)
		*detail_out = detail;
	else
		free(detail);
	return outcome;
}

/* Due fires of every schedule. */
static void
sched_fire_due(struct engine *e, int64_t now)
{
	struct schedule *s;
	size_t           pos = 0;
	int              n;

	while ((s = strmap_next(e->scheds, &pos)) != NULL) {
		if (!s->paused && s->next_at >= 0 &&
		    now - s->next_at > s->catchup_ms) {
			/* The machine slept or the clock jumped: old fires
			 * follow the catch-up window, as after downtime. */
			sched_catch_up(e, s, now);
			continue;
		}
		for (n = 0; !s->paused && s->next_at >= 0 &&
		            schedule_due(s, s->next_at) <= now && n < 100;
		     n++) {
			sched_fire(e, s, s->next_at, 0, NULL, NULL);
			s->cursor_at = s->next_at;
			s->next_at = schedule_next(s, s->cursor_at);
			sched_save(e, s);
		}
	}
}

/* When the engine must wake for the next fire, or -1. */
static int64_t
sched_next_due(struct engine *e)
{
	struct schedule *s;
	size_t           pos = 0;
	int64_t          best = -1, due;

	while ((s = strmap_next(e->scheds, &pos)) != NULL) {
		if (s->paused || s->next_at < 0)
			continue;
		due = schedule_due(s, s->next_at);
		if (best < 0 || due < best)
			best = due;
	}
	return best;
}

/* After downtime: fires inside the catch-up window run (overlap
 * permitting); older ones are recorded as missed. */
static void
sched_catch_up(struct engine *e, struct schedule *s, int64_t now)
{
	int64_t last[50], t = s->cursor_at, f;
	int64_t count = 0, first = 0, i, n;
	cJSON  *data;
	char    ts[32], *cause = NULL;

	if (s->paused)
		return;
	for (n = 0;; n++) {
		f = schedule_next(s, t);
		if (f < 0 || schedule_due(s, f) > now)
			break;
		if (n == 1000000) {
			/* Years of a frequent schedule: skip to the window. */
			t = now - s->catchup_ms;
			continue;
		}
		if (f >= now - s->catchup_ms)
			sched_fire(e, s, f, 0, NULL, NULL);
		else {
			if (count == 0)
				first = f;
			last[count % 50] = f;
			count++;
		}
		t = f;
	}
	if (count > 0) {
		for (i = count > 50 ? count - 50 : 0; i < count; i++)
			if (tx(e) == 0)
				tx_check(e,
				         store_fire_add(
				             e->store, s->id, last[i % 50], now,
				             "missed", NULL,
				             "heraldd was down; outside "
				             "the catch-up window",
				             &cause),
				         cause);
		data = cJSON_CreateObject();
		cJSON_AddNumberToObject(data, "count", (double)count);
		json_add_time(data, "first", first);
		json_add_time(data, "last", last[(count - 1) % 50]);
		sched_event(e, s, NULL, "schedule_missed", data);
		log_warn("schedule_missed", "schedule=%s count=%lld last=%s",
		         s->id, (long long)count,
		         iso8601(last[(count - 1) % 50], ts, sizeof ts));
	}
	if (t > s->cursor_at)
		s->cursor_at = t;
	s->next_at = schedule_next(s, s->cursor_at);
	sched_save(e, s);
}

/* An execution a schedule started has closed: a buffered fire may go. */
static void
sched_run_closed(struct engine *e, const char *id)
{
	struct schedule *s = strmap_get(e->scheds, id);
	int64_t          t;

	if (s == NULL)
		return;
	if (s->open_runs > 0)
		s->open_runs--;
	/* While draining nothing starts: the buffered fire stays stored. */
	if (s->open_runs == 0 && s->buffered_at != 0 && !s->paused &&
	    !e->draining) {
		t = s->buffered_at;
		s->buffered_at = 0;
		sched_fire(e, s, t, 0, NULL, NULL);
		sched_save(e, s);
	}
}

static int
sched_same_spec(const struct schedule *a, const struct schedule *b)
{
	return strcmp(a->workflow, b->workflow) == 0 &&
	       strcmp(a->input, b->input) == 0 &&
	       strcmp(a->cron, b->cron) == 0 &&
	       strcmp(a->timezone, b->timezone) == 0 &&
	       a->overlap == b->overlap && a->catchup_ms == b->catchup_ms &&
	       a->jitter_ms == b->jitter_ms;
}

/* Takes ns, a schedule built from the config: creates it, or updates the
 * spec of the one with its id, keeping its runtime state. */
static void
sched_adopt_config(struct engine *e, struct schedule *ns, int64_t now)
{
	struct schedule *old = strmap_get(e->scheds, ns->id);
	cJSON           *data = cJSON_CreateObject();

	free(ns->source);
	ns->source = xstrdup("config");
	if (old == NULL) {
		ns->cursor_at = now;
		ns->created_at = now;
		ns->next_at = schedule_next(ns, now);
		strmap_put(e->scheds, ns->id, ns);
		sched_put(e, ns);
		cJSON_AddStringToObject(data, "source", "config");
		json_add_time(data, "next_fire", ns->paused ? 0 : ns->next_at);
		sched_event(e, ns, NULL, "schedule_created", data);
		log_info("schedule_created", "schedule=%s source=config",
		         ns->id);
		return;
	}
	/* The operator's state survives a reload. */
	ns->paused = old->paused;
	free(ns->note);
	ns->note = xstrdup(old->note);
	ns->cursor_at = old->cursor_at;
	ns->buffered_at = old->buffered_at;
	ns->created_at = old->created_at;
	ns->open_runs = old->open_runs;
	if (!sched_same_spec(ns, old) && ns->cursor_at < now)
		ns->cursor_at = now; /* a new spec fires from now on */
	ns->next_at = schedule_next(ns, ns->cursor_at);
	if (sched_same_spec(ns, old) && strcmp(old->source, "config") == 0) {
		cJSON_Delete(data);
	} else {
		sched_put(e, ns);
		json_add_time(data, "next_fire", ns->paused ? 0 : ns->next_at);
		sched_event(e, ns, NULL, "schedule_updated", data);
		log_info("schedule_updated", "schedule=%s", ns->id);
	}
	strmap_put(e->scheds, ns->id, ns);
	schedule_free(old);
}

static void
sched_remove(struct engine *e, struct schedule *s)
{
	char *cause = NULL;

	if (tx(e) == 0)
		tx_check(e, store_sched_del(e->store, s->id, &cause), cause);
	sched_event(e, s, NULL, "schedule_deleted", NULL);
	log_info("schedule_deleted", "schedule=%s", s->id);
	strmap_del(e->scheds, s->id);
	schedule_free(s);
}

/* The config's schedules now: list (taken) of n. Config schedules that
 * left the config are deleted; those made at run time stay. */
static void
sched_sync(struct engine *e, struct schedule **list, int n)
{
	struct schedule *s;
	size_t           pos = 0;
	int64_t          now = clock_ms();
	int              i, keep;

	for (;;) {
		pos = 0;
		while ((s = strmap_next(e->scheds, &pos)) != NULL) {
			if (strcmp(s->source, "config") != 0)
				continue;
			for (keep = 0, i = 0; i < n && !keep; i++)
				keep = strcmp(list[i]->id, s->id) == 0;
			if (!keep)
				break;
		}
		if (s == NULL)
			break;
		sched_remove(e, s); /* the map changed: look again */
	}
	for (i = 0; i < n; i++)
		sched_adopt_config(e, list[i], now);
	free(list);
}

static struct schedule *
find_sched(struct engine *e, cJSON *params, char **reply)
{
	const char      *id = proto_str(params, "id");
	struct schedule *s = strmap_get(e->scheds, id);

	if (s == NULL)
		*reply = proto_reply_err(E_NOT_FOUND, "no schedule %s", id);
	return s;
}

static char *
call_sched_create(struct engine *e, cJSON *params)
{
	struct store_sched row;
	struct schedule   *s;
	const cJSON       *input, *paused;
	cJSON             *res, *data;
	char              *cause = NULL, *reply, *cron, *in;
	const char        *v;
	int64_t            now = clock_ms();

	memset(&row, 0, sizeof row);
	row.id = proto_str(params, "id");
	/* Its runs are "<id>-20261128T090000Z": they must be valid ids. */
	if (strlen(row.id) > 100)
		return proto_reply_err(E_BAD_REQUEST,
		                       "params.id: at most 100 characters for "
		                       "a schedule");
	if (strmap_get(e->scheds, row.id) != NULL)
		return proto_reply_err(E_ALREADY_EXISTS,
		                       "schedule %s already exists", row.id);
	row.workflow = proto_str(params, "workflow");
	if (workflow_find(e->opts.types, row.workflow) == NULL)
		return proto_reply_err(E_BAD_REQUEST,
		                       "params.workflow: no workflow type "
		                       "\"%s\"",
		                       row.workflow);
	input = cJSON_GetObjectItemCaseSensitive(params, "input");
	row.timezone = proto_str(params, "timezone");
	row.overlap = proto_str(params, "overlap")
	                  ? proto_str(params, "overlap")
	                  : "skip";
	row.catchup_ms = 3600000;
	if ((v = proto_str(params, "catchup")) != NULL &&
	    parse_duration(v, &row.catchup_ms, &cause) != 0)
		goto bad_catchup;
	if ((v = proto_str(params, "jitter")) != NULL &&
	    parse_duration(v, &row.jitter_ms, &cause) != 0)
		goto bad_jitter;
	row.source = "api";
	paused = cJSON_GetObjectItemCaseSensitive(params, "paused");
	row.paused = cJSON_IsTrue(paused);
	row.note = proto_str(params, "note");
	row.cursor_at = now;
	row.created_at = row.updated_at = now;
	cron = cJSON_PrintUnformatted(
	    cJSON_GetObjectItemCaseSensitive(params, "cron"));
	in = input != NULL ? cJSON_PrintUnformatted(input) : xstrdup("null");
	row.cron = cron;
	row.input = in;
	s = schedule_from_row(&row, e->opts.types, &cause);
	if (s != NULL) {
		cJSON *parsed = cJSON_Parse(in);

		int k;

		if ((s->wf->check_input != NULL &&
		     s->wf->check_input(parsed, &cause) != 0) ||
		    check_brand(e, s->wf, parsed, &cause) != 0) {
			schedule_free(s);
			s = NULL;
		}
		/* "0 9 30 2 *" parses, and never comes (as the config
		 * loader says too). */
		for (k = 0; s != NULL && k < s->ncron; k++)
			if (cron_next(&s->crons[k], s->tz, now / 1000) < 0) {
				xasprintf(&cause,
				          "cron[%d]: \"%s\" never fires (no "
				          "such date in the next ten years)",
				          k, s->exprs[k]);
				schedule_free(s);
				s = NULL;
			}
		cJSON_Delete(parsed);
	}
	cJSON_free(cron);
	cJSON_free(in);
	if (s == NULL) {
		reply = proto_reply_err(E_BAD_REQUEST, "params.%s", cause);
		free(cause);
		return reply;
	}
	strmap_put(e->scheds, s->id, s);
	sched_put(e, s);
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "source", "api");
	json_add_time(data, "next_fire", s->paused ? 0 : s->next_at);
	sched_event(e, s, NULL, "schedule_created", data);
	log_info("schedule_created", "schedule=%s source=api", s->id);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "id", s->id);
	json_add_time(res, "next_fire", s->paused ? 0 : s->next_at);
	return proto_reply_ok(res);
bad_catchup:
	reply = proto_reply_err(E_BAD_REQUEST, "params.catchup: %s", cause);
	free(cause);
	return reply;
bad_jitter:
	reply = proto_reply_err(E_BAD_REQUEST, "params.jitter: %s", cause);
	free(cause);
	return reply;
}

/* Pauses or unpauses s with an operator's note (NULL: none). */
static void
sched_set_paused(struct engine *e, struct schedule *s, int pause,
                 const char *note)
{
	cJSON  *data;
	int64_t now = clock_ms();

	free(s->note);
	s->note = xstrdup(note);
	if (pause) {
		s->paused = 1;
		s->buffered_at = 0; /* a fire waiting to run does not */
	} else if (s->paused) {
		/* Fires that came while it was paused do not run now. */
		s->paused = 0;
		if (s->cursor_at < now)
			s->cursor_at = now;
		s->next_at = schedule_next(s, s->cursor_at);
	}
	sched_save(e, s);
	data = cJSON_CreateObject();
	if (note != NULL)
		cJSON_AddStringToObject(data, "note", note);
	if (!pause)
		json_add_time(data, "next_fire", s->next_at);
	sched_event(e, s, NULL, pause ? "schedule_paused" : "schedule_unpaused",
	            data);
	log_info(pause ? "schedule_paused" : "schedule_unpaused",
	         "schedule=%s note=\"%s\"", s->id, note ? note : "");
}

/* A brand's credentials failed for good (rule 9): pause every schedule
 * that starts runs for it, saying why, until an operator has fixed them. */
static void
sched_pause_brand(struct engine *e, const char *brand, const char *why)
{
	struct schedule *s;
	cJSON           *input;
	const char      *b;
	char            *note;
	size_t           pos = 0;

	xasprintf(&note,
	          "paused by heraldd: brand %s: %s (renew the token in the "
	          "environment or .env, restart heraldd, then unpause)",
	          brand, why);
	while ((s = strmap_next(e->scheds, &pos)) != NULL) {
		if (s->paused || (input = cJSON_Parse(s->input)) == NULL)
			continue;
		b = workflow_brand(input);
		if (b != NULL && strcmp(b, brand) == 0)
			sched_set_paused(e, s, 1, note);
		cJSON_Delete(input);
	}
	free(note);
}

static char *
call_sched_pause(struct engine *e, cJSON *params, int pause)
{
	struct schedule *s;
	const char      *note = proto_str(params, "note");
	cJSON           *res;
	char            *reply = NULL;

	if ((s = find_sched(e, params, &reply)) == NULL)
		return reply;
	sched_set_paused(e, s, pause, note);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "id", s->id);
	cJSON_AddBoolToObject(res, "paused", s->paused);
	if (s->note != NULL)
		cJSON_AddStringToObject(res, "note", s->note);
	else
		cJSON_AddNullToObject(res, "note");
	if (!pause)
		json_add_time(res, "next_fire", s->next_at);
	return proto_reply_ok(res);
}

static char *
call_sched_trigger(struct engine *e, cJSON *params)
{
	struct schedule *s;
	const char      *outcome;
	cJSON           *res;
	char            *reply = NULL, *exec = NULL, *detail = NULL;
	int64_t          now = clock_ms();

	if ((s = find_sched(e, params, &reply)) == NULL)
		return reply;
	outcome = sched_fire(e, s, now - now % 1000, 1, &exec, &detail);
	sched_save(e, s);
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "id", s->id);
	cJSON_AddStringToObject(res, "outcome", outcome);
	if (exec != NULL)
		cJSON_AddStringToObject(res, "execution", exec);
	else
		cJSON_AddNullToObject(res, "execution");
	if (detail != NULL)
		cJSON_AddStringToObject(res, "detail", detail);
	else
		cJSON_AddNullToObject(res, "detail");
	free(exec);
	free(detail);
	return proto_reply_ok(res);
}

static char *
call_sched_delete(struct engine *e, cJSON *params)
{
	struct schedule *s;
	cJSON           *res;
	char            *reply = NULL;

	if ((s = find_sched(e, params, &reply)) == NULL)
		return reply;
	/* Deleted here, the next reload would bring it back. */
	if (strcmp(s->source, "config") == 0)
		return proto_reply_err(
		    E_INVALID_STATE,
		    "schedule %s is declared in %s: it comes back at the next "
		    "reload unless removed there (pause it to stop its fires)",
		    s->id,
		    e->opts.config_path ? e->opts.config_path : "the config");
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "id", s->id);
	cJSON_AddTrueToObject(res, "deleted");
	sched_remove(e, s);
	return proto_reply_ok(res);
}

static int
sched_load_cb(void *arg, const struct store_sched *r)
{
	struct engine   *e = arg;
	struct schedule *s;
	char            *cause = NULL;

	if ((s = schedule_from_row(r, e->opts.types, &cause)) == NULL) {
		/* A zone file removed, say: keep the daemon up. */
		log_error("schedule_unloadable", "schedule=%s error=\"%s\"",
		          r->id, cause);
		free(cause);
		return 0;
	}
	if (s->wf == NULL)
		log_warn("schedule_workflow_missing",
		         "schedule=%s workflow=%s reason=\"this heraldd has no "
		         "such workflow type; its fires will fail\"",
		         s->id, s->workflow);
	strmap_put(e->scheds, s->id, s);
	return 0;
}

static void
rid_free(struct rid_rec *r)
{
	free(r->rid);
	free(r->method);
	free(r->exec_id);
	free(r->reply);
	free(r);
}

static void
rid_forget_all(struct engine *e)
{
	struct rid_rec *r;

	while ((r = TAILQ_FIRST(&e->rid_lru)) != NULL) {
		TAILQ_REMOVE(&e->rid_lru, r, entry);
		strmap_del(e->rids, r->rid);
		rid_free(r);
	}
}

/* Caches r (taking it), dropping the oldest beyond RID_CACHE; the store
 * still answers for those. */
static void
rid_cache(struct engine *e, struct rid_rec *r)
{
	struct rid_rec *old;

	TAILQ_INSERT_TAIL(&e->rid_lru, r, entry);
	strmap_put(e->rids, r->rid, r);
	if (strmap_count(e->rids) > RID_CACHE) {
		old = TAILQ_FIRST(&e->rid_lru);
		TAILQ_REMOVE(&e->rid_lru, old, entry);
		strmap_del(e->rids, old->rid);
		rid_free(old);
	}
}

static struct rid_rec *
rid_find(struct engine *e, const char *rid)
{
	struct rid_rec *r = strmap_get(e->rids, rid);
	char           *cause = NULL;
	int             rc;

	if (r != NULL)
		return r;
	r = xcalloc(1, sizeof *r);
	rc = store_request_get(e->store, rid, &r->method, &r->exec_id,
	                       &r->reply, &cause);
	if (rc != 0) {
		if (rc < 0) {
			log_error("request_lookup_failed", "error=\"%s\"",
			          cause);
			free(cause);
		}
		free(r);
		return NULL;
	}
	r->rid = xstrdup(rid);
	rid_cache(e, r);
	return r;
}

/* Answers a repeated request from what the first one did. */
static void
rid_repeat(struct engine *e, struct rid_rec *r, struct ev *ev)
{
	struct exec *x;
	char        *cause = NULL;
	int          loaded;

	log_info("request_repeated", "rid=%s method=%s", r->rid, r->method);
	if (strcmp(r->method, proto_methods[ev->method].name) != 0) {
		reply_later(e, ev->rt,
		            proto_reply_err(E_BAD_REQUEST,
		                            "rid: already used for %s",
		                            r->method));
		return;
	}
	if (r->reply != NULL) {
		reply_later(e, ev->rt, xstrdup(r->reply));
		return;
	}
	/* A workflow.execute: wait with the first, or answer if closed. */
	if ((x = find_exec(e, r->exec_id, &loaded, &cause)) == NULL) {
		reply_later(e, ev->rt, not_found_or_error(r->exec_id, cause));
		return;
	}
	if (!loaded && x->status != XS_IN_DOUBT) {
		struct waiter *w = xcalloc(1, sizeof *w);

		w->rt = ev->rt;
		w->next = x->waiters;
		x->waiters = w;
		return;
	}
	reply_later(e, ev->rt, execute_reply(x));
	if (loaded)
		exec_free(x);
}

static void
rid_record(struct engine *e, struct ev *ev, const char *exec_id,
           const char *reply)
{
	struct rid_rec *r;
	char           *cause = NULL;

	if (tx(e) != 0)
		return;
	r = xcalloc(1, sizeof *r);
	r->rid = xstrdup(ev->rid);
	r->method = xstrdup(proto_methods[ev->method].name);
	r->exec_id = xstrdup(exec_id);
	r->reply = xstrdup(reply);
	tx_check(e,
	         store_request_add(e->store, r->rid, clock_ms(), r->method,
	                           r->exec_id, r->reply, &cause),
	         cause);
	rid_cache(e, r);
}

static int
transient(const char *reply)
{
	return strstr(reply, "\"code\":\"internal\"") != NULL ||
	       strstr(reply, "\"code\":\"unavailable\"") != NULL;
}

/* What the photo methods found, recorded (see engine_record_photos). */
static char *
call_record_photos(struct engine *e, const cJSON *rec)
{
	const char        *brand = proto_str(rec, "brand");
	const cJSON       *it;
	struct store_aside a;
	char              *cause = NULL;
	int64_t            now = clock_ms();
	int                n;

	if (brand == NULL || tx(e) != 0)
		return proto_reply_err(E_INTERNAL, "store: %s",
		                       e->tx_error ? e->tx_error : "no brand");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(rec, "aside"))
	{
		memset(&a, 0, sizeof a);
		a.scope = brand;
		a.key = proto_str(it, "key");
		a.identity = proto_str(it, "identity");
		a.reason = proto_str(it, "reason");
		a.at = now;
		if (a.key != NULL && a.identity != NULL && a.reason != NULL)
			tx_check(e, store_aside_put(e->store, &a, &cause),
			         cause);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(rec, "back"))
	{
		if (cJSON_IsString(it))
			tx_check(e,
			         store_aside_del(e->store, brand,
			                         it->valuestring, &cause),
			         cause);
	}
	n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(rec, "used"))
	{
		if (!cJSON_IsString(it))
			continue;
		switch (store_claim_used(e->store, "photo", brand,
		                         it->valuestring, now, &cause)) {
		case 0:
			n++;
			break;
		case -1:
			tx_check(e, -1, cause);
			break;
		}
	}
	if (cJSON_GetObjectItem(rec, "marked") != NULL) {
		/* On record: who marked what, with the counts. */
		cJSON *data =
		    cJSON_Duplicate(cJSON_GetObjectItem(rec, "marked"), 1);

		cJSON_AddStringToObject(data, "brand", brand);
		history(e, NULL, "photo_marked_used", -1, 0, data);
		log_info("photo_marked_used", "brand=%s new=%d", brand, n);
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(rec, "removed"))
	{
		if (cJSON_IsString(it))
			tx_check(e,
			         store_variant_removed(
			             e->store, it->valuestring, now, &cause),
			         cause);
	}
	return xstrdup(proto_str(rec, "reply") ? proto_str(rec, "reply")
	                                       : "{\"v\":1,\"ok\":true,"
	                                         "\"result\":null}");
}

static void
apply_call(struct engine *e, struct ev *ev)
{
	struct rid_rec *r;
	const char     *created = NULL;
	char           *reply = NULL;

	if (ev->rid != NULL && (r = rid_find(e, ev->rid)) != NULL) {
		rid_repeat(e, r, ev);
		return;
	}
	if (e->draining) {
		/* Nothing is remembered: the same request acts once heraldd
		 * is back. */
		reply_later(e, ev->rt,
		            proto_reply_err(E_UNAVAILABLE,
		                            "heraldd is stopping: it lets the "
		                            "running steps finish and takes "
		                            "no changes; try again once it is "
		                            "back"));
		return;
	}
	switch (ev->method) {
	case M_WORKFLOW_START:
		reply = call_start(e, ev->params, ev->rt, 0, &created);
		break;
	case M_WORKFLOW_EXECUTE:
		reply = call_start(e, ev->params, ev->rt, 1, &created);
		break;
	case M_WORKFLOW_CANCEL:
		reply = call_cancel(e, ev->params);
		break;
	case M_WORKFLOW_RETRY:
		reply = call_retry(e, ev->params);
		break;
	case M_WORKFLOW_RESOLVE:
		reply = call_resolve(e, ev->params);
		break;
	case M_SCHEDULE_CREATE:
		reply = call_sched_create(e, ev->params);
		break;
	case M_SCHEDULE_PAUSE:
		reply = call_sched_pause(e, ev->params, 1);
		break;
	case M_SCHEDULE_UNPAUSE:
		reply = call_sched_pause(e, ev->params, 0);
		break;
	case M_SCHEDULE_TRIGGER:
		reply = call_sched_trigger(e, ev->params);
		break;
	case M_SCHEDULE_DELETE:
		reply = call_sched_delete(e, ev->params);
		break;
	case M_APPROVAL_APPROVE:
		reply = call_approve(e, ev->params);
		break;
	case M_APPROVAL_REJECT:
		reply = call_reject(e, ev->params);
		break;
	case M_APPROVAL_REGENERATE:
		reply = call_regenerate(e, ev->params);
		break;
	case M_PHOTO_CHECK: /* only from engine_record_photos */
		reply = call_record_photos(e, ev->params);
		break;
	default:
		reply = proto_reply_err(E_INTERNAL, "%s is not an engine call",
		                        proto_methods[ev->method].name);
		break;
	}
	/* Answers that may differ next time are not remembered. */
	if (ev->rid != NULL && (reply == NULL || !transient(reply)))
		rid_record(e, ev, reply == NULL ? created : NULL, reply);
	if (reply != NULL)
		reply_later(e, ev->rt, reply);
	/* else: a workflow.execute waiting; answered when it closes. */
}

static double
number_or_0(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(o, key);

	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15
	           ? v->valuedouble
	           : 0;
}

/* The variants a pick made, for retention. */
static void
record_variants(struct engine *e, struct exec *x, const cJSON *list,
                const char *key)
{
	struct store_variant v;
	const cJSON         *it;
	char                *cause = NULL;

	cJSON_ArrayForEach(it, list)
	{
		memset(&v, 0, sizeof v);
		v.location =
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "location"));
		v.channel =
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "channel"));
		v.scope = x->brand ? x->brand : "";
		v.key = key;
		v.execution = x->id;
		v.made_at = clock_ms();
		if (v.location == NULL || v.channel == NULL || key == NULL ||
		    tx(e) != 0)
			continue;
		tx_check(e, store_variant_put(e->store, &v, &cause), cause);
	}
}

/* What a result asks the engine to record (see activity.h), in this
 * turn's transaction. -1 with *why when a claimed key is taken. */
static int
record_effects(struct engine *e, struct exec *x, const char *result, char **why)
{
	cJSON                   *r = cJSON_Parse(result), *claim, *pubs, *p;
	struct store_publication row;
	const char              *kind, *key;
	char                    *cause = NULL;
	int                      rc = 0;

	claim = cJSON_GetObjectItem(r, "_claim");
	kind = cJSON_GetStringValue(cJSON_GetObjectItem(claim, "kind"));
	key = cJSON_GetStringValue(cJSON_GetObjectItem(claim, "key"));
	if (kind != NULL && key != NULL && tx(e) == 0) {
		switch (store_claim_add(e->store, x->n, kind,
		                        x->brand ? x->brand : "", key,
		                        clock_ms(), &cause)) {
		case 1:
			xasprintf(why, "%s %s was just taken by another run",
			          kind, key);
			rc = -1;
			break;
		case -1:
			tx_check(e, -1, cause);
			break;
		case 0:
			/* Picked: whatever set it aside was fixed. */
			if (tx(e) == 0)
				tx_check(e,
				         store_aside_del(
				             e->store, x->brand ? x->brand : "",
				             key, &cause),
				         cause);
			break;
		}
	}
	if (rc == 0)
		record_variants(e, x, cJSON_GetObjectItem(r, "_variants"), key);
	pubs = cJSON_GetObjectItem(r, "_publications");
	cJSON_ArrayForEach(p, pubs)
	{
		if (rc != 0 || tx(e) != 0)
			break;
		memset(&row, 0, sizeof row);
		row.execution = x->id;
		row.brand = x->brand;
		row.channel =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "channel"));
		if (row.channel == NULL)
			continue;
		row.post_id =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "post_id"));
		row.permalink =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "permalink"));
		row.caption =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "caption"));
		row.photo_key =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "photo_key"));
		row.model =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "model"));
		row.input_tokens = (int64_t)number_or_0(p, "input_tokens");
		row.output_tokens = (int64_t)number_or_0(p, "output_tokens");
		row.cost_usd = number_or_0(p, "cost_usd");
		row.published_at = clock_ms();
		tx_check(e, store_publication_add(e->store, &row, &cause),
		         cause);
	}
	cJSON_Delete(r);
	return rc;
}

/* A publish of a run cancelled while it ran came back saying it went
 * out: its step (left in doubt by the cancel) is completed in the store,
 * so that a retry of the run neither checks nor publishes it again. */
static void
late_success(struct engine *e, struct act_job *j)
{
	struct exec *x;
	struct step *s;
	char        *cause = NULL;
	cJSON       *data;
	int          loaded;

	if ((x = find_exec(e, j->exec_id, &loaded, &cause)) == NULL) {
		free(cause);
		return;
	}
	s = &x->steps[j->step];
	if (loaded && s->status == SS_IN_DOUBT && s->attempt == j->attempt) {
		char *why = NULL;

		/* On record, though the run closed (rule 12). */
		if (record_effects(e, x, j->out.result, &why) != 0)
			free(why);
		s->status = SS_COMPLETED;
		set_str(&s->result, j->out.result);
		save_step(e, x, j->step);
		data = cJSON_CreateObject();
		cJSON_AddTrueToObject(data, "after_close");
		history(e, x, "step_completed", j->step, s->attempt, data);
		log_warn("step_completed",
		         "execution=%s step=%s attempt=%d after_close=1 "
		         "reason=\"the run was closed while it published\"",
		         x->id, j->def->name, s->attempt);
	}
	if (loaded)
		exec_free(x);
}

static void
apply_result(struct engine *e, struct act_job *j)
{
	struct exec *x = strmap_get(e->execs, j->exec_id);
	struct step *s;
	char        *why = NULL;

	if (x == NULL && j->def->side_effect && j->out.status == ACT_OK) {
		late_success(e, j);
		return;
	}
	if (x != NULL && j->def->side_effect && j->out.status == ACT_OK &&
	    (s = &x->steps[j->step])->status == SS_IN_DOUBT &&
	    s->attempt == j->attempt) {
		/* The publish put in doubt when its worker did not stop in
		 * time came back saying it went out: it did (rule 12). */
		log_warn("step_completed",
		         "execution=%s step=%s attempt=%d late=1 "
		         "reason=\"the worker came back after the step was "
		         "put in doubt\"",
		         x->id, j->def->name, j->attempt);
		if (record_effects(e, x, j->out.result, &why) != 0)
			free(why); /* a publish claims nothing */
		step_completed(e, x, j->step, j->out.result);
		if (x->status == XS_IN_DOUBT)
			exec_in_doubt_ends(e, x);
		return;
	}
	if (x != NULL && j->out.aside != NULL)
		record_aside(e, x, j->out.aside); /* even from a late try */
	if (x == NULL || (s = &x->steps[j->step])->status != SS_RUNNING ||
	    s->attempt != j->attempt) {
		log_debug("result_dropped",
		          "execution=%s step=%s attempt=%d reason=fenced",
		          j->exec_id, j->def->name, j->attempt);
		return;
	}
	if (j->out.progress != NULL)
		set_str(&s->progress, strcmp(j->out.progress, "null") == 0
		                          ? NULL
		                          : j->out.progress);
	if (s->overdue && j->out.status != ACT_OK &&
	    j->out.status != ACT_WAIT) {
		/* The aborted, timed-out attempt of a side effect is back:
		 * whatever it says, it may have taken effect. */
		char *msg;

		xasprintf(&msg, "timed out after %lld ms, then: %s",
		          (long long)j->def->timeout_ms, j->out.error);
		step_unknown(e, x, j->step, msg, 1);
		free(msg);
		return;
	}
	switch (j->out.status) {
	case ACT_OK:
		if (record_effects(e, x, j->out.result, &why) != 0) {
			/* Another run was faster to what this one picked:
			 * not a failure, a race. Pick again at once, using
			 * no attempt (the other run's claim is now seen). */
			char *again;

			xasprintf(&again, "%s: picking again", why);
			step_wait(e, x, j->step, again, 0);
			free(again);
			free(why);
			break;
		}
		step_completed(e, x, j->step, j->out.result);
		break;
	case ACT_RETRY:
		step_failed(e, x, j->step, j->out.error, 1,
		            j->out.retry_after_ms, j->out.usage);
		break;
	case ACT_FAIL:
		step_failed(e, x, j->step, j->out.error, 0, 0, j->out.usage);
		if (j->out.pause_brand && x->brand != NULL)
			sched_pause_brand(e, x->brand, j->out.error);
		break;
	case ACT_WAIT:
		step_wait(e, x, j->step, j->out.error, j->out.retry_after_ms);
		break;
	case ACT_UNKNOWN:
		if (j->def->side_effect)
			step_unknown(e, x, j->step, j->out.error, 1);
		else
			step_failed(e, x, j->step, j->out.error, 1, 0,
			            j->out.usage);
		if (j->out.pause_brand && x->brand != NULL)
			sched_pause_brand(e, x->brand, j->out.error);
		break;
	}
}

/* Due timers: retries to start, deadlines to enforce. */
static void
fire_timers(struct engine *e, int64_t now)
{
	struct step    *s;
	struct exec    *x;
	enum timer_kind kind;
	char           *msg;

	while (e->nheap > 0 && e->heap[0]->due <= now) {
		s = e->heap[0];
		x = s->x;
		kind = s->tkind;
		timer_clear(e, s);
		if (!OPEN(x))
			continue;
		if (kind == TM_RETRY && s->status == SS_RETRY_WAIT) {
			/* While draining, the stored next_at brings it back
			 * at the next start. */
			if (!x->failing && !e->draining)
				start_attempt(e, x, s->idx, START_RUN);
		} else if (kind == TM_POLL && s->status == SS_WAITING) {
			if (!x->failing && !e->draining)
				start_attempt(e, x, s->idx, START_CONTINUE);
		} else if (kind == TM_EXPIRE && s->status == SS_WAITING &&
		           x->status == XS_WAITING) {
			approval_expired(e, x, s->idx);
		} else if (kind == TM_DEADLINE && s->status == SS_RUNNING) {
			xasprintf(&msg, "timed out after %lld ms",
			          (long long)x->wf->steps[s->idx].timeout_ms);
			history(e, x, "step_timed_out", s->idx, s->attempt,
			        NULL);
			if (x->wf->steps[s->idx].side_effect) {
				/* A publish may be going out right now: abort
				 * it and wait for the worker to say how it
				 * ended, so that no check or retry races it. */
				s->overdue = 1;
				abort_later(e, tok_ref(s->cancel));
				timer_set(e, s, now + OVERDUE_GRACE_MS,
				          TM_GRACE);
			} else
				step_failed(e, x, s->idx, msg, 1, 0, NULL);
			free(msg);
		} else if (kind == TM_GRACE && s->status == SS_RUNNING) {
			step_unknown(e, x, s->idx,
			             "timed out, and the worker did not stop "
			             "when told to",
			             0);
		}
	}
}

/* The worker side. */

/* The crash tests' hook (struct engine: kill_step). */
static void
test_kill(const struct act_job *j, const char *point)
{
	log_warn("test_kill", "execution=%s step=%s attempt=%d point=%s",
	         j->exec_id, j->def->name, j->attempt, point);
	kill(getpid(), SIGKILL);
}

static void
job_run(struct job *job, void *ctx)
{
	struct act_job *j = (struct act_job *)job;
	struct engine  *e = j->e;
	struct act_call c;
	struct ev      *ev;
	cJSON *input, *deps, *check, *settings, *taken, *aside, *progress;

	input = cJSON_Parse(j->input);
	deps = cJSON_Parse(j->deps);
	settings = j->settings != NULL ? cJSON_Parse(j->settings) : NULL;
	taken = j->taken != NULL ? cJSON_Parse(j->taken) : NULL;
	aside = j->aside != NULL ? cJSON_Parse(j->aside) : NULL;
	progress = j->progress != NULL ? cJSON_Parse(j->progress) : NULL;
	memset(&c, 0, sizeof c);
	c.exec_id = j->exec_id;
	c.step = j->def->name;
	c.attempt = j->try;
	c.check = j->check;
	c.input = input;
	c.deps = deps;
	c.settings = settings;
	c.taken = taken;
	c.aside = aside;
	c.progress = progress;
	c.created_at = j->created_at;
	c.prev_started_at = j->prev_started_at;
	c.deadline = j->deadline;
	c.cancel = &j->cancel->flag;
	c.http = ctx; /* the worker's own, from worker_init */
	if (j->check)
		j->def->check(&c, &j->out);
	else
		j->def->run(&c, &j->out);
	act_out_redact(&j->out); /* before anything keeps or shows it */
	cJSON_Delete(input);
	cJSON_Delete(deps);
	cJSON_Delete(settings);
	cJSON_Delete(taken);
	cJSON_Delete(aside);
	cJSON_Delete(progress);
	{
		/* Done before any stop came: whatever it says stands. */
		int zero = 0;

		atomic_compare_exchange_strong(&j->cancel->flag, &zero,
		                               TOK_DONE);
	}
	if (e->kill_step != NULL && e->kill_after &&
	    strcmp(e->kill_step, j->def->name) == 0)
		test_kill(j, "after");
	/* Results are stored as JSON: refuse anything else here, off the
	 * engine thread. */
	if (j->out.usage != NULL &&
	    (j->out.status == ACT_OK ||
	     (check = cJSON_Parse(j->out.usage)) == NULL)) {
		free(j->out.usage); /* only for failures, only JSON */
		j->out.usage = NULL;
	} else if (j->out.usage != NULL)
		cJSON_Delete(check);
	if (j->out.progress != NULL) {
		if ((check = cJSON_Parse(j->out.progress)) == NULL) {
			free(j->out.progress);
			j->out.progress = NULL;
			j->out.status = ACT_FAIL;
			free(j->out.error);
			j->out.error =
			    xstrdup("activity returned invalid JSON progress");
		}
		cJSON_Delete(check);
	}
	if (j->out.status == ACT_OK) {
		check = j->out.result ? cJSON_Parse(j->out.result) : NULL;
		if (check == NULL) {
			j->out.status = ACT_FAIL;
			free(j->out.error);
			j->out.error =
			    xstrdup("activity returned invalid JSON");
		}
		cJSON_Delete(check);
	} else if (j->out.error == NULL)
		j->out.error = xstrdup("activity failed without a message");

	atomic_fetch_sub(&e->inflight, 1);
	ev = xcalloc(1, sizeof *ev);
	ev->type = EV_RESULT;
	ev->job = j;
	pthread_mutex_lock(&e->lock);
	TAILQ_INSERT_TAIL(&e->inbox, ev, entry);
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static void
job_drop(struct job *job)
{
	struct act_job *j = (struct act_job *)job;

	atomic_fetch_sub(&j->e->running, 1);
	atomic_fetch_sub(&j->e->inflight, 1);
	act_job_free(j);
}

/* The loop. */

static void
ev_free(struct ev *ev)
{
	int i;

	for (i = 0; ev->scheds != NULL && i < ev->nscheds; i++)
		schedule_free(ev->scheds[i]);
	free(ev->scheds);
	if (ev->job != NULL)
		atomic_fetch_sub(&ev->job->e->running, 1);
	cJSON_Delete(ev->params);
	free(ev->rid);
	act_job_free(ev->job);
	free(ev);
}

static void
drop_effects(struct engine *e)
{
	struct act_job *j;
	struct reply   *r;
	struct pub     *p;

	while ((j = TAILQ_FIRST(&e->dispatch)) != NULL) {
		TAILQ_REMOVE(&e->dispatch, j, entry);
		atomic_fetch_sub(&e->running, 1);
		act_job_free(j);
	}
	/* The turn's replies said it worked: it did not. */
	while ((r = TAILQ_FIRST(&e->replies)) != NULL) {
		TAILQ_REMOVE(&e->replies, r, entry);
		free(r->text);
		r->rt.fn(r->rt.arg,
		         proto_reply_err(E_UNAVAILABLE,
		                         "the store could not commit: %s",
		                         e->tx_error ? e->tx_error : "error"));
		free(r);
	}
	while ((p = TAILQ_FIRST(&e->pubs)) != NULL) {
		TAILQ_REMOVE(&e->pubs, p, entry);
		cJSON_free(p->json);
		free(p);
	}
	while (e->naborts > 0)
		tok_unref(e->aborts[--e->naborts]);
}

static void
run_effects(struct engine *e)
{
	struct act_job *j;
	struct reply   *r;
	struct pub     *p;

	while (e->naborts > 0) {
		struct cancel_tok *t = e->aborts[--e->naborts];

		atomic_store(&t->flag, TOK_ABORT);
		tok_unref(t);
	}
	while ((j = TAILQ_FIRST(&e->dispatch)) != NULL) {
		TAILQ_REMOVE(&e->dispatch, j, entry);
		if (e->kill_step != NULL && !e->kill_after &&
		    strcmp(e->kill_step, j->def->name) == 0)
			test_kill(j, "start");
		atomic_fetch_add(&e->inflight, 1);
		pool_submit(e->pool, &j->job);
	}
	while ((p = TAILQ_FIRST(&e->pubs)) != NULL) {
		TAILQ_REMOVE(&e->pubs, p, entry);
		e->opts.publish(e->opts.publish_arg, p->topic, p->json);
		free(p);
	}
	while ((r = TAILQ_FIRST(&e->replies)) != NULL) {
		TAILQ_REMOVE(&e->replies, r, entry);
		r->rt.fn(r->rt.arg, r->text);
		free(r);
	}
}

static void
free_closed(struct engine *e)
{
	struct exec *x;

	while ((x = TAILQ_FIRST(&e->closed)) != NULL) {
		TAILQ_REMOVE(&e->closed, x, closed_entry);
		exec_free(x);
	}
}

/* Forgets every open execution and timer (keeping nothing in memory that
 * the store does not have), then loads them again. */
static void
reload(struct engine *e)
{
	struct strmap   *old;
	struct schedule *sc;
	struct exec     *x;
	char            *cause = NULL;
	size_t           pos = 0;

	TAILQ_INIT(&e->dirty);
	rid_forget_all(e);
	old = e->execs;
	e->execs = strmap_new();
	atomic_store(&e->active, 0);
	e->nheap = 0;
	e->seq = store_last_seq(e->store);
	if (load_open(e, 0, &cause) != 0) {
		log_error("store_reload_failed", "error=\"%s\"", cause);
		free(cause);
		cause = NULL;
	}
	/* Schedules too: what the failed turn changed in memory (a cursor,
	 * a run counted, a pause) was not stored. */
	pos = 0;
	while ((sc = strmap_next(e->scheds, &pos)) != NULL)
		schedule_free(sc);
	strmap_free(e->scheds);
	e->scheds = strmap_new();
	if (store_sched_load(e->store, sched_load_cb, e, &cause) != 0) {
		log_error("store_reload_failed", "error=\"%s\"", cause);
		free(cause);
	}
	pos = 0;
	while ((x = strmap_next(e->execs, &pos)) != NULL)
		if (x->schedule != NULL && HOLDS_SCHEDULE(x) &&
		    (sc = strmap_get(e->scheds, x->schedule)) != NULL)
			sc->open_runs++;
	pos = 0;
	/* Jobs still on workers keep their abort flag: hand each running
	 * step the token its job holds. */
	while ((x = strmap_next(e->execs, &pos)) != NULL) {
		struct exec *ox = strmap_get(old, x->id);
		int          i;

		for (i = 0; ox != NULL && i < x->wf->nsteps; i++) {
			struct step *s = &x->steps[i], *os = &ox->steps[i];

			if (s->status == SS_RUNNING && os->cancel != NULL &&
			    os->attempt == s->attempt) {
				tok_unref(s->cancel);
				s->cancel = os->cancel;
				os->cancel = NULL;
			}
		}
	}
	pos = 0;
	while ((x = strmap_next(old, &pos)) != NULL) {
		struct waiter *w = x->waiters;

		x->waiters = NULL;
		while (w != NULL) {
			struct waiter *next = w->next;

			w->rt.fn(
			    w->rt.arg,
			    proto_reply_err(E_UNAVAILABLE,
			                    "the store failed while waiting;"
			                    " see workflow describe"));
			free(w);
			w = next;
		}
		exec_free(x);
	}
	strmap_free(old);
}

/* One turn's end: commit, then effects; or roll back and reload. */
static void
finish_turn(struct engine *e)
{
	struct ev *ev;
	char      *cause = NULL;

	if (e->in_tx && e->tx_error == NULL &&
	    store_commit(e->store, &cause) != 0)
		e->tx_error = cause;
	e->in_tx = 0;
	if (e->tx_error != NULL) {
		log_error("commit_failed", "error=\"%s\"", e->tx_error);
		store_rollback(e->store);
		drop_effects(e);
		free_closed(e);
		reload(e);
		/* The results of this turn were not stored: apply them again
		 * next turn, first thing. */
		pthread_mutex_lock(&e->lock);
		TAILQ_CONCAT(&e->applied, &e->inbox, entry);
		TAILQ_CONCAT(&e->inbox, &e->applied, entry);
		pthread_mutex_unlock(&e->lock);
		free(e->tx_error);
		e->tx_error = NULL;
		return;
	}
	atomic_fetch_add(&e->commits, 1);
	atomic_store(&e->last_seq, e->seq);
	run_effects(e);
	free_closed(e);
	while ((ev = TAILQ_FIRST(&e->applied)) != NULL) {
		TAILQ_REMOVE(&e->applied, ev, entry);
		ev_free(ev);
	}
}

/* Forgets remembered requests once they are a day old (checked hourly). */
static void
prune_requests(struct engine *e)
{
	int64_t now = clock_ms();
	char   *cause = NULL;

	if (now - e->rid_pruned_at < RID_PRUNE_MS || tx(e) != 0)
		return;
	e->rid_pruned_at = now;
	tx_check(e, store_request_prune(e->store, now - RID_KEEP_MS, &cause),
	         cause);
}

static void
daemon_event(struct engine *e, const char *type)
{
	cJSON *data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "version", HERALD_VERSION);
	cJSON_AddNumberToObject(data, "pid", (double)getpid());
	cJSON_AddNumberToObject(data, "open_executions",
	                        (double)atomic_load(&e->active));
	history(e, NULL, type, -1, 0, data);
}

static void *
engine_main(void *arg)
{
	struct engine  *e = arg;
	struct ev_list  batch;
	struct ev      *ev;
	struct exec    *x;
	struct timespec ts;
	int64_t         now, wait_ms, due;

	pthread_setname_np(pthread_self(), "engine");
	for (;;) {
		pthread_mutex_lock(&e->lock);
		while (!e->stopping && TAILQ_EMPTY(&e->inbox) &&
		       !(e->drain_asked && !e->draining)) {
			now = clock_ms();
			due = e->draining ? -1 : sched_next_due(e);
			if (e->nheap > 0 && (due < 0 || e->heap[0]->due < due))
				due = e->heap[0]->due;
			if (due >= 0 && due <= now)
				break;
			wait_ms = due >= 0 ? due - now : 60000;
			if (wait_ms > 60000)
				wait_ms = 60000;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += wait_ms / 1000;
			ts.tv_nsec += (wait_ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&e->cond, &e->lock, &ts);
		}
		if (e->stopping) {
			pthread_mutex_unlock(&e->lock);
			/* Last words, so subscribers know it went away. */
			daemon_event(e, "daemon_stopping");
			finish_turn(e);
			break;
		}
		TAILQ_INIT(&batch);
		TAILQ_CONCAT(&batch, &e->inbox, entry);
		if (e->drain_asked && !e->draining) {
			e->draining = 1;
			pthread_cond_broadcast(&e->drained_cond);
			log_info("engine_draining",
			         "running=%lld next=\"the running steps may "
			         "finish; nothing new starts\"",
			         (long long)atomic_load(&e->running));
		}
		pthread_mutex_unlock(&e->lock);

		while ((ev = TAILQ_FIRST(&batch)) != NULL) {
			TAILQ_REMOVE(&batch, ev, entry);
			if (ev->type == EV_CALL) {
				apply_call(e, ev);
				ev_free(ev);
			} else if (ev->type == EV_CONFIG) {
				if (ev->params != NULL) {
					cJSON_Delete(e->settings);
					e->settings = ev->params;
					ev->params = NULL;
				}
				sched_sync(e, ev->scheds, ev->nscheds);
				ev->scheds = NULL;
				ev_free(ev);
				gates_recheck(e);
			} else {
				/* Kept until the turn commits: if it does
				 * not, the result is applied again. */
				apply_result(e, ev->job);
				TAILQ_INSERT_TAIL(&e->applied, ev, entry);
			}
		}
		fire_timers(e, clock_ms());
		if (!e->draining)
			sched_fire_due(e, clock_ms());
		prune_requests(e);
		while ((x = TAILQ_FIRST(&e->dirty)) != NULL) {
			TAILQ_REMOVE(&e->dirty, x, dirty_entry);
			x->dirty = 0;
			advance(e, x);
		}
		finish_turn(e);
	}
	return NULL;
}

void
engine_record_photos(struct engine *e, cJSON *records, struct reply_to rt)
{
	engine_call(e, M_PHOTO_CHECK, records, NULL, rt);
}

void
engine_call(struct engine *e, enum method_id method, cJSON *params,
            const char *rid, struct reply_to rt)
{
	struct ev *ev = xcalloc(1, sizeof *ev);

	ev->type = EV_CALL;
	ev->method = method;
	ev->params = params;
	ev->rid = xstrdup(rid);
	ev->rt = rt;
	pthread_mutex_lock(&e->lock);
	if (e->stopping) {
		pthread_mutex_unlock(&e->lock);
		rt.fn(rt.arg,
		      proto_reply_err(E_UNAVAILABLE, "heraldd is stopping"));
		ev_free(ev);
		return;
	}
	TAILQ_INSERT_TAIL(&e->inbox, ev, entry);
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

void
engine_drain(struct engine *e)
{
	pthread_mutex_lock(&e->lock);
	e->drain_asked = 1;
	pthread_cond_signal(&e->cond);
	/* Until the engine thread has taken it: from its next turn on,
	 * nothing new starts, so the running count only goes down. */
	while (!e->draining && !e->stopping)
		pthread_cond_wait(&e->drained_cond, &e->lock);
	pthread_mutex_unlock(&e->lock);
}

void
engine_stats(struct engine *e, struct engine_stats *st)
{
	st->active = atomic_load(&e->active);
	st->running = atomic_load(&e->running);
	st->commits = atomic_load(&e->commits);
	st->last_seq = atomic_load(&e->last_seq);
}

/* Each worker thread has its own HTTP (libcurl) handle. */
static void *
worker_init(void *arg, char **cause)
{
	(void)arg;
	(void)cause;
	return http_thread_new();
}

static void
worker_fini(void *ctx)
{
	http_thread_free(ctx);
}

/* Builds the config's schedules (NULL entries dropped, logged). */
static struct schedule **
build_config(const struct engine *e, const struct store_sched *rows, int n,
             int *count)
{
	struct schedule **list = xcalloc((size_t)n + 1, sizeof *list);
	char             *cause = NULL;
	int               i;

	*count = 0;
	for (i = 0; i < n; i++) {
		list[*count] =
		    schedule_from_row(&rows[i], e->opts.types, &cause);
		if (list[*count] == NULL) {
			log_error("schedule_invalid",
			          "schedule=%s error=\"%s\"", rows[i].id,
			          cause);
			free(cause);
			cause = NULL;
			continue;
		}
		if (list[*count]->wf == NULL)
			log_warn(
			    "schedule_workflow_missing",
			    "schedule=%s workflow=%s reason=\"this heraldd "
			    "has no such workflow type; its fires will "
			    "fail\"",
			    rows[i].id, rows[i].workflow);
		(*count)++;
	}
	return list;
}

/* Part of the recovery turn: stored schedules, their open runs, the
 * config's schedules, then what was missed while heraldd was down. */
static int
start_schedules(struct engine *e, char **cause)
{
	struct schedule *s, **list;
	struct exec     *x;
	size_t           pos = 0;
	int64_t          now = clock_ms();
	int              n;

	if (store_sched_load(e->store, sched_load_cb, e, cause) != 0)
		return -1;
	while ((x = strmap_next(e->execs, &pos)) != NULL)
		if (x->schedule != NULL && HOLDS_SCHEDULE(x) &&
		    (s = strmap_get(e->scheds, x->schedule)) != NULL)
			s->open_runs++;
	list = build_config(e, e->opts.scheds, e->opts.nscheds, &n);
	sched_sync(e, list, n);
	pos = 0;
	while ((s = strmap_next(e->scheds, &pos)) != NULL)
		sched_catch_up(e, s, now);
	return 0;
}

void
engine_reload(struct engine *e, const struct store_sched *rows, int n,
              const char *settings)
{
	struct ev *ev = xcalloc(1, sizeof *ev);

	ev->type = EV_CONFIG;
	ev->params = settings != NULL ? cJSON_Parse(settings) : NULL;
	ev->scheds = build_config(e, rows, n, &ev->nscheds);
	pthread_mutex_lock(&e->lock);
	TAILQ_INSERT_TAIL(&e->inbox, ev, entry);
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

struct engine *
engine_start(const struct engine_opts *opts, char **cause)
{
	struct engine     *e = xcalloc(1, sizeof *e);
	pthread_condattr_t ca;
	struct exec       *x;

	e->opts = *opts;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_cond_init(&e->drained_cond, NULL);
	pthread_condattr_destroy(&ca);
	TAILQ_INIT(&e->inbox);
	TAILQ_INIT(&e->dirty);
	TAILQ_INIT(&e->closed);
	TAILQ_INIT(&e->dispatch);
	TAILQ_INIT(&e->replies);
	TAILQ_INIT(&e->pubs);
	TAILQ_INIT(&e->applied);
	e->execs = strmap_new();
	e->scheds = strmap_new();
	e->settings =
	    opts->settings != NULL ? cJSON_Parse(opts->settings) : NULL;
	if (e->settings == NULL)
		e->settings = cJSON_CreateObject();
	e->rids = strmap_new();
	TAILQ_INIT(&e->rid_lru);
	if ((e->kill_step = xstrdup(getenv("HERALD_TEST_KILL"))) != NULL) {
		char *colon = strrchr(e->kill_step, ':');

		if (colon == NULL || (strcmp(colon, ":start") != 0 &&
		                      strcmp(colon, ":after") != 0))
			fatal("HERALD_TEST_KILL: \"%s\" is not "
			      "<step>:start or <step>:after",
			      e->kill_step);
		e->kill_after = strcmp(colon, ":after") == 0;
		*colon = '\0';
	}
	if ((e->store = store_open(opts->db_path, opts->sync_full, cause)) ==
	    NULL)
		goto fail;
	e->seq = store_last_seq(e->store);
	if ((e->pool = pool_start("worker", opts->workers, worker_init,
	                          worker_fini, NULL, cause)) == NULL)
		goto fail;

	/* Recovery runs as the first turn, before any call is taken. */
	if (load_open(e, 1, cause) != 0)
		goto fail;
	if (start_schedules(e, cause) != 0)
		goto fail;
	while ((x = TAILQ_FIRST(&e->dirty)) != NULL) {
		TAILQ_REMOVE(&e->dirty, x, dirty_entry);
		x->dirty = 0;
		advance(e, x);
	}
	prune_requests(e);
	daemon_event(e, "daemon_started");
	if (e->tx_error != NULL) {
		*cause = e->tx_error;
		e->tx_error = NULL;
		store_rollback(e->store);
		drop_effects(e);
		goto fail;
	}
	finish_turn(e);
	log_info("engine_started", "open_executions=%lld workers=%d",
	         (long long)atomic_load(&e->active), opts->workers);
	if (pthread_create(&e->thread, NULL, engine_main, e) != 0)
		fatal("pthread_create failed");
	return e;
fail:
	pool_stop(e->pool);
	e->pool = NULL;
	drop_effects(e);
	engine_stop(e);
	return NULL;
}

/* After the workers have stopped: stores the results they came back with
 * (a publish that went out must not look unknown at the next start), and
 * starts nothing new. Engine thread gone; called from engine_stop. */
static void
final_turn(struct engine *e)
{
	struct act_job *j;
	struct reply   *r;
	struct pub     *p;
	struct ev      *ev;
	struct exec    *x;
	char           *cause = NULL;
	int             ok;

	while ((ev = TAILQ_FIRST(&e->inbox)) != NULL) {
		TAILQ_REMOVE(&e->inbox, ev, entry);
		if (ev->type == EV_RESULT &&
		    atomic_load(&ev->job->cancel->flag) == TOK_STOP &&
		    ev->job->out.status != ACT_OK &&
		    ev->job->out.status != ACT_WAIT)
			/* Cut short by this stop: whatever it says, it
			 * stays running in the store, and the next start
			 * counts it as interrupted (re-run, or checked). */
			log_info("step_interrupted",
			         "execution=%s step=%s attempt=%d "
			         "next=\"taken up at the next start\"",
			         ev->job->exec_id, ev->job->def->name,
			         ev->job->attempt);
		else if (ev->type == EV_RESULT)
			apply_result(e, ev->job);
		else
			ev->rt.fn(ev->rt.arg,
			          proto_reply_err(E_UNAVAILABLE,
			                          "heraldd is stopping"));
		ev_free(ev);
	}
	while ((x = TAILQ_FIRST(&e->dirty)) != NULL) {
		TAILQ_REMOVE(&e->dirty, x, dirty_entry);
		x->dirty = 0; /* the next start takes it from here */
	}
	ok = e->tx_error == NULL &&
	     (!e->in_tx || store_commit(e->store, &cause) == 0);
	if (!ok) {
		log_error("commit_failed", "error=\"%s\" when=stopping",
		          e->tx_error ? e->tx_error : cause);
		store_rollback(e->store);
		free(cause);
	}
	e->in_tx = 0;
	/* Nothing new is dispatched: the pool has stopped. A check
	 * started here is committed as running, and recovery redoes it. */
	while ((j = TAILQ_FIRST(&e->dispatch)) != NULL) {
		TAILQ_REMOVE(&e->dispatch, j, entry);
		atomic_fetch_sub(&e->running, 1);
		act_job_free(j);
	}
	while ((p = TAILQ_FIRST(&e->pubs)) != NULL) {
		TAILQ_REMOVE(&e->pubs, p, entry);
		if (ok && e->opts.publish != NULL)
			e->opts.publish(e->opts.publish_arg, p->topic, p->json);
		else
			cJSON_free(p->json);
		free(p);
	}
	while ((r = TAILQ_FIRST(&e->replies)) != NULL) {
		TAILQ_REMOVE(&e->replies, r, entry);
		r->rt.fn(r->rt.arg, r->text);
		free(r);
	}
	while (e->naborts > 0)
		tok_unref(e->aborts[--e->naborts]);
	free(e->tx_error);
	e->tx_error = NULL;
	free_closed(e);
}

void
engine_stop(struct engine *e)
{
	struct timespec  tick = { 0, 10 * 1000000L };
	struct ev       *ev;
	struct exec     *x;
	struct schedule *sc;
	size_t           pos = 0;
	int64_t          drain, t0;
	int              k;

	if (e == NULL)
		return;
	if (e->pool != NULL) {
		/* Let running activities finish for a while (a publish half
		 * done is worse than a late exit), with the engine still
		 * storing what they return; then interrupt the rest. */
		drain =
		    e->opts.drain_ms == 0 ? ENGINE_DRAIN_MS : e->opts.drain_ms;
		if (drain > 0) {
			engine_drain(e);
			for (t0 = mono_ms(); atomic_load(&e->running) > 0 &&
			                     mono_ms() - t0 < drain;)
				nanosleep(&tick, NULL);
		}
		pthread_mutex_lock(&e->lock);
		e->stopping = 1;
		pthread_cond_signal(&e->cond);
		pthread_mutex_unlock(&e->lock);
		pthread_join(e->thread, NULL);
		if (atomic_load(&e->inflight) > 0)
			log_warn("engine_stopping",
			         "interrupting=%lld next=\"the next start runs "
			         "them again, or checks them if they publish; "
			         "they use no attempt\"",
			         (long long)atomic_load(&e->inflight));
		/* TOK_STOP: their results say "interrupted", not failed. */
		while ((x = strmap_next(e->execs, &pos)) != NULL)
			for (k = 0; k < x->wf->nsteps; k++)
				if (x->steps[k].cancel != NULL) {
					int zero = 0;

					atomic_compare_exchange_strong(
					    &x->steps[k].cancel->flag, &zero,
					    TOK_STOP);
				}
		pool_stop(e->pool);
		final_turn(e);
	}
	while ((ev = TAILQ_FIRST(&e->inbox)) != NULL) {
		TAILQ_REMOVE(&e->inbox, ev, entry);
		if (ev->type == EV_CALL)
			ev->rt.fn(ev->rt.arg,
			          proto_reply_err(E_UNAVAILABLE,
			                          "heraldd is stopping"));
		ev_free(ev);
	}
	pos = 0;
	while ((x = strmap_next(e->execs, &pos)) != NULL)
		exec_free(x);
	strmap_free(e->execs);
	pos = 0;
	while ((sc = strmap_next(e->scheds, &pos)) != NULL)
		schedule_free(sc);
	strmap_free(e->scheds);
	free_closed(e);
	rid_forget_all(e);
	strmap_free(e->rids);
	cJSON_Delete(e->settings);
	free(e->kill_step);
	while (e->naborts > 0)
		tok_unref(e->aborts[--e->naborts]);
	free(e->aborts);
	free(e->heap);
	store_close(e->store);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->cond);
	pthread_cond_destroy(&e->drained_cond);
	free(e);
}
