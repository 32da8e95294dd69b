/*
 * photo: the pool's listing (photos_dir.c, photos_s3.c), the original's
 * bytes, and the run's variants. The bucket's name comes from the pick
 * step's result (the one the photo was listed in); where it is and how
 * to reach it, from the brand's current settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "activities/photo.h"
#include "activities/photos_dir.h"
#include "activities/photos_s3.h"
#include "activities/s3.h"
#include "activities/variant.h"
#include "common/util.h"

#define PICK "get_random_unused_photo"

const char *const photo_channels[CH_COUNT] = { "instagram", "facebook",
	                                       "claude" };

int
photo_channel(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < CH_COUNT; i++)
		if (strcmp(name, photo_channels[i]) == 0)
			return i;
	return -1;
}

int
photo_is_image(const char *name)
{
	static const char *const exts[] = { ".jpg",  ".jpeg", ".png",
		                            ".webp", ".heic", ".heif" };
	const char              *dot = strrchr(name, '.');
	size_t                   i;

	if (dot == NULL || name[0] == '.')
		return 0;
	for (i = 0; i < nitems(exts); i++)
		if (strcasecmp(dot, exts[i]) == 0)
			return 1;
	return 0;
}

void
photo_ref_fini(struct photo_ref *r)
{
	free(r->key);
	free(r->path);
	free(r->bucket);
	free(r->identity);
	memset(r, 0, sizeof *r);
}

void
photo_pool_fini(struct photo_pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		photo_ref_fini(&p->v[i]);
	free(p->v);
	free(p->where);
	memset(p, 0, sizeof *p);
}

static const cJSON *
photos_settings(const struct act_call *c)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                           "photos");
}

static int
source_is_s3(const struct act_call *c)
{
	const char *src = cJSON_GetStringValue(
	    cJSON_GetObjectItem(photos_settings(c), "source"));

	return src != NULL && strcmp(src, "s3") == 0;
}

static int
cmp_refs(const void *a, const void *b)
{
	return strcmp(((const struct photo_ref *)a)->key,
	              ((const struct photo_ref *)b)->key);
}

char *
photo_aside_identity(const cJSON *photos, const struct photo_ref *r)
{
	const char *fit =
	    cJSON_GetStringValue(cJSON_GetObjectItem(photos, "fit"));
	char *s;

	xasprintf(&s, "%s fit=%s", r->identity ? r->identity : "",
	          fit ? fit : "pad");
	return s;
}

int
photo_pool_list(const struct act_call *c, struct photo_pool *p,
                struct act_out *out)
{
	int rc;

	memset(p, 0, sizeof *p);
	rc = source_is_s3(c) ? photos_s3_list(c, p, out)
	                     : photos_dir_list(c, p, out);
	if (rc != 0) {
		photo_pool_fini(p);
		return -1;
	}
	qsort(p->v, p->n, sizeof *p->v, cmp_refs);
	return 0;
}

static int
load_file(const char *path, const char *key, size_t max, unsigned char **data,
          size_t *len, struct act_out *out)
{
	char *buf = NULL, *cause = NULL;
	int   rc = read_small_file(path, max, &buf, len, &cause);

	if (rc == 1) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "photo %s is gone from its folder", key);
		return -1;
	}
	if (rc < 0) {
		/* Too large, or I/O trouble: the size was checked against
		 * the listing, so this is worth another try. */
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s", cause);
		free(cause);
		return -1;
	}
	*data = (unsigned char *)buf;
	return 0;
}

int
photo_fetch(const struct act_call *c, const struct photo_ref *r, size_t max,
            unsigned char **data, size_t *len, struct act_out *out)
{
	struct s3_bucket b;
	char            *cause = NULL;

	*data = NULL;
	*len = 0;
	if (r->size > 0 && (uint64_t)r->size > max) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "photo %s is %lld bytes: more than the %zu MB herald "
		          "reads",
		          r->key, (long long)r->size, max >> 20);
		return -1;
	}
	if (r->path != NULL)
		return load_file(r->path, r->key, max, data, len, out);
	if (s3_bucket_from(photos_settings(c), &b, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s", cause);
		free(cause);
		return -1;
	}
	b.name = r->bucket;
	return s3_get(c, &b, r->key, max, data, len, out);
}

