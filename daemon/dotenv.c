/*
 * dotenv: the usual .env format: comments, blank lines, an optional
 * "export ", unquoted values (trailing blanks and " #comments" dropped),
 * 'single quoted' values taken literally, "double quoted" values with
 * \n \t \" \\ escapes.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/dotenv.h"

/* A .env holds a few keys; anything this large is not one. */
#define DOTENV_MAX_BYTES (1024 * 1024)

/* Parses one line in place. Returns 1 with *key and *value set, 0 for a
 * blank or comment line, -1 if malformed. */
static int
parse_line(char *s, char **key, char **value)
{
	char *k, *v, *w;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	if (strncmp(s, "export", 6) == 0 && isspace((unsigned char)s[6]))
		for (s += 6; isspace((unsigned char)*s); s++)
			;
	k = s;
	if (!isalpha((unsigned char)*s) && *s != '_')
		return -1;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	w = s;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '=')
		return -1;
	*w = '\0';
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	v = w = s;
	if (*s == '\'' || *s == '"') {
		char q = *s++;

		for (; *s != q; s++) {
			if (*s == '\0')
				return -1;
			if (q == '"' && *s == '\\' && s[1] != '\0') {
				s++;
				*w++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
			} else
				*w++ = *s;
		}
		for (s++; isspace((unsigned char)*s); s++)
			;
		if (*s != '\0' && *s != '#')
			return -1;
		*w = '\0';
	} else {
		for (; *s != '\0'; s++) {
			if (*s == '#' && s > v && isspace((unsigned char)s[-1]))
				break;
		}
		while (s > v && isspace((unsigned char)s[-1]))
			s--;
		*s = '\0';
	}
	*key = k;
	*value = v;
	return 1;
}

int
dotenv_parse(const char *text, size_t len, const char *name, dotenv_fn fn,
             void *arg, char **cause)
{
	char  *copy = xmalloc(len + 1), *line, *nl, *key, *value;
	int    lineno = 0, rc = -1;
	size_t n;

	memcpy(copy, text, len);
	copy[len] = '\0';
	for (line = copy; line < copy + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(copy + len - line))) ==
		    NULL)
			nl = copy + len;
		n = (size_t)(nl - line);
		*nl = '\0';
		/* A NUL cannot be in an environment variable. */
		switch (strlen(line) != n ? -1
		                          : parse_line(line, &key, &value)) {
		case 0:
			continue;
		case -1:
			xasprintf(cause,
			          "%s:%d: malformed line (expected "
			          "KEY=VALUE)",
			          name, lineno);
			goto out;
		}
		if (fn(arg, key, value, cause) != 0)
			goto out;
	}
	rc = 0;
out:
	explicit_bzero(copy, len + 1);
	free(copy);
	return rc;
}

struct setter {
	const char *path;
	int         count;
};

static int
set_one(void *arg, const char *key, const char *value, char **cause)
{
	struct setter *st = arg;

	if (getenv(key) != NULL)
		return 0;
	if (setenv(key, value, 0) != 0) {
		xasprintf(cause, "%s: %s: %s", st->path, key, strerror(errno));
		return -1;
	}
	st->count++;
	return 0;
}

int
dotenv_load(const char *path, char **cause)
{
	struct setter st = { path, 0 };
	char         *buf = NULL;
	size_t        n = 0;
	int           rc;

	if ((rc = read_small_file(path, DOTENV_MAX_BYTES, &buf, &n, cause)) !=
	    0)
		return rc == 1 ? 0 : -1;
	rc = -1;
	if (dotenv_parse(buf, n, path, set_one, &st, cause) == 0)
		rc = st.count;
	explicit_bzero(buf, n); /* secrets */
	free(buf);
	return rc;
}
