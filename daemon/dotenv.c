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
dotenv_load(const char *path, char **cause)
{
	FILE   *f;
	char   *line = NULL, *key, *value;
	size_t  cap = 0;
	ssize_t n;
	int     lineno = 0, count = 0, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		switch (parse_line(line, &key, &value)) {
		case 0:
			continue;
		case -1:
			xasprintf(cause,
			          "%s:%d: malformed line (expected "
			          "KEY=VALUE)",
			          path, lineno);
			goto out;
		}
		if (getenv(key) == NULL) {
			if (setenv(key, value, 0) != 0) {
				xasprintf(cause, "%s:%d: %s", path, lineno,
				          strerror(errno));
				goto out;
			}
			count++;
		}
	}
	rc = count;
out:
	explicit_bzero(line, cap);
	free(line);
	fclose(f);
	return rc;
}
