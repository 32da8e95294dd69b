/*
 * imagework: the photo transforms of image.h, run in a child process,
 * herald-image (activities/image_helper.c), never inside heraldd or
 * herald. Why a process of its own:
 *  - libvips brings about a hundred shared libraries and their modules:
 *    loaded into heraldd they cost ~20 MiB of resident memory for the
 *    daemon's whole life, and ~60 ms on every herald command;
 *  - decoding a photo is the one place herald parses complex binary
 *    formats from outside: a decoder bug on a hostile or broken file ends
 *    the child, and the daemon sets the photo aside;
 *  - a transform's memory (a HEIC decodes whole: ~100 MiB) is the
 *    child's, returned to the system when it exits, and bounded there
 *    (image_helper.c sets its limits).
 *
 * The parent hands files over (the photo, and where to write), the child
 * answers one line of JSON on its stdout. Each call spawns and waits; any
 * thread. imagework_init once, before threads.
 */
#ifndef HERALD_IMAGEWORK_H
#define HERALD_IMAGEWORK_H

#include <stdatomic.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "activities/image.h"

/* How long a call may take by default, and at most. */
#define IMAGEWORK_WAIT_MS (90 * 1000)

/* Finds herald-image: $HERALD_IMAGE (an absolute path), else beside the
 * running program, else where it is installed. 0, or -1 with *cause. */
int         imagework_init(char **cause);
const char *imagework_program(void);

enum imagework_rc {
	IW_OK = 0,
	/* The photo cannot be used: *why says why. Its pixels could not be
	 * read or made into what was asked, the reader crashed on it, or it
	 * took longer than IMAGEWORK_WAIT_MS. */
	IW_REFUSED = 1,
	/* No answer that says anything about the photo: the reader could
	 * not run or read the file, was cancelled, ran past the caller's
	 * deadline, or was killed from outside. *why; try again. */
	IW_FAILED = -1,
};

struct imagework_opts {
	int64_t           deadline; /* wall clock ms; 0: IMAGEWORK_WAIT_MS */
	const atomic_int *cancel;   /* non-zero: kill the child, IW_FAILED */
};

/* Reads the photo at src whole (image_read). */
int imagework_read(const char *src, const struct imagework_opts *,
                   struct image_facts *, char **why);

/* Reads the photo at src once and makes n variants (image_make with
 * specs[i], into the file outs[i]): facts and plans[i] filled. A refusal
 * by any spec refuses all. */
int imagework_variants(const char *src, int n, const struct image_spec *specs,
                       const char *const *outs, const struct imagework_opts *,
                       struct image_facts *, struct image_plan *plans,
                       char **why);

/* image_thumbnail of the photo at src into the file out. */
int imagework_thumbnail(const char *src, int max_w, int max_h, size_t max_bytes,
                        const char *out, const struct imagework_opts *, int *w,
                        int *h, char **why);

/* image_rgba of the photo at src into the file out (w * h * 4 bytes). */
int imagework_rgba(const char *src, int max_w, int max_h, const char *out,
                   const struct imagework_opts *, int *w, int *h, char **why);

/* The JSON the parent and the child exchange (the child's side, and the
 * tests'). */
cJSON *imagework_spec_json(const struct image_spec *);
int    imagework_spec_from(const cJSON *, struct image_spec *);
cJSON *imagework_facts_json(const struct image_facts *);
void   imagework_facts_from(const cJSON *, struct image_facts *);
cJSON *imagework_plan_json(const struct image_plan *);
void   imagework_plan_from(const cJSON *, struct image_plan *);

#endif
