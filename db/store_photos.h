/*
 * store_photos: the photo pool's own records, beside the claims.
 *
 *  - Set aside: a photo that no channel can take (unreadable, corrupt,
 *    too small, a ratio the brand's fit policy refuses) is kept out of
 *    the picks, with its reason, until its file changes: the record holds
 *    the identity (size and mtime, or the S3 ETag) it had.
 *  - Variants: what was made of a photo for each channel, and where it
 *    is, so retention can remove it once the photo is done with.
 *
 * Writes on the engine thread (the store's writer), inside its turn.
 * Every function returns 0, or -1 with *cause.
 */
#ifndef HERALD_STORE_PHOTOS_H
#define HERALD_STORE_PHOTOS_H

#include <stdint.h>

struct store;
struct store_reader;

struct store_aside {
	const char *scope, *key, *identity, *reason, *execution;
	int64_t     at;
};

/* Records (or replaces) a set-aside photo. */
int store_aside_put(struct store *, const struct store_aside *, char **cause);
/* The photo is back in the pool (its file changed, or an operator). */
int store_aside_del(struct store *, const char *scope, const char *key,
                    char **cause);
/* Calls fn for each set-aside photo of scope, by key (valid during the
 * call); fn returning non-zero stops. */
int store_aside_each(struct store *, const char *scope,
                     int (*fn)(void *arg, const struct store_aside *),
                     void *arg, char **cause);
int store_reader_aside_each(struct store_reader *, const char *scope,
                            int (*fn)(void *arg, const struct store_aside *),
                            void *arg, char **cause);

/* Marks key used, as if a run had published it (an operator moving from
 * another system): 0, or 1 when a live claim (used or reserved) holds
 * it already and nothing changed. */
int store_claim_used(struct store *, const char *kind, const char *scope,
                     const char *key, int64_t at, char **cause);

struct store_claim_row {
	const char *key;
	const char *state;     /* "reserved" or "used" */
	const char *execution; /* the run that holds it; NULL: an
	                          operator marked it used */
	int64_t at;
};
/* Calls fn for each live claim (reserved or used) of kind in scope. */
int store_reader_claims_each(struct store_reader *, const char *kind,
                             const char *scope,
                             int (*fn)(void *arg,
                                       const struct store_claim_row *),
                             void *arg, char **cause);

struct store_variant {
	const char *location; /* "s3://bucket/key" or an absolute path */
	const char *scope, *key, *channel, *execution;
	int64_t     made_at;
};
/* Records a variant (made again: its time is renewed). */
int store_variant_put(struct store *, const struct store_variant *,
                      char **cause);
/* Calls fn for at most limit variants of scope made before `before`,
 * not removed, of photos published (claim "used"): never picked again,
 * so no run can be making or sending the same variant meanwhile. */
int store_reader_variants_due(struct store_reader *, const char *scope,
                              int64_t before, int limit,
                              int (*fn)(void *arg,
                                        const struct store_variant *),
                              void *arg, char **cause);
int store_variant_removed(struct store *, const char *location, int64_t at,
                          char **cause);

#endif
