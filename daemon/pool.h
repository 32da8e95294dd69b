/*
 * pool: a fixed set of worker threads running jobs from one queue. Each
 * thread may keep a context of its own (a reader connection, a curl handle)
 * made by init when it starts and destroyed by fini when it stops.
 * pool_submit may be called from any thread.
 */
#ifndef HERALD_POOL_H
#define HERALD_POOL_H

#include <sys/queue.h>

struct job {
	TAILQ_ENTRY(job) entry;
	/* Runs on a worker; from then on the job belongs to run, which
	 * frees it or hands it on. */
	void (*run)(struct job *, void *thread_ctx);
	/* Frees a job that never ran (the pool stopped first). */
	void (*drop)(struct job *);
};

struct pool;

/* Starts n threads named name. init (may be NULL) returns the thread's
 * context, or NULL with *cause on failure, which fails the start. */
struct pool *pool_start(const char *name, int n,
                        void *(*init)(void *arg, char **cause),
                        void (*fini)(void *ctx), void *arg, char **cause);

/* The pool owns job from now on. */
void pool_submit(struct pool *, struct job *);

/* Lets running jobs finish, drops queued ones, joins the threads. */
void pool_stop(struct pool *);

#endif
