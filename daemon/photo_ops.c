/*
 * photo_ops: one worker thread (a pool of one) runs the pool's methods
 * as activities run: each call gets a struct act_call with the brand's
 * settings, the thread's HTTP handle and a deadline, so the listing,
 * reading and variants are the same code the pick step uses.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "activities/http.h"
#include "activities/imagework.h"
#include "activities/photo.h"
#include "activities/variant.h"
#include "common/log.h"
#include "common/strmap.h"
#include "common/util.h"
#include "daemon/engine.h"
#include "daemon/photo_ops.h"
#include "daemon/photo_ops_int.h"
#include "daemon/pool.h"
#include "db/store.h"
#include "db/store_photos.h"

#define READ_MS (2 * 60 * 1000) /* per photo, per listing */

/* What the store says of one key of the pool. */
struct known {
	char       *key;   /* the map's key */
	const char *state; /* "reserved", "used", or NULL */
	char       *execution;
	int64_t     claimed_at;
	char       *identity; /* set aside with this identity */
	char       *reason;
	int64_t     aside_at;
};

static void *
ops_init(void *arg, char **cause)
{
	struct photo_ops *o = arg;
	struct ops_ctx   *c = xcalloc(1, sizeof *c);

	if ((c->r = store_reader_open(o->db_path, cause)) == NULL) {
		free(c);
		return NULL;
	}
	c->http = http_thread_new();
	return c;
}

static void
ops_fini(void *ctx)
{
	struct ops_ctx *c = ctx;

	store_reader_close(c->r);
	http_thread_free(c->http);
	free(c);
}

/* {"state_dir", "brand": {...}} for brand, or NULL if there is none. */
cJSON *
photo_ops_brand(struct photo_ops *o, const char *brand)
{
	cJSON *s = NULL, *b;

	pthread_mutex_lock(&o->lock);
	b = cJSON_GetObjectItem(cJSON_GetObjectItem(o->settings, "brands"),
	                        brand);
	if (b != NULL) {
		s = cJSON_CreateObject();
		cJSON_AddItemToObject(
		    s, "state_dir",
		    cJSON_Duplicate(
		        cJSON_GetObjectItem(o->settings, "state_dir"), 1));
		cJSON_AddItemToObject(s, "brand", cJSON_Duplicate(b, 1));
	}
	pthread_mutex_unlock(&o->lock);
	return s;
}

void
photo_ops_call_init(struct photo_ops *o, struct ops_ctx *ctx,
                              const cJSON *settings, const cJSON *deps,
                              struct act_call *c)
{
	memset(c, 0, sizeof *c);
	c->exec_id = "";
	c->step = "photo";
	c->attempt = 1;
	c->settings = settings;
	c->deps = deps;
	c->created_at = clock_ms();
	c->deadline = clock_ms() + READ_MS;
	c->cancel = &o->stop;
	c->http = ctx->http;
}

static void
known_free(struct strmap *m)
{
	struct known *k;
	size_t        pos = 0;

	while ((k = strmap_next(m, &pos)) != NULL) {
		free(k->key);
		free(k->execution);
		free(k->identity);
		free(k->reason);
		free(k);
	}
	strmap_free(m);
}

static struct known *
known_get(struct strmap *m, const char *key)
{
	struct known *k = strmap_get(m, key);

	if (k == NULL) {
		k = xcalloc(1, sizeof *k);
		k->key = xstrdup(key);
		strmap_put(m, k->key, k);
	}
	return k;
}

static int
add_claim(void *arg, const struct store_claim_row *r)
{
	struct known *k = known_get(arg, r->key);

	k->state = strcmp(r->state, "used") == 0 ? "used" : "reserved";
	free(k->execution);
	k->execution = xstrdup(r->execution);
	k->claimed_at = r->at;
	return 0;
}

static int
add_aside(void *arg, const struct store_aside *a)
{
	struct known *k = known_get(arg, a->key);

	k->identity = xstrdup(a->identity);
	k->reason = xstrdup(a->reason);
	k->aside_at = a->at;
	return 0;
}

