/*
 * photo: a brand's photo pool, and the one way the steps after
 * get_random_unused_photo reach the run's photo, wherever it lives: a
 * local folder (source "dir") or an S3 bucket (source "s3").
 *
 * The steps never send the original: each channel gets its variant
 * (activities/variant.h), made by the pick and named in its result
 * (deps["get_random_unused_photo"].variants). photo_load and photo_url
 * hand out that variant, and make it again from the original if it is
 * gone (retention, or a run picked before variants existed). Worker
 * threads.
 */
#ifndef HERALD_PHOTO_H
#define HERALD_PHOTO_H

#include <stddef.h>
#include <stdint.h>

#include "activities/activity.h"

/* The most bytes herald reads of an original (a camera JPEG is 5 to 30
 * MB): a bigger file is set aside, not read. */
#define PHOTO_SOURCE_MAX (64 * 1024 * 1024)

/* The channels a photo is made for, in this order everywhere. */
enum photo_channel { CH_INSTAGRAM, CH_FACEBOOK, CH_CLAUDE, CH_COUNT };
extern const char *const photo_channels[CH_COUNT];
/* The channel named name, or -1. */
int photo_channel(const char *name);

/* A photo of a brand's pool, as its source lists it. */
struct photo_ref {
	char   *key;      /* the file's name in the folder, or the S3 key */
	char   *path;     /* dir: the file; NULL for S3 */
	char   *bucket;   /* s3: the bucket it was listed in; NULL for dir */
	int64_t size;     /* bytes */
	char   *identity; /* changes when the file does: "<size>:<mtime ns>"
	                     for a file, the ETag for an object */
};

/* Every image (by its name: jpg, jpeg, png, webp, heic, heif) in the
 * pool, in key order; where says where, for messages. */
struct photo_pool {
	struct photo_ref *v;
	size_t            n, cap;
	char             *where; /* "folder /srv/p" or "s3://b/prefix" */
};

/* Lists the brand's pool (settings.brand.photos). 0, or -1 with out set
 * (final for a folder that is not there, retryable for I/O and network
 * trouble). */
int  photo_pool_list(const struct act_call *, struct photo_pool *,
                     struct act_out *out);
void photo_pool_fini(struct photo_pool *);
void photo_ref_fini(struct photo_ref *);
/* 1 if name (a file name or a key's last segment) is an image herald
 * reads, by its extension. */
int photo_is_image(const char *name);

/* What a set-aside record holds of ref (caller frees): the file's
 * identity and the brand's photos.fit, the one setting a refusal can
 * depend on, so a change of either brings the photo back to the pool.
 * photos: the brand's photos settings. */
char *photo_aside_identity(const cJSON *photos, const struct photo_ref *);

/* Reads the original of ref whole, if it has at most max bytes. 0 with
 * *data (caller frees) and *len, or -1 with out set. */
int photo_fetch(const struct act_call *, const struct photo_ref *, size_t max,
                unsigned char **data, size_t *len, struct act_out *out);

/* The original of ref as a file herald-image can read: its own path
 * for a folder's photo, else a temporary copy (*is_tmp: the caller
 * unlinks it). 0 with *path (caller frees), or -1 with out set. */
int photo_source_file(const struct act_call *, const struct photo_ref *,
                      char **path, int *is_tmp, struct act_out *out);

/* The run's photo as the pick step's result names it (pointers into
 * call->deps; nothing to free but what photo_ref_fini frees: call it). */
int photo_run_ref(const struct act_call *, struct photo_ref *,
                  struct act_out *out);

struct photo {
	const char    *key;  /* borrowed from the pick step's result */
	unsigned char *data; /* caller frees */
	size_t         len;
	const char    *format; /* "jpeg": every variant is a JPEG */
	int            width, height;
};

/* Loads channel's variant of the run's photo (a JPEG sized for it). 0
 * with p filled, or -1 with out set: final for a photo that is gone or
 * cannot be read any more; retryable for I/O and network trouble. */
int photo_load(const struct act_call *, enum photo_channel, struct photo *p,
               struct act_out *out);

/* photo_load for a look only (photo.preview): a variant that is gone is
 * made again into a temporary file, not stored where it belongs. */
int photo_peek(const struct act_call *, enum photo_channel, struct photo *p,
               struct act_out *out);

/* 1 if photo_url can give a URL for the run's photo (S3), else 0. */
int photo_has_url(const struct act_call *);

/*
 * photo_url: a URL from which whoever holds it can GET channel's variant
 * of the run's photo, for the APIs that fetch the photo themselves:
 * Facebook's `url=`, Instagram's `image_url=`.
 *
 * A presigned GET URL, made now with the current credentials and valid
 * for the brand's photos.url_expires (default 6 h, at most 7 days; long
 * enough for Instagram's container processing and the retries after
 * it). A photo from a local folder has no URL: -1 with out ACT_FAIL,
 * saying so.
 *
 * The URL is a capability: anyone holding it can read the object until it
 * expires. Hand it to the API call and free it; never log it, never put
 * it in an error, a step result, the history or the protocol. Make a new
 * one at each attempt instead of keeping one.
 *
 * 0 with *url (caller frees), or -1 with out set.
 */
int photo_url(const struct act_call *, enum photo_channel, char **url,
              struct act_out *out);

/* Replaces every presigned URL in *s (malloc'd) by "<presigned URL>":
 * for an API's error message that quotes the URL it was given. */
void photo_redact_urls(char **s);

#endif
