/*
 * photo_ops: the photo pool's methods (photo.list, photo.check,
 * photo.preview) and the variants' retention, on a thread of their own.
 * They read the pool (a folder, or a bucket's listing; a check reads
 * every photo in it), which may take minutes: neither the engine nor the
 * status calls wait for them. The thread has a read-only store
 * connection for the claims and set-aside records and an HTTP handle;
 * what it changes (photos set aside or given back, variants removed)
 * goes to the engine, the one writer (engine_record_photos).
 *
 * photo_ops_start/stop/reload/tick: main thread. photo_ops_call: any.
 */
#ifndef HERALD_PHOTO_OPS_H
#define HERALD_PHOTO_OPS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "ipc/proto.h"

struct engine;
struct photo_ops;

/* settings: the activities' settings text ({"state_dir", "brands"}),
 * borrowed during the call. NULL with *cause. */
struct photo_ops *photo_ops_start(const char *db_path, const char *settings,
                                  struct engine *, char          **cause);
/* Stops what runs as soon as it can (between two photos) and joins. */
void photo_ops_stop(struct photo_ops *);
void photo_ops_reload(struct photo_ops *, const char *settings);

/* Queues a call of an M_POOL method (takes params). */
void photo_ops_call(struct photo_ops *, enum method_id, cJSON *params,
                    struct reply_to rt);

/* Called about every second: now and then, removes the variants whose
 * brand's photos.variants_keep has passed (of published photos). */
void photo_ops_tick(struct photo_ops *, int64_t now);

#endif
