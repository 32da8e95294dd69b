/*
 * photokit: test photos made with libvips, and what a file holds (see
 * photokit.h). Test code: a broken invariant is an error sentence, never
 * an abort, so a test reports it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "common/util.h"
#include "tests/tools/photokit.h"

#define NOISE_SIGMA 12.0

static int
fail(char **why, const char *what)
{
	char *e = vips_error_buffer_copy();
	char *nl;

	if ((nl = strchr(e, '\n')) != NULL)
		*nl = '\0';
	xasprintf(why, "%s: %s", what, e);
	g_free(e);
	return -1;
}

/* The upright picture as floats 0..255, three bands. */
static VipsImage *
picture(VipsObject *base, const struct photokit_opts *o)
{
	VipsImage **t = (VipsImage **)vips_object_local_array(base, 16);
	int         w = o->width, h = o->height;
	int         rw = w / 2 > 0 ? w / 2 : 1, rh = h / 2 > 0 ? h / 2 : 1;
	double      one[3] = { 1, 1, 1 }, red[3] = { 255, 0, 0 };

	if (vips_xyz(&t[0], w, h, NULL) != 0 ||
	    vips_extract_band(t[0], &t[1], 0, NULL) != 0 ||
	    vips_extract_band(t[0], &t[2], 1, NULL) != 0 ||
	    vips_linear1(t[1], &t[3], 80.0 / w, 50.0, NULL) != 0 ||
	    vips_linear1(t[2], &t[4], 80.0 / h, 0.0, NULL) != 0 ||
	    vips_add(t[3], t[4], &t[5], NULL) != 0)
		return NULL;
	{
		VipsImage *g3[3] = { t[5], t[5], t[5] };

		if (vips_bandjoin(g3, &t[7], 3, NULL) != 0)
			return NULL;
	}
	if (vips_black(&t[8], rw, rh, "bands", 3, NULL) != 0 ||
	    vips_linear(t[8], &t[9], one, red, 3, NULL) != 0 ||
	    vips_insert(t[7], t[9], &t[10], 0, 0, NULL) != 0)
		return NULL;
	if (!o->noise)
		return t[10];
	{
		VipsImage *n[3] = { NULL, NULL, NULL };
		int        i, rc = 0;

		for (i = 0; i < 3 && rc == 0; i++)
			rc = vips_gaussnoise(&n[i], w, h, "sigma", NOISE_SIGMA,
			                     "mean", 0.0, "seed", 17 + i, NULL);
		if (rc == 0)
			rc = vips_bandjoin(n, &t[11], 3, NULL);
		for (i = 0; i < 3; i++)
			if (n[i] != NULL)
				g_object_unref(n[i]);
		if (rc != 0 || vips_add(t[10], t[11], &t[12], NULL) != 0)
			return NULL;
	}
	return t[12];
}

/* in stored so that EXIF orientation o turns it upright: the inverse
 * of o (2, 3, 4, 5 and 7 are their own inverse; 6 and 8 are each
 * other's). vips_rot turns clockwise. */
static VipsImage *
stored(VipsObject *base, VipsImage *in, int o)
{
	VipsImage **t = (VipsImage **)vips_object_local_array(base, 2);
	int         rc;

	switch (o) {
	case 2:
		rc = vips_flip(in, &t[0], VIPS_DIRECTION_HORIZONTAL, NULL);
		break;
	case 3:
		rc = vips_rot(in, &t[0], VIPS_ANGLE_D180, NULL);
		break;
	case 4:
		rc = vips_flip(in, &t[0], VIPS_DIRECTION_VERTICAL, NULL);
		break;
	case 5: /* transpose: a quarter turn clockwise, then a mirror */
		rc = vips_rot(in, &t[1], VIPS_ANGLE_D90, NULL) ||
		     vips_flip(t[1], &t[0], VIPS_DIRECTION_HORIZONTAL, NULL);
		break;
	case 6:
		rc = vips_rot(in, &t[0], VIPS_ANGLE_D270, NULL);
		break;
	case 7: /* transverse: a quarter turn clockwise, then upside down */
		rc = vips_rot(in, &t[1], VIPS_ANGLE_D90, NULL) ||
		     vips_flip(t[1], &t[0], VIPS_DIRECTION_VERTICAL, NULL);
		break;
	case 8:
		rc = vips_rot(in, &t[0], VIPS_ANGLE_D90, NULL);
		break;
	default:
		return in;
	}
	return rc == 0 ? t[0] : NULL;
}

/*
 * The orientation tag, in an EXIF block of its own: libvips' JPEG saver
 * makes one from the "orientation" field, but the PNG and WebP savers
 * write EXIF only when the image already has some (which they then
 * update from that field).
 */
