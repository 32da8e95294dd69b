/*
 * variant: channel specs, names, and where variants are kept. The pixels
 * are herald-image's (imagework.h); the bytes go to a file (written to a
 * temporary name, synced, renamed: a reader sees all of a variant or none) or
 * to S3.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "activities/imagework.h"
#include "activities/s3.h"
#include "activities/variant.h"
#include "common/paths.h"
#include "common/util.h"

#define IG_MIN_WIDTH   320
#define IG_MAX_WIDTH   1440
#define IG_MIN_RATIO   0.8
#define IG_MAX_RATIO   1.91
#define FB_MAX_LONG    2048
#define CLAUDE_MAX_LNG 1568

static const cJSON *
photos_of(const struct act_call *c)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                           "photos");
}

static const char *
str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
}

static void
background(const cJSON *photos, unsigned char bg[3])
{
	const char  *s = str(photos, "background");
	unsigned int r, g, b;

	bg[0] = bg[1] = bg[2] = 255;
	if (s != NULL && sscanf(s, "#%02x%02x%02x", &r, &g, &b) == 3) {
		bg[0] = (unsigned char)r;
		bg[1] = (unsigned char)g;
		bg[2] = (unsigned char)b;
	}
}

void
variant_spec(const cJSON *photos, enum photo_channel ch, struct image_spec *s)
{
	const char *fit = str(photos, "fit");

	memset(s, 0, sizeof *s);
	background(photos, s->bg);
	s->min_width = IG_MIN_WIDTH; /* a photo any channel shows well */
	switch (ch) {
	case CH_INSTAGRAM:
		s->max_width = IG_MAX_WIDTH;
		s->min_ratio = IG_MIN_RATIO;
		s->max_ratio = IG_MAX_RATIO;
		s->fit = fit == NULL || strcmp(fit, "pad") == 0 ? IMAGE_FIT_PAD
		         : strcmp(fit, "crop") == 0             ? IMAGE_FIT_CROP
		                                    : IMAGE_FIT_SKIP;
		s->max_bytes = VARIANT_IG_MAX;
		break;
	case CH_FACEBOOK:
		s->max_long = FB_MAX_LONG;
		s->max_bytes = VARIANT_FB_MAX;
		break;
	default:
		s->max_long = CLAUDE_MAX_LNG;
		s->max_bytes = VARIANT_CLAUDE_MAX;
		break;
	}
}

/* The transform's and the original's fingerprint, as 32 hex digits. */
static void
variant_hash(const struct photo_ref *ref, enum photo_channel ch,
             const struct image_spec *s, char hex[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;
	char         *text, full[2 * EVP_MAX_MD_SIZE + 1];

	xasprintf(&text,
	          "herald variant %d\n%s\n%s\n%s\n%lld\n%s\n"
	          "w%d l%d m%d r%.4f-%.4f f%d bg%02x%02x%02x b%zu",
	          IMAGE_VERSION, ref->bucket ? ref->bucket : "",
	          ref->path ? ref->path : ref->key,
	          ref->identity ? ref->identity : "", (long long)ref->size,
	          photo_channels[ch], s->max_width, s->max_long, s->min_width,
	          s->min_ratio, s->max_ratio, (int)s->fit, s->bg[0], s->bg[1],
	          s->bg[2], s->max_bytes);
	EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL);
	free(text);
	hex_encode(md, mdlen, full);
	memcpy(hex, full, 32);
	hex[32] = '\0';
}

char *
variant_location(const struct act_call *c, const struct photo_ref *ref,
                 enum photo_channel ch)
{
	const cJSON *photos = photos_of(c);
	const char  *brand =
	    str(cJSON_GetObjectItem(c->settings, "brand"), "name");
	struct image_spec s;
	char              hex[33], *loc;

	variant_spec(photos, ch, &s);
	variant_hash(ref, ch, &s, hex);
	if (ref->bucket != NULL) {
		const char *prefix = str(photos, "variants_prefix");

		xasprintf(&loc, "s3://%s/%s%s/%s-%s.jpg", ref->bucket,
		          prefix ? prefix : "herald-variants/",
		          brand ? brand : "brand", hex, photo_channels[ch]);
	} else
		xasprintf(&loc, "%s/variants/%s/%s-%s.jpg",
		          str(c->settings, "state_dir"),
		          brand ? brand : "brand", hex, photo_channels[ch]);
	return loc;
}

