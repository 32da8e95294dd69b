/*
 * config: decodes the JSON configuration into struct config, driven by one
 * schema table per object. Every problem is reported as
 * "FILE: KEY.PATH: what is wrong", so an operator can find it at once:
 * broken JSON (with line and column), a wrong type, a value out of range,
 * an unknown key (usually a typo), a missing required key, a duplicate.
 * Called from the main thread only.
 */

#include <ctype.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/json.h"
#include "common/log.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/config_check.h"

#define CONFIG_MAX_BYTES (4 * 1024 * 1024)

enum ftype {
	T_STRING,   /* char * */
	T_ID,       /* char *, [A-Za-z0-9_.-]{1,64} */
	T_INT,      /* int, within [min, max] */
	T_BOOL,     /* int */
	T_ENUM,     /* int: index into choices */
	T_LEVEL,    /* int: enum log_level */
	T_JSON,     /* char *: any JSON value, printed */
	T_MODE,     /* int: a file mode as an octal string, "0660" */
	T_DURATION, /* int64_t ms: "90s", "1h30m" */
	T_NUMBER,   /* double, within [min, max] */
	T_OBJECT,   /* an embedded struct, decoded with sub */
	T_MAP,      /* struct cfg_list: object of objects, member name kept */
	T_LIST,     /* struct cfg_list: array of objects */
	T_STRINGS   /* struct cfg_list of char *: non-empty array of strings */
};

#define F_REQUIRED 1
#define F_NONEMPTY 2 /* T_STRINGS: at least one */
#define F_POSITIVE 4 /* T_DURATION: more than 0 when given */

struct schema;

struct field {
	const char          *key;
	enum ftype           type;
	int                  flags;
	size_t               off;
	long long            min, max;
	const char *const   *choices;
	const struct schema *sub;
};

struct schema {
	const struct field *fields; /* ends with a NULL key */
	size_t              size;   /* size of one element */
	int                 named;  /* T_MAP elements keep their member name */
	size_t              name_off; /* ...here, as a char * */
	const char         *unique; /* T_LIST: a T_ID key that must be unique */
};

static const char *const sync_choices[] = { "full", "normal", NULL };
static const char *const approval_choices[] = { "auto", "required", NULL };
static const char *const timeout_choices[] = { "reject", "approve", NULL };
static const char *const language_choices[] = { "nl", "fr", "en", NULL };
const char *const        config_language_names[] = { "nl", "fr", "en", NULL };
const char *const config_overlap_names[] = { "skip", "buffer_one", "allow_all",
	                                     NULL };

static const char *const photo_sources[] = { "dir", "s3", NULL };
const char *const        config_fit_names[] = { "pad", "crop", "skip", NULL };
static const char *const writers[] = { "offline", "claude", NULL };
static const char *const publishers[] = { "outbox", "meta", NULL };

