/*
 * photos_dir: the photos of a brand in a local folder (settings.brand.
 * photos.path). Worker threads.
 */
#ifndef HERALD_PHOTOS_DIR_H
#define HERALD_PHOTOS_DIR_H

#include "activities/photo.h"

/* Appends every image file of the folder to pool (identity: size and
 * mtime). 0, or -1 with out set: final for a folder that is not there or
 * cannot be read, retryable otherwise. */
int photos_dir_list(const struct act_call *, struct photo_pool *,
                    struct act_out *out);

#endif