/* The store's records of brand's photos, by key. NULL with *cause. */
static struct strmap *
known_of(struct ops_ctx *ctx, const char *brand, char **cause)
{
	struct strmap *m = strmap_new();

	if (store_reader_claims_each(ctx->r, "photo", brand, add_claim, m,
	                             cause) != 0 ||
	    store_reader_aside_each(ctx->r, brand, add_aside, m, cause) != 0) {
		known_free(m);
		return NULL;
	}
	return m;
}

/* The state a photo of the pool is in; photos: the brand's settings. */
static const char *
state_of(const struct known *k, const struct photo_ref *r, const cJSON *photos)
{
	char *id;
	int   same;

	if (k == NULL)
		return "unused";
	if (k->state != NULL)
		return k->state;
	if (k->identity == NULL)
		return "unused";
	id = photo_aside_identity(photos, r);
	same = strcmp(k->identity, id) == 0;
	free(id);
	/* else set aside, but the file or the fit changed since */
	return same ? "set_aside" : "unused";
}

static const cJSON *
photos_in(const cJSON *settings)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(settings, "brand"),
	                           "photos");
}

static void
add_time(cJSON *o, const char *name, int64_t ms)
{
	char ts[32];

	cJSON_AddStringToObject(o, name, iso8601(ms, ts, sizeof ts));
}

/* The pool and what the store knows of it: 0, or -1 with *reply. */
static int
pool_of(struct photo_ops *o, struct ops_ctx *ctx, const cJSON *params,
        cJSON **settings, struct photo_pool *pool, struct strmap **known,
        char **reply)
{
	const char     *brand = proto_str(params, "brand");
	struct act_call c;
	struct act_out  out;
	char           *cause = NULL;

	if ((*settings = photo_ops_brand(o, brand)) == NULL) {
		*reply = proto_reply_err(E_NOT_FOUND,
		                         "no brand %s in the config", brand);
		return -1;
	}
	photo_ops_call_init(o, ctx, *settings, NULL, &c);
	memset(&out, 0, sizeof out);
	if (photo_pool_list(&c, pool, &out) != 0) {
		*reply = proto_reply_err(E_UNAVAILABLE, "%s",
		                         out.error ? out.error : "cannot list");
		free(out.error);
		cJSON_Delete(*settings);
		return -1;
	}
	if ((*known = known_of(ctx, brand, &cause)) == NULL) {
		*reply = proto_reply_err(E_INTERNAL, "store: %s", cause);
		free(cause);
		photo_pool_fini(pool);
		cJSON_Delete(*settings);
		return -1;
	}
	return 0;
}

static void
count(cJSON *counts, const char *name)
{
	cJSON *n = cJSON_GetObjectItem(counts, name);

	cJSON_SetNumberValue(n, n->valuedouble + 1);
}

static cJSON *
counts_new(const char *const *names)
{
	cJSON *o = cJSON_CreateObject();

	for (; *names != NULL; names++)
		cJSON_AddNumberToObject(o, *names, 0);
	return o;
}

static char *
do_list(struct photo_ops *o, struct ops_ctx *ctx, const cJSON *params)
{
	static const char *const names[] = { "photos", "unused",    "reserved",
		                             "used",   "set_aside", NULL };
	const char              *only = proto_str(params, "state");
	cJSON                   *settings, *res, *arr, *counts, *p;
	struct photo_pool        pool;
	struct strmap           *known;
	char                    *reply;
	size_t                   i;

	if (pool_of(o, ctx, params, &settings, &pool, &known, &reply) != 0)
		return reply;
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "brand", proto_str(params, "brand"));
	cJSON_AddStringToObject(res, "where", pool.where);
	counts = counts_new(names);
	cJSON_AddItemToObject(res, "counts", counts);
	arr = cJSON_AddArrayToObject(res, "photos");
	for (i = 0; i < pool.n; i++) {
		const struct photo_ref *r = &pool.v[i];
		const struct known     *k = strmap_get(known, r->key);
		const char *state = state_of(k, r, photos_in(settings));

		count(counts, "photos");
		count(counts, state);
		if (only != NULL && strcmp(only, state) != 0)
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "key", r->key);
		cJSON_AddNumberToObject(p, "bytes", (double)r->size);
		cJSON_AddStringToObject(p, "state", state);
		if (k != NULL && k->state != NULL) {
			cJSON_AddStringToObject(p, "execution", k->execution);
			add_time(p, "since", k->claimed_at);
		} else if (strcmp(state, "set_aside") == 0) {
			add_time(p, "since", k->aside_at);
			cJSON_AddStringToObject(p, "reason", k->reason);
		}
		cJSON_AddItemToArray(arr, p);
	}
	known_free(known);
	photo_pool_fini(&pool);
	cJSON_Delete(settings);
	return proto_reply_ok(res);
}

