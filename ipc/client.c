/*
 * client: nng REQ to heraldd. The resend timer is off: a mutating call
 * could otherwise be sent twice while the daemon is still working on it
 * (workflow.execute waits for minutes); each mutating call carries a
 * request id instead, so the daemon can recognise a repeat.
 */
#include <sys/random.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "common/util.h"
#include "ipc/client.h"
#include "ipc/proto.h"

struct client {
	nng_socket sock;
	char      *token;
	atomic_int pipes; /* connections up; nng's threads change it */
};

/* On nng's threads: counts the connections, for client_connected. */
static void
on_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct client *c = arg;

	(void)p;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&c->pipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&c->pipes, 1);
}

/* A socket set up for url, dialled with flags. */
static struct client *
open_with(const char *url, const struct client_opts *opts, int flags,
          int *unreachable, char **cause)
{
	struct client  *c = xcalloc(1, sizeof *c);
	nng_dialer      d;
	nng_tls_config *tls = NULL;
	char           *host = NULL;
	int             rv;

	*unreachable = 0;
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		xasprintf(cause, "nng: %s", nng_strerror(rv));
		free(c);
		return NULL;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	                  NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, on_pipe, c);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, on_pipe, c);
	if ((rv = nng_dialer_create(&d, c->sock, url)) != 0) {
		*unreachable = 2; /* not an address we can use */
		goto fail;
	}
	if (strncmp(url, "tls+tcp://", 10) == 0) {
		const char *h = url + 10, *colon = strrchr(h, ':');

		host = xstrndup(h, colon ? (size_t)(colon - h) : strlen(h));
		if ((rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT)) !=
		        0 ||
		    (rv = nng_tls_config_server_name(tls, host)) != 0)
			goto fail;
		if (opts != NULL && opts->ca_file != NULL) {
			if ((rv = nng_tls_config_ca_file(tls, opts->ca_file)) !=
			    0) {
				*unreachable = 2; /* a bad --tls-ca */
				xasprintf(cause, "%s: %s", opts->ca_file,
				          nng_strerror(rv));
				goto out;
			}
		}
		if ((rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls)) != 0)
			goto fail;
	}
	if ((rv = nng_dialer_start(d, flags)) != 0) {
		/* Whatever stopped the connection (refused, no socket file,
		 * a server we cannot verify): the daemon was not reached. */
		*unreachable = 1;
		xasprintf(cause, "cannot reach heraldd at %s: %s", url,
		          nng_strerror(rv));
		goto out;
	}
	if (opts != NULL && opts->token != NULL)
		c->token = xstrdup(opts->token);
	if (tls != NULL)
		nng_tls_config_free(tls);
	free(host);
	return c;
fail:
	xasprintf(cause, "%s: %s", url, nng_strerror(rv));
out:
	if (tls != NULL)
		nng_tls_config_free(tls);
	free(host);
	nng_close(c->sock);
	free(c);
	return NULL;
}

struct client *
client_open(const char *url, const struct client_opts *opts, int *unreachable,
            char **cause)
{
	return open_with(url, opts, 0, unreachable, cause);
}

struct client *
client_open_lazy(const char *url, const struct client_opts *opts, char **cause)
{
	int unreachable;

	return open_with(url, opts, NNG_FLAG_NONBLOCK, &unreachable, cause);
}

int
client_connected(struct client *c)
{
	return atomic_load(&c->pipes) > 0;
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	if (c->token != NULL) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	free(c);
}

cJSON *
client_call(struct client *c, const char *method, cJSON *params, int timeout_ms,
            char **cause)
{
	const struct method *m = proto_method(method);
	unsigned char        rnd[8];
	char                 rid[17], *req, *buf = NULL;
	size_t               len, i;
	cJSON               *reply;
	int                  rv;

	*rid = '\0';
	if (m != NULL && (m->flags & M_MUTATES) &&
	    getrandom(rnd, sizeof rnd, 0) == (ssize_t)sizeof rnd)
		for (i = 0; i < sizeof rnd; i++)
			snprintf(rid + 2 * i, 3, "%02x", rnd[i]);
	req = proto_request(method, params, *rid ? rid : NULL, c->token);
	if (strlen(req) > PROTO_MAX_REQUEST) {
		/* nng would drop it unanswered, and REQ send it again. */
		xasprintf(cause, "request of %zu bytes is over the limit of %d",
		          strlen(req), PROTO_MAX_REQUEST);
		explicit_bzero(req, strlen(req));
		free(req);
		return NULL;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, 10000);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
	                  timeout_ms < 0 ? NNG_DURATION_INFINITE : timeout_ms);
	rv = nng_send(c->sock, req, strlen(req), 0);
	explicit_bzero(req, strlen(req)); /* it may hold the token */
	free(req);
	if (rv != 0) {
		xasprintf(cause, "send: %s", nng_strerror(rv));
		return NULL;
	}
	if ((rv = nng_recv(c->sock, &buf, &len, NNG_FLAG_ALLOC)) != 0) {
		xasprintf(cause, "%s",
		          rv == NNG_ETIMEDOUT ? "no reply from heraldd in time"
		                              : nng_strerror(rv));
		return NULL;
	}
	reply = cJSON_ParseWithLength(buf, len);
	nng_free(buf, len);
	if (!cJSON_IsObject(reply)) {
		cJSON_Delete(reply);
		xasprintf(cause, "heraldd sent a reply that is not a JSON "
		                 "object");
		return NULL;
	}
	return reply;
}
