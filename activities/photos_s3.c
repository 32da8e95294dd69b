/*
 * photos_s3: ListObjectsV2 over the brand's prefix, then the same pick as
 * photos_dir: the claim in the result is what reserves the photo; the
 * engine records it with the step's completion and refuses it if another
 * run was faster.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "activities/photos_s3.h"
#include "activities/s3.h"
#include "common/strmap.h"
#include "common/util.h"

/* An image by its name (the key's last segment): jpg, jpeg or png, not a
 * hidden file, not a "folder" marker. */
static int
is_image(const char *key)
{
	const char *name = strrchr(key, '/'), *dot;

	name = name != NULL ? name + 1 : key;
	dot = strrchr(name, '.');
	return dot != NULL && name[0] != '.' &&
	       (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0 ||
	        strcasecmp(dot, ".png") == 0);
}

/* The keys other runs hold, as a set: a bucket may list many thousands
 * of photos. */
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

static int
cmp_objects(const void *a, const void *b)
{
	return strcmp(((const struct s3_object *)a)->key,
	              ((const struct s3_object *)b)->key);
}

void
photos_s3_pick(const struct act_call *c, struct act_out *out)
{
	const cJSON *brand = cJSON_GetObjectItem(c->settings, "brand");
	const cJSON *photos = cJSON_GetObjectItem(brand, "photos");
	const char  *name =
	    cJSON_GetStringValue(cJSON_GetObjectItem(brand, "name"));
	const char *prefix =
	    cJSON_GetStringValue(cJSON_GetObjectItem(photos, "prefix"));
	struct s3_bucket b;
	struct s3_list   all;
	struct s3_object chosen;
	size_t           i, nfree = 0, images = 0, empty = 0;
	char            *cause = NULL;
	struct strmap   *held;
	cJSON           *r, *claim;

	if (name == NULL || prefix == NULL ||
	    s3_bucket_from(photos, &b, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "brand has no S3 photos in the config%s%s",
		          cause ? ": " : "", cause ? cause : "");
		free(cause);
		return;
	}
	if (s3_list_all(c, &b, prefix, &all, out) != 0)
		return;
	held = taken_set(c->taken);
	/* The free images move to the front, in key order, so the pick
	 * depends on the random number only. */
	for (i = 0; i < all.n; i++) {
		struct s3_object o = all.v[i];

		if (!is_image(o.key))
			continue;
		images++;
		if (strmap_get(held, o.key) != NULL)
			continue;
		if (o.size <= 0) {
			empty++; /* would fail every run that picked it */
			continue;
		}
		all.v[i] = all.v[nfree];
		all.v[nfree++] = o;
	}
	strmap_free(held);
	if (nfree == 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "no unused photo left for brand %s in s3://%s/%s "
		          "(%zu photos, all used or reserved%s; %zu objects "
		          "listed)",
		          name, b.name, prefix, images,
		          empty ? ", or empty" : "", all.n);
		s3_list_fini(&all);
		return;
	}
	qsort(all.v, nfree, sizeof *all.v, cmp_objects);
	chosen = all.v[random_below(nfree)];
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "key", chosen.key);
	cJSON_AddStringToObject(r, "source", "s3");
	cJSON_AddStringToObject(r, "bucket", b.name);
	cJSON_AddNumberToObject(r, "bytes", (double)chosen.size);
	cJSON_AddNumberToObject(r, "unused_left", (double)(nfree - 1));
	if (empty > 0)
		cJSON_AddNumberToObject(r, "skipped_empty", (double)empty);
	claim = cJSON_AddObjectToObject(r, "_claim");
	cJSON_AddStringToObject(claim, "kind", "photo");
	cJSON_AddStringToObject(claim, "key", chosen.key);
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	s3_list_fini(&all);
}
