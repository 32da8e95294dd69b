/*
 * server: heraldd's nng sockets. A REP socket answers requests, many at a
 * time (one nng context per request in progress); a PUB socket sends
 * events. Requests are decoded and checked here and handed to the
 * handler, which must answer each through its reply_to exactly once.
 *
 * server_start/close/free: main thread. server_publish: any thread.
 * The handler runs on nng's threads and must not block.
 */
#ifndef HERALD_SERVER_H
#define HERALD_SERVER_H

#include "ipc/proto.h"

struct server;

/* Takes req's contents (proto_req_fini when done). */
typedef void (*server_handler)(void *arg, struct proto_req *req,
                               struct reply_to rt);

struct server_opts {
	const char *req_url; /* "ipc:///state/herald.sock" */
	const char *pub_url; /* "ipc:///state/events.sock" */
	int         mode;    /* ipc socket file mode, e.g. 0600 */
	const char *group;   /* ipc socket files' group, or NULL */
	/* Remote listeners for commands (tls+tcp:// or tcp://): every
	 * request on them must carry token. */
	const char *const *listen;
	int                nlisten;
	const char        *tls_cert, *tls_key; /* PEM files */
	const char        *token;              /* copied; never logged */
	server_handler     handler;
	void              *arg;
};

struct server *server_start(const struct server_opts *, char **cause);

/* Stops taking requests. Replies still owed may be sent afterwards (they
 * are dropped) and events still published; free the server (which closes
 * the events socket) only once nobody owes a reply or publishes. */
void server_close(struct server *);
void server_free(struct server *);

/* Sends "<topic> <json>" to subscribers; takes json. Never blocks: a
 * slow subscriber loses the oldest messages and catches up by seq. */
void server_publish(struct server *, const char *topic, char *json);

#endif
