/*
 * photos_s3: the photos of a brand in an S3 bucket (or an S3-compatible
 * store), under the brand's prefix; images by their name, not the
 * variants herald keeps under photos.variants_prefix. Worker threads.
 */
#ifndef HERALD_PHOTOS_S3_H
#define HERALD_PHOTOS_S3_H

#include "activities/photo.h"

/* Lists every object under the prefix (all pages) into pool (identity:
 * the ETag, else the size). 0, or -1 with out set. */
int photos_s3_list(const struct act_call *, struct photo_pool *,
                   struct act_out *out);

#endif
