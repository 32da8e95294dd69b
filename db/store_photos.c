/*
 * store_photos: the set-aside photos and the variants, on the store's
 * writer connection. These run a few times per pick or per task, not per
 * event: each call prepares its statement, and no cache is kept.
 */
#include <stdlib.h>

#include "common/util.h"
#include "db/store_int.h"
#include "db/store_photos.h"

static sqlite3_stmt *
prepare_on(sqlite3 *db, const char *sql, char **cause)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

static sqlite3_stmt *
prepare(struct store *s, const char *sql, char **cause)
{
	return prepare_on(store_sqlite(s), sql, cause);
}

static void
text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Ends st after its last step (rc): 0, or -1 with *cause. */
static int
done_on(sqlite3 *db, sqlite3_stmt *st, int rc, char **cause)
{
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		xasprintf(cause, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int
done(struct store *s, sqlite3_stmt *st, int rc, char **cause)
{
	return done_on(store_sqlite(s), st, rc, cause);
}

int
store_aside_put(struct store *s, const struct store_aside *a, char **cause)
{
	sqlite3_stmt *st = prepare(s,
	                           "INSERT OR REPLACE INTO photo_aside (scope, "
	                           "key, identity, reason, at, execution) "
	                           "VALUES (?, ?, ?, ?, ?, ?)",
	                           cause);

	if (st == NULL)
		return -1;
	text(st, 1, a->scope);
	text(st, 2, a->key);
	text(st, 3, a->identity);
	text(st, 4, a->reason);
	sqlite3_bind_int64(st, 5, a->at);
	text(st, 6, a->execution);
	return done(s, st, sqlite3_step(st), cause);
}

int
store_aside_del(struct store *s, const char *scope, const char *key,
                char **cause)
{
	sqlite3_stmt *st = prepare(
	    s, "DELETE FROM photo_aside WHERE scope = ? AND key = ?", cause);

	if (st == NULL)
		return -1;
	text(st, 1, scope);
	text(st, 2, key);
	return done(s, st, sqlite3_step(st), cause);
}

static int
aside_each(sqlite3 *db, const char                             *scope,
           int (*fn)(void *, const struct store_aside *), void *arg,
           char **cause)
{
	sqlite3_stmt      *st = prepare_on(db,
	                                   "SELECT key, identity, reason, at, "
	                                        "execution FROM photo_aside WHERE scope "
	                                        "= ? ORDER BY key",
	                                   cause);
	struct store_aside a;
	int                rc;

	if (st == NULL)
		return -1;
	text(st, 1, scope);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.scope = scope;
		a.key = col(st, 0);
		a.identity = col(st, 1);
		a.reason = col(st, 2);
		a.at = sqlite3_column_int64(st, 3);
		a.execution = col(st, 4);
		if (fn(arg, &a) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return done_on(db, st, rc, cause);
}

int
store_aside_each(struct store *s, const char                         *scope,
                 int (*fn)(void *, const struct store_aside *), void *arg,
                 char **cause)
{
	return aside_each(store_sqlite(s), scope, fn, arg, cause);
}

int
store_reader_aside_each(struct store_reader *r, const char *scope,
                        int (*fn)(void *, const struct store_aside *),
                        void *arg, char **cause)
{
	return aside_each(store_reader_sqlite(r), scope, fn, arg, cause);
}

int
store_claim_used(struct store *s, const char *kind, const char *scope,
                 const char *key, int64_t at, char **cause)
{
	/* exec_n 0: no run; the unique index on live claims keeps one. */
	sqlite3_stmt *st = prepare(s,
	                           "INSERT OR IGNORE INTO claims (exec_n, "
	                           "kind, scope, key, state, at) VALUES (0, ?, "
	                           "?, ?, 'used', ?)",
	                           cause);
	int           rc;

	if (st == NULL)
		return -1;
	text(st, 1, kind);
	text(st, 2, scope);
	text(st, 3, key);
	sqlite3_bind_int64(st, 4, at);
	rc = sqlite3_step(st);
	if (done(s, st, rc, cause) != 0)
		return -1;
	return sqlite3_changes(store_sqlite(s)) == 1 ? 0 : 1;
}

int
store_reader_claims_each(struct store_reader *rd, const char *kind,
                         const char *scope,
                         int (*fn)(void *, const struct store_claim_row *),
                         void *arg, char **cause)
{
	sqlite3      *db = store_reader_sqlite(rd);
	sqlite3_stmt *st =
	    prepare_on(db,
	               "SELECT c.key, c.state, x.id, c.at FROM "
	               "claims c LEFT JOIN executions x ON x.n = "
	               "c.exec_n WHERE c.kind = ? AND c.scope "
	               "= ? AND c.state != 'released' ORDER BY "
	               "c.key",
	               cause);
	struct store_claim_row r;
	int                    rc;

	if (st == NULL)
		return -1;
	text(st, 1, kind);
	text(st, 2, scope);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.key = col(st, 0);
		r.state = col(st, 1);
		r.execution = col(st, 2);
		r.at = sqlite3_column_int64(st, 3);
		if (fn(arg, &r) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return done_on(db, st, rc, cause);
}

int
store_variant_put(struct store *s, const struct store_variant *v, char **cause)
{
	sqlite3_stmt *st = prepare(s,
	                           "INSERT OR REPLACE INTO photo_variants "
	                           "(location, scope, key, channel, execution, "
	                           "made_at, removed_at) VALUES (?, ?, ?, ?, "
	                           "?, ?, NULL)",
	                           cause);

	if (st == NULL)
		return -1;
	text(st, 1, v->location);
	text(st, 2, v->scope);
	text(st, 3, v->key);
	text(st, 4, v->channel);
	text(st, 5, v->execution);
	sqlite3_bind_int64(st, 6, v->made_at);
	return done(s, st, sqlite3_step(st), cause);
}

int
store_reader_variants_due(struct store_reader *rd, const char *scope,
                          int64_t before, int limit,
                          int (*fn)(void *, const struct store_variant *),
                          void *arg, char **cause)
{
	sqlite3      *db = store_reader_sqlite(rd);
	sqlite3_stmt *st = prepare_on(
	    db,
	    "SELECT v.location, v.key, v.channel, v.execution, v.made_at "
	    "FROM photo_variants v WHERE v.scope = ? AND v.removed_at IS "
	    "NULL AND v.made_at < ? AND EXISTS (SELECT 1 FROM claims c "
	    "WHERE c.kind = 'photo' AND c.scope = v.scope AND c.key = v.key "
	    "AND c.state = 'used') ORDER BY v.made_at LIMIT ?",
	    cause);
	struct store_variant v;
	int                  rc;

	if (st == NULL)
		return -1;
	text(st, 1, scope);
	sqlite3_bind_int64(st, 2, before);
	sqlite3_bind_int(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v.location = col(st, 0);
		v.scope = scope;
		v.key = col(st, 1);
		v.channel = col(st, 2);
		v.execution = col(st, 3);
		v.made_at = sqlite3_column_int64(st, 4);
		if (fn(arg, &v) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	return done_on(db, st, rc, cause);
}

int
store_variant_removed(struct store *s, const char *location, int64_t at,
                      char **cause)
{
	sqlite3_stmt *st = prepare(
	    s, "UPDATE photo_variants SET removed_at = ? WHERE location = ?",
	    cause);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, at);
	text(st, 2, location);
	return done(s, st, sqlite3_step(st), cause);
}
