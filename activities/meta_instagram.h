/*
 * meta_instagram: publish_instagram_photo for brands publishing to Meta:
 * container, durable status polling (ACT_WAIT), quota, media_publish.
 * Worker threads. See meta_instagram.c.
 */
#ifndef HERALD_META_INSTAGRAM_H
#define HERALD_META_INSTAGRAM_H

#include "activities/activity.h"

/* One call of the step: makes the container, or checks it, or publishes
 * it, depending on the step's progress. A brand without an
 * instagram_user_id completes with {"skipped": ...}. */
void meta_instagram_publish(const struct act_call *, struct act_out *);

/* After an unknown outcome: asks the container (PUBLISHED: ACT_OK; not
 * published: ACT_RETRY; cannot ask: ACT_UNKNOWN). */
void meta_instagram_check(const struct act_call *, struct act_out *);

#endif