#define P(f) offsetof(struct config_photos, f)
static const struct field photos_fields[] = {
	{ "source", T_ENUM, F_REQUIRED, P(source), 0, 0, photo_sources, NULL },
	/* Which of these a source needs: check_photos. */
	{ "path", T_STRING, 0, P(path), 0, 0, NULL, NULL },
	{ "bucket", T_STRING, 0, P(bucket), 0, 0, NULL, NULL },
	{ "prefix", T_STRING, 0, P(prefix), 0, 0, NULL, NULL },
	{ "region", T_STRING, 0, P(region), 0, 0, NULL, NULL },
	{ "endpoint", T_STRING, 0, P(endpoint), 0, 0, NULL, NULL },
	{ "path_style", T_BOOL, 0, P(path_style), 0, 0, NULL, NULL },
	{ "url_expires", T_DURATION, 0, P(url_expires_ms), 6 * 3600 * 1000, 0,
	  NULL, NULL },
	{ "fit", T_ENUM, 0, P(fit), 0, 0, config_fit_names, NULL },
	{ "background", T_STRING, 0, P(background), 0, 0, NULL, NULL },
	{ "variants_prefix", T_STRING, 0, P(variants_prefix), 0, 0, NULL,
	  NULL },
	{ "variants_keep", T_DURATION, 0, P(variants_keep_ms),
	  30 * 24 * 3600 * 1000LL, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef P
static const struct schema photos_schema = { photos_fields,
	                                     sizeof(struct config_photos), 0, 0,
	                                     NULL };

#define W(f) offsetof(struct config_captions, f)
static const struct field captions_fields[] = {
	{ "writer", T_ENUM, 0, W(writer), 0, 0, writers, NULL },
	{ "voice", T_STRING, 0, W(voice), 0, 0, NULL, NULL },
	{ "hashtags", T_STRINGS, 0, W(hashtags), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef W
static const struct schema captions_schema = { captions_fields,
	                                       sizeof(struct config_captions),
	                                       0, 0, NULL };

#define U(f) offsetof(struct config_publish, f)
static const struct field publish_fields[] = {
	{ "to", T_ENUM, 0, U(to), 0, 0, publishers, NULL },
	{ "page_id", T_ID, 0, U(page_id), 0, 0, NULL, NULL },
	{ "instagram_user_id", T_ID, 0, U(instagram_user_id), 0, 0, NULL,
	  NULL },
	{ "token_env", T_ID, 0, U(token_env), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef U
static const struct schema publish_schema = { publish_fields,
	                                      sizeof(struct config_publish), 0,
	                                      0, NULL };

#define B(f) offsetof(struct config_brand, f)
static const struct field brand_fields[] = {
	{ "language", T_ENUM, F_REQUIRED, B(language), 0, 0, language_choices,
	  NULL },
	{ "approval", T_ENUM, 0, B(approval), 0, 0, approval_choices, NULL },
	{ "approval_timeout", T_DURATION, 0, B(approval_timeout_ms),
	  12 * 3600 * 1000LL, 0, NULL, NULL },
	{ "on_timeout", T_ENUM, 0, B(on_timeout), 0, 0, timeout_choices, NULL },
	{ "display_name", T_STRING, 0, B(display_name), 0, 0, NULL, NULL },
	{ "photos", T_OBJECT, F_REQUIRED, B(photos), 0, 0, NULL,
	  &photos_schema },
	{ "captions", T_OBJECT, 0, B(captions), 0, 0, NULL, &captions_schema },
	{ "publish", T_OBJECT, 0, B(publish), 0, 0, NULL, &publish_schema },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef B
static const struct schema brand_schema = { brand_fields,
	                                    sizeof(struct config_brand), 1,
	                                    offsetof(struct config_brand, name),
	                                    NULL };

#define S(f) offsetof(struct config_schedule, f)
static const struct field schedule_fields[] = {
	{ "id", T_ID, F_REQUIRED, S(id), 0, 0, NULL, NULL },
	{ "workflow", T_ID, F_REQUIRED, S(workflow), 0, 0, NULL, NULL },
	{ "input", T_JSON, 0, S(input), 0, 0, NULL, NULL },
	{ "cron", T_STRINGS, F_REQUIRED | F_NONEMPTY, S(cron), 0, 0, NULL,
	  NULL },
	{ "timezone", T_STRING, 0, S(timezone), 0, 0, NULL, NULL },
	{ "overlap", T_ENUM, 0, S(overlap), 0, 0, config_overlap_names, NULL },
	/* For durations, min is the default. */
	{ "catchup", T_DURATION, 0, S(catchup_ms), 3600000, 0, NULL, NULL },
	{ "jitter", T_DURATION, 0, S(jitter_ms), 0, 0, NULL, NULL },
	{ "paused", T_BOOL, 0, S(paused), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef S
static const struct schema schedule_schema = { schedule_fields,
	                                       sizeof(struct config_schedule),
	                                       0, 0, "id" };

#define T(f) offsetof(struct config_tls, f)
static const struct field tls_fields[] = {
	{ "cert", T_STRING, F_REQUIRED, T(cert), 0, 0, NULL, NULL },
	{ "key", T_STRING, F_REQUIRED, T(key), 0, 0, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef T
static const struct schema tls_schema = { tls_fields, sizeof(struct config_tls),
	                                  0, 0, NULL };

#define PR(f) offsetof(struct config_price, f)
static const struct field price_fields[] = {
	{ "input", T_NUMBER, F_REQUIRED, PR(input), 0, 1000, NULL, NULL },
	{ "output", T_NUMBER, F_REQUIRED, PR(output), 0, 1000, NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef PR
static const struct schema price_schema = {
	price_fields, sizeof(struct config_price), 1,
	offsetof(struct config_price, model), NULL
};

#define A(f) offsetof(struct config_anthropic, f)
static const struct field anthropic_fields[] = {
	{ "base_url", T_STRING, 0, A(base_url), 0, 0, NULL, NULL },
	{ "model", T_STRING, 0, A(model), 0, 0, NULL, NULL },
	{ "max_tokens", T_INT, 0, A(max_tokens), 16, 64000, NULL, NULL },
	{ "prices", T_MAP, 0, A(prices), 0, 0, NULL, &price_schema },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef A
static const struct schema anthropic_schema = { anthropic_fields,
	                                        sizeof(struct config_anthropic),
	                                        0, 0, NULL };

#define M(f) offsetof(struct config_meta, f)
static const struct field meta_fields[] = {
	{ "base_url", T_STRING, 0, M(base_url), 0, 0, NULL, NULL },
	{ "version", T_STRING, 0, M(version), 0, 0, NULL, NULL },
	{ "poll_interval", T_DURATION, F_POSITIVE, M(poll_interval_ms), 10000,
	  0, NULL, NULL },
	{ "poll_max", T_INT, 0, M(poll_max), 1, 10000, NULL, NULL },
	{ "throttle_wait", T_DURATION, F_POSITIVE, M(throttle_wait_ms), 60000,
	  0, NULL, NULL },
	{ "check_settle", T_DURATION, F_POSITIVE, M(check_settle_ms), 20000, 0,
	  NULL, NULL },
	{ "check_retry", T_DURATION, F_POSITIVE, M(check_retry_ms), 1000, 0,
	  NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef M
static const struct schema meta_schema = { meta_fields,
	                                   sizeof(struct config_meta), 0, 0,
	                                   NULL };
#define L(f) offsetof(struct config_langfuse, f)
static const struct field langfuse_fields[] = {
	{ "enabled", T_BOOL, 0, L(enabled), 0, 0, NULL, NULL },
	{ "base_url", T_STRING, 0, L(base_url), 0, 0, NULL, NULL },
	{ "prompts", T_BOOL, 0, L(prompts), 0, 0, NULL, NULL },
	{ "max_outbox", T_INT, 0, L(max_outbox), 100, 100000000, NULL, NULL },
	{ "batch", T_INT, 0, L(batch), 1, 1000, NULL, NULL },
	{ "flush", T_DURATION, 0, L(flush_ms), 1000, 0, NULL, NULL },
	{ "max_backoff", T_DURATION, F_POSITIVE, L(max_backoff_ms), 60000, 0,
	  NULL, NULL },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef L
static const struct schema langfuse_schema = { langfuse_fields,
	                                       sizeof(struct config_langfuse),
	                                       0, 0, NULL };

#define C(f) offsetof(struct config, f)
static const struct field config_fields[] = {
	{ "anthropic", T_OBJECT, 0, C(anthropic), 0, 0, NULL,
	  &anthropic_schema },
	{ "meta", T_OBJECT, 0, C(meta), 0, 0, NULL, &meta_schema },
	{ "langfuse", T_OBJECT, 0, C(langfuse), 0, 0, NULL, &langfuse_schema },
	{ "socket_mode", T_MODE, 0, C(socket_mode), 0, 0, NULL, NULL },
	{ "socket_group", T_STRING, 0, C(socket_group), 0, 0, NULL, NULL },
	{ "listen", T_STRINGS, 0, C(listen), 0, 0, NULL, NULL },
	{ "tls", T_OBJECT, 0, C(tls), 0, 0, NULL, &tls_schema },
	{ "token_env", T_ID, 0, C(token_env), 0, 0, NULL, NULL },
	{ "insecure", T_BOOL, 0, C(insecure), 0, 0, NULL, NULL },
	{ "log_level", T_LEVEL, 0, C(log_level), 0, 0, NULL, NULL },
	{ "workers", T_INT, 0, C(workers), 1, 64, NULL, NULL },
	{ "stop_drain", T_DURATION, 0, C(stop_drain_ms), 0, 0, NULL, NULL },
	{ "synchronous", T_ENUM, 0, C(synchronous), 0, 0, sync_choices, NULL },
	{ "brands", T_MAP, 0, C(brands), 0, 0, NULL, &brand_schema },
	{ "schedules", T_LIST, 0, C(schedules), 0, 0, NULL, &schedule_schema },
	{ NULL, 0, 0, 0, 0, 0, NULL, NULL },
};
#undef C
static const struct schema config_schema = { config_fields,
	                                     sizeof(struct config), 0, 0,
	                                     NULL };

static int decode_object(const struct schema *, const cJSON *, void *,
                         const char *path, char **cause);

static const char *
json_type_name(const cJSON *j)
{
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsBool(j))
		return "a boolean";
	if (cJSON_IsNumber(j))
		return "a number";
	if (cJSON_IsString(j))
		return "a string";
	if (cJSON_IsArray(j))
		return "an array";
	if (cJSON_IsObject(j))
		return "an object";
	return "invalid";
}

static char *
join_path(const char *path, const char *key)
{
	char *out;

	if (*path == '\0')
		return xstrdup(key);
	xasprintf(&out, "%s.%s", path, key);
	return out;
}

static int
valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void
free_object(const struct schema *sc, void *obj)
{
	const struct field *f;
	char               *base = obj;
	int                 i;

	if (sc->named)
		free(*(char **)(base + sc->name_off));
	for (f = sc->fields; f->key != NULL; f++) {
		void *p = base + f->off;

		switch (f->type) {
		case T_STRING:
		case T_ID:
		case T_JSON:
			free(*(char **)p);
			break;
		case T_OBJECT:
			free_object(f->sub, p);
			break;
		case T_MAP:
		case T_LIST: {
			struct cfg_list *l = p;

			for (i = 0; i < l->n; i++)
				free_object(f->sub,
				            (char *)l->v +
				                (size_t)i * f->sub->size);
			free(l->v);
			break;
		}
		case T_STRINGS: {
			struct cfg_list *l = p;

			for (i = 0; i < l->n; i++)
				free(((char **)l->v)[i]);
			free(l->v);
			break;
		}
		default:
			break;
		}
	}
}

static int
decode_value(const struct field *f, const cJSON *j, void *p, const char *path,
             char **cause)
{
	const cJSON *it;
	char        *why = NULL;
	int          i, n;

	switch (f->type) {
	case T_STRING:
	case T_ID:
		if (!cJSON_IsString(j)) {
			xasprintf(cause, "%s: expected a string, got %s", path,
			          json_type_name(j));
			return -1;
		}
		if (f->type == T_ID && !valid_id(j->valuestring)) {
			/* Not echoed when long: a token pasted into a
			 * *_env key must not reach the log. */
			if (strlen(j->valuestring) > 64)
				xasprintf(cause,
				          "%s: a value of %zu characters is "
				          "not a valid name (1-64 of A-Z a-z "
				          "0-9 _ . -)",
				          path, strlen(j->valuestring));
			else
				xasprintf(
				    cause,
				    "%s: \"%s\" is not a valid name (1-64 "
				    "of A-Z a-z 0-9 _ . -)",
				    path, j->valuestring);
			return -1;
		}
		*(char **)p = xstrdup(j->valuestring);
		return 0;
	case T_INT:
		if (!cJSON_IsNumber(j) || j->valuedouble < -1e15 ||
		    j->valuedouble > 1e15 ||
		    j->valuedouble != (double)(long long)j->valuedouble) {
			xasprintf(cause, "%s: expected an integer, got %s",
			          path, json_type_name(j));
			return -1;
		}
		if (j->valuedouble < (double)f->min ||
		    j->valuedouble > (double)f->max) {
			xasprintf(cause, "%s: %g is out of range %lld..%lld",
			          path, j->valuedouble, f->min, f->max);
			return -1;
		}
		*(int *)p = (int)j->valuedouble;
		return 0;
	case T_BOOL:
		if (!cJSON_IsBool(j)) {
			xasprintf(cause, "%s: expected true or false, got %s",
			          path, json_type_name(j));
			return -1;
		}
		*(int *)p = cJSON_IsTrue(j);
		return 0;
	case T_ENUM:
	case T_LEVEL: {
		static const char *const levels[] = { "debug", "info", "warn",
			                              "error", NULL };
		const char *const       *choices =
                    f->type == T_LEVEL ? levels : f->choices;
		char *list = NULL, *tmp;

		if (cJSON_IsString(j)) {
			for (i = 0; choices[i] != NULL; i++) {
				if (strcmp(choices[i], j->valuestring) == 0) {
					*(int *)p = i;
					return 0;
				}
			}
		}
		for (i = 0; choices[i] != NULL; i++) {
			xasprintf(&tmp, "%s%s\"%s\"", list ? list : "",
			          list ? ", " : "", choices[i]);
			free(list);
			list = tmp;
		}
		xasprintf(cause, "%s: expected one of %s", path, list);
		free(list);
		return -1;
	}
	case T_MODE: {
		char *end;
		long  m;

		if (!cJSON_IsString(j) || *j->valuestring == '\0' ||
		    (m = strtol(j->valuestring, &end, 8), *end != '\0') ||
		    m < 0 || m > 0777) {
			xasprintf(cause,
			          "%s: expected a file mode as an octal "
			          "string, like \"0660\"",
			          path);
			return -1;
		}
		*(int *)p = (int)m;
		return 0;
	}
	case T_NUMBER:
		if (!cJSON_IsNumber(j) || j->valuedouble < (double)f->min ||
		    j->valuedouble > (double)f->max) {
			xasprintf(cause, "%s: expected a number in %lld..%lld",
			          path, f->min, f->max);
			return -1;
		}
		*(double *)p = j->valuedouble;
		return 0;
	case T_DURATION:
		if (!cJSON_IsString(j)) {
			xasprintf(cause,
			          "%s: expected a duration like \"90s\", "
			          "\"15m\" or \"1h\"",
			          path);
			return -1;
		}
		if (parse_duration(j->valuestring, (int64_t *)p, &why) != 0) {
			xasprintf(cause, "%s: %s", path, why);
			free(why);
			return -1;
		}
		/* 0 would not mean "never" or "at once" here: refuse it
		 * rather than run on a default the file does not show. */
		if ((f->flags & F_POSITIVE) && *(int64_t *)p <= 0) {
			xasprintf(cause, "%s: must be more than 0s", path);
			return -1;
		}
		return 0;
	case T_OBJECT:
		if (!cJSON_IsObject(j)) {
			xasprintf(cause, "%s: expected an object, got %s", path,
			          json_type_name(j));
			return -1;
		}
		return decode_object(f->sub, j, p, path, cause);
	case T_JSON:
		*(char **)p = cJSON_PrintUnformatted(j);
		if (*(char **)p == NULL)
			fatal("cJSON_PrintUnformatted failed");
		return 0;
	case T_MAP:
	case T_LIST: {
		struct cfg_list     *l = p;
		const struct schema *sc = f->sub;

		if (f->type == T_MAP ? !cJSON_IsObject(j) : !cJSON_IsArray(j)) {
			xasprintf(cause, "%s: expected %s, got %s", path,
			          f->type == T_MAP ? "an object" : "an array",
			          json_type_name(j));
			return -1;
		}
		n = cJSON_GetArraySize(j);
		l->v = xcalloc((size_t)n, sc->size);
		l->n = 0;
		cJSON_ArrayForEach(it, j)
		{
			char *elem = (char *)l->v + (size_t)l->n * sc->size;
			char *sub;

			if (f->type == T_MAP && strcmp(it->string, "//") == 0)
				continue;
			if (f->type == T_MAP) {
				sub = join_path(path, it->string);
				if (!valid_id(it->string)) {
					xasprintf(
					    cause,
					    "%s: \"%s\" is not a valid name",
					    path, it->string);
					free(sub);
					return -1;
				}
			} else
				xasprintf(&sub, "%s[%d]", path, l->n);
			l->n++;
			if (!cJSON_IsObject(it)) {
				xasprintf(cause,
				          "%s: expected an object, got %s", sub,
				          json_type_name(it));
				free(sub);
				return -1;
			}
			if (sc->named)
				*(char **)(elem + sc->name_off) =
				    xstrdup(it->string);
			if (decode_object(sc, it, elem, sub, cause) != 0) {
				free(sub);
				return -1;
			}
			free(sub);
		}
		return 0;
	}
	case T_STRINGS: {
		struct cfg_list *l = p;

		if (!cJSON_IsArray(j) ||
		    ((f->flags & F_NONEMPTY) && cJSON_GetArraySize(j) == 0)) {
			xasprintf(cause, "%s: expected a%s array of strings",
			          path,
			          f->flags & F_NONEMPTY ? " non-empty" : "n");
			return -1;
		}
		l->v = xcalloc((size_t)cJSON_GetArraySize(j), sizeof(char *));
		cJSON_ArrayForEach(it, j)
		{
			if (!cJSON_IsString(it)) {
				xasprintf(cause,
				          "%s[%d]: expected a string, got %s",
				          path, l->n, json_type_name(it));
				return -1;
			}
			((char **)l->v)[l->n++] = xstrdup(it->valuestring);
		}
		return 0;
	}
	}
	fatal("config: field type %d", (int)f->type);
}

static int
decode_object(const struct schema *sc, const cJSON *obj, void *out,
              const char *path, char **cause)
{
	const struct field *f;
	const cJSON        *it;
	char               *sub;
	int                 rc;

	/* Unknown keys first: a typo must not be silent. A key "//" is a
	 * comment, as in package.json. (Duplicate keys were refused when the
	 * text was parsed.) */
	cJSON_ArrayForEach(it, obj)
	{
		if (strcmp(it->string, "//") == 0)
			continue;
		for (f = sc->fields; f->key != NULL; f++)
			if (strcmp(f->key, it->string) == 0)
				break;
		if (f->key == NULL) {
			sub = join_path(path, it->string);
			xasprintf(cause, "%s: unknown key", sub);
			free(sub);
			return -1;
		}
	}
	for (f = sc->fields; f->key != NULL; f++) {
		it = cJSON_GetObjectItemCaseSensitive(obj, f->key);
		sub = join_path(path, f->key);
		if (it == NULL) {
			rc = 0;
			if (f->type == T_DURATION)
				*(int64_t *)((char *)out + f->off) = f->min;
			if (f->flags & F_REQUIRED) {
				xasprintf(cause, "%s: required key is missing",
				          sub);
				rc = -1;
			}
		} else
			rc = decode_value(f, it, (char *)out + f->off, sub,
			                  cause);
		free(sub);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Schedule ids name executions, so two schedules may not share one. */
static int
check_unique(const struct cfg_list *l, const struct schema *sc,
             const char *path, char **cause)
{
	const struct field *f;
	int                 i, k;

	for (f = sc->fields; strcmp(f->key, sc->unique) != 0; f++)
		;
	for (i = 0; i < l->n; i++) {
		const char *a =
		    *(char **)((char *)l->v + (size_t)i * sc->size + f->off);

		for (k = 0; k < i; k++) {
			const char *b =
			    *(char **)((char *)l->v + (size_t)k * sc->size +
			               f->off);

			if (strcmp(a, b) == 0) {
				xasprintf(cause,
				          "%s[%d].%s: \"%s\" is already "
				          "used by %s[%d]",
				          path, i, f->key, a, path, k);
				return -1;
			}
		}
	}
	return 0;
}

struct config *
config_defaults(void)
{
	struct config *c = xcalloc(1, sizeof *c);

	c->source = xstrdup("<defaults>");
	c->socket_mode = 0600;
	c->log_level = -1;
	c->workers = 4;
	c->stop_drain_ms = 60000;
	c->synchronous = CONFIG_SYNC_FULL;
	c->langfuse.enabled = 1;
	c->langfuse.prompts = 1;
	c->langfuse.max_outbox = 100000;
	c->langfuse.batch = 500;
	c->langfuse.flush_ms = 1000;
	c->langfuse.max_backoff_ms = 60000;
	return c;
}

/* A Meta brand without publish.token_env reads the old system's
 * variable, META_ACCESS_TOKEN_<BRAND> (the name upper-cased, anything
 * but A-Z, 0-9 and _ as _), so its .env works unchanged. */
static void
token_defaults(struct config *c)
{
	struct config_brand *b = c->brands.v;
	char                *p;
	int                  i;

	for (i = 0; i < c->brands.n; i++) {
		if (b[i].publish.to != CONFIG_PUBLISH_META ||
		    b[i].publish.token_env != NULL)
			continue;
		xasprintf(&b[i].publish.token_env, "META_ACCESS_TOKEN_%s",
		          b[i].name);
		for (p = b[i].publish.token_env; *p != '\0'; p++) {
			*p = (char)toupper((unsigned char)*p);
			if (!isalnum((unsigned char)*p) && *p != '_')
				*p = '_';
		}
	}
}

struct config *
config_parse(const char *text, size_t len, const char *name, char **cause)
{
	struct config *c = config_defaults();
	cJSON         *root = NULL;
	size_t         off = 0;
	char          *why = NULL;

	free(c->source);
	c->source = xstrdup(name);
	/* Strict: no duplicate key, no NUL in a string, UTF-8 throughout;
	 * "//" (a comment) may repeat. */
	root = json_parse_strict(text, len, "//", &off, &why);
	if (root == NULL && off != JSON_NO_OFFSET) {
		const char *p, *at = text + (off < len ? off : len);
		int         line = 1, col = 1;

		for (p = text; p < at; p++) {
			if (*p == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char)*p & 0xc0) != 0x80)
				col++; /* characters, not bytes */
		}
		xasprintf(cause, "%s:%d:%d: %s", name, line, col, why);
		goto fail;
	}
	if (root == NULL) {
		xasprintf(cause, "%s: %s", name, why);
		goto fail;
	}
	if (!cJSON_IsObject(root)) {
		xasprintf(cause, "%s: the top level must be an object, not %s",
		          name, json_type_name(root));
		goto fail;
	}
	if (decode_object(&config_schema, root, c, "", &why) != 0 ||
	    check_unique(&c->schedules, &schedule_schema, "schedules", &why) !=
	        0 ||
	    (token_defaults(c), config_check(c, &why)) != 0) {
		xasprintf(cause, "%s: %s", name, why);
		goto fail;
	}
	cJSON_Delete(root);
	return c;
fail:
	free(why);
	cJSON_Delete(root);
	config_free(c);
	return NULL;
}

struct config *
config_load(const char *path, char **cause)
{
	struct config *c;
	char          *buf = NULL;
	size_t         n;

	switch (read_small_file(path, CONFIG_MAX_BYTES, &buf, &n, cause)) {
	case 1:
		xasprintf(cause, "%s: %s", path, strerror(ENOENT));
		return NULL;
	case -1:
		return NULL;
	}
	c = config_parse(buf, n, path, cause);
	free(buf);
	return c;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free_object(&config_schema, c);
	free(c->source);
	free(c);
}

const struct config_brand *
config_brand(const struct config *c, const char *name)
{
	const struct config_brand *b = c->brands.v;
	int                        i;

	for (i = 0; i < c->brands.n; i++)
		if (strcmp(b[i].name, name) == 0)
			return &b[i];
	return NULL;
}
