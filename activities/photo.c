/*
 * photo: reads the pick step's result and goes to the file or the bucket
 * it names. The bucket's name comes from that result (the one the photo
 * was listed in), where it is and how to reach it from the brand's
 * current settings.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activities/photo.h"
#include "activities/s3.h"
#include "common/util.h"

#define PICK            "get_random_unused_photo"
#define URL_EXPIRES_DEF (6 * 3600)
#define URL_EXPIRES_MAX 604800

int
photo_image_size(const unsigned char *b, size_t len, const char **format,
                 int *width, int *height)
{
	size_t i;

	if (len >= 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 &&
	    memcmp(b + 12, "IHDR", 4) == 0) {
		*format = "png";
		uint32_t w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 |
		             (uint32_t)b[18] << 8 | b[19];
		uint32_t h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 |
		             (uint32_t)b[22] << 8 | b[23];

		if (w > 1000000 || h > 1000000)
			return -1;
		*width = (int)w;
		*height = (int)h;
		return 0;
	}
	if (len < 4 || b[0] != 0xff || b[1] != 0xd8)
		return -1;
	/* JPEG: walk the segments to a start-of-frame marker. */
	for (i = 2; i + 9 < len;) {
		unsigned marker, seglen;

		if (b[i] != 0xff)
			return -1;
		marker = b[i + 1];
		if (marker == 0xff) {
			i++;
			continue;
		}
		seglen = (unsigned)(b[i + 2] << 8 | b[i + 3]);
		if (seglen < 2)
			return -1;
		if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 &&
		    marker != 0xc8 && marker != 0xcc) {
			*format = "jpeg";
			*height = b[i + 5] << 8 | b[i + 6];
			*width = b[i + 7] << 8 | b[i + 8];
			return 0;
		}
		i += 2 + seglen;
	}
	return -1;
}

static const cJSON *
pick(const struct act_call *c)
{
	return cJSON_GetObjectItem(c->deps, PICK);
}

static int
is_s3(const struct act_call *c)
{
	const char *src =
	    cJSON_GetStringValue(cJSON_GetObjectItem(pick(c), "source"));

	return src != NULL && strcmp(src, "s3") == 0;
}

static const cJSON *
photos_settings(const struct act_call *c)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                           "photos");
}

int64_t
photo_bytes(const struct act_call *c)
{
	const cJSON *b = cJSON_GetObjectItem(pick(c), "bytes");

	return cJSON_IsNumber(b) && b->valuedouble >= 0 && b->valuedouble < 9e15
	           ? (int64_t)b->valuedouble
	           : -1;
}

int
photo_has_url(const struct act_call *c)
{
	return is_s3(c);
}

/* The bucket the photo was listed in, reached as the settings say. */
static int
bucket_of(const struct act_call *c, struct s3_bucket *b, struct act_out *out)
{
	char *cause = NULL;

	if (s3_bucket_from(photos_settings(c), b, &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s", cause);
		free(cause);
		return -1;
	}
	b->name = cJSON_GetStringValue(cJSON_GetObjectItem(pick(c), "bucket"));
	if (b->name == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("the S3 photo has no bucket");
		return -1;
	}
	return 0;
}

static int
load_file(const char *path, const char *key, size_t max, struct photo *p,
          struct act_out *out)
{
	FILE *f;
	long  n;

	if ((f = fopen(path, "rb")) == NULL) {
		out->status = errno == ENOENT ? ACT_FAIL : ACT_RETRY;
		xasprintf(&out->error, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (n == 0 || (size_t)n > max) {
		fclose(f);
		out->status = ACT_FAIL;
		xasprintf(&out->error, "photo %s is %ld bytes: %s", key, n,
		          n == 0 ? "empty" : "over the size it may have here");
		return -1;
	}
	p->data = xmalloc((size_t)n);
	p->len = fread(p->data, 1, (size_t)n, f);
	fclose(f);
	if (p->len != (size_t)n) {
		free(p->data);
		p->data = NULL;
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s: short read", path);
		return -1;
	}
	return 0;
}

int
photo_load(const struct act_call *c, size_t max, struct photo *p,
           struct act_out *out)
{
	const char      *path = act_dep_str(c, PICK, "path");
	int64_t          bytes = photo_bytes(c);
	struct s3_bucket b;

	memset(p, 0, sizeof *p);
	p->key = act_dep_str(c, PICK, "key");
	if (p->key == NULL || (!is_s3(c) && path == NULL)) {
		out->status = ACT_FAIL;
		out->error = xstrdup("no photo from get_random_unused_photo");
		return -1;
	}
	if (is_s3(c)) {
		if (bytes > 0 && (uint64_t)bytes > max) {
			out->status = ACT_FAIL;
			xasprintf(&out->error,
			          "photo %s is %lld bytes: over the size it "
			          "may have here",
			          p->key, (long long)bytes);
			return -1;
		}
		if (bucket_of(c, &b, out) != 0 ||
		    s3_get(c, &b, p->key, max, &p->data, &p->len, out) != 0)
			return -1;
	} else if (load_file(path, p->key, max, p, out) != 0)
		return -1;
	if (photo_image_size(p->data, p->len, &p->format, &p->width,
	                     &p->height) != 0 ||
	    p->width <= 0 || p->height <= 0) {
		free(p->data);
		p->data = NULL;
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s is not a JPEG or PNG image", p->key);
		return -1;
	}
	return 0;
}

int
photo_url(const struct act_call *c, char **url, struct act_out *out)
{
	const char  *key = act_dep_str(c, PICK, "key");
	const cJSON *exp =
	    cJSON_GetObjectItem(photos_settings(c), "url_expires");
	int64_t          expires = URL_EXPIRES_DEF;
	struct s3_bucket b;
	char            *cause = NULL;

	*url = NULL;
	if (key == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("no photo from get_random_unused_photo");
		return -1;
	}
	if (!is_s3(c)) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "photo %s is in a local folder: it has no URL an "
		          "API could fetch (use an S3 photo source)",
		          key);
		return -1;
	}
	if (cJSON_IsNumber(exp) && exp->valuedouble >= 1 &&
	    exp->valuedouble <= URL_EXPIRES_MAX)
		expires = (int64_t)exp->valuedouble;
	if (bucket_of(c, &b, out) != 0)
		return -1;
	if (s3_presign_get(&b, key, expires, (int64_t)time(NULL), url,
	                   &cause) != 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "a URL for photo %s: %s", key, cause);
		free(cause);
		return -1;
	}
	return 0;
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
