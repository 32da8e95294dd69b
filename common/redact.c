/*
 * redact: the secrets register and the redaction every outgoing text
 * passes through (see redact.h). Any thread; adds on the main thread.
 *
 * DESIGN
 * The register is a snapshot: the secrets, and the patterns made from
 * them (each form of each value), chained in buckets by a hash of their
 * first REDACT_MIN_LEN bytes. Every pattern is at least that long, so a
 * scan hashes the 8 bytes at each position of the text and compares only
 * the patterns of that bucket: one pass over the text, however many
 * secrets there are. That keeps the log, which calls it for every line,
 * cheap.
 *
 * A published snapshot never changes. A reader takes a reference under
 * the lock, scans without it and drops the reference; an add builds a
 * new snapshot, swaps it in under the lock and drops the register's
 * reference to the old one; whoever drops the last reference frees it.
 * The lock covers a pointer and a count, never a scan.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/redact.h"
#include "common/util.h"

#define HASH_BITS 10
#define MARK_HEAD "[redacted "

struct pattern {
	char  *text;
	size_t len;
	int    secret; /* its index in snap.names */
	int    next;   /* the next pattern of its bucket, or -1 */
};

struct snap {
	int             refs; /* under lock; the register holds one */
	char          **names;
	char          **values;
	int             nsecrets;
	struct pattern *pats;
	int             npats;
	int             head[1 << HASH_BITS]; /* a bucket's first, or -1 */
};

/* One occurrence (overlapping ones merged): [start, end) and the longest
 * pattern in it, which names the marker. */
