/*
 * photos_s3: ListObjectsV2 over the brand's prefix. A prefix that holds
 * the variants' prefix ("" does) lists herald's own variants too: those
 * are left out.
 */
#include <stdlib.h>
#include <string.h>

#include "activities/photos_s3.h"
#include "activities/s3.h"
#include "common/util.h"

int
photos_s3_list(const struct act_call *c, struct photo_pool *pool,
               struct act_out *out)
{
	const cJSON *brand = cJSON_GetObjectItem(c->settings, "brand");
	const cJSON *photos = cJSON_GetObjectItem(brand, "photos");
	const char  *name =
	    cJSON_GetStringValue(cJSON_GetObjectItem(brand, "name"));
	const char *prefix =
	    cJSON_GetStringValue(cJSON_GetObjectItem(photos, "prefix"));
	const char *vprefix = cJSON_GetStringValue(
	    cJSON_GetObjectItem(photos, "variants_prefix"));
	struct s3_bucket  b;
	struct s3_list    all;
	struct photo_ref *r;
	const char       *base;
	char             *cause = NULL;
	size_t            i;

	if (name == NULL || prefix == NULL ||
	    s3_bucket_from(photos, &b, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "brand has no S3 photos in the config%s%s",
		          cause ? ": " : "", cause ? cause : "");
		free(cause);
		return -1;
	}
	xasprintf(&pool->where, "s3://%s/%s", b.name, prefix);
	if (s3_list_all(c, &b, prefix, &all, out) != 0)
		return -1;
	for (i = 0; i < all.n; i++) {
		const struct s3_object *o = &all.v[i];

		base = strrchr(o->key, '/');
		if (!photo_is_image(base != NULL ? base + 1 : o->key) ||
		    (vprefix != NULL &&
		     strncmp(o->key, vprefix, strlen(vprefix)) == 0))
			continue;
		if (pool->n == pool->cap) {
			pool->cap = pool->cap ? 2 * pool->cap : 64;
			pool->v =
			    xrealloc(pool->v, pool->cap * sizeof *pool->v);
		}
		r = &pool->v[pool->n++];
		memset(r, 0, sizeof *r);
		r->key = xstrdup(o->key);
		r->bucket = xstrdup(b.name);
		r->size = o->size;
		if (o->etag != NULL && *o->etag != '\0')
			r->identity = xstrdup(o->etag);
		else
			xasprintf(&r->identity, "%lld", (long long)o->size);
	}
	s3_list_fini(&all);
	return 0;
}
