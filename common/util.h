/*
 * util: allocation that aborts on exhaustion, string formatting, clocks.
 * Any thread.
 */
#ifndef HERALD_UTIL_H
#define HERALD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *); /* NULL in, NULL out */
char *xstrndup(const char *, size_t);
/* Formats into a new string the caller frees; returns its length. */
int xasprintf(char **, const char *, ...) __attribute__((format(printf, 2, 3)));
int xvasprintf(char **, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

/* For broken invariants only, never for outside input. */
_Noreturn void fatal(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Wall clock, UTC milliseconds since the epoch. For tests, the
 * environment variable HERALD_TEST_CLOCK="2026-11-28T08:59:58Z" makes the
 * clock start at that instant (and run at the normal pace). */
int64_t clock_ms(void);
/* Monotonic milliseconds, for measuring intervals. */
int64_t mono_ms(void);

/* Writes ms as "2026-11-28T09:00:00.000Z" into buf (at least 25 bytes). */
char *iso8601(int64_t ms, char *buf, size_t len);

/* "90s", "15m", "1h30m", "500ms", "2d" (up to a year) into milliseconds;
 * 0, or -1 with *cause. */
int parse_duration(const char *text, int64_t *ms, char **cause);

/* The characters (code points) of valid UTF-8 text. */
size_t utf8_chars(const char *s);

/* 1 if the n bytes at s are valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);

/* How many of the n bytes at s are valid UTF-8 before the first that is
 * not: n when all are. */
size_t utf8_valid_len(const char *s, size_t n);

/* Replaces, in place, every byte of s that is not part of a valid UTF-8
 * sequence with '?': text from outside (an API's message, cut at a byte
 * count) stays fit for JSON, the store and the terminal. */
void utf8_scrub(char *s);

/* name when it looks like an environment variable's name (1-64 of A-Z,
 * 0-9, _), else a phrase saying it should be one: a message about a
 * *_env setting must not print what an operator may have pasted there,
 * the token itself. */
const char *env_name_shown(const char *name);

/* Reads the regular file at path, at most max bytes, into *buf
 * (NUL-terminated, caller frees) and *len. 0; 1 when it does not exist;
 * -1 with *cause naming the path. */
int read_small_file(const char *path, size_t max, char **buf, size_t *len,
                    char **cause);

/* The n bytes at s percent-decoded, NUL-terminated (caller frees); a "%"
 * not followed by two hex digits stays, and so does a "+". *outlen (if
 * not NULL) is the decoded length. */
char *pct_decode(const char *s, size_t n, size_t *outlen);

/* n bytes as 2n lower-case hex digits and a NUL into out. */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* A uniform random index in [0, n), n > 0, from getrandom (dies if the
 * kernel cannot give one). */
size_t random_below(size_t n);

#endif
