/*
 * store: SQLite schema, migrations and queries.
 *
 * The writer connection belongs to the engine thread; each reader
 * connection to one query thread (SQLITE_OPEN_NOMUTEX: a connection is
 * never shared). WAL lets readers run while the engine commits.
 *
 * Schema versions are kept in PRAGMA user_version; each migration runs in
 * its own transaction, so a crash mid-migration leaves the old version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "common/json.h"
#include "common/util.h"
#include "db/store.h"
#include "db/store_int.h"

#define STORE_BUSY_MS 5000

/*
 * Page cache per connection, in KiB (SQLite's default is 2000 per
 * connection, four connections here). Each fills up over a long life and
 * stays, whether or not it is used again: the readers' with the console's
 * status counts, the writer's with a day of runs. Beyond the hot pages
 * (the end of each table and index, where runs are added) the OS's page
 * cache serves a page as well as SQLite's would. Figures in
 * tests/bench/bench_memory.c.
 */
#define STORE_WRITER_CACHE_KIB 1024
#define STORE_READER_CACHE_KIB 256
#define STORE_OUTBOX_CACHE_KIB 128

static const char *const migrations[] = {
	/* 1: executions, steps, history. */
	"CREATE TABLE executions ("
	"  n          INTEGER PRIMARY KEY,"
	"  id         TEXT NOT NULL UNIQUE,"
	"  type       TEXT NOT NULL,"
	"  brand      TEXT,"
	"  status     TEXT NOT NULL,"
	"  input      TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  closed_at  INTEGER,"
	"  error      TEXT);"
	"CREATE INDEX executions_status ON executions(status, n);"
	"CREATE INDEX executions_type ON executions(type, n);"
	"CREATE INDEX executions_brand ON executions(brand, n);"
	"CREATE INDEX executions_created ON executions(created_at);"
	"CREATE TABLE steps ("
	"  exec_n          INTEGER NOT NULL,"
	"  idx             INTEGER NOT NULL,"
	"  name            TEXT NOT NULL,"
	"  status          TEXT NOT NULL,"
	"  attempt         INTEGER NOT NULL,"
	"  attempt_base    INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER,"
	"  started_at      INTEGER,"
	"  finished_at     INTEGER,"
	"  last_error      TEXT,"
	"  result          TEXT,"
	"  PRIMARY KEY (exec_n, idx)) WITHOUT ROWID;"
	"CREATE TABLE events ("
	"  seq     INTEGER PRIMARY KEY,"
	"  at      INTEGER NOT NULL,"
	"  exec_n  INTEGER,"
	"  topic   TEXT NOT NULL,"
	"  type    TEXT NOT NULL,"
	"  step    TEXT,"
	"  attempt INTEGER,"
	"  data    TEXT);"
	"CREATE INDEX events_exec ON events(exec_n, seq);"
	"CREATE TABLE requests ("
	"  rid     TEXT PRIMARY KEY,"
	"  at      INTEGER NOT NULL,"
	"  method  TEXT NOT NULL,"
	"  exec_id TEXT,"
	"  reply   TEXT) WITHOUT ROWID;"
	"CREATE INDEX requests_at ON requests(at);",
	/* 2: schedules and their fires. */
	"ALTER TABLE executions ADD COLUMN schedule TEXT;"
	"CREATE INDEX executions_schedule ON executions(schedule, n);"
	"CREATE TABLE schedules ("
	"  id          TEXT PRIMARY KEY,"
	"  workflow    TEXT NOT NULL,"
	"  input       TEXT NOT NULL,"
	"  cron        TEXT NOT NULL,"
	"  timezone    TEXT NOT NULL,"
	"  overlap     TEXT NOT NULL,"
	"  catchup_ms  INTEGER NOT NULL,"
	"  jitter_ms   INTEGER NOT NULL,"
	"  source      TEXT NOT NULL,"
	"  paused      INTEGER NOT NULL,"
	"  note        TEXT,"
	"  cursor_at   INTEGER NOT NULL,"
	"  buffered_at INTEGER,"
	"  created_at  INTEGER NOT NULL,"
	"  updated_at  INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE schedule_fires ("
	"  n         INTEGER PRIMARY KEY,"
	"  schedule  TEXT NOT NULL,"
	"  fire_at   INTEGER NOT NULL,"
	"  at        INTEGER NOT NULL,"
	"  outcome   TEXT NOT NULL,"
	"  execution TEXT,"
	"  detail    TEXT);"
	"CREATE INDEX schedule_fires_schedule ON schedule_fires(schedule, n);",
	/* 3: claims (photos reserved or used by a run) and publications. */
	"CREATE TABLE claims ("
	"  exec_n INTEGER NOT NULL,"
	"  kind   TEXT NOT NULL,"
	"  scope  TEXT NOT NULL,"
	"  key    TEXT NOT NULL,"
	"  state  TEXT NOT NULL,"
	"  at     INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX claims_live ON claims(kind, scope, key) "
	"  WHERE state != 'released';"
	"CREATE INDEX claims_exec ON claims(exec_n);"
	"CREATE TABLE publications ("
	"  n             INTEGER PRIMARY KEY,"
	"  execution     TEXT NOT NULL,"
	"  brand         TEXT,"
	"  channel       TEXT NOT NULL,"
	"  post_id       TEXT,"
	"  permalink     TEXT,"
	"  caption       TEXT,"
	"  photo_key     TEXT,"
	"  model         TEXT,"
	"  input_tokens  INTEGER,"
	"  output_tokens INTEGER,"
	"  cost_usd      REAL,"
	"  published_at  INTEGER NOT NULL,"
	"  UNIQUE (execution, channel));"
	"CREATE INDEX publications_brand ON publications(brand, n);",
	/* 4: what a step carries from one call of its activity to the next
	 * (an Instagram container id while it is processed). */
	"ALTER TABLE steps ADD COLUMN progress TEXT;",
	/* 5: FeedPublisherWorkflow gained the approval gate after
	 * generate_caption (index 3): runs from before get it, passed where
	 * their caption was written. */
	"UPDATE steps SET idx = idx + 1000 WHERE idx >= 3 AND exec_n IN "
	"  (SELECT n FROM executions WHERE type = 'FeedPublisherWorkflow');"
	"UPDATE steps SET idx = idx - 999 WHERE idx >= 1000;"
	"INSERT INTO steps (exec_n, idx, name, status, attempt, result) "
	"  SELECT x.n, 3, 'approve_caption', "
	"    CASE WHEN g.status = 'completed' THEN 'completed' "
	"      ELSE 'pending' END, 0, "
	"    CASE WHEN g.status = 'completed' THEN json_object('caption', "
	"      json_extract(g.result, '$.caption'), 'approval', 'auto') END "
	"  FROM executions x JOIN steps g ON g.exec_n = x.n "
	"    AND g.name = 'generate_caption' "
	"  WHERE x.type = 'FeedPublisherWorkflow';",
	/* 6: trace spans waiting for the Langfuse exporter, and the ledger of
	 * model spend (one row per Claude call), filled from the results
	 * stored so far. */
	"CREATE TABLE trace_outbox ("
	"  n    INTEGER PRIMARY KEY,"
	"  at   INTEGER NOT NULL,"
	"  span TEXT NOT NULL);"
	"CREATE TABLE spend ("
	"  n             INTEGER PRIMARY KEY,"
	"  at            INTEGER NOT NULL,"
	"  brand         TEXT,"
	"  execution     TEXT NOT NULL,"
	"  step          TEXT NOT NULL,"
	"  model         TEXT,"
	"  input_tokens  INTEGER NOT NULL,"
	"  output_tokens INTEGER NOT NULL,"
	"  cost_usd      REAL NOT NULL);"
	"CREATE INDEX spend_at ON spend(at);"
	"INSERT INTO spend (at, brand, execution, step, model, input_tokens, "
	"  output_tokens, cost_usd) "
	"SELECT s.finished_at, x.brand, x.id, s.name, "
	"  json_extract(s.result, '$.model'), "
	"  coalesce(json_extract(s.result, '$.input_tokens'), 0), "
	"  coalesce(json_extract(s.result, '$.output_tokens'), 0), "
	"  json_extract(s.result, '$.cost_usd') "
	"FROM steps s JOIN executions x ON x.n = s.exec_n "
	"WHERE s.status = 'completed' AND s.finished_at IS NOT NULL "
	"  AND CASE WHEN json_valid(s.result) THEN "
	"    json_type(s.result, '$.cost_usd') END IN ('integer', 'real') "
	"  AND json_type(s.result, '$.offline') IS NOT 'true';",
	/* 7: how a step's current attempt started (0 run, 1 check, 2 a call
	 * after a wait), so a restart knows what it interrupted; how many of
	 * its attempts heraldd's own stop or crash cut short; and, for a
	 * check, when the attempt it checks began. */
	"ALTER TABLE steps ADD COLUMN mode INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE steps ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE steps ADD COLUMN check_from INTEGER;",
	/* 8: photos set aside (unreadable, too small, a ratio the brand
	 * refuses) until their file changes, and the variants made for the
	 * channels, until retention removes them (db/store_photos.c). */
	"CREATE TABLE photo_aside ("
	"  scope     TEXT NOT NULL,"
	"  key       TEXT NOT NULL,"
	"  identity  TEXT NOT NULL,"
	"  reason    TEXT NOT NULL,"
	"  at        INTEGER NOT NULL,"
	"  execution TEXT,"
	"  PRIMARY KEY (scope, key));"
	"CREATE TABLE photo_variants ("
	"  location   TEXT PRIMARY KEY,"
	"  scope      TEXT NOT NULL,"
	"  key        TEXT NOT NULL,"
	"  channel    TEXT NOT NULL,"
	"  execution  TEXT,"
	"  made_at    INTEGER NOT NULL,"
	"  removed_at INTEGER);"
	"CREATE INDEX photo_variants_live ON photo_variants(scope, made_at) "
	"  WHERE removed_at IS NULL;",
};

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_EXEC_INSERT,
	ST_STEP_INSERT,
	ST_EXEC_UPDATE,
	ST_STEP_UPDATE,
	ST_EVENT_ADD,
	ST_REQUEST_ADD,
	ST_REQUEST_GET,
	ST_REQUEST_PRUNE,
	ST_SCHED_PUT,
	ST_SCHED_STATE,
	ST_SCHED_DEL,
	ST_FIRES_DEL,
	ST_FIRE_ADD,
	ST_CLAIM_ADD,
	ST_CLAIMS_CLOSE,
	ST_CLAIMS_RESERVE,
	ST_CLAIMS_TAKEN,
	ST_PUB_ADD,
	ST_SPAN_ADD,
	ST_SPAN_OLDEST,
	ST_SPAN_TRIM,
	ST_SPEND_ADD,
	ST_EXEC_EVENTS,
	ST_EXEC_GET,
	ST_STEPS_GET,
	ST_COUNT
};

