/*
 * sigv4: AWS Signature Version 4, for S3 and S3-compatible stores: the
 * Authorization header, and presigned URLs (query signing), which Debian
 * 12's libcurl cannot make. Built on OpenSSL's SHA-256 and HMAC. Pure
 * functions; any thread. Never log what goes in or out: it holds secrets.
 */
#ifndef HERALD_SIGV4_H
#define HERALD_SIGV4_H

#include <stddef.h>
#include <stdint.h>

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_params {
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* NULL: none */
	const char *region;
	const char *service; /* "s3" */
	int64_t     time;    /* UTC seconds */
	/* Remove "." and ".." segments and repeated slashes from the path
	 * before signing (most services; S3 signs the path as it is). */
	int normalize;
	/* Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"; NULL: hash the
	 * body given. */
	const char *payload_hash;
	/* Header signing: send and sign x-amz-content-sha256 (S3 wants it). */
	int add_content_sha256;
	/* Sign without the session token and add it afterwards (STS). */
	int     omit_session_token;
	int64_t expires; /* presigning: seconds the URL stays valid */
};

struct sigv4_out {
	char *canonical; /* the canonical request */
	char *string_to_sign;
	char *signature; /* hex */
	/* Header signing: the headers to add to the request, in order. */
	struct sigv4_header add[4];
	int                 nadd;
	/* Presigning: the whole query string to send. */
	char *query;
};

/* path is the raw, unencoded path ("/bucket/a photo.jpg"); query the raw
 * query string or NULL; headers those the request sends (Host among them).
 * Returns 0 with out filled (free with sigv4_out_fini), or -1 with *cause
 * for a malformed input. */
int  sigv4_sign_headers(const char *method, const char *path, const char *query,
                        const struct sigv4_header *h, int nh, const void *body,
                        size_t body_len, const struct sigv4_params *,
                        struct sigv4_out *, char **cause);
int  sigv4_presign(const char *method, const char *path, const char *query,
                   const struct sigv4_header *h, int nh, const void *body,
                   size_t body_len, const struct sigv4_params *,
                   struct sigv4_out *, char **cause);
void sigv4_out_fini(struct sigv4_out *);

/* RFC 3986 encoding as SigV4 wants it: unreserved characters stay, every
 * other byte becomes %XX; '/' stays when keep_slash. */
char *sigv4_encode(const char *s, size_t n, int keep_slash);

#endif
