/*
 * json: cJSON_ParseWithLengthOpts stops after the first value and ignores
 * what follows; "{} junk" must be an error everywhere we read JSON.
 * json_parse_strict adds what input from people and clients needs on top
 * (one place, so the config and the protocol refuse the same things).
 */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/util.h"

cJSON *
json_parse(const char *buf, size_t len, size_t *err_off)
{
	const char *end = NULL;
	cJSON      *v = cJSON_ParseWithLengthOpts(buf, len, &end, 0);

	if (v != NULL) {
		while (end < buf + len && (*end == ' ' || *end == '\t' ||
		                           *end == '\r' || *end == '\n'))
			end++;
		if (end == buf + len)
			return v;
		cJSON_Delete(v);
	}
	if (err_off != NULL)
		*err_off = end != NULL && end >= buf ? (size_t)(end - buf) : 0;
	return NULL;
}

void
json_add_time(cJSON *o, const char *key, int64_t ms)
{
	char buf[32];

	if (ms <= 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, iso8601(ms, buf, sizeof buf));
}

void
json_add_str(cJSON *o, const char *key, const char *v)
{
	if (v == NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, v);
}

/*
 * Strict parsing. A NUL ends a C string, so cJSON keeps only what comes
 * before one. In a copy of the text, each NUL inside a string (\u0000,
 * or a raw 0 byte) becomes as many 0xff bytes, which valid UTF-8 never
 * holds: offsets stay right, and the walk over the parsed value finds
 * the key or string that held it. Only done when the text is valid UTF-8,
 * so that a 0xff found later can only be a NUL.
 */
#define NUL_MARK      '\xff'
#define PATH_MAX_NAME 64  /* bytes of one key in a path */
#define PATH_MAX_LEN  300 /* bytes of a path, its end kept */

static char *
mark_nuls(const char *buf, size_t len)
{
	char  *out = NULL;
	size_t i, n;
	int    in_string = 0;

	for (i = 0; i < len; i++) {
		n = 0;
		if (buf[i] == '\0')
			n = 1;
		else if (!in_string)
			in_string = buf[i] == '"';
		else if (buf[i] == '"')
			in_string = 0;
		else if (buf[i] == '\\' && len - i >= 6 &&
		         memcmp(buf + i + 1, "u0000", 5) == 0)
			n = 6;
		else if (buf[i] == '\\')
			i++; /* the escaped character, maybe a quote */
		if (n == 0)
			continue;
		if (out == NULL) {
			out = xmalloc(len);
			memcpy(out, buf, len);
		}
		memset(out + i, NUL_MARK, n);
		i += n - 1;
	}
	return out;
}

/* A key as a path shows it: at most PATH_MAX_NAME bytes, anything not
 * printable UTF-8 as '?' (a NUL too, whatever its mark's length). */