#define EXEC_COLS                                                              \
	"n, id, type, brand, status, input, created_at, closed_at, error, "    \
	"schedule"

#define STEP_COLS                                                              \
	"idx, name, status, attempt, next_attempt_at, "                        \
	"started_at, finished_at, last_error, result, attempt_base, "          \
	"progress, "                                                           \
	"mode, interrupted, check_from"

static const char *const writer_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_EXEC_INSERT] =
	    "INSERT INTO executions (id, type, brand, status, input, "
	    "created_at, schedule) VALUES (?, ?, ?, ?, ?, ?, ?) "
	    "ON CONFLICT (id) DO NOTHING",
	[ST_STEP_INSERT] = "INSERT INTO steps (exec_n, idx, name, status, "
	                   "attempt) VALUES (?, ?, ?, ?, 0)",
	[ST_EXEC_UPDATE] = "UPDATE executions SET status = ?, closed_at = ?, "
	                   "error = ? WHERE n = ?",
	[ST_STEP_UPDATE] =
	    "UPDATE steps SET status = ?, attempt = ?, attempt_base = ?, "
	    "next_attempt_at = ?, started_at = ?, finished_at = ?, "
	    "last_error = ?, result = ?, progress = ?, mode = ?, "
	    "interrupted = ?, check_from = ? WHERE exec_n = ? AND idx = ?",
	[ST_EVENT_ADD] = "INSERT INTO events (seq, at, exec_n, topic, type, "
	                 "step, attempt, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
	[ST_REQUEST_ADD] = "INSERT OR REPLACE INTO requests (rid, at, method, "
	                   "exec_id, reply) VALUES (?, ?, ?, ?, ?)",
	[ST_REQUEST_GET] = "SELECT method, exec_id, reply FROM requests "
	                   "WHERE rid = ?",
	[ST_REQUEST_PRUNE] = "DELETE FROM requests WHERE at < ?",
	/* The spec changes; runtime state (paused, note, cursor) stays. */
	[ST_SCHED_PUT] =
	    "INSERT INTO schedules (id, workflow, input, cron, timezone, "
	    "overlap, catchup_ms, jitter_ms, source, paused, note, cursor_at, "
	    "buffered_at, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?15, ?14) "
	    "ON CONFLICT (id) DO UPDATE SET workflow = ?2, input = ?3, "
	    "cron = ?4, timezone = ?5, overlap = ?6, catchup_ms = ?7, "
	    "jitter_ms = ?8, source = ?9, updated_at = ?14",
	[ST_SCHED_STATE] =
	    "UPDATE schedules SET paused = ?, note = ?, cursor_at = ?, "
	    "buffered_at = ?, updated_at = ? WHERE id = ?",
	[ST_SCHED_DEL] = "DELETE FROM schedules WHERE id = ?",
	[ST_FIRES_DEL] = "DELETE FROM schedule_fires WHERE schedule = ?",
	[ST_CLAIM_ADD] = "INSERT INTO claims (exec_n, kind, scope, key, state, "
	                 "at) VALUES (?, ?, ?, ?, 'reserved', ?)",
	[ST_CLAIMS_CLOSE] = "UPDATE claims SET state = ? WHERE exec_n = ? "
	                    "AND state != 'released'",
	[ST_CLAIMS_RESERVE] = "UPDATE claims SET state = 'reserved' "
	                      "WHERE exec_n = ? AND state = 'released'",
	[ST_CLAIMS_TAKEN] = "SELECT key FROM claims WHERE kind = ? AND "
	                    "scope = ? AND state != 'released'",
	[ST_PUB_ADD] =
	    "INSERT INTO publications (execution, brand, channel, post_id, "
	    "permalink, caption, photo_key, model, input_tokens, "
	    "output_tokens, cost_usd, published_at) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?) ON CONFLICT (execution, channel) DO NOTHING",
	[ST_SPAN_ADD] = "INSERT INTO trace_outbox (at, span) VALUES (?, ?)",
	[ST_SPAN_OLDEST] = "SELECT min(n) FROM trace_outbox",
	[ST_SPAN_TRIM] = "DELETE FROM trace_outbox WHERE n < ?",
	[ST_SPEND_ADD] =
	    "INSERT INTO spend (at, brand, execution, step, model, "
	    "input_tokens, output_tokens, cost_usd) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?)",
	[ST_EXEC_EVENTS] = "SELECT seq, at, type, step, attempt, data "
	                   "FROM events WHERE exec_n = ? ORDER BY seq",
	[ST_EXEC_GET] = "SELECT " EXEC_COLS " FROM executions WHERE n = ?",
	[ST_STEPS_GET] = "SELECT " STEP_COLS " FROM steps WHERE exec_n = ? "
	                 "ORDER BY idx",
	[ST_FIRE_ADD] =
	    "INSERT INTO schedule_fires (schedule, fire_at, at, outcome, "
	    "execution, detail) VALUES (?, ?, ?, ?, ?, ?)",
};

struct store {
	sqlite3      *db; /* first: store_sqlite (db/store_int.h) */
	sqlite3_stmt *st[ST_COUNT];
};

struct store_reader {
	sqlite3 *db;
};

