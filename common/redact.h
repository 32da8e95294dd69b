/*
 * redact: the one register of the secret values heraldd loaded, and the
 * functions every text leaving the process passes through on its way out
 * (each log line, what an activity hands back to the engine, what the
 * Langfuse exporter logs, keeps and sends), so that an outside API that
 * echoes a key back cannot carry it into an error, the history, the log,
 * the events or the traces.
 *
 * A secret is registered under a name (the environment variable it came
 * from, "ANTHROPIC_API_KEY") and every occurrence of it becomes
 * "[redacted ANTHROPIC_API_KEY]". Besides the value as it is, the forms an
 * echo realistically takes are caught: JSON-escaped (with "/" escaped as
 * "\/" or not, as Graph does), percent-encoded (upper- or lower-case hex,
 * a space as "%20" or "+"), and, for a pair registered with
 * redact_add_basic, the base64 of "user:password" that HTTP Basic auth
 * sends. "Bearer <token>" is caught as the token it holds. Where
 * occurrences overlap (a secret that is a prefix of another), they become
 * one marker, named by the longest.
 *
 * A value shorter than REDACT_MIN_LEN bytes is not registered: replacing
 * it would mangle ordinary words and numbers, and so short a value is no
 * secret worth the name. JSON numbers are left as they are.
 *
 * Secrets are only added, never removed (text made before a reload may
 * still carry one), until redact_clear.
 *
 * Threads: redact_add, redact_add_basic and redact_clear are for the main
 * thread (at start and on SIGHUP); everything else may run on any thread
 * at any time, during an add too: a reader works on an immutable snapshot
 * it holds a reference to, and an add publishes a new one.
 */
#ifndef HERALD_REDACT_H
#define HERALD_REDACT_H

#include <stddef.h>

#define REDACT_MIN_LEN  8  /* bytes; shorter values are not secrets */
#define REDACT_NAME_MAX 64 /* longer names are cut */

/* Registers value under name (copied; characters other than letters,
 * digits, "_", "." and "-" become "_"). Returns 1 when registered, 0 when
 * that value was already known (under any name), -1 when value is NULL or
 * shorter than REDACT_MIN_LEN (not registered: the caller may say so). */
int redact_add(const char *name, const char *value);

/* Registers base64("user:password"), HTTP Basic auth's credentials, under
 * name (user and password themselves are registered apart, with
 * redact_add, if they are secrets). Same returns as redact_add. */
int redact_add_basic(const char *name, const char *user, const char *password);

/* Forgets every secret (and wipes the copies). */
void redact_clear(void);

/* 1 if the len bytes at text hold a registered secret in any form. */
int redact_found(const char *text, size_t len);

/* text with every secret replaced: a new string the caller frees. NULL in,
 * NULL out. */
char *redact_dup(const char *text);

/* When *s (malloc'd, may be NULL) holds a secret, replaces it with a
 * redacted copy and frees the old one. Returns how many occurrences were
 * replaced (0: *s untouched). */
int redact_str(char **s);

/* The same for JSON text (malloc'd, may be NULL): every string (and key)
 * is redacted and the text printed again, so it stays the same JSON
 * without the secrets; text that is not JSON is redacted as text. Returns
 * 1 if *s changed, else 0. */
int redact_json(char **s);

#endif
