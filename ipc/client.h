/*
 * client: a connection to heraldd's command socket, used by herald (CLI
 * and console) and the benchmarks. One thread per client.
 */
#ifndef HERALD_CLIENT_H
#define HERALD_CLIENT_H

#include <cjson/cJSON.h>

/* For remote (tls+tcp://, tcp://) daemons. Both may be NULL. */
struct client_opts {
	const char *token;   /* sent with every request; copied */
	const char *ca_file; /* PEM CA to verify a tls+tcp:// server */
};

struct client;

/* Connects to url. NULL with *cause set; *unreachable is 1 when no
 * daemon could be reached there (refused, no socket, TLS verification),
 * 2 when url or the CA file cannot be used, 0 for other errors. opts may
 * be NULL. */
struct client *client_open(const char *url, const struct client_opts *opts,
                           int *unreachable, char **cause);
/* The same, but connects in the background and keeps reconnecting, for
 * clients that outlive daemon restarts (calls wait for the connection). */
struct client *client_open_lazy(const char *url, const struct client_opts *opts,
                                char **cause);
void           client_close(struct client *);

/* 1 while a connection to the daemon is up, so a caller that must not
 * block (the console) can skip a call that would only time out. Any
 * thread. */
int client_connected(struct client *);

/* Sends method with params (taken; NULL for none) and waits up to
 * timeout_ms (-1: forever) for the reply. Mutating methods get a fresh
 * request id. Returns the whole reply object ({"v","ok",...}; caller
 * frees), or NULL with *cause on a transport error or timeout. */
cJSON *client_call(struct client *, const char *method, cJSON *params,
                   int timeout_ms, char **cause);

#endif
