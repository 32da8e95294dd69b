/*
 * dotenv: loads KEY=VALUE lines from a .env file into the environment,
 * never overriding a variable that is already set. Main thread, before any
 * other thread starts (setenv is not thread-safe).
 */
#ifndef HERALD_DOTENV_H
#define HERALD_DOTENV_H

/* Returns the number of variables set (0 when the file does not exist), or
 * -1 with *cause set. A malformed line is an error naming its line number,
 * never its content, which may be a secret. */
int dotenv_load(const char *path, char **cause);

#endif
