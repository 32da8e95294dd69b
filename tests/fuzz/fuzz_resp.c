/*
 * fuzz_resp: an HTTP answer from fuzz input (see fuzz.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tests/fuzz/fuzz.h"

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: broken promise: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void
fuzz_resp(const uint8_t *data, size_t size, const char *keep,
          struct http_resp *r, char *flags, size_t flagslen)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	size_t      n;

	memset(r, 0, sizeof *r);
	r->should_retry = -1;
	r->keep_ = keep;
	flags[0] = '\0';
	/* The status line: at most three digits, then the flags. */
	while (p < end && p - (const char *)data < 3 && *p >= '0' && *p <= '9')
		r->status = r->status * 10 + (*p++ - '0');
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		nl = end;
	while (p < nl && *p == ' ')
		p++;
	n = (size_t)(nl - p) < flagslen ? (size_t)(nl - p) : flagslen - 1;
	memcpy(flags, p, n);
	flags[n] = '\0';
	p = nl < end ? nl + 1 : end;
	/* Header lines, each with its line end, until an empty one. */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (*p == '\n' || (n == 2 && *p == '\r' && p[1] == '\n')) {
			p += n;
			break;
		}
		http_header_line(r, p, n);
		p += n;
	}
	/* The body, NUL-terminated as http_do leaves it. */
	r->len = (size_t)(end - p);
	r->body = xmalloc(r->len + 1);
	memcpy(r->body, p, r->len);
	r->body[r->len] = '\0';
	r->sent = 1;
}

size_t
fuzz_count(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i, c = 0;

	for (i = 0; k > 0 && i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			c++;
	return c;
}
