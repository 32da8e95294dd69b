/*
 * photo_ops_int: what the photo thread's files share (photo_ops.c: the
 * pool's methods and the thread; photo_preview.c: photo.preview;
 * photo_sweep.c: the variants' retention). Not for use outside them.
 */
#ifndef HERALD_PHOTO_OPS_INT_H
#define HERALD_PHOTO_OPS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "activities/activity.h"
#include "daemon/pool.h"
#include "ipc/proto.h"

struct engine;
struct http;
struct store_reader;

struct photo_ops {
	struct pool   *pool;
	struct engine *engine;
	char          *db_path;
	atomic_int     stop; /* the calls' cancel flag */

	pthread_mutex_t lock;
	cJSON          *settings; /* under lock: replaced on reload */

	int64_t    next_sweep; /* main thread */
	atomic_int sweeping;
};

struct ops_ctx {
	struct store_reader *r;
	struct http         *http;
};

struct ops_job {
	struct job        job;
	struct photo_ops *o;
	enum method_id    method; /* M_COUNT: a retention sweep */
	cJSON            *params;
	struct reply_to   rt;
};

/* {"state_dir", "brand": {...}} for brand (caller frees), or NULL if
 * the config has no such brand. */
cJSON *photo_ops_brand(struct photo_ops *, const char *brand);
/* An act_call for the thread's own calls: its HTTP handle, a deadline a
 * few minutes off, the thread's stop flag as cancel. */
void photo_ops_call_init(struct photo_ops *, struct ops_ctx *,
                         const cJSON *settings, const cJSON *deps,
                         struct act_call *);

/* photo.preview's reply (photo_preview.c). */
char *photo_ops_preview(struct photo_ops *, struct ops_ctx *,
                        const cJSON *params);
/* Removes the variants past each brand's variants_keep (photo_sweep.c). */
void    photo_ops_sweep(struct photo_ops *, struct ops_ctx *);
int64_t photo_ops_sweep_every(struct photo_ops *);

#endif
