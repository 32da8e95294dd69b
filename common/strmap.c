/*
 * strmap: open addressing with linear probing. Deletion shifts the
 * following cluster back (Knuth's algorithm R), so there are no tombstones
 * and lookups stay short however many runs come and go.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/strmap.h"
#include "common/util.h"

struct slot {
	const char *key; /* NULL: empty */
	void       *value;
	uint32_t    hash;
};

struct strmap {
	struct slot *slots;
	size_t       cap; /* a power of two */
	size_t       count;
};

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *m = xcalloc(1, sizeof *m);

	m->cap = 16;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	return m;
}

void
strmap_free(struct strmap *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	free(m);
}

static size_t
find(const struct strmap *m, const char *key, uint32_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slots[i].key != NULL) {
		if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
			break;
		i = (i + 1) & (m->cap - 1);
	}
	return i;
}

static void
grow(struct strmap *m)
{
	struct slot *old = m->slots;
	size_t       oldcap = m->cap, i;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof *m->slots);
	for (i = 0; i < oldcap; i++) {
		size_t k;

		if (old[i].key == NULL)
			continue;
		k = old[i].hash & (m->cap - 1);
		while (m->slots[k].key != NULL)
			k = (k + 1) & (m->cap - 1);
		m->slots[k] = old[i];
	}
	free(old);
}

void
strmap_put(struct strmap *m, const char *key, void *value)
{
	uint32_t h = hash_str(key);
	size_t   i;

	if ((m->count + 1) * 4 > m->cap * 3)
		grow(m);
	i = find(m, key, h);
	if (m->slots[i].key == NULL)
		m->count++;
	m->slots[i].key = key;
	m->slots[i].value = value;
	m->slots[i].hash = h;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	size_t i = find(m, key, hash_str(key));

	return m->slots[i].key != NULL ? m->slots[i].value : NULL;
}

void *
strmap_del(struct strmap *m, const char *key)
{
	size_t i = find(m, key, hash_str(key)), j, k;
	void  *value;

	if (m->slots[i].key == NULL)
		return NULL;
	value = m->slots[i].value;
	m->slots[i].key = NULL;
	m->count--;
	/* Move back any entry of the cluster that would no longer be found. */
	for (j = (i + 1) & (m->cap - 1); m->slots[j].key != NULL;
	     j = (j + 1) & (m->cap - 1)) {
		k = m->slots[j].hash & (m->cap - 1);
		if ((j > i && (k <= i || k > j)) ||
		    (j < i && k <= i && k > j)) {
			m->slots[i] = m->slots[j];
			m->slots[j].key = NULL;
			i = j;
		}
	}
	return value;
}

size_t
strmap_count(const struct strmap *m)
{
	return m->count;
}

void *
strmap_next(const struct strmap *m, size_t *pos)
{
	while (*pos < m->cap) {
		const struct slot *s = &m->slots[(*pos)++];

		if (s->key != NULL)
			return s->value;
	}
	return NULL;
}
