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
 * attempt began (ACT_OK), none at two looks meta.check_settle apart
 * (ACT_RETRY), or cannot tell (ACT_UNKNOWN: the listing failed for good,
 * or for a passing reason META_CHECK_READS times or up to the deadline;
 * see meta_check_again). Runs for up to the step's deadline. */
void meta_facebook_check(const struct act_call *, struct act_out *);

#endif