struct hit {
	size_t start, end;
	int    pat;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snap    *current; /* under lock */

static void
wipe_free(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static unsigned
hash8(const char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return (unsigned)((v * 0x9e3779b97f4a7c15ULL) >> (64 - HASH_BITS));
}

static struct snap *
snap_get(void)
{
	struct snap *s;

	pthread_mutex_lock(&lock);
	if ((s = current) != NULL)
		s->refs++;
	pthread_mutex_unlock(&lock);
	return s;
}

static void
snap_free(struct snap *s)
{
	int i;

	for (i = 0; i < s->nsecrets; i++) {
		free(s->names[i]);
		wipe_free(s->values[i]);
	}
	for (i = 0; i < s->npats; i++)
		wipe_free(s->pats[i].text);
	free(s->names);
	free(s->values);
	free(s->pats);
	free(s);
}

static void
snap_put(struct snap *s)
{
	int refs;

	if (s == NULL)
		return;
	pthread_mutex_lock(&lock);
	refs = --s->refs;
	pthread_mutex_unlock(&lock);
	if (refs == 0)
		snap_free(s);
}

/* The forms of a value an echo may take. */

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* Percent-encoded (RFC 3986) with hex digits from hex; plus: a space as
 * "+", as forms encode it. */
static char *
pct_form(const char *v, const char *hex, int plus)
{
	char *out = xmalloc(strlen(v) * 3 + 1), *o = out;

	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;

		if (unreserved(c))
			*o++ = (char)c;
		else if (plus && c == ' ')
			*o++ = '+';
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

/* As a JSON string's content; slash: "/" as "\/". */
static char *
json_form(const char *v, int slash)
{
	char *out = xmalloc(strlen(v) * 6 + 1), *o = out;

	for (; *v != '\0'; v++) {
		unsigned char c = (unsigned char)*v;
		const char   *esc = NULL;

		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '/':
			esc = slash ? "\\/" : NULL;
			break;
		}
		if (esc != NULL) {
			memcpy(o, esc, 2);
			o += 2;
		} else if (c < 0x20)
			o += sprintf(o, "\\u%04x", c);
		else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

static char *
base64(const unsigned char *in, size_t n)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char             *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t            i;
	uint32_t          w;

	for (i = 0; i + 2 < n; i += 3) {
		w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*o++ = abc[w >> 18];
		*o++ = abc[(w >> 12) & 63];
		*o++ = abc[(w >> 6) & 63];
		*o++ = abc[w & 63];
	}
	if (i < n) {
		w = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			w |= (uint32_t)in[i + 1] << 8;
		*o++ = abc[w >> 18];
		*o++ = abc[(w >> 12) & 63];
		*o++ = i + 1 < n ? abc[(w >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* Adds text (taken) as a pattern of secret, unless it is one already. */
static void
add_pattern(struct snap *s, int secret, char *text)
{
	size_t          len = strlen(text);
	struct pattern *p;
	unsigned        h;
	int             i;

	for (i = 0; i < s->npats; i++) {
		if (s->pats[i].len == len &&
		    memcmp(s->pats[i].text, text, len) == 0) {
			wipe_free(text);
			return;
		}
	}
	s->pats = xrealloc(s->pats, (size_t)(s->npats + 1) * sizeof *s->pats);
	p = &s->pats[s->npats];
	p->text = text;
	p->len = len;
	p->secret = secret;
	h = hash8(text);
	p->next = s->head[h];
	s->head[h] = s->npats++;
}

/* A new snapshot: old's secrets and name=value. */
static struct snap *
snap_build(const struct snap *old, const char *name, const char *value)
{
	struct snap *s = xcalloc(1, sizeof *s);
	size_t       i, n;
	int          k;

	s->refs = 1;
	s->nsecrets = (old != NULL ? old->nsecrets : 0) + 1;
	s->names = xcalloc((size_t)s->nsecrets, sizeof *s->names);
	s->values = xcalloc((size_t)s->nsecrets, sizeof *s->values);
	for (k = 0; k + 1 < s->nsecrets; k++) {
		s->names[k] = xstrdup(old->names[k]);
		s->values[k] = xstrdup(old->values[k]);
	}
	n = strnlen(name, REDACT_NAME_MAX);
	s->names[k] = xstrndup(name, n);
	for (i = 0; i < n; i++)
		if (!unreserved((unsigned char)s->names[k][i]) ||
		    s->names[k][i] == '~')
			s->names[k][i] = '_';
	s->values[k] = xstrdup(value);
	for (i = 0; i < nitems(s->head); i++)
		s->head[i] = -1;
	for (k = 0; k < s->nsecrets; k++) {
		const char *v = s->values[k];

		add_pattern(s, k, xstrdup(v));
		add_pattern(s, k, json_form(v, 0));
		add_pattern(s, k, json_form(v, 1));
		add_pattern(s, k, pct_form(v, "0123456789ABCDEF", 0));
		add_pattern(s, k, pct_form(v, "0123456789abcdef", 0));
		add_pattern(s, k, pct_form(v, "0123456789ABCDEF", 1));
	}
	return s;
}

static int
add(const char *name, const char *value)
{
	struct snap *old, *s, *prev;
	int          k, rc = 1;

	if (value == NULL || strlen(value) < REDACT_MIN_LEN)
		return -1;
	pthread_mutex_lock(&add_lock);
	old = snap_get();
	for (k = 0; old != NULL && k < old->nsecrets; k++)
		if (strcmp(old->values[k], value) == 0)
			rc = 0;
	if (rc == 1) {
		s = snap_build(old, name, value);
		pthread_mutex_lock(&lock);
		prev = current;
		current = s;
		pthread_mutex_unlock(&lock);
		snap_put(prev); /* the register's reference */
	}
	snap_put(old); /* ours */
	pthread_mutex_unlock(&add_lock);
	return rc;
}

int
redact_add(const char *name, const char *value)
{
	return add(name, value);
}

int
redact_add_basic(const char *name, const char *user, const char *password)
{
	char *pair, *b64;
	int   n, rc;

	if (user == NULL || password == NULL)
		return -1;
	n = xasprintf(&pair, "%s:%s", user, password);
	b64 = base64((const unsigned char *)pair, (size_t)n);
	rc = add(name, b64);
	wipe_free(pair);
	wipe_free(b64);
	return rc;
}

void
redact_clear(void)
{
	struct snap *prev;

	pthread_mutex_lock(&add_lock);
	pthread_mutex_lock(&lock);
	prev = current;
	current = NULL;
	pthread_mutex_unlock(&lock);
	snap_put(prev);
	pthread_mutex_unlock(&add_lock);
}

/* The occurrences in the len bytes at text, overlapping ones merged,
 * into *hits (caller frees) unless hits is NULL: then it stops at the
 * first. Returns how many. */
static size_t
scan(const struct snap *s, const char *text, size_t len, struct hit **hits)
{
	const struct pattern *p;
	struct hit           *h = NULL, *last;
	size_t                i, n = 0, cap = 0, end;
	int                   k, best;

	for (i = 0; s != NULL && i + REDACT_MIN_LEN <= len; i++) {
		best = -1;
		for (k = s->head[hash8(text + i)]; k >= 0; k = p->next) {
			p = &s->pats[k];
			if (p->len <= len - i &&
			    memcmp(text + i, p->text, p->len) == 0 &&
			    (best < 0 || p->len > s->pats[best].len))
				best = k;
		}
		if (best < 0)
			continue;
		if (hits == NULL)
			return 1;
		end = i + s->pats[best].len;
		last = n > 0 ? &h[n - 1] : NULL;
		if (last != NULL && i < last->end) {
			if (end > last->end)
				last->end = end;
			if (s->pats[best].len > s->pats[last->pat].len)
				last->pat = best;
			continue;
		}
		if (n == cap) {
			cap = cap == 0 ? 4 : 2 * cap;
			h = xrealloc(h, cap * sizeof *h);
		}
		h[n].start = i;
		h[n].end = end;
		h[n].pat = best;
		n++;
	}
	if (hits != NULL)
		*hits = h;
	return n;
}

/* text with the n hits replaced by markers. */
static char *
rewrite(const struct snap *s, const char *text, size_t len, const struct hit *h,
        size_t n)
{
	size_t      i, at = 0, size = len + 1, k;
	const char *name;
	char       *out, *o;

	for (i = 0; i < n; i++)
		size += sizeof MARK_HEAD +
		        strlen(s->names[s->pats[h[i].pat].secret]);
	out = o = xmalloc(size);
	for (i = 0; i < n; i++) {
		memcpy(o, text + at, h[i].start - at);
		o += h[i].start - at;
		name = s->names[s->pats[h[i].pat].secret];
		k = strlen(name);
		memcpy(o, MARK_HEAD, sizeof MARK_HEAD - 1);
		o += sizeof MARK_HEAD - 1;
		memcpy(o, name, k);
		o += k;
		*o++ = ']';
		at = h[i].end;
	}
	memcpy(o, text + at, len - at);
	o[len - at] = '\0';
	return out;
}

/* A redacted copy of text, or NULL if it holds no secret; *count: how
 * many occurrences. */
static char *
redacted(const struct snap *s, const char *text, int *count)
{
	struct hit *h = NULL;
	size_t      len = strlen(text), n;
	char       *out = NULL;

	if ((n = scan(s, text, len, &h)) > 0)
		out = rewrite(s, text, len, h, n);
	free(h);
	if (count != NULL)
		*count = (int)n;
	return out;
}

int
redact_found(const char *text, size_t len)
{
	struct snap *s;
	int          found;

	if (text == NULL || len < REDACT_MIN_LEN || (s = snap_get()) == NULL)
		return 0;
	found = scan(s, text, len, NULL) > 0;
	snap_put(s);
	return found;
}

char *
redact_dup(const char *text)
{
	struct snap *s;
	char        *out = NULL;

	if (text == NULL)
		return NULL;
	if ((s = snap_get()) != NULL)
		out = redacted(s, text, NULL);
	snap_put(s);
	return out != NULL ? out : xstrdup(text);
}

int
redact_str(char **sp)
{
	struct snap *s;
	char        *out;
	int          n = 0;

	if (*sp == NULL || (s = snap_get()) == NULL)
		return 0;
	if ((out = redacted(s, *sp, &n)) != NULL) {
		wipe_free(*sp);
		*sp = out;
	}
	snap_put(s);
	return n;
}

/* Every string and key under it; returns how many changed. */
static int
walk(const struct snap *s, cJSON *it)
{
	cJSON *c;
	char  *r;
	int    n = 0;

	if (it->string != NULL && !(it->type & cJSON_StringIsConst) &&
	    (r = redacted(s, it->string, NULL)) != NULL) {
		wipe_free(it->string);
		it->string = r;
		n++;
	}
	if (cJSON_IsString(it) && it->valuestring != NULL &&
	    (r = redacted(s, it->valuestring, NULL)) != NULL) {
		wipe_free(it->valuestring);
		it->valuestring = r;
		n++;
	}
	for (c = it->child; c != NULL; c = c->next)
		n += walk(s, c);
	return n;
}

int
redact_json(char **sp)
{
	struct snap *s;
	cJSON       *j;
	char        *out;
	size_t       len;
	int          changed = 0;

	if (*sp == NULL || (s = snap_get()) == NULL)
		return 0;
	len = strlen(*sp);
	if (scan(s, *sp, len, NULL) == 0)
		goto out;
	if ((j = json_parse(*sp, len, NULL)) == NULL) {
		if ((out = redacted(s, *sp, NULL)) != NULL) {
			wipe_free(*sp);
			*sp = out;
			changed = 1;
		}
		goto out;
	}
	/* Nothing in a string (a number that looks like one): as it was. */
	out = walk(s, j) > 0 ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (out != NULL) {
		wipe_free(*sp);
		*sp = out;
		changed = 1;
	}
out:
	snap_put(s);
	return changed;
}
