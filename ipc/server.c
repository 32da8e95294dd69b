/*
 * server: nng REP + PUB for heraldd.
 *
 * Each request in progress has its own nng context (struct sctx), so a
 * workflow.execute that waits minutes never blocks a status call. The
 * server keeps at least one context receiving: when the last idle one takes
 * a request, it opens another, up to SERVER_MAX_CTX.
 *
 * Threads: sctx_cb runs on nng's threads; reply_fn on whichever thread
 * answers (engine, query worker, or nng's for decode errors). A context
 * is touched by one of them at a time: between a request's arrival and its
 * reply it belongs to the handler, afterwards to nng. The lock guards only
 * the context list and counters.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "common/log.h"
#include "common/util.h"
#include "ipc/server.h"

#define SERVER_MIN_CTX 8
#define SERVER_MAX_CTX 4096

struct sctx {
	struct server *s;
	nng_ctx        ctx;
	nng_aio       *aio;
	int            sending;
};

struct server {
	struct server_opts opts;
	nng_socket         rep, pub;
	int                rep_open, pub_open;

	char *token;
	int  *remote; /* listener ids that need the token */
	int   nremote;

	pthread_mutex_t lock;
	pthread_cond_t  cond;
	struct sctx   **ctxs;
	int             nctx, idle;
	int             in_handler; /* callbacks decoding or dispatching */
	int             closing;
};

static void sctx_cb(void *);

static char *
url_path(const char *url)
{
	return strncmp(url, "ipc://", 6) == 0 ? xstrdup(url + 6) : NULL;
}

/* Opens one more receiving context. Called with the lock held. */
static int
sctx_add(struct server *s)
{
	struct sctx *c = xcalloc(1, sizeof *c);
	int          rv;

	c->s = s;
	if ((rv = nng_ctx_open(&c->ctx, s->rep)) != 0) {
		free(c);
		return rv;
	}
	if ((rv = nng_aio_alloc(&c->aio, sctx_cb, c)) != 0) {
		nng_ctx_close(c->ctx);
		free(c);
		return rv;
	}
	s->ctxs = xrealloc(s->ctxs, (size_t)(s->nctx + 1) * sizeof *s->ctxs);
	s->ctxs[s->nctx++] = c;
	s->idle++;
	nng_ctx_recv(c->ctx, c->aio);
	return 0;
}

static void
reply_fn(void *arg, char *text)
{
	struct sctx *c = arg;
	nng_msg     *m;

	if (nng_msg_alloc(&m, 0) != 0 ||
	    nng_msg_append(m, text, strlen(text)) != 0)
		fatal("nng_msg_alloc: out of memory");
	free(text);
	c->sending = 1;
	nng_aio_set_msg(c->aio, m);
	nng_ctx_send(c->ctx, c->aio);
}

static void
wipe(nng_msg *m)
{
	explicit_bzero(nng_msg_body(m), nng_msg_len(m));
}

/* Did m come through a remote (token) listener? */
static int
is_remote(const struct server *s, nng_msg *m)
{
	int id = nng_listener_id(nng_pipe_listener(nng_msg_get_pipe(m))), i;

	for (i = 0; i < s->nremote; i++)
		if (s->remote[i] == id)
			return 1;
	return 0;
}

