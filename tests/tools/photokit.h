/*
 * photokit: test photos made with libvips, and what a file holds, for
 * mkphoto, photoinfo, test_image and bench-image. Nothing here uses
 * activities/image.c: it is what that code is checked against.
 *
 * The picture, upright (as a viewer that applies the EXIF orientation
 * shows it): its top-left quarter is pure red, the rest a grey gradient
 * (50 at the top left to 210 at the bottom right), so a test can tell
 * which way up a file's pixels are from the top-left corner alone.
 *
 * The caller starts libvips (VIPS_INIT or image_init). Any thread.
 */
#ifndef HERALD_PHOTOKIT_H
#define HERALD_PHOTOKIT_H

#include <stddef.h>

struct photokit_opts {
	int width, height; /* upright */
	int orientation;   /* EXIF 1..8 (0 = 1): the pixels are stored so
	                      that applying it gives the upright picture */
	int truncate_pct;  /* 0: whole; else keep this percent of the bytes */
	int noise;         /* add noise (sigma 12): a camera-like size */
	int quality;       /* lossy formats; 0: 90 */
	int alpha;         /* the bottom-right quarter transparent */
	int progressive;   /* JPEG: progressive; PNG: interlaced */
	int depth16;       /* PNG, TIFF: 16 bits a sample */
	int cmyk;          /* JPEG, TIFF: CMYK with a CMYK profile */
};

/* A photo in the format named by ext ("jpg", "jpeg", "png", "webp",
 * "heic", "avif", "tif", "tiff", "gif"). 0 with *buf (caller frees with
 * free) and *len, or -1 with *why (caller frees). */
int photokit_make(const char     *ext, const struct photokit_opts *,
                  unsigned char **buf, size_t *len, char **why);

/* photokit_make into the file at path, its format from the extension. */
int photokit_write(const char *path, const struct photokit_opts *, char **why);

struct photokit_info {
	char   format[8];     /* from the loader: "jpeg", "png", "heif"... */
	int    width, height; /* as stored */
	int    orientation;   /* 1 when none */
	int    progressive;   /* interlaced JPEG or PNG */
	int    bands;
	char   interpretation[16]; /* "srgb", "b-w", "cmyk"... */
	size_t bytes;
	/* Mean sRGB colour of the stored pixels (not turned by the
	 * orientation) in the top-left and bottom-right 1/8 x 1/8. */
	double topleft[3], bottomright[3];
	int    has_exif, has_icc;
};

/* What buf holds. 0, or -1 with *why (caller frees). */
int photokit_info(const void *buf, size_t len, struct photokit_info *,
                  char **why);

/* 1 if c is within tol of r, g, b in every channel. */
int photokit_near(const double c[3], double r, double g, double b, double tol);

#endif