/* Reads one photo and says what each channel would get, into p. 1 if it
 * cannot be used (*why), 0 if it can, -1 if it could not be read now. */
static int
check_one(const struct act_call *c, const struct photo_ref *r, cJSON *p,
          char **why)
{
	struct act_out     out;
	struct image_facts f;
	struct image_plan  plans[CH_COUNT];
	cJSON             *chs, *ch;
	char               done[160], *src;
	int                i, tmp, rc;

	*why = NULL;
	memset(&out, 0, sizeof out);
	if (r->size > PHOTO_SOURCE_MAX) {
		xasprintf(why, "%lld MB: more than the %d MB herald reads",
		          (long long)(r->size >> 20), PHOTO_SOURCE_MAX >> 20);
		return 1;
	}
	if (photo_source_file(c, r, &src, &tmp, &out) == 0) {
		rc = variant_check(c, src, &f, plans, why, &out);
		if (tmp)
			unlink(src);
		free(src);
	} else
		rc = -1;
	if (rc < 0) {
		cJSON_AddStringToObject(p, "error",
		                        out.error ? out.error : "cannot read");
		free(out.error);
		return -1;
	}
	if (f.width > 0) {
		cJSON_AddStringToObject(p, "format", f.format);
		cJSON_AddNumberToObject(p, "width", f.up_width);
		cJSON_AddNumberToObject(p, "height", f.up_height);
		cJSON_AddNumberToObject(p, "orientation", f.orientation);
	}
	if (rc == 1)
		return 1;
	chs = cJSON_AddObjectToObject(p, "channels");
	for (i = 0; i < CH_COUNT; i++) {
		ch = cJSON_AddObjectToObject(chs, photo_channels[i]);
		cJSON_AddNumberToObject(ch, "width", plans[i].out_width);
		cJSON_AddNumberToObject(ch, "height", plans[i].out_height);
		image_plan_text(&plans[i], done, sizeof done);
		cJSON_AddStringToObject(ch, "done", done);
	}
	return 0;
}

/* photo.check: NULL when the engine answers (it records what --apply
 * changes first). */
static char *
do_check(struct photo_ops *o, struct ops_ctx *ctx, const cJSON *params,
         struct reply_to rt)
{
	static const char *const names[] = { "photos",   "checked", "usable",
		                             "unusable", "unread",  NULL };
	const char              *brand = proto_str(params, "brand");
	int                      apply = proto_bool(params, "apply");
	cJSON                   *settings, *res, *arr, *counts, *p, *rec, *a;
	cJSON                   *aside, *back;
	struct photo_pool        pool;
	struct strmap           *known;
	struct act_call          c;
	char                    *reply, *why, *id;
	size_t                   i;
	int                      rc;

