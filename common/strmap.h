/*
 * strmap: a hash map from strings to pointers (open addressing, linear
 * probing, tombstone-free deletion). Not thread-safe: one owner.
 */
#ifndef HERALD_STRMAP_H
#define HERALD_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
/* Frees the map, not the keys or values. */
void strmap_free(struct strmap *);

/* key is borrowed: it must stay valid while it is in the map (usually it
 * lives in the value). Replaces an existing entry. */
void  strmap_put(struct strmap *, const char *key, void *value);
void *strmap_get(const struct strmap *, const char *key);
/* Returns the removed value, or NULL. */
void  *strmap_del(struct strmap *, const char *key);
size_t strmap_count(const struct strmap *);

/* Iteration: *pos starts at 0; returns NULL when done. The map must not
 * change during an iteration. */
void *strmap_next(const struct strmap *, size_t *pos);

#endif
