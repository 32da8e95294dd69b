/*
 * meta_facebook: publish_facebook_photo for brands publishing to Meta.
 * Worker threads. See meta_facebook.c for how a lost answer is checked.
 */
#ifndef HERALD_META_FACEBOOK_H
#define HERALD_META_FACEBOOK_H

#include "activities/activity.h"

/* Posts the run's photo and caption on the brand's Page. A brand without
 * a page_id completes with {"skipped": ...}. */
void meta_facebook_publish(const struct act_call *, struct act_out *);

/* After an unknown outcome: the Page's post with this caption since the
 * run began (ACT_OK), none (ACT_RETRY), or cannot tell (ACT_UNKNOWN). */
void meta_facebook_check(const struct act_call *, struct act_out *);

#endif
