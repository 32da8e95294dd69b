/*
 * photo_sweep: the variants' retention, on the photo thread: the
 * variants of published photos older than their brand's
 * photos.variants_keep are removed (a file, or DeleteObject), then
 * recorded as removed by the engine.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "activities/variant.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/engine.h"
#include "daemon/photo_ops_int.h"
#include "db/store_photos.h"

#define SWEEP_MAX       200 /* variants per brand per sweep */
#define SWEEP_EVERY_MAX (10 * 60 * 1000LL)
#define SWEEP_EVERY_MIN 1000LL

struct sweep {
	struct photo_ops *o;
	struct ops_ctx   *ctx;
	const cJSON      *settings;
	cJSON            *removed;
};

static int
sweep_one(void *arg, const struct store_variant *v)
{
	struct sweep   *s = arg;
	struct act_call c;
	struct act_out  out;

	if (atomic_load(&s->o->stop))
		return 1;
	photo_ops_call_init(s->o, s->ctx, s->settings, NULL, &c);
	memset(&out, 0, sizeof out);
	if (variant_remove(&c, v->location, &out) != 0) {
		log_warn("variant_kept", "brand=%s key=\"%s\" error=\"%s\"",
		         v->scope, v->key, out.error ? out.error : "?");
		free(out.error);
		return 0;
	}
	cJSON_AddItemToArray(s->removed, cJSON_CreateString(v->location));
	return 0;
}

static void
record_done(void *arg, char *reply)
{
	(void)arg;
	free(reply);
}

/* Removes the variants past each brand's variants_keep. */
void
photo_ops_sweep(struct photo_ops *o, struct ops_ctx *ctx)
{
	cJSON       *names = NULL, *b, *rec;
	const cJSON *it;
	struct sweep s;
	char        *cause = NULL;
	double       keep;

	pthread_mutex_lock(&o->lock);
	names = cJSON_CreateArray();
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o->settings, "brands"))
	    cJSON_AddItemToArray(names, cJSON_CreateString(it->string));
	pthread_mutex_unlock(&o->lock);
	cJSON_ArrayForEach(it, names)
	{
		if ((b = photo_ops_brand(o, it->valuestring)) == NULL)
			continue;
		keep = cJSON_GetNumberValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(cJSON_GetObjectItem(b, "brand"),
		                        "photos"),
		    "variants_keep"));
		memset(&s, 0, sizeof s);
		s.o = o;
		s.ctx = ctx;
		s.settings = b;
		s.removed = cJSON_CreateArray();
		if (keep >= 1 && store_reader_variants_due(
		                     ctx->r, it->valuestring,
		                     clock_ms() - (int64_t)(keep * 1000),
		                     SWEEP_MAX, sweep_one, &s, &cause) != 0) {
			log_warn("variant_sweep", "brand=%s error=\"%s\"",
			         it->valuestring, cause);
			free(cause);
			cause = NULL;
		}
		if (cJSON_GetArraySize(s.removed) > 0) {
			log_info("variants_removed", "brand=%s count=%d",
			         it->valuestring,
			         cJSON_GetArraySize(s.removed));
			rec = cJSON_CreateObject();
			cJSON_AddStringToObject(rec, "brand", it->valuestring);
			cJSON_AddItemToObject(rec, "removed", s.removed);
			engine_record_photos(
			    o->engine, rec,
			    (struct reply_to){ record_done, NULL });
		} else
			cJSON_Delete(s.removed);
		cJSON_Delete(b);
	}
	cJSON_Delete(names);
}

/* How often to sweep: a quarter of the shortest variants_keep, within
 * SWEEP_EVERY_MIN and SWEEP_EVERY_MAX. */
int64_t
photo_ops_sweep_every(struct photo_ops *o)
{
	const cJSON *it;
	int64_t      every = SWEEP_EVERY_MAX, k;

	pthread_mutex_lock(&o->lock);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(o->settings, "brands"))
	{
		k = (int64_t)(cJSON_GetNumberValue(cJSON_GetObjectItem(
		                  cJSON_GetObjectItem(it, "photos"),
		                  "variants_keep")) *
		              1000 / 4);
		if (k > 0 && k < every)
			every = k;
	}
	pthread_mutex_unlock(&o->lock);
	return every < SWEEP_EVERY_MIN ? SWEEP_EVERY_MIN : every;
}
