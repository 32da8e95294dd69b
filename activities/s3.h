/*
 * s3: the S3 calls herald makes (ListObjectsV2, GetObject, PutObject,
 * HeadObject, DeleteObject) and presigned GET URLs, for AWS and
 * S3-compatible stores. Every request is signed by sigv4 (header signing
 * with x-amz-content-sha256, the hash of the body a PUT sends, the session
 * token when there is one), sent with http_do and classed with http_class
 * (every call counts as idempotent: a PUT of the same bytes to the same key
 * or a DELETE done twice leaves the bucket as once), with S3's own
 * <Error><Code/><Message/> in the error. Worker threads.
 *
 * The credentials come from the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) at each call. Neither they nor
 * a presigned URL (which is a capability: whoever holds it can read the
 * object) is ever logged or put into an error or a step result.
 */
#ifndef HERALD_S3_H
#define HERALD_S3_H

#include <stddef.h>
#include <stdint.h>

#include "activities/activity.h"

/* Where a bucket is. All strings borrowed. */
struct s3_bucket {
	const char *name;
	const char *region;   /* "us-east-1" when NULL */
	const char *endpoint; /* NULL: AWS, https://<bucket>.s3.<region>.
	                         amazonaws.com; else a base URL such as
	                         "http://127.0.0.1:9000" */
	int path_style;       /* <base>/<bucket>/<key> instead of
	                         <bucket>.<host>/<key> */
};

/* The bucket of a brand's photos settings ({"source": "s3", "bucket",
 * "region", "endpoint", "path_style", ...}); pointers into photos. 0, or
 * -1 with *cause when the settings lack a bucket. */
int s3_bucket_from(const cJSON *photos, struct s3_bucket *, char **cause);

struct s3_object {
	char   *key;
	int64_t size;
	/* The ETag without the double quotes S3 puts around it (the hex
	 * MD5 of the bytes for a single PUT, "<hex>-<parts>" for a
	 * multipart upload); "" when the listing has none. */
	char *etag;
};

/* Objects listed so far, and where the listing goes on. */
struct s3_list {
	struct s3_object *v;
	size_t            n, cap;
	int               truncated;  /* IsTruncated */
	char             *next_token; /* NextContinuationToken, or NULL */
};

/* Frees every object's key and etag, and the token. */
void s3_list_fini(struct s3_list *);

/* Lists every object whose key starts with prefix ("" for all), page by
 * page (1,000 keys a page) while S3 says the listing is truncated. 0 with
 * list filled (free with s3_list_fini), or -1 with out->status and
 * out->error set (the list is then empty). */
int s3_list_all(const struct act_call *, const struct s3_bucket *,
                const char *prefix, struct s3_list *, struct act_out *out);

/* GetObject: the whole object if it has at most max bytes. 0 with *data
 * (caller frees) and *len, or -1 with out set. */
int s3_get(const struct act_call *, const struct s3_bucket *, const char *key,
           size_t max, unsigned char **data, size_t *len, struct act_out *out);

/* PutObject: len bytes of data (len may be 0) at key, with Content-Type
 * content_type ("application/octet-stream" when NULL), both the type and
 * the body's SHA-256 signed. An existing object is replaced. 0, or -1 with
 * out set. */
int s3_put(const struct act_call *, const struct s3_bucket *, const char *key,
           const void *data, size_t len, const char *content_type,
           struct act_out *out);

/* HeadObject: 0 with *exists 1 and *size (may be NULL) the object's
 * Content-Length, or *exists 0 when S3 answers 404 (HEAD has no body, so
 * S3 sends no <Error>: a missing bucket is a 404 too); -1 with out set for
 * anything else (403 and the like say only their status). */
int s3_head(const struct act_call *, const struct s3_bucket *, const char *key,
            int *exists, int64_t *size, struct act_out *out);

/* DeleteObject: 0 once key is gone (S3 answers 204 whether it was there
 * or not), or -1 with out set. */
int s3_delete(const struct act_call *, const struct s3_bucket *,
              const char *key, struct act_out *out);

/* A presigned GET URL for key, valid expires seconds (1 to 604,800) from
 * now (UTC seconds). 0 with *url (caller frees; a secret: never log or
 * store it), or -1 with *cause (no credentials, bad expiry). */
int s3_presign_get(const struct s3_bucket *, const char *key, int64_t expires,
                   int64_t now, char **url, char **cause);

/* Parsers (s3_xml.c), exposed for the tests. s3_parse_list appends one
 * ListBucketResult page's objects (key, size, etag) to list and sets
 * truncated and next_token; 0, or -1 with *cause for anything that is not a
 * well-formed ListBucketResult. s3_parse_error returns "Code: Message" from an
 * <Error> body (caller frees), or NULL if body is not one; *code (may be NULL)
 * gets the code alone. */
int s3_parse_list(const char *xml, size_t len, struct s3_list *, char **cause);
char *s3_parse_error(const char *xml, size_t len, char **code);

struct http_resp;

/* An answer that arrived (r) classed as every S3 call classes it: 0 for a
 * 2xx, else -1 with out set (the status, S3's <Error> code and message
 * in the error, prefixed by what; SlowDown, InternalError and the like
 * retried whatever their status). Pure: the S3 fuzz target feeds it. */
int s3_answer(const struct http_resp *r, const char *what, struct act_out *out);

#endif