static int
db_exec(sqlite3 *db, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		xasprintf(cause, "%s", err != NULL ? err : sqlite3_errmsg(db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

static int
user_version(sqlite3 *db, int *out, char **cause)
{
	sqlite3_stmt *st;
	int           rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = 0;
	} else
		xasprintf(cause, "%s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

static int
migrate(sqlite3 *db, const char *path, char **cause)
{
	int  v, target = (int)nitems(migrations);
	char sql[64];

	if (user_version(db, &v, cause) != 0)
		return -1;
	if (v > target) {
		xasprintf(cause,
		          "%s: schema version %d is newer than this heraldd "
		          "knows (%d); upgrade heraldd",
		          path, v, target);
		return -1;
	}
	for (; v < target; v++) {
		if (db_exec(db, "BEGIN IMMEDIATE", cause) != 0)
			return -1;
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
		if (db_exec(db, migrations[v], cause) != 0 ||
		    db_exec(db, sql, cause) != 0) {
			db_exec(db, "ROLLBACK", NULL);
			return -1;
		}
		if (db_exec(db, "COMMIT", cause) != 0)
			return -1;
	}
	return 0;
}

/* Waits for a lock in short steps, up to STORE_BUSY_MS: the other
 * writer (the engine, or the trace exporter deleting what it sent) holds
 * it for well under a millisecond, where SQLite's own handler would sleep
 * 1, 2, 5, 10... ms and stall the engine's group commit that long. */
static int
busy_wait(void *arg, int n)
{
	struct timespec ts = { 0, n < 100 ? 100000L : 1000000L };
	int64_t         waited = n < 100 ? n / 10 : 10 + (n - 100);

	(void)arg;
	if (waited >= STORE_BUSY_MS)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

static sqlite3 *
open_db(const char *path, int flags, int cache_kib, char **cause)
{
	sqlite3 *db = NULL;
	char     sql[64];

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		xasprintf(cause, "%s: %s", path,
		          db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_handler(db, busy_wait, NULL);
	sqlite3_extended_result_codes(db, 1);
	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", cache_kib);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

struct store *
store_open(const char *path, int sync_full, char **cause)
{
	struct store *s = xcalloc(1, sizeof *s);
	char         *why = NULL;
	int           i;

	s->db = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                STORE_WRITER_CACHE_KIB, cause);
	if (s->db == NULL)
		goto fail;
	if (db_exec(s->db, "PRAGMA journal_mode = WAL", &why) != 0 ||
	    db_exec(s->db,
	            sync_full ? "PRAGMA synchronous = FULL"
	                      : "PRAGMA synchronous = NORMAL",
	            &why) != 0 ||
	    db_exec(s->db, "PRAGMA foreign_keys = OFF", &why) != 0) {
		xasprintf(cause, "%s: %s", path, why);
		goto fail;
	}
	if (migrate(s->db, path, &why) != 0) {
		xasprintf(cause, "%s: migration: %s", path, why);
		goto fail;
	}
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(s->db, writer_sql[i], -1,
		                       SQLITE_PREPARE_PERSISTENT, &s->st[i],
		                       NULL) != SQLITE_OK) {
			xasprintf(cause, "%s: %s", path, sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	free(why);
	return s;
fail:
	free(why);
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

/* Steps a prepared writer statement to completion and resets it. */
static int
run(struct store *s, int which, char **cause)
{
	sqlite3_stmt *st = s->st[which];
	int           rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (cause != NULL)
			xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
bind_time(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == 0)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

int
store_begin(struct store *s, char **cause)
{
	return run(s, ST_BEGIN, cause);
}

int
store_commit(struct store *s, char **cause)
{
	return run(s, ST_COMMIT, cause);
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		run(s, ST_ROLLBACK, NULL);
}

int64_t
store_last_seq(struct store *s)
{
	sqlite3_stmt *st;
	int64_t       seq = 0;

	if (sqlite3_prepare_v2(s->db, "SELECT max(seq) FROM events", -1, &st,
	                       NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}

int
store_exec_insert(struct store *s, struct store_exec *x, char **cause)
{
	sqlite3_stmt *st = s->st[ST_EXEC_INSERT];
	int           i;

	bind_text(st, 1, x->id);
	bind_text(st, 2, x->type);
	bind_text(st, 3, x->brand);
	bind_text(st, 4, x->status);
	bind_text(st, 5, x->input);
	sqlite3_bind_int64(st, 6, x->created_at);
	bind_text(st, 7, x->schedule);
	if (run(s, ST_EXEC_INSERT, cause) != 0)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	x->n = sqlite3_last_insert_rowid(s->db);
	st = s->st[ST_STEP_INSERT];
	for (i = 0; i < x->nsteps; i++) {
		sqlite3_bind_int64(st, 1, x->n);
		sqlite3_bind_int(st, 2, x->steps[i].idx);
		bind_text(st, 3, x->steps[i].name);
		bind_text(st, 4, x->steps[i].status);
		if (run(s, ST_STEP_INSERT, cause) != 0)
			return -1;
	}
	return 0;
}

int
store_exec_update(struct store *s, int64_t n, const char *status,
                  int64_t closed_at, const char *error, char **cause)
{
	sqlite3_stmt *st = s->st[ST_EXEC_UPDATE];

	bind_text(st, 1, status);
	bind_time(st, 2, closed_at);
	bind_text(st, 3, error);
	sqlite3_bind_int64(st, 4, n);
	return run(s, ST_EXEC_UPDATE, cause);
}

int
store_step_update(struct store *s, int64_t n, const struct store_step *p,
                  char **cause)
{
	sqlite3_stmt *st = s->st[ST_STEP_UPDATE];

	bind_text(st, 1, p->status);
	sqlite3_bind_int(st, 2, p->attempt);
	sqlite3_bind_int(st, 3, p->attempt_base);
	bind_time(st, 4, p->next_attempt_at);
	bind_time(st, 5, p->started_at);
	bind_time(st, 6, p->finished_at);
	bind_text(st, 7, p->last_error);
	bind_text(st, 8, p->result);
	bind_text(st, 9, p->progress);
	sqlite3_bind_int(st, 10, p->mode);
	sqlite3_bind_int(st, 11, p->interrupted);
	bind_time(st, 12, p->check_from);
	sqlite3_bind_int64(st, 13, n);
	sqlite3_bind_int(st, 14, p->idx);
	return run(s, ST_STEP_UPDATE, cause);
}

int
store_event_add(struct store *s, const struct store_event *ev, char **cause)
{
	sqlite3_stmt *st = s->st[ST_EVENT_ADD];

	sqlite3_bind_int64(st, 1, ev->seq);
	sqlite3_bind_int64(st, 2, ev->at);
	if (ev->exec_n == 0)
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_int64(st, 3, ev->exec_n);
	bind_text(st, 4, ev->topic);
	bind_text(st, 5, ev->type);
	bind_text(st, 6, ev->step);
	if (ev->attempt == 0)
		sqlite3_bind_null(st, 7);
	else
		sqlite3_bind_int(st, 7, ev->attempt);
	bind_text(st, 8, ev->data);
	return run(s, ST_EVENT_ADD, cause);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
store_request_add(struct store *s, const char *rid, int64_t at,
                  const char *method, const char *exec_id, const char *reply,
                  char **cause)
{
	sqlite3_stmt *st = s->st[ST_REQUEST_ADD];

	bind_text(st, 1, rid);
	sqlite3_bind_int64(st, 2, at);
	bind_text(st, 3, method);
	bind_text(st, 4, exec_id);
	bind_text(st, 5, reply);
	return run(s, ST_REQUEST_ADD, cause);
}

int
store_request_get(struct store *s, const char *rid, char **method,
                  char **exec_id, char **reply, char **cause)
{
	sqlite3_stmt *st = s->st[ST_REQUEST_GET];
	int           rc;

	bind_text(st, 1, rid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*method = xstrdup(col_text(st, 0));
		*exec_id = xstrdup(col_text(st, 1));
		*reply = xstrdup(col_text(st, 2));
	} else if (rc != SQLITE_DONE)
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
}

int
store_request_prune(struct store *s, int64_t before, char **cause)
{
	sqlite3_bind_int64(s->st[ST_REQUEST_PRUNE], 1, before);
	return run(s, ST_REQUEST_PRUNE, cause);
}

static void
read_exec(sqlite3_stmt *st, struct store_exec *x)
{
	memset(x, 0, sizeof *x);
	x->n = sqlite3_column_int64(st, 0);
	x->id = col_text(st, 1);
	x->type = col_text(st, 2);
	x->brand = col_text(st, 3);
	x->status = col_text(st, 4);
	x->input = col_text(st, 5);
	x->created_at = sqlite3_column_int64(st, 6);
	x->closed_at = sqlite3_column_int64(st, 7);
	x->error = col_text(st, 8);
	x->schedule = col_text(st, 9);
}

/* Copies one step row: its text must outlive the next sqlite3_step. */
static void
read_step(sqlite3_stmt *st, struct store_step *p)
{
	p->idx = sqlite3_column_int(st, 0);
	p->name = xstrdup(col_text(st, 1));
	p->status = xstrdup(col_text(st, 2));
	p->attempt = sqlite3_column_int(st, 3);
	p->next_attempt_at = sqlite3_column_int64(st, 4);
	p->started_at = sqlite3_column_int64(st, 5);
	p->finished_at = sqlite3_column_int64(st, 6);
	p->last_error = xstrdup(col_text(st, 7));
	p->result = xstrdup(col_text(st, 8));
	p->attempt_base = sqlite3_column_int(st, 9);
	p->progress = xstrdup(col_text(st, 10));
	p->mode = sqlite3_column_int(st, 11);
	p->interrupted = sqlite3_column_int(st, 12);
	p->check_from = sqlite3_column_int64(st, 13);
}

static void
free_steps(struct store_exec *x)
{
	int i;

	for (i = 0; i < x->nsteps; i++) {
		free((char *)x->steps[i].name);
		free((char *)x->steps[i].status);
		free((char *)x->steps[i].last_error);
		free((char *)x->steps[i].result);
		free((char *)x->steps[i].progress);
	}
	free(x->steps);
	x->steps = NULL;
	x->nsteps = 0;
}

/* Reads the steps of x into x->steps (free with free_steps). */
static int
load_steps(sqlite3 *db, sqlite3_stmt *st_steps, struct store_exec *x,
           char **cause)
{
	int rc, cap = 8;

	x->steps = xcalloc((size_t)cap, sizeof *x->steps);
	x->nsteps = 0;
	sqlite3_bind_int64(st_steps, 1, x->n);
	while ((rc = sqlite3_step(st_steps)) == SQLITE_ROW) {
		if (x->nsteps == cap) {
			cap *= 2;
			x->steps =
			    xrealloc(x->steps, (size_t)cap * sizeof *x->steps);
		}
		read_step(st_steps, &x->steps[x->nsteps++]);
	}
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
load_where(struct store *s, const char *where, const char *const *args,
           int (*fn)(void *, const struct store_exec *), void *arg,
           char **cause)
{
	sqlite3_stmt     *st = NULL, *st_steps = NULL;
	struct store_exec x;
	char             *sql;
	int               rc = -1, r, i, found = 0;

	xasprintf(&sql,
	          "SELECT " EXEC_COLS " FROM executions WHERE %s "
	          "ORDER BY n",
	          where);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
	                       "SELECT " STEP_COLS
	                       " FROM steps WHERE exec_n = ? ORDER BY idx",
	                       -1, &st_steps, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		goto out;
	}
	for (i = 0; args[i] != NULL; i++)
		bind_text(st, i + 1, args[i]);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		read_exec(st, &x);
		if (load_steps(s->db, st_steps, &x, cause) != 0) {
			free_steps(&x);
			goto out;
		}
		r = fn(arg, &x);
		free_steps(&x);
		sqlite3_reset(st_steps);
		if (r != 0) {
			xasprintf(cause, "loading execution %s failed", x.id);
			goto out;
		}
		found = 1;
	}
	if (r != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		goto out;
	}
	rc = found ? 0 : 1;
out:
	free(sql);
	sqlite3_finalize(st);
	sqlite3_finalize(st_steps);
	return rc;
}

int
store_load(struct store *s, const char *const                 *statuses,
           int (*fn)(void *, const struct store_exec *), void *arg,
           char **cause)
{
	char *where = xstrdup("status IN (NULL"), *tmp;
	int   i, rc;

	for (i = 0; statuses[i] != NULL; i++) {
		xasprintf(&tmp, "%s, ?", where);
		free(where);
		where = tmp;
	}
	xasprintf(&tmp, "%s)", where);
	free(where);
	rc = load_where(s, tmp, statuses, fn, arg, cause);
	free(tmp);
	return rc < 0 ? -1 : 0;
}

int
store_load_one(struct store *s, const char                        *id,
               int (*fn)(void *, const struct store_exec *), void *arg,
               char **cause)
{
	const char *args[] = { id, NULL };

	return load_where(s, "id = ?", args, fn, arg, cause);
}

/* Readers. */

struct store_reader *
store_reader_open(const char *path, char **cause)
{
	struct store_reader *r = xcalloc(1, sizeof *r);

	r->db =
	    open_db(path, SQLITE_OPEN_READONLY, STORE_READER_CACHE_KIB, cause);
	if (r->db == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
store_reader_close(struct store_reader *r)
{
	if (r == NULL)
		return;
	sqlite3_close(r->db);
	free(r);
}

/* Stored JSON text back into a value; text that is not JSON stays text. */
static void
add_json(cJSON *o, const char *key, const char *text)
{
	cJSON *v = text != NULL ? cJSON_Parse(text) : NULL;

	if (v == NULL)
		json_add_str(o, key, text);
	else
		cJSON_AddItemToObject(o, key, v);
}

static cJSON *
exec_json(const struct store_exec *x)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", x->id);
	cJSON_AddStringToObject(o, "type", x->type);
	json_add_str(o, "brand", x->brand);
	cJSON_AddStringToObject(o, "status", x->status);
	add_json(o, "input", x->input);
	json_add_time(o, "created_at", x->created_at);
	json_add_time(o, "closed_at", x->closed_at);
	json_add_str(o, "error", x->error);
	json_add_str(o, "schedule", x->schedule);
	return o;
}

static int
reader_fail(struct store_reader *r, sqlite3_stmt *st, char **cause)
{
	xasprintf(cause, "%s", sqlite3_errmsg(r->db));
	sqlite3_finalize(st);
	return -1;
}

/* What a list row shows of its steps: the step to look at (in doubt
 * first, then running, waiting (an approval, an Instagram container),
 * waiting to retry, failed), the retries (attempts beyond each step's
 * first within its retry budget: checks, calls after a wait and the
 * approval gate are not retries), and whether a step waits for an
 * operator. */
#define LIST_COLS                                                              \
	EXEC_COLS                                                              \
	", (SELECT name FROM steps s WHERE s.exec_n = x.n AND "                \
	"s.status IN ('in_doubt', 'running', 'waiting', 'retry_wait', "        \
	"'failed') ORDER BY CASE s.status WHEN 'in_doubt' THEN 0 "             \
	"WHEN 'running' THEN 1 WHEN 'waiting' THEN 2 "                         \
	"WHEN 'retry_wait' THEN 3 ELSE 4 END, s.idx LIMIT 1), "                \
	"(SELECT coalesce(sum(max(attempt - attempt_base - 1, 0)), 0) "        \
	"FROM steps s WHERE s.exec_n = x.n), "                                 \
	"EXISTS (SELECT 1 FROM steps s WHERE s.exec_n = x.n AND "              \
	"s.status = 'in_doubt')"

/* The filter's conditions ("AND ..."), bound by bind_filter. */
static void
filter_sql(const struct store_filter *f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", f->status ? " AND status = ?" : "",
	         f->type ? " AND type = ?" : "",
	         f->brand ? " AND brand = ?" : "",
	         f->match ? " AND (id LIKE ? ESCAPE '\\' OR type LIKE ? "
	                    "ESCAPE '\\' OR brand LIKE ? ESCAPE '\\')"
	                  : "");
}

/* Binds the filter from parameter 1; returns the next free index. */
static int
bind_filter(sqlite3_stmt *st, const struct store_filter *f)
{
	int i = 1;

	if (f->status)
		bind_text(st, i++, f->status);
	if (f->type)
		bind_text(st, i++, f->type);
	if (f->brand)
		bind_text(st, i++, f->brand);
	if (f->match) {
		/* A substring, case-insensitive (ASCII), with LIKE's own
		 * characters taken literally. */
		size_t k, n = strlen(f->match);
		char  *pat = xmalloc(2 * n + 3), *o = pat;

		*o++ = '%';
		for (k = 0; k < n; k++) {
			if (f->match[k] == '%' || f->match[k] == '_' ||
			    f->match[k] == '\\')
				*o++ = '\\';
			*o++ = f->match[k];
		}
		*o++ = '%';
		*o = '\0';
		for (k = 0; k < 3; k++) /* id, type, brand */
			sqlite3_bind_text(st, i++, pat, -1, SQLITE_TRANSIENT);
		free(pat);
	}
	return i;
}

/* 1 if a row matching the filter lies beyond n (older: dir < 0, newer:
 * dir > 0), 0 if not, -1 on error. */
static int
list_beyond(struct store_reader *r, const struct store_filter *f, int64_t n,
            int dir, char **cause)
{
	sqlite3_stmt *st = NULL;
	char          sql[512], where[320];
	int           rc;

	filter_sql(f, where, sizeof where);
	snprintf(sql, sizeof sql,
	         "SELECT 1 FROM executions WHERE 1%s AND n %s ? LIMIT 1", where,
	         dir < 0 ? "<" : ">");
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	sqlite3_bind_int64(st, bind_filter(st, f), n);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return reader_fail(r, st, cause);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

static void
add_cursor(cJSON *o, const char *key, int64_t n)
{
	if (n > 0)
		cJSON_AddNumberToObject(o, key, (double)n);
	else
		cJSON_AddNullToObject(o, key);
}

int
store_list(struct store_reader *r, const struct store_filter *f, cJSON **out,
           char **cause)
{
	sqlite3_stmt     *st = NULL, *seq = NULL;
	struct store_exec x;
	cJSON            *res = NULL, *arr, *o;
	char              sql[1536], where[320];
	int               i, rc = -1, count = 0, up = f->newer_than >= 0;
	int               beyond;
	int64_t           newest = 0, oldest = 0, next = 0, prev = 0;

	/* The last event's seq, read first and held open, so the rows come
	 * from the same read transaction: a client applies exactly the
	 * events after it to them. */
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT coalesce(max(seq), 0) FROM events", -1,
	                       &seq, NULL) != SQLITE_OK ||
	    sqlite3_step(seq) != SQLITE_ROW) {
		xasprintf(cause, "%s", sqlite3_errmsg(r->db));
		goto out;
	}
	filter_sql(f, where, sizeof where);
	/* Going up (before a cursor) reads oldest first from the cursor, so
	 * the page is the one right above it; it is turned round below. */
	snprintf(sql, sizeof sql,
	         "SELECT " LIST_COLS " FROM executions x WHERE 1%s%s "
	         "ORDER BY n %s LIMIT ?",
	         where,
	         up              ? " AND n > ?"
	         : f->before > 0 ? " AND n < ?"
	                         : "",
	         up ? "ASC" : "DESC");
	if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(r->db));
		goto out;
	}
	i = bind_filter(st, f);
	if (up)
		sqlite3_bind_int64(st, i++, f->newer_than);
	else if (f->before > 0)
		sqlite3_bind_int64(st, i++, f->before);
	sqlite3_bind_int(st, i, f->limit + 1);
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "executions");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == f->limit)
			break; /* one more row exists: there is a next page */
		read_exec(st, &x);
		o = exec_json(&x);
		cJSON_DeleteItemFromObject(o, "input");
		cJSON_AddNumberToObject(o, "cursor", (double)x.n);
		json_add_str(o, "step", col_text(st, 10));
		cJSON_AddNumberToObject(o, "retries",
		                        sqlite3_column_int(st, 11));
		cJSON_AddBoolToObject(o, "in_doubt",
		                      sqlite3_column_int(st, 12));
		if (up)
			cJSON_InsertItemInArray(arr, 0, o);
		else
			cJSON_AddItemToArray(arr, o);
		if (count == 0 || x.n > newest)
			newest = x.n;
		if (count == 0 || x.n < oldest)
			oldest = x.n;
		count++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(r->db));
		rc = -1;
		goto out;
	}
	/* The cursor that continues past the limit comes from the extra
	 * row; the one on the other side, from a look beyond the page. */
	if (up)
		prev = rc == SQLITE_ROW ? newest : 0;
	else
		next = rc == SQLITE_ROW ? oldest : 0;
	beyond = 0;
	if (count > 0 && (up || f->before > 0))
		beyond =
		    list_beyond(r, f, up ? oldest : newest, up ? -1 : 1, cause);
	if (beyond < 0) {
		rc = -1;
		goto out;
	}
	if (beyond && up)
		next = oldest;
	else if (beyond)
		prev = newest;
	add_cursor(res, "next", next);
	add_cursor(res, "prev", prev);
	cJSON_AddNumberToObject(res, "seq",
	                        (double)sqlite3_column_int64(seq, 0));
	*out = res;
	res = NULL;
	rc = 0;
out:
	cJSON_Delete(res);
	sqlite3_finalize(st);
	sqlite3_finalize(seq);
	return rc;
}

/* Looks up execution id; 0 with *n set, 1 not found, -1 error. */
static int
find_exec(struct store_reader *r, const char *id, sqlite3_stmt **stp,
          char **cause)
{
	sqlite3_stmt *st = NULL;
	int           rc;

	if (sqlite3_prepare_v2(
	        r->db, "SELECT " EXEC_COLS " FROM executions WHERE id = ?", -1,
	        &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return 1;
	}
	if (rc != SQLITE_ROW)
		return reader_fail(r, st, cause);
	*stp = st;
	return 0;
}

int
store_describe(struct store_reader *r, const char *id, cJSON **out,
               char **cause)
{
	sqlite3_stmt     *st = NULL, *st_steps = NULL, *st_seq = NULL;
	struct store_exec x;
	cJSON            *o, *steps, *so;
	int               rc, i;

	if ((rc = find_exec(r, id, &st, cause)) != 0)
		return rc;
	/* One read transaction, so the steps match the execution row. */
	read_exec(st, &x);
	o = exec_json(&x);
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT coalesce(max(seq), 0) FROM events", -1,
	                       &st_seq, NULL) != SQLITE_OK ||
	    sqlite3_step(st_seq) != SQLITE_ROW) {
		xasprintf(cause, "%s", sqlite3_errmsg(r->db));
		sqlite3_finalize(st_seq);
		cJSON_Delete(o);
		sqlite3_finalize(st);
		return -1;
	}
	cJSON_AddNumberToObject(o, "seq",
	                        (double)sqlite3_column_int64(st_seq, 0));
	sqlite3_finalize(st_seq);
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT " STEP_COLS
	                       " FROM steps WHERE exec_n = ? ORDER BY idx",
	                       -1, &st_steps, NULL) != SQLITE_OK ||
	    load_steps(r->db, st_steps, &x, cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "%s", sqlite3_errmsg(r->db));
		free_steps(&x);
		cJSON_Delete(o);
		sqlite3_finalize(st_steps);
		sqlite3_finalize(st);
		return -1;
	}
	steps = cJSON_AddArrayToObject(o, "steps");
	for (i = 0; i < x.nsteps; i++) {
		const struct store_step *p = &x.steps[i];

		so = cJSON_CreateObject();
		cJSON_AddStringToObject(so, "name", p->name);
		cJSON_AddStringToObject(so, "status", p->status);
		cJSON_AddNumberToObject(so, "attempt", p->attempt);
		cJSON_AddNumberToObject(so, "attempts_used",
		                        p->attempt - p->attempt_base);
		if (p->interrupted > 0)
			cJSON_AddNumberToObject(so, "interrupted",
			                        p->interrupted);
		json_add_str(so, "last_error", p->last_error);
		json_add_time(so, "next_attempt_at", p->next_attempt_at);
		json_add_time(so, "started_at", p->started_at);
		json_add_time(so, "finished_at", p->finished_at);
		add_json(so, "result", p->result);
		if (p->progress != NULL)
			add_json(so, "progress", p->progress);
		cJSON_AddItemToArray(steps, so);
	}
	free_steps(&x);
	sqlite3_finalize(st_steps);
	sqlite3_finalize(st);
	*out = o;
	return 0;
}

int
store_history(struct store_reader *r, const char *id, int64_t after, int limit,
              cJSON **out, char **cause)
{
	sqlite3_stmt *st = NULL, *ev = NULL;
	cJSON        *res, *arr, *o;
	int64_t       n;
	int           rc;

	if ((rc = find_exec(r, id, &st, cause)) != 0)
		return rc;
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT seq, at, type, step, attempt, data "
	                       "FROM events WHERE exec_n = ? AND seq > ? "
	                       "ORDER BY seq LIMIT ?",
	                       -1, &ev, NULL) != SQLITE_OK)
		return reader_fail(r, ev, cause);
	sqlite3_bind_int64(ev, 1, n);
	sqlite3_bind_int64(ev, 2, after);
	sqlite3_bind_int(ev, 3, limit);
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "events");
	while ((rc = sqlite3_step(ev)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq",
		                        (double)sqlite3_column_int64(ev, 0));
		json_add_time(o, "at", sqlite3_column_int64(ev, 1));
		cJSON_AddStringToObject(o, "type", col_text(ev, 2));
		json_add_str(o, "step", col_text(ev, 3));
		if (sqlite3_column_type(ev, 4) == SQLITE_NULL)
			cJSON_AddNullToObject(o, "attempt");
		else
			cJSON_AddNumberToObject(o, "attempt",
			                        sqlite3_column_int(ev, 4));
		add_json(o, "data", col_text(ev, 5));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		cJSON_Delete(res);
		return reader_fail(r, ev, cause);
	}
	sqlite3_finalize(ev);
	*out = res;
	return 0;
}

