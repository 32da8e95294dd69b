/*
 * text: UTF-8 decoding, widths, wrapping and time formatting for the
 * console. The decoder is our own (not mbstowcs), so captions decode the
 * same whatever the locale; only the widths ask the locale (wcwidth).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "tui/text.h"

#define REPLACEMENT 0xFFFD

/* One code point from s (n > 0 bytes left); sets *adv to the bytes used.
 * Overlongs, surrogates and values past U+10FFFF are invalid. */
static wchar_t
decode(const unsigned char *s, size_t n, size_t *adv)
{
	unsigned int c = s[0], min;
	size_t       need, i;

	*adv = 1;
	if (c < 0x80)
		return (wchar_t)c;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		c &= 0x07;
		min = 0x10000;
	} else
		return REPLACEMENT;
	if (n < need + 1)
		return REPLACEMENT;
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return REPLACEMENT;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return REPLACEMENT;
	*adv = need + 1;
	return (wchar_t)c;
}

wchar_t *
text_wide(const char *s, size_t n, size_t *len)
{
	wchar_t *w = xcalloc(n + 1, sizeof *w);
	size_t   i = 0, k = 0, adv;
	wchar_t  c;

	while (s != NULL && i < n) {
		c = decode((const unsigned char *)s + i, n - i, &adv);
		i += adv;
		if (c == '\t')
			c = ' ';
		else if (c == '\r')
			continue;
		else if (c != '\n' && (c < 0x20 || (c >= 0x7F && c < 0xA0)))
			c = REPLACEMENT;
		w[k++] = c;
	}
	w[k] = 0;
	if (len != NULL)
		*len = k;
	return w;
}

int
text_cwidth(wchar_t c)
{
	int w = wcwidth(c);

	return w < 0 ? 1 : w;
}

int
text_width(const char *s)
{
	size_t   n, i;
	wchar_t *w = text_wide(s, s != NULL ? strlen(s) : 0, &n);
	int      cols = 0;

	for (i = 0; i < n; i++)
		if (w[i] != '\n')
			cols += text_cwidth(w[i]);
	free(w);
	return cols;
}

size_t
text_fit(const wchar_t *w, size_t n, int cols, int *used)
{
	size_t i;
	int    u = 0, cw;

	for (i = 0; i < n; i++) {
		cw = text_cwidth(w[i]);
		if (u + cw > cols)
			break;
		u += cw;
	}
	/* Combining characters that follow the last one fitted belong to
	 * it. */
	while (i < n && text_cwidth(w[i]) == 0 && w[i] != '\n')
		i++;
	if (used != NULL)
		*used = u;
	return i;
}

size_t
text_wrap(const wchar_t *w, size_t n, int cols, struct text_line **lines)
{
	struct text_line *out = NULL;
	size_t            nout = 0, cap = 0, start = 0, i, brk, end, next;
	int               u, cw;

	if (cols < 1)
		cols = 1;
	for (;;) {
		/* One line from start: up to a newline, or as much as fits,
		 * broken after the last space when there is one. */
		u = 0;
		brk = 0;
		for (i = start; i < n && w[i] != '\n'; i++) {
			cw = text_cwidth(w[i]);
			if (u + cw > cols)
				break;
			u += cw;
			if (w[i] == ' ')
				brk = i + 1;
		}
		end = next = i;
		if (i < n && w[i] != '\n') {
			/* A word that ends right at the edge stays whole. */
			if (w[i] == ' ')
				brk = i;
			if (brk > start)
				end = next = brk;
			else if (i == start)
				end = next = i + 1; /* wider than the line */
			/* The spaces at a break belong to neither line. */
			while (end > start && w[end - 1] == ' ')
				end--;
			while (next < n && w[next] == ' ')
				next++;
		} else if (i < n)
			next = i + 1; /* past the newline */
		if (nout == cap) {
			cap = cap ? cap * 2 : 8;
			out = xrealloc(out, cap * sizeof *out);
		}
		out[nout].off = start;
		out[nout].len = end - start;
		nout++;
		if (next >= n)
			break;
		start = next;
	}
	*lines = out;
	return nout;
}

char *
text_duration(int64_t ms, char *buf, size_t len)
{
	int64_t s = (ms < 0 ? -ms : ms) / 1000;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		         (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		         (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400),
		         (long long)(s % 86400 / 3600));
	return buf;
}

int
text_time(const char *iso, int64_t *ms)
{
	struct tm   tm;
	const char *end;
	int64_t     frac = 0, scale = 100;

	if (iso == NULL)
		return -1;
	memset(&tm, 0, sizeof tm);
	end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return -1;
	if (*end == '.') {
		for (end++; *end >= '0' && *end <= '9'; end++) {
			frac += (*end - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(end, "Z") != 0)
		return -1;
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return 0;
}

char *
text_clock(int64_t ms, char *buf, size_t len)
{
	time_t    t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
	return buf;
}