int
photo_run_ref(const struct act_call *c, struct photo_ref *r,
              struct act_out *out)
{
	const cJSON *pick = cJSON_GetObjectItem(c->deps, PICK);
	const cJSON *bytes = cJSON_GetObjectItem(pick, "bytes");
	const char  *src = act_dep_str(c, PICK, "source");

	memset(r, 0, sizeof *r);
	r->key = xstrdup(act_dep_str(c, PICK, "key"));
	if (src != NULL && strcmp(src, "s3") == 0)
		r->bucket = xstrdup(act_dep_str(c, PICK, "bucket"));
	else
		r->path = xstrdup(act_dep_str(c, PICK, "path"));
	r->identity = xstrdup(act_dep_str(c, PICK, "identity"));
	r->size = cJSON_IsNumber(bytes) && bytes->valuedouble >= 0 &&
	                  bytes->valuedouble < 9e15
	              ? (int64_t)bytes->valuedouble
	              : 0;
	if (r->key == NULL || (r->bucket == NULL && r->path == NULL)) {
		photo_ref_fini(r);
		out->status = ACT_FAIL;
		out->error = xstrdup("no photo from get_random_unused_photo");
		return -1;
	}
	if (r->identity == NULL) /* picked before identities existed */
		xasprintf(&r->identity, "%lld", (long long)r->size);
	return 0;
}

int
photo_has_url(const struct act_call *c)
{
	const char *src = act_dep_str(c, PICK, "source");

	return src != NULL && strcmp(src, "s3") == 0;
}

/* Where channel's variant of the run's photo is: as the pick recorded
 * it, or (a run picked before variants) where it would go now. */
static char *
run_location(const struct act_call *c, const struct photo_ref *r,
             enum photo_channel ch)
{
	const char *loc = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(c->deps, PICK),
	                            "variants"),
	        photo_channels[ch]),
	    "location"));

	return loc != NULL ? xstrdup(loc) : variant_location(c, r, ch);
}

int
photo_source_file(const struct act_call *c, const struct photo_ref *r,
                  char **path, int *is_tmp, struct act_out *out)
{
	unsigned char *data;
	size_t         len, off = 0;
	ssize_t        n;
	int            fd;

	*path = NULL;
	*is_tmp = 0;
	if (r->path != NULL) {
		/* Checked here: a file the reader could not open says
		 * nothing about the photo, and must not set it aside. */
		if (access(r->path, R_OK) != 0) {
			out->status = errno == ENOENT || errno == EACCES
			                  ? ACT_FAIL
			                  : ACT_RETRY;
			xasprintf(&out->error, "photo %s: %s", r->key,
			          strerror(errno));
			return -1;
		}
		*path = xstrdup(r->path);
		return 0;
	}
	if (photo_fetch(c, r, PHOTO_SOURCE_MAX, &data, &len, out) != 0)
		return -1;
	if ((*path = variant_tmp(c, out)) == NULL) {
		free(data);
		return -1;
	}
	if ((fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >=
	    0) {
		while (off < len &&
		       ((n = write(fd, data + off, len - off)) > 0 ||
		        (n < 0 && errno == EINTR)))
			off += n > 0 ? (size_t)n : 0;
		if (close(fd) != 0)
			off = 0;
	}
	free(data);
	if (off != len || fd < 0) {
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s: %s", *path,
		          fd < 0 ? strerror(errno) : "short write");
		unlink(*path);
		free(*path);
		*path = NULL;
		return -1;
	}
	*is_tmp = 1;
	return 0;
}

/* Makes channel's variant again from the original, at loc. */
static int
remake(const struct act_call *c, const struct photo_ref *r,
       enum photo_channel ch, const char *loc, struct image_plan *plan,
       struct act_out *out)
{
	struct image_facts f;
	char              *src, *why = NULL, *locs[1] = { (char *)loc };
	int                tmp, rc;

