/*
 * util: the small helpers every module uses. Allocation failure aborts, as
 * in tmux and redis: there is nothing sensible a daemon can do without
 * memory, and checking every malloc hides the real error paths.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n == 0 ? 1 : n);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n == 0 ? 1 : n);

	if (q == NULL)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
xvasprintf(char **out, const char *fmt, va_list ap)
{
	va_list aq;
	int     n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		fatal("vsnprintf: bad format %s", fmt);
	*out = xmalloc((size_t)n + 1);
	vsnprintf(*out, (size_t)n + 1, fmt, ap);
	return n;
}

int
xasprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int     n;

	va_start(ap, fmt);
	n = xvasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static int64_t        clock_offset;
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static int64_t
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
clock_init(void)
{
	const char *v = getenv("HERALD_TEST_CLOCK");
	struct tm   tm;
	char       *end;

	if (v == NULL || *v == '\0')
		return;
	memset(&tm, 0, sizeof tm);
	end = strptime(v, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		fatal("HERALD_TEST_CLOCK: \"%s\" is not like "
		      "2026-11-28T08:59:58Z",
		      v);
	clock_offset = (int64_t)timegm(&tm) * 1000 - real_ms();
}

int64_t
clock_ms(void)
{
	pthread_once(&clock_once, clock_init);
	return real_ms() + clock_offset;
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
iso8601(int64_t ms, char *buf, size_t len)
{
	time_t    t = (time_t)(ms / 1000);
	struct tm tm;
	int       frac = (int)(ms % 1000);

	if (frac < 0) {
		frac += 1000;
		t--;
	}
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, frac);
	return buf;
}

int
utf8_valid(const char *str, size_t n)
{
	return utf8_valid_len(str, n) == n;
}

size_t
utf8_valid_len(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t               i = 0;

	while (i < n) {
		unsigned int c = s[i], cp;
		size_t       len, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
		} else
			return i;
		if (n - i < len)
			return i;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += len;
	}
	return n;
}

void
utf8_scrub(char *str)
{
	unsigned char *s = (unsigned char *)str;
	size_t         len;

	while (*s != '\0') {
		len = *s < 0x80 ? 1 : *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;
		if (strnlen((char *)s, len) == len &&
		    utf8_valid((char *)s, len))
			s += len;
		else
			*s++ = '?';
	}
}

int
parse_duration(const char *text, int64_t *ms, char **cause)
{
	static const struct {
		const char *unit;
		int64_t     ms;
	} units[] = { { "ms", 1 },
		      { "s", 1000 },
		      { "m", 60000 },
		      { "h", 3600000 },
		      { "d", 86400000 } };
	const char *s = text;
	int64_t     total = 0;
	size_t      i;

	if (*s == '\0')
		goto bad;
	while (*s != '\0') {
		int64_t n = 0;

		if (*s < '0' || *s > '9')
			goto bad;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (n > 1000000000)
				goto bad;
		}
		for (i = 0; i < nitems(units); i++)
			if (strncmp(s, units[i].unit, strlen(units[i].unit)) ==
			    0)
				break; /* "ms" is tried before "m" and "s" */
		if (i == nitems(units))
			goto bad;
		s += strlen(units[i].unit);
		total += n * units[i].ms;
		if (total > 366LL * 86400000)
			goto bad;
	}
	*ms = total;
	return 0;
bad:
	xasprintf(cause,
	          "\"%s\" is not a duration (like 90s, 15m, 1h30m, "
	          "up to a year)",
	          text);
	return -1;
}

size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t            i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

size_t
random_below(size_t n)
{
	uint64_t r, limit = UINT64_MAX - UINT64_MAX % n;

	do {
		if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
			fatal("getrandom failed");
	} while (r >= limit);
	return (size_t)(r % n);
}

const char *
env_name_shown(const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n > 0 && n <= 64 &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n &&
	    !(name[0] >= '0' && name[0] <= '9'))
		return name;
	return "(not an environment variable's name: give the variable's "
	       "name, like HERALD_TOKEN, not the token)";
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
pct_decode(const char *s, size_t n, size_t *outlen)
{
	char  *out = xmalloc(n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			out[k++] = (char)(hex_value(s[i + 1]) << 4 |
			                  hex_value(s[i + 2]));
			i += 2;
		} else
			out[k++] = s[i];
	}
	out[k] = '\0';
	if (outlen != NULL)
		*outlen = k;
	return out;
}

int
read_small_file(const char *path, size_t max, char **buf, size_t *len,
                char **cause)
{
	struct stat sb;
	FILE       *f;
	char       *b = NULL;
	size_t      n = 0;
	int         rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 1;
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)sb.st_size > max) {
		xasprintf(cause, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	b = xmalloc((size_t)sb.st_size + 1);
	n = fread(b, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		xasprintf(cause, "%s: read error", path);
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
	rc = 0;
out:
	free(b);
	fclose(f);
	return rc;
}