static void
set_orientation(VipsImage *im, int o)
{
	static const unsigned char exif[] = {
		'E',  'x',  'i', 'f', 0, 0,       /* APP1 prefix */
		'I',  'I',  42,  0,   8, 0, 0, 0, /* TIFF, IFD0 at 8 */
		1,    0,                          /* one entry */
		0x12, 0x01, 3,   0,   1, 0, 0, 0, 1, 0, 0, 0, /* Orientation */
		0,    0,    0,   0,                           /* no next IFD */
	};
	unsigned char *b = g_malloc(sizeof exif);

	memcpy(b, exif, sizeof exif);
	b[24] = (unsigned char)o;
	vips_image_set_blob(im, VIPS_META_EXIF_NAME,
	                    (VipsCallbackFn)vips_area_free_cb, b, sizeof exif);
	vips_image_set_int(im, VIPS_META_ORIENTATION, o);
}

static int
save(VipsImage *im, const char *ext, const struct photokit_opts *o, void **b,
     size_t *n)
{
	int q = o->quality > 0 ? o->quality : 90;

	if (strcmp(ext, "jpg") == 0 || strcmp(ext, "jpeg") == 0)
		return vips_jpegsave_buffer(im, b, n, "Q", q, "interlace",
		                            o->progressive != 0, NULL);
	if (strcmp(ext, "png") == 0)
		return vips_pngsave_buffer(im, b, n, "interlace",
		                           o->progressive != 0, NULL);
	if (strcmp(ext, "webp") == 0)
		return vips_webpsave_buffer(im, b, n, "Q", q, NULL);
	if (strcmp(ext, "heic") == 0)
		return vips_heifsave_buffer(im, b, n, "Q", q, "compression",
		                            VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
		                            NULL);
	if (strcmp(ext, "avif") == 0)
		return vips_heifsave_buffer(im, b, n, "Q", q, "compression",
		                            VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
		                            NULL);
	if (strcmp(ext, "tif") == 0 || strcmp(ext, "tiff") == 0)
		return vips_tiffsave_buffer(im, b, n, NULL);
	if (strcmp(ext, "gif") == 0)
		return vips_gifsave_buffer(im, b, n, NULL);
	vips_error("photokit", "no format for \".%s\"", ext);
	return -1;
}

int
photokit_make(const char *ext, const struct photokit_opts *o,
              unsigned char **buf, size_t *len, char **why)
{
	VipsObject *base;
	VipsImage **t, *im;
	void       *b = NULL;
	size_t      n = 0;
	int         orient = o->orientation > 0 ? o->orientation : 1;
	int         jpeg, heif, rc = -1;

	jpeg = strcmp(ext, "jpg") == 0 || strcmp(ext, "jpeg") == 0;
	heif = strcmp(ext, "heic") == 0 || strcmp(ext, "avif") == 0;
	if (o->width < 1 || o->height < 1 || orient > 8) {
		xasprintf(why, "%dx%d orientation %d: no such photo", o->width,
		          o->height, orient);
		return -1;
	}
	/* libheif turns a HEIF upright itself from its irot/imir boxes,
	 * which libvips' heifsave does not write; an EXIF orientation in a
	 * HEIF is ignored by readers. */
	if (heif && orient != 1) {
		xasprintf(why, "a HEIF's orientation cannot be written "
		               "(libvips writes no irot/imir box)");
		return -1;
	}
	if ((jpeg && o->alpha) || (o->cmyk && (o->alpha || heif)) ||
	    (o->depth16 && jpeg)) {
		xasprintf(why, ".%s cannot hold that", ext);
		return -1;
	}
	base = VIPS_OBJECT(vips_image_new());
	t = (VipsImage **)vips_object_local_array(base, 12);
	if ((im = picture(base, o)) == NULL)
		goto vfail;
	if (o->alpha) {
		int aw = o->width / 2 > 0 ? o->width / 2 : 1;
		int ah = o->height / 2 > 0 ? o->height / 2 : 1;

		if (vips_black(&t[0], o->width, o->height, NULL) != 0 ||
		    vips_linear1(t[0], &t[1], 1.0, 255.0, NULL) != 0 ||
		    vips_black(&t[2], aw, ah, NULL) != 0 ||
		    vips_insert(t[1], t[2], &t[3], o->width - aw,
		                o->height - ah, NULL) != 0 ||
		    vips_bandjoin2(im, t[3], &t[4], NULL) != 0)
			goto vfail;
		im = t[4];
	}
	if (vips_cast(im, &t[5], VIPS_FORMAT_UCHAR, NULL) != 0 ||
	    vips_copy(t[5], &t[6], "interpretation", VIPS_INTERPRETATION_sRGB,
	              NULL) != 0)
		goto vfail;
	im = t[6];
	if (o->cmyk) {
		if (vips_icc_transform(im, &t[7], "cmyk", "input_profile",
		                       "srgb", NULL) != 0)
			goto vfail;
		im = t[7];
	} else if (o->depth16) {
		if (vips_linear1(im, &t[7], 257.0, 0.0, NULL) != 0 ||
		    vips_cast(t[7], &t[8], VIPS_FORMAT_USHORT, NULL) != 0 ||
		    vips_copy(t[8], &t[9], "interpretation",
		              VIPS_INTERPRETATION_RGB16, NULL) != 0)
			goto vfail;
		im = t[9];
	}
	if ((im = stored(base, im, orient)) == NULL ||
	    vips_copy(im, &t[10], NULL) != 0)
		goto vfail;
	im = t[10];
	if (orient != 1)
		set_orientation(im, orient);
	if (save(im, ext, o, &b, &n) != 0)
		goto vfail;
	if (o->truncate_pct > 0 && o->truncate_pct < 100)
		n = n * (size_t)o->truncate_pct / 100;
	*buf = xmalloc(n > 0 ? n : 1);
	memcpy(*buf, b, n);
	*len = n;
	g_free(b);
	rc = 0;
	goto out;
vfail:
	fail(why, "photokit");
out:
	g_object_unref(base);
	return rc;
}

