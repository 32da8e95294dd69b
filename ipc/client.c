/*
 * client: nng REQ to heraldd. The resend timer is off: a mutating call
 * could otherwise be sent twice while the daemon is still working on it
 * (workflow.execute waits for minutes); each mutating call carries a
 * request id instead, so the daemon can recognise a repeat.
 */
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "common/util.h"
#include "ipc/client.h"
#include "ipc/proto.h"

struct client {
	nng_socket sock;
};

struct client *
client_open(const char *url, int *unreachable, char **cause)
{
	struct client *c = xcalloc(1, sizeof *c);
	int            rv;

	*unreachable = 0;
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		xasprintf(cause, "nng: %s", nng_strerror(rv));
		free(c);
		return NULL;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	                  NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	if ((rv = nng_dial(c->sock, url, NULL, 0)) != 0) {
		*unreachable = rv == NNG_ECONNREFUSED || rv == NNG_ENOENT ||
		               rv == NNG_EADDRINVAL || rv == NNG_ETIMEDOUT ||
		               rv == NNG_EUNREACHABLE;
		xasprintf(cause, "cannot reach heraldd at %s: %s", url,
		          nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return NULL;
	}
	return c;
}

struct client *
client_open_lazy(const char *url, char **cause)
{
	struct client *c = xcalloc(1, sizeof *c);
	int            rv;

	if ((rv = nng_req0_open(&c->sock)) != 0 ||
	    (rv = nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		xasprintf(cause, "%s: %s", url, nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return NULL;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	                  NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, 64 * 1024 * 1024);
	return c;
}

void
client_close(struct client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
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
	req = proto_request(method, params, *rid ? rid : NULL);
	nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO, 10000);
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
	                  timeout_ms < 0 ? NNG_DURATION_INFINITE : timeout_ms);
	rv = nng_send(c->sock, req, strlen(req), 0);
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
