/*
 * dotenv: loads KEY=VALUE lines from a .env file into the environment,
 * never overriding a variable that is already set. dotenv_load: main
 * thread, before any other thread starts (setenv is not thread-safe).
 */
#ifndef HERALD_DOTENV_H
#define HERALD_DOTENV_H

/* Returns the number of variables set (0 when the file does not exist), or
 * -1 with *cause set. A malformed line is an error naming its line number,
 * never its content, which may be a secret. */
int dotenv_load(const char *path, char **cause);

/* Called for each KEY=VALUE in order; key and value live only during the
 * call. 0 goes on; -1 (with *cause set) stops the parse. */
typedef int (*dotenv_fn)(void *arg, const char *key, const char *value,
                         char **cause);

/* Parses the len bytes at text (need not be NUL-terminated) as a .env
 * file named name (for messages) and calls fn for each variable. 0, or -1
 * with *cause: a malformed line (one with a NUL byte too) is named by its
 * number, never its content. Pure apart from fn: what dotenv_load reads,
 * and what the .env fuzz target feeds. Any thread. */
int dotenv_parse(const char *text, size_t len, const char *name, dotenv_fn fn,
                 void *arg, char **cause);

#endif
