/*
 * variant: what each channel gets of a photo, made once by the pick and
 * reused by every retry. Instagram: a baseline sRGB JPEG, upright, 320 to
 * 1440 px wide, a ratio from 4:5 to 1.91:1 (the brand's photos.fit pads
 * or crops one outside it, or refuses it), under 8 MB. Facebook: the
 * upright JPEG, at most 2048 px on its long side, under 4 MiB. Claude:
 * an inline JPEG at most 1568 px on its long side, under 5 MB once in
 * base64.
 *
 * A variant's name derives from the original's place and identity and
 * from the transform (a hash), so the same photo with the same settings
 * always gives the same name and the same bytes. Folder brands keep
 * variants under <state_dir>/variants/<brand>/; S3 brands in their
 * bucket, under photos.variants_prefix (default "herald-variants/"). A
 * location is "s3://<bucket>/<key>" or an absolute path. The original is
 * never written. Worker threads.
 */
#ifndef HERALD_VARIANT_H
#define HERALD_VARIANT_H

#include "activities/image.h"
#include "activities/photo.h"

/* Instagram's and Facebook's limits, in bytes. */
#define VARIANT_IG_MAX     (8 * 1000 * 1000)
#define VARIANT_FB_MAX     (4 * 1024 * 1024)
#define VARIANT_CLAUDE_MAX (5 * 1000 * 1000 / 4 * 3)

/* channel's spec under the brand's photos settings. */
void variant_spec(const cJSON *photos, enum photo_channel, struct image_spec *);

/* Where channel's variant of ref goes under the call's settings (caller
 * frees). */
char *variant_location(const struct act_call *, const struct photo_ref *,
                       enum photo_channel);

/* A new temporary file's path under <state_dir>/tmp (caller unlinks and
 * frees), or NULL with out set. */
char *variant_tmp(const struct act_call *, struct act_out *out);

/* Reads the original at src, and says what each channel would get
 * (herald-image: imagework.h): 0 with facts and plans; 1 when the photo
 * cannot be used, with *why (caller frees) for an operator; -1 with out
 * set when it could not be read now. */
int variant_check(const struct act_call *, const char    *src,
                  struct image_facts *, struct image_plan plans[CH_COUNT],
                  char **why, struct act_out *out);

/* Makes the variants of channels chs[0..n) of the original at src and
 * stores each at locs[i] (a file is written whole, then renamed; an
 * object is put). 0 with facts and plans[i]; 1 when the photo cannot be
 * used (*why); -1 with out set (I/O, network, the reader: try again). */
int variant_make(const struct act_call *, const char *src, int n,
                 const enum photo_channel *chs, char *const *locs,
                 struct image_facts *, struct image_plan *plans, char **why,
                 struct act_out *out);

/* Reads a stored variant: 0 with *data (caller frees) and *len; 0 with
 * *data NULL when it is not there; -1 with out set. */
int variant_read(const struct act_call *, const char *location,
                 unsigned char **data, size_t *len, struct act_out *out);

/* 0 with *exists; -1 with out set. */
int variant_exists(const struct act_call *, const char *location, int *exists,
                   struct act_out *out);

/* A presigned GET URL for an S3 location (a secret: see photo_url). */
int variant_presign(const struct act_call *, const char *location, char **url,
                    struct act_out *out);

/* Removes a stored variant (retention); one already gone is fine. */
int variant_remove(const struct act_call *, const char *location,
                   struct act_out *out);

#endif