static void
sctx_cb(void *arg)
{
	struct sctx     *c = arg;
	struct server   *s = c->s;
	struct proto_req req;
	struct reply_to  rt = { reply_fn, c };
	nng_msg         *m;
	char            *err = NULL;
	int              rv = nng_aio_result(c->aio), closing, full;

	if (c->sending) {
		c->sending = 0;
		if (rv != 0)
			nng_msg_free(nng_aio_get_msg(c->aio));
		pthread_mutex_lock(&s->lock);
		closing = s->closing;
		if (!closing)
			s->idle++;
		pthread_mutex_unlock(&s->lock);
		if (!closing)
			nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	if (rv != 0) {
		/* Closed, or a transient receive error: try again unless
		 * the socket is going away. */
		if (rv != NNG_ECLOSED && rv != NNG_ECANCELED)
			nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	m = nng_aio_get_msg(c->aio);
	pthread_mutex_lock(&s->lock);
	s->idle--;
	if (s->closing) {
		pthread_mutex_unlock(&s->lock);
		nng_msg_free(m);
		return;
	}
	s->in_handler++;
	if (s->idle == 0 && s->nctx < SERVER_MAX_CTX && (rv = sctx_add(s)) != 0)
		log_warn("ipc_context_failed", "error=\"%s\"",
		         nng_strerror(rv));
	/* The last context must go on receiving, or the daemon would stop
	 * answering anyone while thousands of calls wait. */
	full = s->idle == 0;
	pthread_mutex_unlock(&s->lock);
	if (full) {
		wipe(m);
		nng_msg_free(m);
		reply_fn(c, proto_reply_err(E_UNAVAILABLE,
		                            "too many requests in progress"));
		pthread_mutex_lock(&s->lock);
		if (--s->in_handler == 0)
			pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		return;
	}

	/* From here on the context belongs to whoever answers. */
	if (proto_decode(nng_msg_body(m), nng_msg_len(m), &req, &err) != 0)
		reply_fn(c, err);
	else if (is_remote(s, m) && !proto_token_ok(req.token, s->token)) {
		proto_req_fini(&req);
		reply_fn(c, proto_reply_err(E_UNAUTHORIZED,
		                            "a valid token is required on this "
		                            "listener"));
	} else
		s->opts.handler(s->opts.arg, &req, rt);
	wipe(m); /* it may hold a token */
	nng_msg_free(m);

	/* server_close waits for this, so no handler runs after it. */
	pthread_mutex_lock(&s->lock);
	if (--s->in_handler == 0)
		pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static char *
read_file(const char *path, char **cause)
{
	FILE  *f = fopen(path, "r");
	char  *buf;
	size_t n;

	if (f == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(1024 * 1024 + 1);
	n = fread(buf, 1, 1024 * 1024, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
listen_remote(struct server *s, const char *url, char **cause)
{
	nng_listener    l;
	nng_tls_config *tls = NULL;
	char           *cert = NULL, *key = NULL;
	int             rv, rc = -1;

	if ((rv = nng_listener_create(&l, s->rep, url)) != 0)
		goto fail;
	if (strncmp(url, "tls+tcp://", 10) == 0) {
		if ((cert = read_file(s->opts.tls_cert, cause)) == NULL ||
		    (key = read_file(s->opts.tls_key, cause)) == NULL)
			goto out;
		if ((rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_SERVER)) != 0)
			goto fail;
		if ((rv = nng_tls_config_own_cert(tls, cert, key, NULL)) != 0) {
			xasprintf(cause, "tls: %s, %s: %s", s->opts.tls_cert,
			          s->opts.tls_key, nng_strerror(rv));
			goto out;
		}
		if ((rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls)) !=
		    0)
			goto fail;
	}
	if ((rv = nng_listener_start(l, 0)) != 0)
		goto fail;
	s->remote =
	    xrealloc(s->remote, (size_t)(s->nremote + 1) * sizeof *s->remote);
	s->remote[s->nremote++] = nng_listener_id(l);
	rc = 0;
	goto out;
fail:
	xasprintf(cause, "listen %s: %s", url, nng_strerror(rv));
out:
	if (tls != NULL)
		nng_tls_config_free(tls);
	if (key != NULL) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	free(cert);
	return rc;
}

static int
listen_ipc(nng_socket sock, const char *url, int mode, const char *group,
           char **cause)
{
	nng_listener l;
	char        *path = url_path(url);
	int          rv;

	/* We hold the state dir's lock, so a socket file left there is a
	 * dead daemon's: remove it, or listening would fail. */
	if (path != NULL)
		unlink(path);
	free(path);
	if ((rv = nng_listener_create(&l, sock, url)) != 0)
		goto fail;
	if (strncmp(url, "ipc://", 6) == 0 &&
	    (rv = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, mode)) != 0)
		goto fail;
	if ((rv = nng_listener_start(l, 0)) != 0)
		goto fail;
	if (group != NULL && (path = url_path(url)) != NULL) {
		struct group *g = getgrnam(group);

		if (g == NULL || chown(path, (uid_t)-1, g->gr_gid) != 0) {
			xasprintf(
			    cause, "socket_group %s for %s: %s", group, path,
			    g == NULL ? "no such group" : strerror(errno));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
fail:
	xasprintf(cause, "listen %s: %s", url, nng_strerror(rv));
	return -1;
}

struct server *
server_start(const struct server_opts *opts, char **cause)
{
	struct server *s = xcalloc(1, sizeof *s);
	int            rv, i;

	s->opts = *opts;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if ((rv = nng_rep0_open(&s->rep)) != 0 ||
	    (s->rep_open = 1,
	     rv = nng_socket_set_size(s->rep, NNG_OPT_RECVMAXSZ,
	                              PROTO_RECV_MAX)) != 0) {
		xasprintf(cause, "nng: %s", nng_strerror(rv));
		goto fail;
	}
	s->token = xstrdup(opts->token);
	if (listen_ipc(s->rep, opts->req_url, opts->mode, opts->group, cause) !=
	    0)
		goto fail;
	for (i = 0; i < opts->nlisten; i++)
		if (listen_remote(s, opts->listen[i], cause) != 0)
			goto fail;
	if ((rv = nng_pub0_open(&s->pub)) != 0) {
		xasprintf(cause, "nng: %s", nng_strerror(rv));
		goto fail;
	}
	s->pub_open = 1;
	if (listen_ipc(s->pub, opts->pub_url, opts->mode, opts->group, cause) !=
	    0)
		goto fail;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < SERVER_MIN_CTX; i++) {
		if ((rv = sctx_add(s)) != 0) {
			pthread_mutex_unlock(&s->lock);
			xasprintf(cause, "nng: %s", nng_strerror(rv));
			goto fail;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return s;
fail:
	server_close(s);
	server_free(s);
	return NULL;
}

void
server_close(struct server *s)
{
	char *path;

	pthread_mutex_lock(&s->lock);
	s->closing = 1;
	while (s->in_handler > 0)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	if (s->rep_open)
		nng_close(s->rep);
	s->rep_open = 0;
	if ((path = url_path(s->opts.req_url)) != NULL)
		unlink(path);
	free(path);
}

void
server_free(struct server *s)
{
	char *path;
	int   i;

	if (s->pub_open)
		nng_close(s->pub);
	s->pub_open = 0;
	if ((path = url_path(s->opts.pub_url)) != NULL)
		unlink(path);
	free(path);

	for (i = 0; i < s->nctx; i++) {
		nng_aio_stop(s->ctxs[i]->aio);
		nng_aio_free(s->ctxs[i]->aio);
		free(s->ctxs[i]);
	}
	free(s->ctxs);
	free(s->remote);
	if (s->token != NULL) {
		explicit_bzero(s->token, strlen(s->token));
		free(s->token);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

void
server_publish(struct server *s, const char *topic, char *json)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, 0) != 0 ||
	    nng_msg_append(m, topic, strlen(topic)) != 0 ||
	    nng_msg_append(m, " ", 1) != 0 ||
	    nng_msg_append(m, json, strlen(json)) != 0)
		fatal("nng_msg_alloc: out of memory");
	free(json);
	if (nng_sendmsg(s->pub, m, NNG_FLAG_NONBLOCK) != 0)
		nng_msg_free(m);
}
