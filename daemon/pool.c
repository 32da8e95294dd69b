/*
 * pool: worker threads. The queue is the only shared state; the lock is
 * held only around a push or a pop, never while a job runs (STYLE.md 5).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "daemon/pool.h"

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t  cond;
	TAILQ_HEAD(, job) queue;
	int        stopping;
	int        nthreads;
	pthread_t *threads;
	void *(*init)(void *, char **);
	void (*fini)(void *);
	void *arg;
	char  name[16];
	/* Start-up handshake: each thread reports its init. */
	int   started, failed;
	char *cause;
};

static void *
pool_main(void *arg)
{
	struct pool *p = arg;
	struct job  *j;
	void        *ctx = NULL;
	char        *cause = NULL;

	pthread_setname_np(pthread_self(), p->name);
	if (p->init != NULL)
		ctx = p->init(p->arg, &cause);
	pthread_mutex_lock(&p->lock);
	p->started++;
	if (p->init != NULL && ctx == NULL) {
		p->failed = 1;
		if (p->cause == NULL)
			p->cause = cause;
		else
			free(cause);
	}
	pthread_cond_broadcast(&p->cond);
	while (!p->failed) {
		while (!p->stopping && TAILQ_EMPTY(&p->queue))
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stopping)
			break;
		j = TAILQ_FIRST(&p->queue);
		TAILQ_REMOVE(&p->queue, j, entry);
		pthread_mutex_unlock(&p->lock);
		j->run(j, ctx);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	if (p->fini != NULL && ctx != NULL)
		p->fini(ctx);
	return NULL;
}

struct pool *
pool_start(const char *name, int       n, void *(*init)(void *, char **),
           void (*fini)(void *), void *arg, char **cause)
{
	struct pool *p = xcalloc(1, sizeof *p);
	int          i;

	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	TAILQ_INIT(&p->queue);
	p->threads = xcalloc((size_t)n, sizeof *p->threads);
	p->init = init;
	p->fini = fini;
	p->arg = arg;
	strncpy(p->name, name, sizeof p->name - 1);
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, pool_main, p) != 0)
			fatal("pthread_create failed");
		p->nthreads++;
	}
	pthread_mutex_lock(&p->lock);
	while (p->started < p->nthreads)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (p->failed) {
		*cause = p->cause;
		p->cause = NULL;
		pool_stop(p);
		return NULL;
	}
	return p;
}

void
pool_submit(struct pool *p, struct job *j)
{
	pthread_mutex_lock(&p->lock);
	TAILQ_INSERT_TAIL(&p->queue, j, entry);
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void
pool_stop(struct pool *p)
{
	struct job *j;
	int         i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	while ((j = TAILQ_FIRST(&p->queue)) != NULL) {
		TAILQ_REMOVE(&p->queue, j, entry);
		j->drop(j);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->cause);
	free(p->threads);
	free(p);
}