/* "s3://bucket/key": the bucket (as the settings reach it) and the key. */
static int
s3_place(const struct act_call *c, const char *loc, struct s3_bucket *b,
         char **bucket, const char **key, struct act_out *out)
{
	const char *slash;
	char       *cause = NULL;

	if (strncmp(loc, "s3://", 5) != 0 ||
	    (slash = strchr(loc + 5, '/')) == NULL || slash[1] == '\0') {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s: not a variant's place", loc);
		return -1;
	}
	if (s3_bucket_from(photos_of(c), b, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s", cause);
		free(cause);
		return -1;
	}
	*bucket = xstrndup(loc + 5, (size_t)(slash - (loc + 5)));
	b->name = *bucket;
	*key = slash + 1;
	return 0;
}

static int
is_s3(const char *loc)
{
	return strncmp(loc, "s3://", 5) == 0;
}

char *
variant_tmp(const struct act_call *c, struct act_out *out)
{
	static atomic_uint n;
	const char        *state = str(c->settings, "state_dir");
	char              *dir, *path, *cause = NULL;

	if (state == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("no state dir in the settings");
		return NULL;
	}
	xasprintf(&dir, "%s/tmp", state);
	if (paths_mkdir(dir, 0700, &cause) != 0) {
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s", cause);
		free(cause);
		free(dir);
		return NULL;
	}
	xasprintf(&path, "%s/photo-%ld-%ld-%u", dir, (long)getpid(),
	          (long)gettid(), atomic_fetch_add(&n, 1));
	free(dir);
	return path;
}

static void
iw_opts(const struct act_call *c, struct imagework_opts *o)
{
	o->deadline = c->deadline;
	o->cancel = c->cancel;
}

/* What herald-image answered, as a step sees it. */
static int
iw_result(int rc, char *why, char **out_why, struct act_out *out)
{
	if (rc == IW_OK)
		return 0;
	if (rc == IW_REFUSED) {
		*out_why = why;
		return 1;
	}
	out->status = ACT_RETRY;
	out->error = why;
	return -1;
}

int
variant_check(const struct act_call *c, const char *src, struct image_facts *f,
              struct image_plan plans[CH_COUNT], char **why,
              struct act_out *out)
{
	const cJSON          *photos = photos_of(c);
	struct imagework_opts o;
	struct image_spec     spec;
	char                 *w = NULL;
	int                   ch, rc;

	*why = NULL;
	iw_opts(c, &o);
	rc = imagework_read(src, &o, f, &w);
	rc = iw_result(rc, w, why, out);
	if (rc != 0)
		return rc;
	for (ch = 0; ch < CH_COUNT; ch++) {
		variant_spec(photos, ch, &spec);
		image_plan(f, &spec, &plans[ch]);
		if (!plans[ch].ok) {
			xasprintf(why, "%s: %s", photo_channels[ch],
			          plans[ch].why);
			return 1;
		}
	}
	return 0;
}

/* Makes a file's bytes durable, then gives it its name. */
static int
place_file(const char *tmp, const char *path, struct act_out *out)
{
	char *dir = xstrdup(path), *cause = NULL;
	int   fd;

	*strrchr(dir, '/') = '\0';
	if (paths_mkdir(dir, 0755, &cause) != 0) {
		out->status = ACT_RETRY;
		xasprintf(&out->error, "variants: %s", cause);
		free(cause);
		free(dir);
		return -1;
	}
	free(dir);
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0 ||
	    close(fd) != 0 || rename(tmp, path) != 0) {
		/* A full disk or a read-only state dir: worth another
		 * try later. */
		out->status = ACT_RETRY;
		xasprintf(&out->error, "variant %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Puts the variant written at tmp where loc says. */
static int
store_at(const struct act_call *c, const char *tmp, const char *loc,
         struct act_out *out)
{
	struct s3_bucket b;
	char            *bucket = NULL, *buf = NULL, *cause = NULL;
	const char      *key;
	size_t           len;
	int              rc;

	if (!is_s3(loc))
		return place_file(tmp, loc, out);
	if (read_small_file(tmp, PHOTO_SOURCE_MAX, &buf, &len, &cause) != 0) {
		out->status = ACT_RETRY;
		xasprintf(&out->error, "variant: %s",
		          cause ? cause : "not written");
		free(cause);
		return -1;
	}
	if ((rc = s3_place(c, loc, &b, &bucket, &key, out)) == 0)
		rc = s3_put(c, &b, key, buf, len, "image/jpeg", out);
	free(buf);
	free(bucket);
	return rc;
}

int
variant_make(const struct act_call *c, const char *src, int n,
             const enum photo_channel *chs, char *const *locs,
             struct image_facts *f, struct image_plan *plans, char **why,
             struct act_out *out)
{
	struct image_spec    *specs = xcalloc((size_t)n, sizeof *specs);
	char                **tmps = xcalloc((size_t)n, sizeof *tmps);
	struct imagework_opts o;
	char                 *w = NULL;
	int                   i, rc = -1;

	*why = NULL;
	for (i = 0; i < n; i++) {
		variant_spec(photos_of(c), chs[i], &specs[i]);
		if ((tmps[i] = variant_tmp(c, out)) == NULL)
			goto done;
	}
	iw_opts(c, &o);
	rc = imagework_variants(src, n, specs, (const char *const *)tmps, &o, f,
	                        plans, &w);
	rc = iw_result(rc, w, why, out);
	for (i = 0; rc == 0 && i < n; i++)
		rc = store_at(c, tmps[i], locs[i], out);
done:
	for (i = 0; i < n; i++) {
		if (tmps[i] != NULL)
			unlink(tmps[i]); /* gone already when renamed */
		free(tmps[i]);
	}
	free(tmps);
	free(specs);
	return rc;
}

int
variant_read(const struct act_call *c, const char *loc, unsigned char **data,
             size_t *len, struct act_out *out)
{
	struct s3_bucket b;
	char            *bucket = NULL, *cause = NULL, *buf = NULL;
	const char      *key;
	int              exists, rc;

	*data = NULL;
	*len = 0;
	if (!is_s3(loc)) {
		rc = read_small_file(loc, PHOTO_SOURCE_MAX, &buf, len, &cause);
		if (rc < 0) {
			out->status = ACT_RETRY;
			xasprintf(&out->error, "%s", cause);
			free(cause);
			return -1;
		}
		*data = (unsigned char *)buf; /* NULL when it is not there */
		return 0;
	}
	if (s3_place(c, loc, &b, &bucket, &key, out) != 0)
		return -1;
	rc = s3_head(c, &b, key, &exists, NULL, out);
	if (rc == 0 && exists)
		rc = s3_get(c, &b, key, PHOTO_SOURCE_MAX, data, len, out);
	free(bucket);
	return rc;
}

int
variant_exists(const struct act_call *c, const char *loc, int *exists,
               struct act_out *out)
{
	struct s3_bucket b;
	char            *bucket = NULL;
	const char      *key;
	struct stat      sb;
	int              rc;

	if (!is_s3(loc)) {
		*exists = stat(loc, &sb) == 0 && sb.st_size > 0;
		return 0;
	}
	if (s3_place(c, loc, &b, &bucket, &key, out) != 0)
		return -1;
	rc = s3_head(c, &b, key, exists, NULL, out);
	free(bucket);
	return rc;
}

int
variant_presign(const struct act_call *c, const char *loc, char **url,
                struct act_out *out)
{
	const cJSON     *exp = cJSON_GetObjectItem(photos_of(c), "url_expires");
	int64_t          expires = 6 * 3600;
	struct s3_bucket b;
	char            *bucket = NULL, *cause = NULL;
	const char      *key;
	int              rc;

	*url = NULL;
	if (!is_s3(loc)) {
		out->status = ACT_FAIL;
		xasprintf(
		    &out->error,
		    "the photo is in a local folder: it has no URL an API "
		    "could fetch (use an S3 photo source)");
		return -1;
	}
	if (cJSON_IsNumber(exp) && exp->valuedouble >= 1 &&
	    exp->valuedouble <= 604800)
		expires = (int64_t)exp->valuedouble;
	if (s3_place(c, loc, &b, &bucket, &key, out) != 0)
		return -1;
	rc = s3_presign_get(&b, key, expires, (int64_t)time(NULL), url, &cause);
	if (rc != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "a URL for a photo: %s", cause);
		free(cause);
	}
	free(bucket);
	return rc;
}

int
variant_remove(const struct act_call *c, const char *loc, struct act_out *out)
{
	struct s3_bucket b;
	char            *bucket = NULL;
	const char      *key;
	int              rc;

	if (!is_s3(loc)) {
		if (unlink(loc) != 0 && errno != ENOENT) {
			out->status = ACT_RETRY;
			xasprintf(&out->error, "%s: %s", loc, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (s3_place(c, loc, &b, &bucket, &key, out) != 0)
		return -1;
	rc = s3_delete(c, &b, key, out);
	free(bucket);
	return rc;
}
