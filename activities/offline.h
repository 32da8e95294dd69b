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

/* The photo of the run (from get_random_unused_photo), read whole if at
 * most max bytes: *data (caller frees), *len, its format and size. -1
 * with out set (a final or retryable error, as the cause deserves). */
struct photo {
	const char    *key;
	unsigned char *data;
	size_t         len;
	const char    *format; /* "jpeg" or "png" */
	int            width, height;
};
int photo_load(const struct act_call *, size_t max, struct photo *,
               struct act_out *out);

/* Width and height of a JPEG or PNG held in buf; 0, or -1 if it is
 * neither or is cut short. */
int image_size(const unsigned char *buf, size_t len, const char **format,
               int *width, int *height);

#endif