int
photokit_write(const char *path, const struct photokit_opts *o, char **why)
{
	const char    *dot = strrchr(path, '.');
	unsigned char *b;
	size_t         n;
	FILE          *f;
	int            rc = -1;

	if (dot == NULL) {
		xasprintf(why, "%s: no extension to name a format", path);
		return -1;
	}
	if (photokit_make(dot + 1, o, &b, &n, why) != 0)
		return -1;
	if ((f = fopen(path, "wb")) == NULL || fwrite(b, 1, n, f) != n) {
		xasprintf(why, "%s: cannot write", path);
		if (f != NULL)
			fclose(f);
	} else if (fclose(f) != 0)
		xasprintf(why, "%s: cannot write", path);
	else
		rc = 0;
	free(b);
	return rc;
}

/* The mean of each of the first three bands of the region (one band
 * is repeated). */
static int
region_mean(VipsImage *im, int x, int y, int w, int h, double out[3])
{
	VipsImage *r = NULL, *s = NULL;
	double    *v;
	int        i, n, bands, rc = -1;

	if (vips_extract_area(im, &r, x, y, w, h, NULL) != 0 ||
	    vips_stats(r, &s, NULL) != 0)
		goto out;
	/* vips_stats: row 0 is all bands, row 1 + b is band b; column 4 is
	 * the mean. */
	bands = vips_image_get_bands(r);
	for (i = 0; i < 3; i++) {
		if (vips_getpoint(s, &v, &n, 4, 1 + (i < bands ? i : 0),
		                  NULL) != 0)
			goto out;
		out[i] = v[0];
		g_free(v);
	}
	rc = 0;
out:
	if (s != NULL)
		g_object_unref(s);
	if (r != NULL)
		g_object_unref(r);
	return rc;
}

int
photokit_info(const void *buf, size_t len, struct photokit_info *pi, char **why)
{
	VipsImage  *im, *srgb = NULL, *flat = NULL;
	const char *loader;
	int         o, w8, h8, rc = -1;
	size_t      n;

	memset(pi, 0, sizeof *pi);
	pi->bytes = len;
	if ((im = vips_image_new_from_buffer(buf, len, "", NULL)) == NULL)
		return fail(why, "not an image libvips reads");
	if (vips_image_get_string(im, VIPS_META_LOADER, &loader) == 0) {
		n = strcspn(loader, "_");
		if (n >= 4 && strncmp(loader + n - 4, "load", 4) == 0)
			n -= 4;
		snprintf(pi->format, sizeof pi->format, "%.*s", (int)n, loader);
	}
	pi->width = vips_image_get_width(im);
	pi->height = vips_image_get_height(im);
	pi->orientation = 1;
	if (vips_image_get_typeof(im, VIPS_META_ORIENTATION) != 0 &&
	    vips_image_get_int(im, VIPS_META_ORIENTATION, &o) == 0)
		pi->orientation = o;
	pi->progressive = vips_image_get_typeof(im, "interlaced") != 0;
	pi->bands = vips_image_get_bands(im);
	snprintf(pi->interpretation, sizeof pi->interpretation, "%s",
	         vips_enum_nick(VIPS_TYPE_INTERPRETATION,
	                        vips_image_get_interpretation(im)));
	pi->has_exif = vips_image_get_typeof(im, VIPS_META_EXIF_NAME) != 0;
	pi->has_icc = vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0;
	/* The colour a viewer would show, without turning the picture:
	 * sRGB, 8 bits, transparency ignored. */
	if (vips_colourspace(im, &srgb, VIPS_INTERPRETATION_sRGB, NULL) != 0 ||
	    vips_cast(srgb, &flat, VIPS_FORMAT_UCHAR, NULL) != 0) {
		fail(why, "no sRGB pixels");
		goto out;
	}
	w8 = pi->width / 8 > 0 ? pi->width / 8 : 1;
	h8 = pi->height / 8 > 0 ? pi->height / 8 : 1;
	if (region_mean(flat, 0, 0, w8, h8, pi->topleft) != 0 ||
	    region_mean(flat, pi->width - w8, pi->height - h8, w8, h8,
	                pi->bottomright) != 0) {
		fail(why, "pixels not read");
		goto out;
	}
	rc = 0;
out:
	if (flat != NULL)
		g_object_unref(flat);
	if (srgb != NULL)
		g_object_unref(srgb);
	g_object_unref(im);
	return rc;
}

int
photokit_near(const double c[3], double r, double g, double b, double tol)
{
	return c[0] >= r - tol && c[0] <= r + tol && c[1] >= g - tol &&
	       c[1] <= g + tol && c[2] >= b - tol && c[2] <= b + tol;
}