	if (pool_of(o, ctx, params, &settings, &pool, &known, &reply) != 0)
		return reply;
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "brand", brand);
	cJSON_AddStringToObject(res, "where", pool.where);
	cJSON_AddBoolToObject(res, "applied", apply);
	counts = counts_new(names);
	cJSON_AddItemToObject(res, "counts", counts);
	arr = cJSON_AddArrayToObject(res, "photos");
	rec = cJSON_CreateObject();
	aside = cJSON_AddArrayToObject(rec, "aside");
	back = cJSON_AddArrayToObject(rec, "back");
	for (i = 0; i < pool.n; i++) {
		const struct photo_ref *r = &pool.v[i];
		const struct known     *k = strmap_get(known, r->key);
		const char *state = state_of(k, r, photos_in(settings));

		count(counts, "photos");
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "key", r->key);
		cJSON_AddNumberToObject(p, "bytes", (double)r->size);
		cJSON_AddStringToObject(p, "state", state);
		cJSON_AddItemToArray(arr, p);
		if (strcmp(state, "used") == 0)
			continue; /* done with: not read */
		if (atomic_load(&o->stop)) {
			cJSON_AddStringToObject(p, "error",
			                        "heraldd is stopping");
			count(counts, "unread");
			continue;
		}
		photo_ops_call_init(o, ctx, settings, NULL, &c);
		count(counts, "checked");
		rc = check_one(&c, r, p, &why);
		if (rc < 0) {
			count(counts, "unread");
			continue;
		}
		cJSON_AddBoolToObject(p, "usable", rc == 0);
		if (rc == 0) {
			count(counts, "usable");
			if (strcmp(state, "set_aside") == 0)
				cJSON_AddItemToArray(
				    back, cJSON_CreateString(r->key));
			continue;
		}
		count(counts, "unusable");
		cJSON_AddStringToObject(p, "reason", why);
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "key", r->key);
		id = photo_aside_identity(photos_in(settings), r);
		cJSON_AddStringToObject(a, "identity", id);
		free(id);
		cJSON_AddStringToObject(a, "reason", why);
		cJSON_AddItemToArray(aside, a);
		free(why);
	}
	known_free(known);
	photo_pool_fini(&pool);
	cJSON_Delete(settings);
	reply = proto_reply_ok(res);
	if (!apply ||
	    (cJSON_GetArraySize(aside) == 0 && cJSON_GetArraySize(back) == 0)) {
		cJSON_Delete(rec);
		return reply;
	}
	cJSON_AddStringToObject(rec, "brand", brand);
	cJSON_AddStringToObject(rec, "reply", reply);
	free(reply);
	engine_record_photos(o->engine, rec, rt);
	return NULL;
}

/* photo.mark_used: the keys not used yet go to the engine to be
 * marked; NULL when the engine answers. */
static char *
do_mark_used(struct photo_ops *o, struct ops_ctx *ctx, const cJSON *params,
             struct reply_to rt)
{
	const char         *brand = proto_str(params, "brand");
	const char         *by = proto_str(params, "by");
	cJSON              *settings, *res, *rec, *used, *marked;
	const cJSON        *it;
	struct photo_pool   pool;
	struct strmap      *known, *in_pool = strmap_new();
	struct strmap      *seen = strmap_new();
	const struct known *k;
	char               *reply;
	size_t              i;
	int                 fresh = 0, old = 0, unknown = 0, held = 0;

	if (pool_of(o, ctx, params, &settings, &pool, &known, &reply) != 0) {
		strmap_free(in_pool);
		strmap_free(seen);
		return reply;
	}
	for (i = 0; i < pool.n; i++)
		strmap_put(in_pool, pool.v[i].key, &pool.v[i]);
	rec = cJSON_CreateObject();
	used = cJSON_AddArrayToObject(rec, "used");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(params, "keys"))
	{
		if (strmap_get(seen, it->valuestring) != NULL)
			continue; /* once a request */
		strmap_put(seen, it->valuestring, (void *)it);
		k = strmap_get(known, it->valuestring);
		if (k != NULL && k->state != NULL &&
		    strcmp(k->state, "used") == 0) {
			old++;
			continue;
		}
		if (k != NULL && k->state != NULL) {
			held++; /* a run holds it: it decides */
			continue;
		}
		/* One not in the pool now is marked all the same: it must
		 * not go out if it shows up later. */
		if (strmap_get(in_pool, it->valuestring) == NULL)
			unknown++;
		fresh++;
		cJSON_AddItemToArray(used, cJSON_CreateString(it->valuestring));
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "brand", brand);
	cJSON_AddNumberToObject(res, "new", fresh);
	cJSON_AddNumberToObject(res, "known", old);
	cJSON_AddNumberToObject(res, "unknown", unknown);
	cJSON_AddNumberToObject(res, "held", held);
	reply = proto_reply_ok(cJSON_Duplicate(res, 1));
	marked = cJSON_AddObjectToObject(rec, "marked");
	cJSON_AddStringToObject(marked, "by", by ? by : "");
	cJSON_ArrayForEach(it, res)
	{
		if (cJSON_IsNumber(it))
			cJSON_AddNumberToObject(marked, it->string,
			                        it->valuedouble);
	}
	cJSON_Delete(res);
	known_free(known);
	strmap_free(in_pool);
	strmap_free(seen);
	photo_pool_fini(&pool);
	cJSON_Delete(settings);
	cJSON_AddStringToObject(rec, "brand", brand);
	cJSON_AddStringToObject(rec, "reply", reply);
	free(reply);
	engine_record_photos(o->engine, rec, rt);
	return NULL;
}