	if (photo_source_file(c, r, &src, &tmp, out) != 0)
		return -1;
	rc = variant_make(c, src, 1, &ch, locs, &f, plan, &why, out);
	if (tmp)
		unlink(src);
	free(src);
	if (rc == 1) {
		/* It made variants when it was picked: changed since. */
		out->status = ACT_FAIL;
		xasprintf(&out->error, "photo %s cannot be used any more: %s",
		          r->key, why);
		free(why);
	}
	return rc == 0 ? 0 : -1;
}

static int load(const struct act_call *, enum photo_channel, struct photo *,
                int store, struct act_out *);

int
photo_load(const struct act_call *c, enum photo_channel ch, struct photo *p,
           struct act_out *out)
{
	return load(c, ch, p, 1, out);
}

int
photo_peek(const struct act_call *c, enum photo_channel ch, struct photo *p,
           struct act_out *out)
{
	return load(c, ch, p, 0, out);
}

/* photo_load; store 0: a variant that is gone is made into a temporary
 * file only. */
static int
load(const struct act_call *c, enum photo_channel ch, struct photo *p,
     int store, struct act_out *out)
{
	const cJSON *v = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c->deps, PICK), "variants"),
	    photo_channels[ch]);
	struct photo_ref  r;
	struct image_plan plan;
	char             *loc;
	int               rc, tmp = 0;

	memset(p, 0, sizeof *p);
	if (photo_run_ref(c, &r, out) != 0)
		return -1;
	p->key = act_dep_str(c, PICK, "key");
	p->format = "jpeg";
	p->width = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(v, "width"));
	p->height = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(v, "height"));
	loc = run_location(c, &r, ch);
	rc = variant_read(c, loc, &p->data, &p->len, out);
	if (rc == 0 && p->data == NULL && !store) {
		free(loc);
		if ((loc = variant_tmp(c, out)) == NULL)
			rc = -1;
		tmp = 1;
	}
	if (rc == 0 && p->data == NULL &&
	    (rc = remake(c, &r, ch, loc, &plan, out)) == 0) {
		p->width = plan.out_width;
		p->height = plan.out_height;
		rc = variant_read(c, loc, &p->data, &p->len, out);
		if (rc == 0 && p->data == NULL) {
			rc = -1;
			out->status = ACT_RETRY;
			xasprintf(&out->error,
			          "the %s variant of %s went "
			          "again as it was made",
			          photo_channels[ch], r.key);
		}
	}
	if (tmp && loc != NULL)
		unlink(loc); /* a peek's own copy */
	free(loc);
	photo_ref_fini(&r);
	if (rc != 0) {
		free(p->data);
		p->data = NULL;
	}
	return rc;
}

int
photo_url(const struct act_call *c, enum photo_channel ch, char **url,
          struct act_out *out)
{
	struct photo_ref  r;
	struct image_plan plan;
	char             *loc;
	int               exists = 0, rc;

	*url = NULL;
	if (photo_run_ref(c, &r, out) != 0)
		return -1;
	loc = run_location(c, &r, ch);
	/* The variant must be there when the API fetches it. */
	rc = variant_exists(c, loc, &exists, out);
	if (rc == 0 && !exists)
		rc = remake(c, &r, ch, loc, &plan, out);
	if (rc == 0)
		rc = variant_presign(c, loc, url, out);
	free(loc);
	photo_ref_fini(&r);
	return rc;
}

/* An API message may quote the photo's URL back: that capability must not
 * land in a step's error. */
void
photo_redact_urls(char **sp)
{
	char *s = *sp, *p, *start, *end, *out;

	while ((p = strstr(s, "X-Amz-")) != NULL) {
		for (start = p;
		     start > s && !isspace((unsigned char)start[-1]) &&
		     start[-1] != '"' && start[-1] != '\'';
		     start--)
			;
		for (end = p; *end != '\0' && !isspace((unsigned char)*end) &&
		              *end != '"' && *end != '\'';
		     end++)
			;
		xasprintf(&out, "%.*s<presigned URL>%s", (int)(start - s), s,
		          end);
		free(s);
		s = out;
	}
	*sp = s;
}
