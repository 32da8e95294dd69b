/*
 * conn: REQ (through ipc/client) plus SUB, with a self-pipe that nng's
 * pipe callbacks write to, so the console's poll() wakes when the daemon
 * comes or goes. Threads: the console's; on_sub_pipe runs on nng's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "common/util.h"
#include "ipc/client.h"
#include "tui/conn.h"

/* Events read in one go before the console gets to draw and read keys. */
#define DRAIN_MAX 2000

struct conn {
	struct client *client;
	int            remote;
	nng_socket     sub;
	int            sub_open;
	int            sub_fd;  /* nng's receive descriptor */
	int            wake[2]; /* the self-pipe */
	atomic_int     sub_up;  /* event connections */
	atomic_int     sub_new; /* connections since conn_woken */
	cJSON         *polled;  /* remote: events fetched, not yet read */
	int            drained; /* events read since the last poll */
};

static void
on_sub_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct conn *c = arg;
	char         b = 0;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(&c->sub_up, 1);
		atomic_fetch_add(&c->sub_new, 1);
	} else
		atomic_fetch_sub(&c->sub_up, 1);
	/* Non-blocking: a full pipe already wakes the console. */
	if (write(c->wake[1], &b, 1) < 0 && errno != EAGAIN)
		return;
}

struct conn *
conn_open(const char *url, const char *events_url,
          const struct client_opts *opts, char **cause)
{
	struct conn *c = xcalloc(1, sizeof *c);
	int          rv, i;

	c->wake[0] = c->wake[1] = c->sub_fd = -1;
	if (pipe(c->wake) != 0) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		free(c);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		fcntl(c->wake[i], F_SETFL,
		      fcntl(c->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
	}
	if ((c->client = client_open_lazy(url, opts, cause)) == NULL)
		goto fail;
	c->remote = events_url == NULL;
	if (c->remote)
		return c;
	if ((rv = nng_sub0_open(&c->sub)) != 0) {
		xasprintf(cause, "nng: %s", nng_strerror(rv));
		goto fail;
	}
	c->sub_open = 1;
	nng_socket_set(c->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	nng_socket_set_size(c->sub, NNG_OPT_RECVMAXSZ, 16 * 1024 * 1024);
	/* A deep queue: a burst the console is slow to read costs a refresh
	 * when it overflows, so make that rare. */
	nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, 8192);
	nng_socket_set_ms(c->sub, NNG_OPT_RECONNMINT, 100);
	nng_socket_set_ms(c->sub, NNG_OPT_RECONNMAXT, 1000);
	nng_pipe_notify(c->sub, NNG_PIPE_EV_ADD_POST, on_sub_pipe, c);
	nng_pipe_notify(c->sub, NNG_PIPE_EV_REM_POST, on_sub_pipe, c);
	if ((rv = nng_socket_get_int(c->sub, NNG_OPT_RECVFD, &c->sub_fd)) !=
	        0 ||
	    (rv = nng_dial(c->sub, events_url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		xasprintf(cause, "%s: %s", events_url, nng_strerror(rv));
		goto fail;
	}
	return c;
fail:
	conn_close(c);
	return NULL;
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	/* Closing waits for the pipe callbacks, so the pipe outlives them. */
	if (c->sub_open)
		nng_close(c->sub);
	client_close(c->client);
	if (c->wake[0] >= 0)
		close(c->wake[0]);
	if (c->wake[1] >= 0)
		close(c->wake[1]);
	cJSON_Delete(c->polled);
	free(c);
}

int
conn_pollfds(struct conn *c, struct pollfd *fds, int max)
{
	int n = 0;

	if (n < max) {
		fds[n].fd = c->wake[0];
		fds[n++].events = POLLIN;
	}
	if (c->sub_fd >= 0 && n < max) {
		fds[n].fd = c->sub_fd;
		fds[n++].events = POLLIN;
	}
	c->drained = 0;
	return n;
}

int
conn_woken(struct conn *c)
{
	char buf[64];

	while (read(c->wake[0], buf, sizeof buf) > 0)
		;
	return atomic_exchange(&c->sub_new, 0) > 0;
}

int
conn_up(struct conn *c)
{
	if (!client_connected(c->client))
		return 0;
	return c->remote || atomic_load(&c->sub_up) > 0;
}

int
conn_remote(const struct conn *c)
{
	return c->remote;
}

cJSON *
conn_event(struct conn *c)
{
	char  *buf = NULL, *sp;
	size_t len;
	cJSON *ev;

	if (c->polled != NULL && cJSON_GetArraySize(c->polled) > 0)
		return cJSON_DetachItemFromArray(c->polled, 0);
	if (!c->sub_open || c->drained >= DRAIN_MAX)
		return NULL;
	/* Messages that are not "<topic> <json object with a seq>" are
	 * skipped: the stream is a hint, never trusted. */
	while (nng_recv(c->sub, &buf, &len,
	                NNG_FLAG_ALLOC | NNG_FLAG_NONBLOCK) == 0) {
		c->drained++;
		sp = memchr(buf, ' ', len);
		ev = sp != NULL ? cJSON_ParseWithLength(
		                      sp + 1, len - (size_t)(sp + 1 - buf))
		                : NULL;
		nng_free(buf, len);
		if (cJSON_IsObject(ev) &&
		    cJSON_IsNumber(cJSON_GetObjectItem(ev, "seq")))
			return ev;
		cJSON_Delete(ev);
		if (c->drained >= DRAIN_MAX)
			break;
	}
	return NULL;
}

int
conn_poll_events(struct conn *c, int64_t after)
{
	cJSON *params, *res, *ev;
	char  *err = NULL;
	int    more, rounds = 0;

	do {
		params = cJSON_CreateObject();
		cJSON_AddNumberToObject(params, "seq", (double)after);
		cJSON_AddNumberToObject(params, "limit", 1000);
		res = conn_call(c, "events.since", params, 3000, &err, NULL);
		if (res == NULL) {
			free(err);
			return -1;
		}
		if (c->polled == NULL)
			c->polled = cJSON_CreateArray();
		while ((ev = cJSON_DetachItemFromArray(
		            cJSON_GetObjectItem(res, "events"), 0)) != NULL) {
			const cJSON *s = cJSON_GetObjectItem(ev, "seq");

			if (cJSON_IsNumber(s) && s->valuedouble > (double)after)
				after = (int64_t)s->valuedouble;
			cJSON_AddItemToArray(c->polled, ev);
		}
		more = cJSON_IsTrue(cJSON_GetObjectItem(res, "more"));
		cJSON_Delete(res);
	} while (more && ++rounds < 10);
	return 0;
}

cJSON *
conn_call(struct conn *c, const char *method, cJSON *params, int timeout_ms,
          char **err, char **code)
{
	cJSON       *reply, *res;
	const cJSON *e;
	const char  *msg;

	if (code != NULL)
		*code = NULL;
	if (!client_connected(c->client)) {
		cJSON_Delete(params);
		xasprintf(err, "heraldd is not connected");
		return NULL;
	}
	if ((reply = client_call(c->client, method, params, timeout_ms, err)) ==
	    NULL)
		return NULL;
	if (cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
		res = cJSON_DetachItemFromObject(reply, "result");
		cJSON_Delete(reply);
		return res != NULL ? res : cJSON_CreateNull();
	}
	e = cJSON_GetObjectItem(reply, "error");
	msg = cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	xasprintf(err, "%s", msg != NULL ? msg : "an unreadable error reply");
	if (code != NULL)
		*code = xstrdup(
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "code")));
	if (code != NULL && *code == NULL)
		*code = xstrdup("internal");
	cJSON_Delete(reply);
	return NULL;
}