static void
ops_run(struct job *job, void *ctx)
{
	struct ops_job *j = (struct ops_job *)job;
	char           *reply = NULL;

	switch (j->method) {
	case M_PHOTO_LIST:
		reply = do_list(j->o, ctx, j->params);
		break;
	case M_PHOTO_CHECK:
		reply = do_check(j->o, ctx, j->params, j->rt);
		break;
	case M_PHOTO_PREVIEW:
		reply = photo_ops_preview(j->o, ctx, j->params);
		break;
	case M_PHOTO_MARK_USED:
		reply = do_mark_used(j->o, ctx, j->params, j->rt);
		break;
	case M_COUNT:
		photo_ops_sweep(j->o, ctx);
		atomic_store(&j->o->sweeping, 0);
		break;
	default:
		reply = proto_reply_err(E_INTERNAL, "%s is not a photo method",
		                        proto_methods[j->method].name);
		break;
	}
	if (reply != NULL)
		j->rt.fn(j->rt.arg, reply);
	cJSON_Delete(j->params);
	free(j);
}

static void
ops_drop(struct job *job)
{
	struct ops_job *j = (struct ops_job *)job;

	if (j->method == M_COUNT)
		atomic_store(&j->o->sweeping, 0);
	else
		j->rt.fn(j->rt.arg,
		         proto_reply_err(E_UNAVAILABLE, "heraldd is stopping"));
	cJSON_Delete(j->params);
	free(j);
}

struct photo_ops *
photo_ops_start(const char *db_path, const char *settings,
                struct engine *engine, char **cause)
{
	struct photo_ops *o = xcalloc(1, sizeof *o);

	o->engine = engine;
	o->db_path = xstrdup(db_path);
	o->settings = cJSON_Parse(settings);
	pthread_mutex_init(&o->lock, NULL);
	if ((o->pool = pool_start("photos", 1, ops_init, ops_fini, o, cause)) ==
	    NULL) {
		cJSON_Delete(o->settings);
		pthread_mutex_destroy(&o->lock);
		free(o->db_path);
		free(o);
		return NULL;
	}
	return o;
}

void
photo_ops_stop(struct photo_ops *o)
{
	if (o == NULL)
		return;
	atomic_store(&o->stop, 1);
	pool_stop(o->pool);
	cJSON_Delete(o->settings);
	pthread_mutex_destroy(&o->lock);
	free(o->db_path);
	free(o);
}

void
photo_ops_reload(struct photo_ops *o, const char *settings)
{
	cJSON *s = cJSON_Parse(settings);

	pthread_mutex_lock(&o->lock);
	cJSON_Delete(o->settings);
	o->settings = s;
	pthread_mutex_unlock(&o->lock);
}

void
photo_ops_call(struct photo_ops *o, enum method_id m, cJSON *params,
               struct reply_to rt)
{
	struct ops_job *j = xcalloc(1, sizeof *j);

	j->job.run = ops_run;
	j->job.drop = ops_drop;
	j->o = o;
	j->method = m;
	j->params = params;
	j->rt = rt;
	pool_submit(o->pool, &j->job);
}

void
photo_ops_tick(struct photo_ops *o, int64_t now)
{
	struct ops_job *j;
	int             zero = 0;

	if (now < o->next_sweep ||
	    !atomic_compare_exchange_strong(&o->sweeping, &zero, 1))
		return;
	o->next_sweep = now + photo_ops_sweep_every(o);
	j = xcalloc(1, sizeof *j);
	j->job.run = ops_run;
	j->job.drop = ops_drop;
	j->o = o;
	j->method = M_COUNT;
	pool_submit(o->pool, &j->job);
}
