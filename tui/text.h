/*
 * text: the console's text handling, kept apart from curses so it is
 * unit-tested: UTF-8 to wide characters, display widths (é is one column,
 * 🎉 two, a combining accent none), fitting into columns, word wrapping,
 * and the short times and durations the screens show. Any thread; the
 * widths follow the locale's LC_CTYPE (the console sets it at start).
 */
#ifndef HERALD_TEXT_H
#define HERALD_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

/* Decodes n bytes of UTF-8 into a new NUL-terminated wide string (caller
 * frees) of *len characters. Invalid bytes become U+FFFD, tabs a space,
 * other control characters (except newline) U+FFFD: nothing the daemon
 * sends can move the cursor or change the terminal. */
wchar_t *text_wide(const char *s, size_t n, size_t *len);

/* Columns one character takes: 0 (combining), 1 or 2; a character the
 * locale cannot show counts 1 (it is drawn as '?'). */
int text_cwidth(wchar_t);

/* Columns the UTF-8 string takes on one line. */
int text_width(const char *);

/* How many of the n characters of w fit in cols columns; *used gets the
 * columns they take (may be NULL). */
size_t text_fit(const wchar_t *w, size_t n, int cols, int *used);

/* One wrapped line: characters [off, off + len) of the wrapped text. */
struct text_line {
	size_t off, len;
};

/* Wraps w (n characters) to cols columns, at spaces where it can and
 * inside words longer than a line; newlines end lines. Returns the number
 * of lines and sets *lines (caller frees; at least one line, even for
 * empty text). */
size_t text_wrap(const wchar_t *w, size_t n, int cols,
                 struct text_line **lines);

/* "0s", "59s", "4m05s", "2h10m", "3d04h": the two largest units. Negative
 * durations are shown as their size. Returns buf. */
char *text_duration(int64_t ms, char *buf, size_t len);

/* Parses the protocol's ISO-8601 UTC time ("2026-11-28T09:00:00.250Z",
 * the fraction optional). 0 with *ms set, or -1. */
int text_time(const char *iso, int64_t *ms);

/* "2026-11-28 09:00" (UTC) for ms; buf at least 17 bytes. */
char *text_clock(int64_t ms, char *buf, size_t len);

#endif
