/*
 * outbox: the embedded default's publisher. A post is a folder,
 * <state-dir>/outbox/<channel>/<execution>/, holding the photo, the caption
 * and post.json. Worker threads.
 */
#ifndef HERALD_OUTBOX_H
#define HERALD_OUTBOX_H

#include "activities/activity.h"

/* publish_facebook_photo / publish_instagram_photo on the outbox. */
void outbox_publish_facebook(const struct act_call *, struct act_out *);
void outbox_publish_instagram(const struct act_call *, struct act_out *);
/* The check for an unknown outcome: is the post there? */
void outbox_check_facebook(const struct act_call *, struct act_out *);
void outbox_check_instagram(const struct act_call *, struct act_out *);

#endif
