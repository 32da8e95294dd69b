/*
 * photos_dir: the photos of a brand in a local folder (image files only:
 * jpg, jpeg, png). Worker threads.
 */
#ifndef HERALD_PHOTOS_DIR_H
#define HERALD_PHOTOS_DIR_H

#include "activities/activity.h"

/* get_random_unused_photo: picks uniformly among the folder's photos that
 * no other run holds (call->taken) and claims it. */
void photos_dir_pick(const struct act_call *, struct act_out *);

#endif
