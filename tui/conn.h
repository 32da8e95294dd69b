/*
 * conn: the console's link to heraldd. Commands go over REQ (ipc/client,
 * connecting in the background and reconnecting by itself); events come
 * over SUB from a local daemon, or by polling events.since from a remote
 * one, whose listeners take commands only. The console polls the
 * descriptors conn gives it and never blocks on a daemon that is away:
 * calls are refused at once while the link is down.
 *
 * Console thread only. nng's pipe callbacks (its threads) only count
 * connections and write a byte to a pipe, to wake the console's poll().
 */
#ifndef HERALD_CONN_H
#define HERALD_CONN_H

#include <poll.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct client_opts;
struct conn;

/* events_url NULL: a remote daemon (events are polled). NULL with *cause
 * when url cannot be used at all; a daemon that is not there yet is not
 * an error. */
struct conn *conn_open(const char *url, const char       *events_url,
                       const struct client_opts *, char **cause);
void         conn_close(struct conn *);

/* Fills up to 2 pollfds (POLLIN) to wait on; returns how many. */
int conn_pollfds(struct conn *, struct pollfd *, int max);
/* After poll: reads the wake-up bytes. Returns 1 if the event socket
 * connected again since the last call (events may have been missed). */
int conn_woken(struct conn *);
/* 1 while commands (and, locally, events) are connected. */
int conn_up(struct conn *);
/* 1 for a remote daemon: the console calls conn_poll_events. */
int conn_remote(const struct conn *);

/* The next event waiting (caller frees), or NULL; never blocks. */
cJSON *conn_event(struct conn *);
/* Remote daemons: fetches the events after seq into the queue conn_event
 * reads. 0, or -1 if the daemon did not answer. */
int conn_poll_events(struct conn *, int64_t after);

/* Calls method (takes params) and waits up to timeout_ms. Returns the
 * reply's result (caller frees), or NULL with *err (caller frees): the
 * daemon's message, with *code (caller frees) its error code; or why no
 * answer came, with *code NULL (the link is down or timed out). code may
 * be NULL. */
cJSON *conn_call(struct conn *, const char *method, cJSON *params,
                 int timeout_ms, char **err, char **code);

#endif
