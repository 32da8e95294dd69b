/*
 * console: herald's operator console (`herald` with no command). It runs
 * on the calling thread until the operator quits.
 */
#ifndef HERALD_CONSOLE_H
#define HERALD_CONSOLE_H

struct client_opts;

/* Opens the console on the terminal against the daemon at url (events at
 * events_url; NULL for a remote daemon, whose events are polled). frames
 * > 0: exits after that many redraws (for tests under sanitizers).
 * Returns the process exit code: 0, or 2 without a terminal. */
int console_run(const char *url, const char    *events_url,
                const struct client_opts *, int frames);

#endif
