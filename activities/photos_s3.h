/*
 * photos_s3: the photos of a brand in an S3 bucket (or an S3-compatible
 * store), under the brand's prefix; image files only (jpg, jpeg, png).
 * Worker threads.
 */
#ifndef HERALD_PHOTOS_S3_H
#define HERALD_PHOTOS_S3_H

#include "activities/activity.h"

/* get_random_unused_photo: lists every object under the prefix (all
 * pages), and picks uniformly among the non-empty images that no other
 * run holds (call->taken), and claims its key. The result is
 * {"key", "source": "s3", "bucket", "bytes", "unused_left", "_claim"}: no
 * URL (a presigned URL is a capability; consumers make one with
 * photo_url when they need it). */
void photos_s3_pick(const struct act_call *, struct act_out *);

#endif
