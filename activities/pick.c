/*
 * pick: list, filter, shuffle, then read candidates one by one until one
 * makes good variants. The claim in the result is what reserves the
 * photo: the engine records it with the step's completion and refuses it
 * if another run was faster.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activities/pick.h"
#include "activities/photo.h"
#include "activities/variant.h"
#include "common/log.h"
#include "common/strmap.h"
#include "common/util.h"

/* Reading stops this long before the attempt's deadline. */
#define PICK_MARGIN_MS 20000

struct counts {
	size_t images, held, aside, empty;
};

static const cJSON *
photos_of(const struct act_call *c)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                           "photos");
}

static struct strmap *
taken_set(const cJSON *list)
{
	struct strmap *m = strmap_new();
	const cJSON   *it;

	cJSON_ArrayForEach(it, list)
	{
		if (cJSON_IsString(it))
			strmap_put(m, it->valuestring, (void *)it);
	}
	return m;
}

/* The candidates (indexes into pool) in random order. */
static size_t *
candidates(const struct act_call *c, const struct photo_pool *pool,
           struct counts *n, size_t *ncand)
{
	struct strmap *held = taken_set(c->taken);
	size_t        *v = xcalloc(pool->n ? pool->n : 1, sizeof *v), i, j, t;
	const char    *was;
	char          *id;

	memset(n, 0, sizeof *n);
	*ncand = 0;
	for (i = 0; i < pool->n; i++) {
		const struct photo_ref *r = &pool->v[i];

		n->images++;
		if (strmap_get(held, r->key) != NULL) {
			n->held++;
			continue;
		}
		was =
		    cJSON_GetStringValue(cJSON_GetObjectItem(c->aside, r->key));
		id = photo_aside_identity(photos_of(c), r);
		if (was != NULL && strcmp(was, id) == 0) {
			free(id);
			n->aside++; /* until its file or the fit changes */
			continue;
		}
		free(id);
		if (r->size <= 0) {
			n->empty++; /* would fail every run that picked it */
			continue;
		}
		v[(*ncand)++] = i;
	}
	strmap_free(held);
	/* The pool is in key order: the order depends on the random
	 * numbers only (Fisher-Yates). */
	for (i = *ncand; i > 1; i--) {
		j = random_below(i);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
	return v;
}

static void
set_aside(const struct act_call *c, cJSON *aside, cJSON *shown,
          const struct photo_ref *r, const char *reason)
{
	cJSON *a = cJSON_CreateObject();
	char  *id = photo_aside_identity(photos_of(c), r);

	cJSON_AddStringToObject(a, "key", r->key);
	cJSON_AddStringToObject(a, "identity", id);
	free(id);
	cJSON_AddStringToObject(a, "reason", reason);
	cJSON_AddItemToArray(aside, a);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "key", r->key);
	cJSON_AddStringToObject(a, "reason", reason);
	cJSON_AddItemToArray(shown, a);
	log_info("photo_set_aside", "key=\"%s\" reason=\"%s\"", r->key, reason);
}

/* The variants made (plans, at locs) into the result r. */
static void
add_variants(cJSON *r, char *const *locs, const struct image_plan *plans)
{
	cJSON *vs = cJSON_AddObjectToObject(r, "variants");
	cJSON *recs = cJSON_AddArrayToObject(r, "_variants"), *v;
	char   done[160];
	int    ch;

	for (ch = 0; ch < CH_COUNT; ch++) {
		image_plan_text(&plans[ch], done, sizeof done);
		v = cJSON_AddObjectToObject(vs, photo_channels[ch]);
		cJSON_AddStringToObject(v, "location", locs[ch]);
		cJSON_AddNumberToObject(v, "width", plans[ch].out_width);
		cJSON_AddNumberToObject(v, "height", plans[ch].out_height);
		cJSON_AddStringToObject(v, "done", done);
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "channel", photo_channels[ch]);
		cJSON_AddStringToObject(v, "location", locs[ch]);
		cJSON_AddItemToArray(recs, v);
	}
}

static cJSON *
result_of(const struct photo_ref *ref, const struct image_facts *f, size_t left)
{
	cJSON *r = cJSON_CreateObject(), *claim;

	cJSON_AddStringToObject(r, "key", ref->key);
	cJSON_AddStringToObject(r, "source", ref->bucket ? "s3" : "dir");
	if (ref->bucket != NULL)
		cJSON_AddStringToObject(r, "bucket", ref->bucket);
	else
		cJSON_AddStringToObject(r, "path", ref->path);
	cJSON_AddNumberToObject(r, "bytes", (double)ref->size);
	cJSON_AddStringToObject(r, "identity", ref->identity);
	cJSON_AddStringToObject(r, "format", f->format);
	cJSON_AddNumberToObject(r, "width", f->up_width);
	cJSON_AddNumberToObject(r, "height", f->up_height);
	cJSON_AddNumberToObject(r, "orientation", f->orientation);
	cJSON_AddNumberToObject(r, "unused_left", (double)left);
	claim = cJSON_AddObjectToObject(r, "_claim");
	cJSON_AddStringToObject(claim, "kind", "photo");
	cJSON_AddStringToObject(claim, "key", ref->key);
	return r;
}