int
store_counts(struct store_reader *r, cJSON **out, char **cause)
{
	sqlite3_stmt *st = NULL;
	cJSON        *res;
	int           rc;

	/* Counts by status via the status index; a covering scan per
	 * status would be no faster on 100k rows. */
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT status, count(*) FROM executions "
	                       "GROUP BY status",
	                       -1, &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	res = cJSON_CreateObject();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddNumberToObject(res, col_text(st, 0),
		                        sqlite3_column_int(st, 1));
	if (rc != SQLITE_DONE) {
		cJSON_Delete(res);
		return reader_fail(r, st, cause);
	}
	sqlite3_finalize(st);
	*out = res;
	return 0;
}

int
store_events_since(struct store_reader *r, int64_t after, int limit,
                   const char *topic,
                   void (*fn)(void *arg, const struct store_event *), void *arg,
                   int *more, char **cause)
{
	sqlite3_stmt      *st = NULL;
	struct store_event ev;
	int                rc, n = 0;

	if (sqlite3_prepare_v2(r->db,
	                       "SELECT e.seq, e.at, e.topic, e.type, e.step, "
	                       "e.attempt, e.data, x.id, x.type, x.brand "
	                       "FROM events e LEFT JOIN executions x "
	                       "ON x.n = e.exec_n WHERE e.seq > ? "
	                       "AND (?2 IS NULL OR e.topic = ?2) "
	                       "ORDER BY e.seq LIMIT ?",
	                       -1, &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	sqlite3_bind_int64(st, 1, after);
	bind_text(st, 2, topic);
	sqlite3_bind_int(st, 3, limit + 1);
	*more = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == limit) {
			*more = 1;
			break;
		}
		memset(&ev, 0, sizeof ev);
		ev.seq = sqlite3_column_int64(st, 0);
		ev.at = sqlite3_column_int64(st, 1);
		ev.topic = col_text(st, 2);
		ev.type = col_text(st, 3);
		ev.step = col_text(st, 4);
		ev.attempt = sqlite3_column_int(st, 5);
		ev.data = col_text(st, 6);
		ev.exec_id = col_text(st, 7);
		ev.workflow = col_text(st, 8);
		ev.brand = col_text(st, 9);
		fn(arg, &ev);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return reader_fail(r, st, cause);
	sqlite3_finalize(st);
	return 0;
}

/* Schedules. */

int
store_sched_put(struct store *s, const struct store_sched *r, char **cause)
{
	sqlite3_stmt *st = s->st[ST_SCHED_PUT];

	bind_text(st, 1, r->id);
	bind_text(st, 2, r->workflow);
	bind_text(st, 3, r->input);
	bind_text(st, 4, r->cron);
	bind_text(st, 5, r->timezone);
	bind_text(st, 6, r->overlap);
	sqlite3_bind_int64(st, 7, r->catchup_ms);
	sqlite3_bind_int64(st, 8, r->jitter_ms);
	bind_text(st, 9, r->source);
	sqlite3_bind_int(st, 10, r->paused);
	bind_text(st, 11, r->note);
	sqlite3_bind_int64(st, 12, r->cursor_at);
	bind_time(st, 13, r->buffered_at);
	sqlite3_bind_int64(st, 14, r->updated_at);
	sqlite3_bind_int64(st, 15,
	                   r->created_at ? r->created_at : r->updated_at);
	return run(s, ST_SCHED_PUT, cause);
}

int
store_sched_state(struct store *s, const struct store_sched *r, char **cause)
{
	sqlite3_stmt *st = s->st[ST_SCHED_STATE];

	sqlite3_bind_int(st, 1, r->paused);
	bind_text(st, 2, r->note);
	sqlite3_bind_int64(st, 3, r->cursor_at);
	bind_time(st, 4, r->buffered_at);
	sqlite3_bind_int64(st, 5, r->updated_at);
	bind_text(st, 6, r->id);
	return run(s, ST_SCHED_STATE, cause);
}

int
store_sched_del(struct store *s, const char *id, char **cause)
{
	/* Its history goes too: a new schedule of that name starts clean. */
	bind_text(s->st[ST_SCHED_DEL], 1, id);
	if (run(s, ST_SCHED_DEL, cause) != 0)
		return -1;
	bind_text(s->st[ST_FIRES_DEL], 1, id);
	return run(s, ST_FIRES_DEL, cause);
}

int
store_fire_add(struct store *s, const char *schedule, int64_t fire_at,
               int64_t at, const char *outcome, const char *execution,
               const char *detail, char **cause)
{
	sqlite3_stmt *st = s->st[ST_FIRE_ADD];

	bind_text(st, 1, schedule);
	sqlite3_bind_int64(st, 2, fire_at);
	sqlite3_bind_int64(st, 3, at);
	bind_text(st, 4, outcome);
	bind_text(st, 5, execution);
	bind_text(st, 6, detail);
	return run(s, ST_FIRE_ADD, cause);
}

#define SCHED_COLS                                                             \
	"id, workflow, input, cron, timezone, overlap, catchup_ms, "           \
	"jitter_ms, source, paused, note, cursor_at, buffered_at, "            \
	"created_at, updated_at"

static void
read_sched(sqlite3_stmt *st, struct store_sched *r)
{
	memset(r, 0, sizeof *r);
	r->id = col_text(st, 0);
	r->workflow = col_text(st, 1);
	r->input = col_text(st, 2);
	r->cron = col_text(st, 3);
	r->timezone = col_text(st, 4);
	r->overlap = col_text(st, 5);
	r->catchup_ms = sqlite3_column_int64(st, 6);
	r->jitter_ms = sqlite3_column_int64(st, 7);
	r->source = col_text(st, 8);
	r->paused = sqlite3_column_int(st, 9);
	r->note = col_text(st, 10);
	r->cursor_at = sqlite3_column_int64(st, 11);
	r->buffered_at = sqlite3_column_int64(st, 12);
	r->created_at = sqlite3_column_int64(st, 13);
	r->updated_at = sqlite3_column_int64(st, 14);
}

static int
sched_rows(sqlite3 *db, const char                             *id,
           int (*fn)(void *, const struct store_sched *), void *arg,
           char **cause)
{
	sqlite3_stmt      *st = NULL;
	struct store_sched r;
	int                rc, found = 0;

	if (sqlite3_prepare_v2(
	        db,
	        id != NULL ? "SELECT " SCHED_COLS " FROM schedules WHERE id = ?"
	                   : "SELECT " SCHED_COLS " FROM schedules ORDER BY id",
	        -1, &st, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (id != NULL)
		bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_sched(st, &r);
		found = 1;
		if (fn(arg, &r) != 0) {
			if (*cause == NULL)
				xasprintf(cause,
				          "schedule %s could not be loaded",
				          r.id);
			sqlite3_finalize(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return id != NULL && !found ? 1 : 0;
}

int
store_sched_load(struct store *s, int (*fn)(void *, const struct store_sched *),
                 void *arg, char **cause)
{
	return sched_rows(s->db, NULL, fn, arg, cause);
}

int
store_sched_read(struct store_reader *r, const char                  *id,
                 int (*fn)(void *, const struct store_sched *), void *arg,
                 char **cause)
{
	return sched_rows(r->db, id, fn, arg, cause);
}

int
store_sched_fires(struct store_reader *r, const char *id, int limit,
                  cJSON **out, char **cause)
{
	sqlite3_stmt *st = NULL;
	cJSON        *arr = cJSON_CreateArray(), *o;
	int           rc;

	/* Newest first, with the outcome of the execution each started. */
	if (sqlite3_prepare_v2(
	        r->db,
	        "SELECT f.fire_at, f.at, f.outcome, f.execution, "
	        "f.detail, x.status, x.error "
	        "FROM schedule_fires f LEFT JOIN executions x "
	        "ON x.id = f.execution WHERE f.schedule = ? "
	        "ORDER BY f.n DESC LIMIT ?",
	        -1, &st, NULL) != SQLITE_OK) {
		cJSON_Delete(arr);
		return reader_fail(r, st, cause);
	}
	bind_text(st, 1, id);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		json_add_time(o, "fire_at", sqlite3_column_int64(st, 0));
		json_add_time(o, "at", sqlite3_column_int64(st, 1));
		cJSON_AddStringToObject(o, "outcome", col_text(st, 2));
		json_add_str(o, "execution", col_text(st, 3));
		json_add_str(o, "detail", col_text(st, 4));
		json_add_str(o, "execution_status", col_text(st, 5));
		json_add_str(o, "execution_error", col_text(st, 6));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		cJSON_Delete(arr);
		return reader_fail(r, st, cause);
	}
	sqlite3_finalize(st);
	*out = arr;
	return 0;
}

/* Claims and publications. */

/* Like run(), but a uniqueness conflict is 1, not an error. */
static int
run_unique(struct store *s, int which, char **cause)
{
	sqlite3_stmt *st = s->st[which];
	int           rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int
store_claim_add(struct store *s, int64_t n, const char *kind, const char *scope,
                const char *key, int64_t at, char **cause)
{
	sqlite3_stmt *st = s->st[ST_CLAIM_ADD];

	sqlite3_bind_int64(st, 1, n);
	bind_text(st, 2, kind);
	bind_text(st, 3, scope);
	bind_text(st, 4, key);
	sqlite3_bind_int64(st, 5, at);
	return run_unique(s, ST_CLAIM_ADD, cause);
}

int
store_claims_close(struct store *s, int64_t n, const char *state, char **cause)
{
	sqlite3_stmt *st = s->st[ST_CLAIMS_CLOSE];

	bind_text(st, 1, state);
	sqlite3_bind_int64(st, 2, n);
	return run(s, ST_CLAIMS_CLOSE, cause);
}

int
store_claims_reserve(struct store *s, int64_t n, char **cause)
{
	sqlite3_bind_int64(s->st[ST_CLAIMS_RESERVE], 1, n);
	return run_unique(s, ST_CLAIMS_RESERVE, cause);
}

int
store_claims_taken(struct store *s, const char *kind, const char *scope,
                   char **json, char **cause)
{
	sqlite3_stmt *st = s->st[ST_CLAIMS_TAKEN];
	cJSON        *arr = cJSON_CreateArray();
	int           rc;

	bind_text(st, 1, kind);
	bind_text(st, 2, scope);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cJSON_AddItemToArray(arr, cJSON_CreateString(col_text(st, 0)));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		cJSON_Delete(arr);
		return -1;
	}
	*json = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	return 0;
}

int
store_publication_add(struct store *s, const struct store_publication *p,
                      char **cause)
{
	sqlite3_stmt *st = s->st[ST_PUB_ADD];

	bind_text(st, 1, p->execution);
	bind_text(st, 2, p->brand);
	bind_text(st, 3, p->channel);
	bind_text(st, 4, p->post_id);
	bind_text(st, 5, p->permalink);
	bind_text(st, 6, p->caption);
	bind_text(st, 7, p->photo_key);
	bind_text(st, 8, p->model);
	sqlite3_bind_int64(st, 9, p->input_tokens);
	sqlite3_bind_int64(st, 10, p->output_tokens);
	sqlite3_bind_double(st, 11, p->cost_usd);
	sqlite3_bind_int64(st, 12, p->published_at);
	return run(s, ST_PUB_ADD, cause);
}

int
store_approvals(struct store_reader *r, const char *brand, cJSON **out,
                char **cause)
{
	sqlite3_stmt *st = NULL;
	cJSON        *res, *arr, *o, *d;
	const char   *keys[] = { "caption", "photo_key", "description",
		                 "expires_at" };
	size_t        i;
	int           rc;

	if (sqlite3_prepare_v2(
	        r->db,
	        "SELECT x.id, x.brand, ev.at, ev.data, ev.attempt "
	        "FROM executions x "
	        "JOIN events ev ON ev.seq = (SELECT MAX(seq) FROM events "
	        "  WHERE exec_n = x.n AND type = 'approval_requested') "
	        "WHERE x.status = 'waiting_approval' AND "
	        "(?1 IS NULL OR x.brand = ?1) ORDER BY ev.at, x.n",
	        -1, &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	bind_text(st, 1, brand);
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "approvals");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "execution", col_text(st, 0));
		json_add_str(o, "brand", col_text(st, 1));
		d = cJSON_Parse(col_text(st, 3) ? col_text(st, 3) : "null");
		for (i = 0; i < nitems(keys); i++)
			json_add_str(o, keys[i],
			             cJSON_GetStringValue(
			                 cJSON_GetObjectItem(d, keys[i])));
		cJSON_Delete(d);
		cJSON_AddNumberToObject(o, "round", sqlite3_column_int(st, 4));
		json_add_time(o, "since", sqlite3_column_int64(st, 2));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		cJSON_Delete(res);
		return reader_fail(r, st, cause);
	}
	sqlite3_finalize(st);
	*out = res;
	return 0;
}

int
store_publications(struct store_reader *r, const char *brand, int limit,
                   cJSON **out, char **cause)
{
	sqlite3_stmt *st = NULL;
	cJSON        *res, *arr, *o;
	int           rc;

	if (sqlite3_prepare_v2(r->db,
	                       "SELECT execution, brand, channel, post_id, "
	                       "permalink, caption, photo_key, model, "
	                       "input_tokens, output_tokens, cost_usd, "
	                       "published_at FROM publications "
	                       "WHERE ?1 IS NULL OR brand = ?1 "
	                       "ORDER BY n DESC LIMIT ?2",
	                       -1, &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	bind_text(st, 1, brand);
	sqlite3_bind_int(st, 2, limit);
	res = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(res, "publications");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "execution", col_text(st, 0));
		json_add_str(o, "brand", col_text(st, 1));
		cJSON_AddStringToObject(o, "channel", col_text(st, 2));
		json_add_str(o, "post_id", col_text(st, 3));
		json_add_str(o, "permalink", col_text(st, 4));
		json_add_str(o, "caption", col_text(st, 5));
		json_add_str(o, "photo_key", col_text(st, 6));
		json_add_str(o, "model", col_text(st, 7));
		cJSON_AddNumberToObject(o, "input_tokens",
		                        (double)sqlite3_column_int64(st, 8));
		cJSON_AddNumberToObject(o, "output_tokens",
		                        (double)sqlite3_column_int64(st, 9));
		cJSON_AddNumberToObject(o, "cost_usd",
		                        sqlite3_column_double(st, 10));
		json_add_time(o, "published_at", sqlite3_column_int64(st, 11));
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		cJSON_Delete(res);
		return reader_fail(r, st, cause);
	}
	sqlite3_finalize(st);
	*out = res;
	return 0;
}

/* Traces and spend (see store.h). */

int
store_exec_events(struct store *s, int64_t                              exec_n,
                  void (*fn)(void *, const struct store_event *), void *arg,
                  char **cause)
{
	sqlite3_stmt      *st = s->st[ST_EXEC_EVENTS];
	struct store_event ev;
	int                rc;

	sqlite3_bind_int64(st, 1, exec_n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&ev, 0, sizeof ev);
		ev.seq = sqlite3_column_int64(st, 0);
		ev.at = sqlite3_column_int64(st, 1);
		ev.exec_n = exec_n;
		ev.type = col_text(st, 2);
		ev.step = col_text(st, 3);
		ev.attempt = sqlite3_column_int(st, 4);
		ev.data = col_text(st, 5);
		fn(arg, &ev);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int
store_span_add(struct store *s, int64_t at, const char *span, int64_t cap,
               int64_t *dropped, char **cause)
{
	sqlite3_stmt *st = s->st[ST_SPAN_OLDEST];
	int64_t       last, oldest = 0;
	int           rc;

	*dropped = 0;
	sqlite3_bind_int64(s->st[ST_SPAN_ADD], 1, at);
	bind_text(s->st[ST_SPAN_ADD], 2, span);
	if (run(s, ST_SPAN_ADD, cause) != 0)
		return -1;
	last = sqlite3_last_insert_rowid(s->db);
	/* Rows are only ever deleted oldest first (here and by the
	 * exporter), so the outbox holds exactly oldest..last. */
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		oldest = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	if (cap > 0 && last - oldest + 1 > cap) {
		sqlite3_bind_int64(s->st[ST_SPAN_TRIM], 1, last - cap + 1);
		if (run(s, ST_SPAN_TRIM, cause) != 0)
			return -1;
		*dropped = sqlite3_changes(s->db);
	}
	return 0;
}

int
store_spend_add(struct store *s, const struct store_spend *p, char **cause)
{
	sqlite3_stmt *st = s->st[ST_SPEND_ADD];

	sqlite3_bind_int64(st, 1, p->at);
	bind_text(st, 2, p->brand);
	bind_text(st, 3, p->execution);
	bind_text(st, 4, p->step);
	bind_text(st, 5, p->model);
	sqlite3_bind_int64(st, 6, p->input_tokens);
	sqlite3_bind_int64(st, 7, p->output_tokens);
	sqlite3_bind_double(st, 8, p->cost_usd);
	return run(s, ST_SPEND_ADD, cause);
}

struct store_outbox {
	sqlite3      *db;
	sqlite3_stmt *read, *del;
};

struct store_outbox *
store_outbox_open(const char *path, char **cause)
{
	struct store_outbox *o = xcalloc(1, sizeof *o);
	char                *why = NULL;

	if ((o->db = open_db(path, SQLITE_OPEN_READWRITE,
	                     STORE_OUTBOX_CACHE_KIB, cause)) == NULL)
		goto fail;
	/* A delete lost to a power cut only means a span is sent twice. */
	if (db_exec(o->db, "PRAGMA synchronous = NORMAL", &why) != 0 ||
	    sqlite3_prepare_v2(o->db,
	                       "SELECT n, span FROM trace_outbox "
	                       "ORDER BY n LIMIT ?",
	                       -1, &o->read, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(o->db,
	                       "DELETE FROM trace_outbox WHERE n BETWEEN ? "
	                       "AND ?",
	                       -1, &o->del, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path,
		          why != NULL ? why : sqlite3_errmsg(o->db));
		free(why);
		goto fail;
	}
	return o;
fail:
	store_outbox_close(o);
	return NULL;
}

void
store_outbox_close(struct store_outbox *o)
{
	if (o == NULL)
		return;
	sqlite3_finalize(o->read);
	sqlite3_finalize(o->del);
	sqlite3_close(o->db);
	free(o);
}

int
store_outbox_read(struct store_outbox *o, int max_rows, size_t max_bytes,
                  void (*fn)(void *, int64_t, const char *, size_t), void *arg,
                  char **cause)
{
	size_t bytes = 0, len;
	int    rc, n = 0;

	sqlite3_bind_int(o->read, 1, max_rows);
	while ((rc = sqlite3_step(o->read)) == SQLITE_ROW) {
		len = (size_t)sqlite3_column_bytes(o->read, 1);
		if (n > 0 && bytes + len > max_bytes)
			break;
		fn(arg, sqlite3_column_int64(o->read, 0), col_text(o->read, 1),
		   len);
		bytes += len;
		n++;
	}
	sqlite3_reset(o->read);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(o->db));
		return -1;
	}
	return n;
}

int
store_outbox_delete(struct store_outbox *o, int64_t first, int64_t last,
                    char **cause)
{
	int rc;

	sqlite3_bind_int64(o->del, 1, first);
	sqlite3_bind_int64(o->del, 2, last);
	rc = sqlite3_step(o->del);
	sqlite3_reset(o->del);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s", sqlite3_errmsg(o->db));
		return -1;
	}
	return 0;
}

int
store_spend_since(struct store_reader *r, int64_t day_start,
                  int64_t month_start, cJSON **out, char **cause)
{
	sqlite3_stmt *st = NULL;
	cJSON        *res, *b;
	int           rc;

	if (sqlite3_prepare_v2(
	        r->db,
	        "SELECT coalesce(brand, ''), "
	        "total(cost_usd) FILTER (WHERE at >= ?1), "
	        "count(*) FILTER (WHERE at >= ?1), total(cost_usd), count(*), "
	        "total(input_tokens), total(output_tokens) "
	        "FROM spend WHERE at >= ?2 GROUP BY 1 ORDER BY 1",
	        -1, &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	sqlite3_bind_int64(st, 1, day_start);
	sqlite3_bind_int64(st, 2, month_start);
	res = cJSON_CreateObject();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b = cJSON_AddObjectToObject(res, col_text(st, 0));
		cJSON_AddNumberToObject(b, "today_usd",
		                        sqlite3_column_double(st, 1));
		cJSON_AddNumberToObject(b, "today_calls",
		                        sqlite3_column_int(st, 2));
		cJSON_AddNumberToObject(b, "month_usd",
		                        sqlite3_column_double(st, 3));
		cJSON_AddNumberToObject(b, "month_calls",
		                        sqlite3_column_int(st, 4));
		cJSON_AddNumberToObject(b, "month_input_tokens",
		                        sqlite3_column_double(st, 5));
		cJSON_AddNumberToObject(b, "month_output_tokens",
		                        sqlite3_column_double(st, 6));
	}
	if (rc != SQLITE_DONE) {
		cJSON_Delete(res);
		return reader_fail(r, st, cause);
	}
	sqlite3_finalize(st);
	*out = res;
	return 0;
}

int
store_outbox_size(struct store_reader *r, int64_t *n, char **cause)
{
	sqlite3_stmt *st = NULL;

	/* Contiguous (see store_span_add): no count(*) over the table. */
	if (sqlite3_prepare_v2(r->db,
	                       "SELECT coalesce(max(n) - min(n) + 1, 0) "
	                       "FROM trace_outbox",
	                       -1, &st, NULL) != SQLITE_OK)
		return reader_fail(r, st, cause);
	if (sqlite3_step(st) != SQLITE_ROW)
		return reader_fail(r, st, cause);
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
store_exec_get(struct store *s, int64_t                            n,
               int (*fn)(void *, const struct store_exec *), void *arg,
               char **cause)
{
	sqlite3_stmt     *st = s->st[ST_EXEC_GET];
	struct store_exec x;
	int               rc;

	sqlite3_bind_int64(st, 1, n);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return 1;
		xasprintf(cause, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	read_exec(st, &x);
	rc = load_steps(s->db, s->st[ST_STEPS_GET], &x, cause);
	sqlite3_reset(s->st[ST_STEPS_GET]);
	if (rc == 0)
		fn(arg, &x);
	free_steps(&x);
	sqlite3_reset(st);
	return rc;
}

sqlite3 *
store_sqlite(struct store *s)
{
	return s->db;
}

sqlite3 *
store_reader_sqlite(struct store_reader *r)
{
	return r->db;
}
