/*
 * offline: the embedded default's photo viewer and caption writer: no
 * network, no model. They read simple facts from the image file and fill
 * per-language templates, and say so in their results ("offline": true).
 * Worker threads.
 */
#ifndef HERALD_OFFLINE_H
#define HERALD_OFFLINE_H

#include <stddef.h>

#include "activities/activity.h"

/* view_image: format, size, orientation, and the subject from the file
 * name ("navy-wool-overcoat.jpg" -> "navy wool overcoat"). */
void offline_view(const struct act_call *, struct act_out *);

/* generate_caption: a caption in the brand's language. */
void offline_caption(const struct act_call *, struct act_out *);

#endif
