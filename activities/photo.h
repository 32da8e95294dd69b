/*
 * photo: the one way the steps after get_random_unused_photo reach the
 * run's photo, wherever it lives: a local folder (source "dir") or an S3
 * bucket (source "s3"). They read what the pick step's result says
 * (deps["get_random_unused_photo"]: key, source, path or bucket, bytes)
 * and the brand's photos settings. Worker threads.
 */
#ifndef HERALD_PHOTO_H
#define HERALD_PHOTO_H

#include <stddef.h>
#include <stdint.h>

#include "activities/activity.h"

struct photo {
	const char    *key;  /* borrowed from the pick step's result */
	unsigned char *data; /* caller frees */
	size_t         len;
	const char    *format; /* "jpeg" or "png" */
	int            width, height;
};

/* Loads the run's photo whole if it has at most max bytes (the file, or
 * GetObject) and checks it is a JPEG or PNG. 0 with p filled, or -1 with
 * out set: final for a photo that is gone, empty, too large or not an
 * image; retryable for I/O and network trouble. */
int photo_load(const struct act_call *, size_t max, struct photo *p,
               struct act_out *out);

/* The photo's size in bytes as the pick step saw it, or -1 if unknown. */
int64_t photo_bytes(const struct act_call *);

/* 1 if photo_url can give a URL for the run's photo (S3), else 0. */
int photo_has_url(const struct act_call *);

/*
 * photo_url: a URL from which whoever holds it can GET the run's photo,
 * for the APIs that fetch the photo themselves: Claude's "url" image
 * source, Facebook's `url=`, Instagram's `image_url=`.
 *
 * For an S3 photo it is a presigned GET URL, made now with the current
 * credentials and valid for the brand's photos.url_expires (default 6 h,
 * at most 7 days; long enough for Instagram's container processing and
 * the retries after it). A photo from a local folder has no URL: -1 with
 * out ACT_FAIL, saying so.
 *
 * The URL is a capability: anyone holding it can read the object until it
 * expires. Hand it to the API call and free it; never log it, never put
 * it in an error, a step result, the history or the protocol. Make a new
 * one at each attempt instead of keeping one.
 *
 * 0 with *url (caller frees), or -1 with out set.
 */
int photo_url(const struct act_call *, char **url, struct act_out *out);

/* Replaces every presigned URL in *s (malloc'd) by "<presigned URL>":
 * for an API's error message that quotes the URL it was given. */
void photo_redact_urls(char **s);

/* Width and height of a JPEG or PNG held in buf; 0, or -1 if it is
 * neither or is cut short. */
int photo_image_size(const unsigned char *buf, size_t len, const char **format,
                     int *width, int *height);

#endif
