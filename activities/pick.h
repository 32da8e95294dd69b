/*
 * pick: get_random_unused_photo, the first step of a feed run. Picks a
 * photo of the brand's pool uniformly among those no run holds and none
 * set aside, reads it, and makes each channel's variant of it. A photo
 * no channel can take is set aside (act_out.aside) with its reason, not
 * consumed, and the pick goes on to another in the same attempt.
 * Worker threads.
 */
#ifndef HERALD_PICK_H
#define HERALD_PICK_H

#include "activities/activity.h"

/* At most this many photos read in one attempt: a pool of bad photos
 * fails the attempt (retryably, with what it set aside kept) instead of
 * reading all of it at once. */
#define PICK_READ_MAX 12

/* The result: {"key", "source", "path" | "bucket", "bytes", "identity",
 * "format", "width", "height", "orientation", "unused_left",
 * "set_aside": [{"key", "reason"}], "variants": {"<channel>":
 * {"location", "width", "height", "done"}}, "_claim",
 * "_variants"}. */
void pick_photo(const struct act_call *, struct act_out *);

#endif