static char *
key_name(const char *k)
{
	const unsigned char *s = (const unsigned char *)k;
	size_t               n = strlen(k), i = 0, o = 0, cl;
	char                *out = xmalloc(PATH_MAX_NAME + 8);

	if (n == 0) {
		free(out);
		return xstrdup("\"\"");
	}
	while (i < n && o < PATH_MAX_NAME) {
		cl = s[i] < 0x80 ? 1 : s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
		if (s[i] < 0x20 || s[i] == 0x7f || n - i < cl ||
		    !utf8_valid(k + i, cl)) {
			out[o++] = '?';
			/* A marked NUL is one character. */
			while (++i < n && k[i] == NUL_MARK &&
			       k[i - 1] == NUL_MARK)
				;
			continue;
		}
		if (o + cl > PATH_MAX_NAME)
			break;
		memcpy(out + o, k + i, cl);
		o += cl;
		i += cl;
	}
	if (i < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

struct frame {
	const struct frame *up; /* NULL at the top */
	const cJSON        *v;
};

static char *
path_of(const struct frame *f)
{
	const cJSON *it;
	char        *up, *out, *name;
	int          i = 0;

	if (f->up == NULL)
		return xstrdup("");
	up = path_of(f->up);
	if (cJSON_IsArray(f->up->v)) {
		for (it = f->up->v->child; it != NULL && it != f->v;
		     it = it->next)
			i++;
		xasprintf(&out, "%s[%d]", up, i);
	} else {
		name = key_name(f->v->string);
		xasprintf(&out, "%s%s%s", up, *up != '\0' ? "." : "", name);
		free(name);
	}
	free(up);
	return out;
}

struct strict {
	const char *comment;
	int         utf8_ok; /* the text was valid UTF-8: a mark is a NUL */
	char       *cause;
};

static int
refuse(struct strict *st, const struct frame *f, const char *why)
{
	char  *path = path_of(f), *p;
	size_t n = strlen(path);

	/* The end of a long path is the part that finds the problem. */
	if (n > PATH_MAX_LEN) {
		p = path + n - PATH_MAX_LEN;
		p += strcspn(p, ".[");
		xasprintf(&st->cause, "...%s: %s", p, why);
	} else
		xasprintf(&st->cause, "%s: %s", *path != '\0' ? path : "top",
		          why);
	free(path);
	return -1;
}

/* NULL if text is clean, else what is wrong with it. */
static const char *
bad_text(const struct strict *st, const char *text)
{
	if (st->utf8_ok && strchr(text, NUL_MARK) != NULL)
		return "contains a NUL character (\\u0000)";
	if (!st->utf8_ok && !utf8_valid(text, strlen(text)))
		return "is not valid UTF-8";
	return NULL;
}

static int
by_key(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string,
	              (*(const cJSON *const *)b)->string);
}

/* A member of o whose key an earlier member has, or NULL. Sorting keeps a
 * huge object from costing n^2 comparisons. */
static const cJSON *
duplicate(const cJSON *o, const char *comment)
{
	const cJSON *it, *prev, **v, *found = NULL;
	const char  *dup = NULL;
	size_t       n = 0, i;

	for (it = o->child; it != NULL; it = it->next)
		n++;
	if (n <= 8) {
		cJSON_ArrayForEach(it, o)
		{
			if (comment != NULL && strcmp(it->string, comment) == 0)
				continue;
			for (prev = o->child; prev != it; prev = prev->next)
				if (strcmp(prev->string, it->string) == 0)
					return it;
		}
		return NULL;
	}
	v = xcalloc(n, sizeof *v);
	n = 0;
	cJSON_ArrayForEach(it, o)
	{
		if (comment == NULL || strcmp(it->string, comment) != 0)
			v[n++] = it;
	}
	qsort(v, n, sizeof *v, by_key);
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(v[i - 1]->string, v[i]->string) == 0)
			dup = v[i]->string;
	free(v);
	if (dup == NULL)
		return NULL;
	/* The second one in the text, as the short path reports. */
	i = 0;
	cJSON_ArrayForEach(it, o)
	{
		if (strcmp(it->string, dup) == 0 && i++ == 1) {
			found = it;
			break;
		}
	}
	return found;
}

static int
walk(struct strict *st, const struct frame *up, const cJSON *v)
{
	struct frame f = { up, v }, m = { &f, NULL };
	const cJSON *it;
	const char  *why;

	if (cJSON_IsString(v) && (why = bad_text(st, v->valuestring)) != NULL)
		return refuse(st, &f, why);
	if (cJSON_IsObject(v) && (m.v = duplicate(v, st->comment)) != NULL)
		return refuse(st, &m, "duplicate key");
	cJSON_ArrayForEach(it, v)
	{
		m.v = it;
		if (cJSON_IsObject(v) &&
		    (why = bad_text(st, it->string)) != NULL)
			return refuse(st, &m,
			              strstr(why, "NUL") != NULL
			                  ? "the key contains a NUL character "
			                    "(\\u0000)"
			                  : "the key is not valid UTF-8");
		if (walk(st, &f, it) != 0)
			return -1;
	}
	return 0;
}

void
json_wipe(cJSON *v)
{
	cJSON *it;

	if (v == NULL)
		return;
	if (cJSON_IsString(v) && v->valuestring != NULL)
		explicit_bzero(v->valuestring, strlen(v->valuestring));
	if (v->string != NULL)
		explicit_bzero(v->string, strlen(v->string));
	cJSON_ArrayForEach(it, v) json_wipe(it);
}

cJSON *
json_parse_strict(const char *buf, size_t len, const char *comment,
                  size_t *err_off, char **cause)
{
	struct strict st = { comment, 0, NULL };
	size_t        good = utf8_valid_len(buf, len), off = 0;
	char         *marked = NULL;
	cJSON        *v;

	st.utf8_ok = good == len;
	if (st.utf8_ok)
		marked = mark_nuls(buf, len);
	v = json_parse(marked != NULL ? marked : buf, len, &off);
	if (marked != NULL) {
		/* A copy of a request may hold a token: leave nothing. */
		explicit_bzero(marked, len);
		free(marked);
	}
	if (v == NULL) {
		*cause = xstrdup(good < len && good <= off ? "not valid UTF-8"
		                                           : "invalid JSON");
		off = good < len && good <= off ? good : off;
	} else if (walk(&st, NULL, v) != 0) {
		*cause = st.cause;
		off = JSON_NO_OFFSET;
	} else if (!st.utf8_ok) {
		/* Bad bytes after a NUL that cut their string short. */
		*cause = xstrdup("not valid UTF-8");
		off = good;
	} else
		return v;
	json_wipe(v);
	cJSON_Delete(v);
	if (err_off != NULL)
		*err_off = off;
	return NULL;
}
