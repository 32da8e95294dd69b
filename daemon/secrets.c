/*
 * secrets: registers with the redactor every secret heraldd reads (see
 * secrets.h). Where each one is read, so that a new one gets added here:
 *   ANTHROPIC_API_KEY                          activities/claude.c
 *   AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN   activities/s3.c (signing)
 *   LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY   daemon/daemon.c (exporter)
 *   DATABASE_URL's password, PGPASSWORD        activities/report.c (libpq)
 *   brands.<brand>.publish.token_env           activities/meta.c
 *   token_env (the listeners' token)           daemon/daemon.c (ipc)
 * AWS_ACCESS_KEY_ID names a key but is no secret (it is in every signed
 * request): it is not registered. Main thread only.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/redact.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/secrets.h"

static const char *const env_secrets[] = {
	"ANTHROPIC_API_KEY",   "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY",   "PGPASSWORD",
};

/* postgresql://[user[:password]@][host][/db][?password=...&...] */
static char *
url_password(const char *url)
{
	const char *a = strstr(url, "://") + 3, *end, *at = NULL, *colon;
	const char *p, *amp;

	end = a + strcspn(a, "/?");
	for (p = a; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && (colon = memchr(a, ':', (size_t)(at - a))) != NULL)
		return pct_decode(colon + 1, (size_t)(at - colon - 1), NULL);
	if ((p = strchr(end, '?')) == NULL)
		return NULL;
	for (p++; *p != '\0'; p = *amp != '\0' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		if (strncmp(p, "password=", 9) == 0 && p + 9 <= amp)
			return pct_decode(p + 9, (size_t)(amp - p - 9), NULL);
	}
	return NULL;
}

/* key = value ... with values bare or in single quotes, "\" escaping. */
static char *
keyword_password(const char *s)
{
	const char *key;
	size_t      klen;
	char       *v, *o;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '\0')
			return NULL;
		key = s;
		s += strcspn(s, " \t\n\r=");
		klen = (size_t)(s - key);
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s++ != '=')
			return NULL; /* not a connection string libpq takes */
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		v = o = xmalloc(strlen(s) + 1);
		if (*s == '\'') {
			for (s++; *s != '\0' && *s != '\''; s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				*o++ = *s;
			}
			if (*s == '\'')
				s++;
		} else {
			for (; *s != '\0' && strchr(" \t\n\r", *s) == NULL;
			     s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				*o++ = *s;
			}
		}
		*o = '\0';
		if (klen == 8 && strncmp(key, "password", 8) == 0)
			return v;
		free(v);
	}
}

char *
secrets_conninfo_password(const char *conninfo)
{
	if (conninfo == NULL)
		return NULL;
	if (strncmp(conninfo, "postgresql://", 13) == 0 ||
	    strncmp(conninfo, "postgres://", 11) == 0)
		return url_password(conninfo);
	return keyword_password(conninfo);
}

static void
put(const char *name, const char *value, int *added)
{
	switch (redact_add(name, value)) {
	case 1:
		(*added)++;
		break;
	case -1:
		if (value != NULL && *value != '\0')
			log_warn("secret_not_redacted",
			         "name=%s reason=\"shorter than %d bytes: it "
			         "cannot be told from ordinary text\"",
			         name, REDACT_MIN_LEN);
		break;
	}
}

void
secrets_register(const struct config *cfg)
{
	const struct config_brand *b = cfg->brands.v;
	char                      *pw;
	size_t                     i;
	int                        k, added = 0;

	for (i = 0; i < nitems(env_secrets); i++)
		put(env_secrets[i], getenv(env_secrets[i]), &added);
	if (getenv("LANGFUSE_PUBLIC_KEY") != NULL &&
	    getenv("LANGFUSE_SECRET_KEY") != NULL &&
	    redact_add_basic("LANGFUSE_SECRET_KEY",
	                     getenv("LANGFUSE_PUBLIC_KEY"),
	                     getenv("LANGFUSE_SECRET_KEY")) == 1)
		added++;
	if ((pw = secrets_conninfo_password(getenv("DATABASE_URL"))) != NULL) {
		put("DATABASE_URL_PASSWORD", pw, &added);
		explicit_bzero(pw, strlen(pw));
		free(pw);
	}
	for (k = 0; k < cfg->brands.n; k++)
		if (b[k].publish.token_env != NULL)
			put(b[k].publish.token_env,
			    getenv(b[k].publish.token_env), &added);
	if (cfg->token_env != NULL)
		put(cfg->token_env, getenv(cfg->token_env), &added);
	if (added > 0)
		log_info("secrets_registered", "new=%d", added);
}
