/*
 * image: reading photos and making what each channel accepts, on libvips
 * (JPEG shrink-on-load, EXIF auto-rotate; JPEG, PNG, WebP, HEIC, TIFF in;
 * baseline sRGB JPEG out). No codec of our own.
 *
 * image_init once per process, before any other call, on the main
 * thread; afterwards every function may run on any thread. libvips runs
 * with its operation cache off, one thread per operation and small
 * strips, and a JPEG shrinks while it is decoded, so a transform's
 * memory is bounded by the output, not by the source's pixels: a few MB
 * for a 24-megapixel JPEG. The exceptions are the formats whose decoders
 * hold the whole picture (HEIF, progressive JPEG, interlaced PNG, GIF:
 * 5 to 10 bytes a pixel); those decodes take turns, one at a time in
 * the process. heraldd and herald run this only in herald-image, a
 * process per call (imagework.h): there, the turns do not bound the
 * memory of several calls at once (a pick's and a check's, say).
 * tests/bench/bench_image.c has the figures.
 *
 * Nothing here touches the store or the network: bytes in, bytes out.
 */
#ifndef HERALD_IMAGE_H
#define HERALD_IMAGE_H

#include <stddef.h>

/* Bump when a transform's output changes for the same input: variant
 * names include it, so old variants are not reused. */
#define IMAGE_VERSION 1

/* The most pixels a source may have (width x height): a bigger one is
 * refused rather than decoded (a decompression bomb). */
#define IMAGE_MAX_PIXELS (200LL * 1000 * 1000)

/* 0, or -1 with *cause (caller frees). Idempotent. Only the loaders of
 * the formats above are allowed in the process from then on (libvips'
 * others, PDF, SVG, ImageMagick..., are blocked), and libvips' warnings
 * are not printed. */
int image_init(const char *argv0, char **cause);
/* At exit, when no call is running; image_init cannot follow it. */
void image_shutdown(void);

/* What a photo is, as read from its bytes. */
struct image_facts {
	char format[8];     /* "jpeg", "png", "webp", "heif", "tiff", "gif" */
	int  width, height; /* as stored */
	int  orientation;   /* EXIF orientation 1..8 (1 when none) */
	int  up_width, up_height; /* upright (after the orientation) */
};

/*
 * Reads buf and decodes all of it (at a reduced scale: cheap even for a
 * 48-megapixel JPEG), so a truncated or corrupt photo is found here and
 * not at publish time. 0 with facts, or -1 with *why (caller frees), a
 * short sentence an operator understands: "no bytes: not an image",
 * "not an image herald reads (JPEG, PNG, WebP, HEIC, TIFF or GIF)",
 * "truncated or corrupt JPEG: premature end of input file",
 * "20000x20000: more pixels than herald reads (200 million at most)".
 */
int image_read(const void *buf, size_t len, struct image_facts *, char **why);

enum image_fit {
	IMAGE_FIT_PAD,  /* centred on bg, to the nearest allowed ratio */
	IMAGE_FIT_CROP, /* centre crop to the nearest allowed ratio */
	IMAGE_FIT_SKIP, /* an out-of-range ratio cannot be used */
};

/* What a channel accepts. 0 in a field: no limit. */
struct image_spec {
	int            max_width;
	int            max_long;             /* longest side */
	int            min_width;            /* of the upright source */
	double         min_ratio, max_ratio; /* width / height */
	enum image_fit fit;
	unsigned char  bg[3];     /* sRGB pad colour (and under transparency) */
	size_t         max_bytes; /* the JPEG is under this */
};

/* What a transform does, found from the facts alone (no pixels). */
struct image_plan {
	int  ok; /* 0: the channel cannot take the photo: why */
	char why[160];
	int  rotated;   /* orientation was not 1 */
	int  converted; /* the source was not a JPEG */
	int  cropped, padded, downscaled;
	char ratio[16]; /* "4:5", "1.91:1": what it was padded or cropped to */
	int  out_width, out_height; /* the variant's size */
};

/* Pure: what image_make will do. */
void image_plan(const struct image_facts *, const struct image_spec *,
                struct image_plan *);

/* "rotated, padded to 4:5, downscaled to 1440x1800" or "as it is
 * (1080x1350 JPEG)"; into buf of n bytes. */
void image_plan_text(const struct image_plan *, char *buf, size_t n);

/*
 * Makes the channel's variant of the photo in buf: upright, sRGB,
 * baseline JPEG without any metadata (no EXIF, so no orientation tag; no
 * colour profile: an embedded one is applied), transparency over
 * spec->bg, fitted and sized as the plan says, and under spec->max_bytes
 * (the quality steps down from 85 to 45 until it is). The same input
 * and spec always give the same bytes. 0 with *out (caller frees with
 * free), *outlen and plan (if not NULL), or -1 with *why: the plan's why
 * when it refuses, "truncated or corrupt JPEG: ..." when the pixels
 * cannot all be read, or "1440x1800: N bytes even at JPEG quality 45,
 * over the M the channel takes".
 */
int image_make(const void *buf, size_t len, const struct image_spec *,
               unsigned char **out, size_t *outlen, struct image_plan *plan,
               char **why);

/*
 * A preview of buf: upright JPEG that fits max_w x max_h (never larger
 * than the source), transparency over white, and is at most max_bytes
 * (0: no limit; quality, then size by quarters, step down until it is).
 * Unlike image_make, it shows what can be decoded of a truncated photo.
 * A HEIF's embedded thumbnail is used when it is large enough. 0 with
 * *out (caller frees with free), *outlen, *w, *h, or -1 with *why.
 */
int image_thumbnail(const void *buf, size_t len, int max_w, int max_h,
                    size_t max_bytes, unsigned char **out, size_t *outlen,
                    int *w, int *h, char **why);

/*
 * Decodes buf (any format image_read takes) into 8-bit RGBA pixels that
 * fit max_w x max_h (never larger than the source), upright: for
 * drawing in a terminal. Alpha is 255 where the source has none; a
 * truncated photo shows what can be decoded. 0 with *px (caller frees
 * with free; *h rows of *w * 4 bytes), *w, *h, or -1 with *why.
 */
int image_rgba(const void *buf, size_t len, int max_w, int max_h,
               unsigned char **px, int *w, int *h, char **why);

#endif