/* Nothing could be picked: says why, with the pool's counts. */
static void
none_left(const struct act_call *c, const struct photo_pool *pool,
          const struct counts *n, size_t newly_aside, struct act_out *out)
{
	const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c->settings, "brand"), "name"));

	out->status = ACT_FAIL;
	xasprintf(&out->error,
	          "no unused photo left for brand %s in %s (%zu photos: %zu "
	          "used or reserved, %zu set aside, %zu empty; see herald "
	          "photo list --brand %s --set-aside)",
	          name ? name : "?", pool->where, n->images, n->held,
	          n->aside + newly_aside, n->empty, name ? name : "?");
}

/* Reads one candidate and makes its variants at locs (filled here). 0;
 * -1 with *why when the photo cannot be used; -1 with out set
 * otherwise. */
static int
try_one(const struct act_call *c, const struct photo_ref *ref,
        char *locs[CH_COUNT], struct image_facts *f,
        struct image_plan plans[CH_COUNT], char **why, struct act_out *out)
{
	static const enum photo_channel chs[CH_COUNT] = { CH_INSTAGRAM,
		                                          CH_FACEBOOK,
		                                          CH_CLAUDE };
	char                           *src;
	int                             tmp, ch, rc;

	*why = NULL;
	if (ref->size > PHOTO_SOURCE_MAX) {
		xasprintf(why, "%lld MB: more than the %d MB herald reads",
		          (long long)(ref->size >> 20), PHOTO_SOURCE_MAX >> 20);
		return -1;
	}
	if (photo_source_file(c, ref, &src, &tmp, out) != 0)
		return -1;
	for (ch = 0; ch < CH_COUNT; ch++) {
		free(locs[ch]);
		locs[ch] = variant_location(c, ref, ch);
	}
	rc = variant_make(c, src, CH_COUNT, chs, locs, f, plans, why, out);
	if (tmp)
		unlink(src);
	free(src);
	return rc == 0 ? 0 : -1;
}

void
pick_photo(const struct act_call *c, struct act_out *out)
{
	struct photo_pool  pool;
	struct counts      n;
	struct image_facts f;
	struct image_plan  plans[CH_COUNT];
	char              *locs[CH_COUNT] = { NULL };
	size_t            *order = NULL, ncand = 0, i, read = 0;
	cJSON *aside = cJSON_CreateArray(), *shown = cJSON_CreateArray();
	cJSON *r;
	char  *why, *gone = NULL;
	int    ch;

	if (photo_pool_list(c, &pool, out) != 0)
		goto done;
	order = candidates(c, &pool, &n, &ncand);
	for (i = 0; i < ncand; i++) {
		const struct photo_ref *ref = &pool.v[order[i]];

		if (c->cancel != NULL && atomic_load(c->cancel)) {
			out->status = ACT_RETRY;
			out->error = xstrdup("cancelled");
			goto done;
		}
		if (read >= PICK_READ_MAX ||
		    (c->deadline > 0 &&
		     clock_ms() > c->deadline - PICK_MARGIN_MS)) {
			out->status = ACT_RETRY;
			xasprintf(&out->error,
			          "%zu photos read, none usable (set aside); "
			          "%zu left to read at the next attempt",
			          read, ncand - i);
			goto done;
		}
		read++;
		if (try_one(c, ref, locs, &f, plans, &why, out) != 0) {
			if (why != NULL) { /* the photo's fault */
				set_aside(c, aside, shown, ref, why);
				free(why);
				continue;
			}
			if (out->status != ACT_FAIL)
				goto done; /* I/O or network: try again */
			/* Gone since the listing, or refused: not one to
			 * set aside (its file is not at fault); another may
			 * do, else this is what the run fails with. */
			free(gone);
			gone = out->error;
			out->error = NULL;
			continue;
		}
		r = result_of(ref, &f, ncand - 1 - i);
		if (cJSON_GetArraySize(shown) > 0)
			cJSON_AddItemReferenceToObject(r, "set_aside", shown);
		add_variants(r, locs, plans);
		out->status = ACT_OK;
		out->result = cJSON_PrintUnformatted(r);
		cJSON_Delete(r);
		goto done;
	}
	if (gone != NULL) {
		out->status = ACT_FAIL;
		out->error = gone;
		gone = NULL;
	} else
		none_left(c, &pool, &n, (size_t)cJSON_GetArraySize(aside), out);
done:
	for (ch = 0; ch < CH_COUNT; ch++)
		free(locs[ch]);
	free(gone);
	if (cJSON_GetArraySize(aside) > 0)
		out->aside = cJSON_PrintUnformatted(aside);
	cJSON_Delete(aside);
	cJSON_Delete(shown);
	free(order);
	photo_pool_fini(&pool);
}
