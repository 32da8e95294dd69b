/*
 * image: photos in (JPEG, PNG, WebP, HEIF, TIFF, GIF), what each channel
 * accepts out (baseline sRGB JPEG), on libvips. The contract is image.h.
 *
 * DESIGN
 *
 * Memory. libvips runs with its operation cache off, one worker per
 * pipeline and strips of 16 lines (small_strips), and every load is
 * sequential: pixels stream from the decoder to the encoder a few lines
 * at a time. A JPEG is decoded at 1/2, 1/4 or 1/8 of its size by libjpeg
 * itself when that is still at least the output's size (load), so a
 * 48-megapixel JPEG never exists at full size in memory. The exceptions
 * are the decoders that hold the whole picture (libheif; libjpeg for a
 * progressive JPEG, which keeps every coefficient; an interlaced PNG; a
 * GIF's frame): those run one at a time in the process (whole_lock). An
 * orientation other than 1 needs the resized picture (the output's size)
 * in memory to turn it. tests/bench/bench_image.c has the figures.
 *
 * The pipeline is ours rather than vips_thumbnail's: vips_thumbnail
 * shrinks on load by a factor of 2 less than it could (a 12 MP JPEG for
 * a 1440 px output is streamed at full width, twice the memory), and in
 * libvips 8.14 vips_thumbnail_buffer does not pass its fail_on to the
 * loader, so a truncated JPEG came out with a grey bottom.
 *
 * Errors. libvips keeps one error buffer for the process; a failing call
 * takes (and clears) what is in it with vips_error_buffer_copy, so two
 * threads failing at once may swap details. The sentence around the
 * detail is always ours. libvips' warnings are not printed: the daemon's
 * stderr is its log, and what matters comes back as an error.
 *
 * Untrusted input. Only the six loaders herald reads are allowed; every
 * other one (PDF, SVG, ImageMagick, FITS, ...) is blocked for the process
 * at image_init, and so is every loader libvips calls untrusted.
 *
 * Any thread, after image_init and before image_shutdown; nothing here
 * holds state between calls.
 */
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "activities/image.h"
#include "common/util.h"

/* The qualities image_make and image_thumbnail try, best first. */
static const int qualities[] = { 85, 75, 65, 55, 45 };

/* image_read decodes JPEGs at this fraction of their size (libjpeg still
 * reads every byte, which is what finds a truncated file). */
#define READ_SHRINK 8

/* The loaders herald reads: libvips class name prefix, format, and the
 * name an operator knows. */
static const struct loader {
	const char *prefix;
	const char *format;
	const char *name;
} loaders[] = {
	{ "VipsForeignLoadJpeg", "jpeg", "JPEG" },
	{ "VipsForeignLoadPng", "png", "PNG" },
	{ "VipsForeignLoadWebp", "webp", "WebP" },
	{ "VipsForeignLoadHeif", "heif", "HEIF" },
	{ "VipsForeignLoadTiff", "tiff", "TIFF" },
	{ "VipsForeignLoadNsgif", "gif", "GIF" },
};

/* 0 before image_init, 1 after, 2 after image_shutdown (libvips cannot
 * start again in the same process). */
static int image_ready;

/*
 * libvips renders in strips of vips__tile_height lines (128), and each
 * operation of a pipeline holds a strip or two of its own: a
 * transform's memory is the decoded width x 128 lines x the operations.
 * Strips of STRIP_LINES cut that by about four for a few percent more
 * time (bench-image). libvips 8.14 sets it only from its command-line
 * options (hidden ones, for debugging), so they are parsed here from a
 * made-up argv; a libvips without them still works, with more memory.
 */
#define STRIP_LINES 16

static void
small_strips(void)
{
	char            name[] = "herald", opt[64], *argv[3], **av = argv;
	int             argc = 2;
	GOptionContext *ctx;
	GOptionGroup   *g;
	GError         *e = NULL;

	snprintf(opt, sizeof opt, "--vips-tile-height=%d", STRIP_LINES);
	argv[0] = name;
	argv[1] = opt;
	argv[2] = NULL;
	ctx = g_option_context_new(NULL);
	g = g_option_group_new("vips", "libvips", "libvips", NULL, NULL);
	vips_add_option_entries(g);
	g_option_context_set_main_group(ctx, g);
	if (!g_option_context_parse(ctx, &argc, &av, &e))
		g_error_free(e);
	g_option_context_free(ctx);
}

static void
image_quiet(const gchar *domain, GLogLevelFlags level, const gchar *message,
            gpointer data)
{
	(void)domain;
	(void)level;
	(void)message;
	(void)data;
}

int
image_init(const char *argv0, char **cause)
{
	size_t i;

	if (image_ready == 1)
		return 0;
	if (image_ready == 2) {
		xasprintf(cause,
		          "libvips was shut down: it cannot start again");
		return -1;
	}
	if (vips_init(argv0 != NULL ? argv0 : "herald") != 0) {
		char *e = vips_error_buffer_copy();

		xasprintf(cause, "libvips did not start: %s", e);
		g_free(e);
		return -1;
	}
	/* No operation cache: each call's pixels are freed when it ends. */
	vips_cache_set_max(0);
	vips_concurrency_set(1);
	small_strips();
	vips_block_untrusted_set(TRUE);
	vips_operation_block_set("VipsForeignLoad", TRUE);
	for (i = 0; i < nitems(loaders); i++)
		vips_operation_block_set(loaders[i].prefix, FALSE);
	g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE,
	                  image_quiet, NULL);
	image_ready = 1;
	return 0;
}

void
image_shutdown(void)
{
	if (image_ready != 1)
		return;
	vips_shutdown();
	image_ready = 2;
}

/* libvips' latest error as one line, without the "VipsJpeg: " in front
 * and with a lower-case start, to follow one of our sentences. */
static char *
vips_detail(void)
{
	char  *e = vips_error_buffer_copy(), *line, *nl, *colon, *s;
	size_t n;

	line = e;
	while (*line == '\n')
		line++;
	if ((nl = strchr(line, '\n')) != NULL)
		*nl = '\0';
	/* "VipsJpeg: ...", "jpegload_buffer: ...": a name, then ": ". */
	if ((colon = strstr(line, ": ")) != NULL &&
	    strcspn(line, " ") > (size_t)(colon - line))
		line = colon + 2;
	if (*line == '\0')
		s = xstrdup("libvips gave no detail");
	else {
		s = xstrdup(line);
		if (s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
			s[0] = (char)(s[0] - 'A' + 'a');
		n = strlen(s);
		while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' '))
			s[--n] = '\0';
	}
	g_free(e);
	return s;
}

static const struct loader *
find_loader(const void *buf, size_t len)
{
	const char *name;
	size_t      i;

	if ((name = vips_foreign_find_load_buffer(buf, len)) == NULL) {
		/* Not an error for us: the answer is "not an image". */
		vips_error_clear();
		return NULL;
	}
	for (i = 0; i < nitems(loaders); i++)
		if (strncmp(name, loaders[i].prefix,
		            strlen(loaders[i].prefix)) == 0)
			return &loaders[i];
	return NULL;
}

/*
 * The format that buf's first bytes announce, when no loader takes it:
 * a photo cut short before its header ends (a TIFF whose directory is
 * at the end) is named as what it was meant to be.
 */
static const struct loader *
sniff(const void *buf, size_t len)
{
	static const struct {
		const char *magic;
		size_t      off, n;
		const char *format;
	} sigs[] = {
		{ "\xff\xd8\xff", 0, 3, "jpeg" },
		{ "\x89PNG", 0, 4, "png" },
		{ "WEBP", 8, 4, "webp" },
		{ "ftypheic", 4, 8, "heif" }, /* not any ISO media file: */
		{ "ftypheix", 4, 8, "heif" }, /* an MP4 is not a HEIF */
		{ "ftypmif1", 4, 8, "heif" },
		{ "ftypavif", 4, 8, "heif" },
		{ "II*\0", 0, 4, "tiff" },
		{ "MM\0*", 0, 4, "tiff" },
		{ "GIF8", 0, 4, "gif" },
	};
	const unsigned char *b = buf;
	size_t               i, j;

	for (i = 0; i < nitems(sigs); i++) {
		if (len < sigs[i].off + sigs[i].n ||
		    memcmp(b + sigs[i].off, sigs[i].magic, sigs[i].n) != 0)
			continue;
		for (j = 0; j < nitems(loaders); j++)
			if (strcmp(loaders[j].format, sigs[i].format) == 0)
				return &loaders[j];
	}
	return NULL;
}

/* A photo as probe() found it. */
struct source {
	const struct loader *ld;
	struct image_facts   f;
	int                  whole; /* its decoder holds all of it */
};

/*
 * Decoders that hold the whole picture take 5 to 10 bytes a pixel, far
 * more than a transform's strips: libheif, libjpeg for a progressive
 * JPEG (every coefficient), libpng for an interlaced PNG, a GIF's frame.
 * Those decodes run one at a time in the process, so that workers given
 * several such photos at once do not need that many times the memory.
 */
static pthread_mutex_t whole_lock = PTHREAD_MUTEX_INITIALIZER;

static void
whole_begin(const struct source *src)
{
	if (src->whole)
		pthread_mutex_lock(&whole_lock);
}

static void
whole_end(const struct source *src)
{
	if (src->whole)
		pthread_mutex_unlock(&whole_lock);
}

/*
 * The loader and the facts from the header (no pixels decoded), with
 * the checks every entry point makes before decoding: bytes that are an
 * image herald reads, of a size it will decode.
 */
static int
probe(const void *buf, size_t len, struct source *src, char **why)
{
	const struct loader *ld;
	struct image_facts  *f = &src->f;
	VipsImage           *im;
	int                  o, interlaced = 0;
	char                *d;

	if (image_ready != 1) {
		xasprintf(why, "images cannot be read: libvips is not "
		               "running (image_init)");
		return -1;
	}
	if (len == 0) {
		xasprintf(why, "no bytes: not an image");
		return -1;
	}
	if ((ld = find_loader(buf, len)) == NULL) {
		if ((ld = sniff(buf, len)) != NULL)
			xasprintf(why,
			          "truncated or corrupt %s: libvips "
			          "cannot read it",
			          ld->name);
		else
			xasprintf(why, "not an image herald reads (JPEG, PNG, "
			               "WebP, HEIC, TIFF or GIF)");
		return -1;
	}
	im = vips_image_new_from_buffer(buf, len, "", "access",
	                                VIPS_ACCESS_SEQUENTIAL, NULL);
	if (im == NULL) {
		d = vips_detail();
		xasprintf(why, "truncated or corrupt %s: %s", ld->name, d);
		free(d);
		return -1;
	}
	memset(src, 0, sizeof *src);
	src->ld = ld;
	snprintf(f->format, sizeof f->format, "%s", ld->format);
	f->width = vips_image_get_width(im);
	f->height = vips_image_get_height(im);
	f->orientation = 1;
	if (vips_image_get_typeof(im, VIPS_META_ORIENTATION) != 0 &&
	    vips_image_get_int(im, VIPS_META_ORIENTATION, &o) == 0 && o >= 1 &&
	    o <= 8)
		f->orientation = o;
	if (f->orientation >= 5) {
		f->up_width = f->height;
		f->up_height = f->width;
	} else {
		f->up_width = f->width;
		f->up_height = f->height;
	}
	if (vips_image_get_typeof(im, "interlaced") != 0 &&
	    vips_image_get_int(im, "interlaced", &o) == 0)
		interlaced = o != 0;
	src->whole = strcmp(ld->format, "heif") == 0 ||
	             strcmp(ld->format, "gif") == 0 || interlaced;
	g_object_unref(im);
	if ((long long)f->width * f->height > IMAGE_MAX_PIXELS) {
		xasprintf(why,
		          "%dx%d: more pixels than herald reads (%lld "
		          "million at most)",
		          f->width, f->height, IMAGE_MAX_PIXELS / 1000000);
		return -1;
	}
	return 0;
}

int
image_read(const void *buf, size_t len, struct image_facts *facts, char **why)
{
	struct source src;
	VipsImage    *im = NULL;
	double        avg;
	int           rc = 0;
	char         *d;

	if (probe(buf, len, &src, why) != 0)
		return -1;
	/*
	 * Decode every byte, at a reduced scale where the decoder can: a
	 * truncated or corrupt photo fails here (fail_on "truncated": a
	 * short file is an error, not a grey bottom half). A HEIF's main
	 * picture is decoded, not its embedded preview.
	 */
	whole_begin(&src);
	if (strcmp(src.ld->format, "jpeg") == 0)
		im = vips_image_new_from_buffer(
		    buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		    VIPS_FAIL_ON_TRUNCATED, "shrink", READ_SHRINK, NULL);
	else if (strcmp(src.ld->format, "webp") == 0)
		im = vips_image_new_from_buffer(
		    buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		    VIPS_FAIL_ON_TRUNCATED, "scale", 1.0 / READ_SHRINK, NULL);
	else
		im = vips_image_new_from_buffer(
		    buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		    VIPS_FAIL_ON_TRUNCATED, NULL);
	if (im == NULL || vips_avg(im, &avg, NULL) != 0) {
		d = vips_detail();
		xasprintf(why, "truncated or corrupt %s: %s", src.ld->name, d);
		free(d);
		rc = -1;
	}
	if (im != NULL)
		g_object_unref(im);
	whole_end(&src);
	if (rc == 0)
		*facts = src.f;
	return rc;
}

/* What a pipeline does with transparency. */
enum alpha_use {
	ALPHA_FLATTEN, /* onto the background colour: a JPEG has none */
	ALPHA_KEEP,    /* RGBA out */
};

/*
 * The decoder's output for a picture of at least tw x th upright
 * pixels. A JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that is
 * still enough: libjpeg scales in the DCT, so a full-size picture never
 * exists (vips_thumbnail keeps a factor of 2 above the target, and so
 * streams a 12 MP JPEG at full width for a 1440 px output: twice the
 * memory). A WebP is decoded at the scale asked for. A HEIF is decoded
 * whole (libheif has no other way); for a preview, its embedded
 * thumbnail is used when it is large enough.
 */
static VipsImage *
load(VipsObject *base, const void *buf, size_t len, const struct source *src,
     int tw, int th, VipsFailOn fail_on, int preview)
{
	const struct loader      *ld = src->ld;
	const struct image_facts *f = &src->f;
	VipsImage **t = (VipsImage **)vips_object_local_array(base, 2);
	int         sw = f->orientation >= 5 ? th : tw; /* as stored */
	int         sh = f->orientation >= 5 ? tw : th;
	int         shrink = 1;
	double      scale;

	if (strcmp(ld->format, "jpeg") == 0) {
		while (shrink < 8 && f->width / (shrink * 2) >= sw &&
		       f->height / (shrink * 2) >= sh)
			shrink *= 2;
		t[0] = vips_image_new_from_buffer(
		    buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		    fail_on, "shrink", shrink, NULL);
	} else if (strcmp(ld->format, "webp") == 0) {
		scale = fmax((double)sw / f->width, (double)sh / f->height);
		t[0] = vips_image_new_from_buffer(
		    buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
		    fail_on, "scale", fmin(scale, 1.0), NULL);
	} else {
		if (strcmp(ld->format, "heif") == 0 && preview) {
			t[1] = vips_image_new_from_buffer(
			    buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL,
			    "fail_on", fail_on, "thumbnail", TRUE, NULL);
			if (t[1] != NULL && vips_image_get_width(t[1]) >= sw &&
			    vips_image_get_height(t[1]) >= sh)
				return t[1];
			vips_error_clear();
		}
		t[0] = vips_image_new_from_buffer(buf, len, "", "access",
		                                  VIPS_ACCESS_SEQUENTIAL,
		                                  "fail_on", fail_on, NULL);
	}
	return t[0];
}

/* in over the colour bg (max_alpha: opaque). The array is the caller's
 * to unref: the operation takes a reference of its own. */
static int
flatten(VipsImage *in, VipsImage **out, const double bg[3], double max_alpha)
{
	VipsArrayDouble *a = vips_array_double_new(bg, 3);
	int              rc;

	rc = vips_flatten(in, out, "background", a, "max_alpha", max_alpha,
	                  NULL);
	vips_area_unref(VIPS_AREA(a));
	return rc;
}

/*
 * in as 8-bit sRGB, one or three bands and maybe an alpha, the alpha
 * flattened onto bg when asked. An embedded RGB profile (Display P3,
 * Adobe RGB...) is applied: the output carries no profile, so its
 * pixels must be sRGB ones. CMYK goes through its profile, or libvips'
 * built-in one.
 */
static VipsImage *
to_srgb(VipsObject *base, VipsImage *in, enum alpha_use alpha,
        const unsigned char bg[3])
{
	VipsImage **t = (VipsImage **)vips_object_local_array(base, 4);
	double      max, bgd[3];
	int         i;

	if (vips_image_get_typeof(in, VIPS_META_ICC_NAME) != 0 &&
	    vips_image_get_bands(in) >= 3 &&
	    vips_image_get_interpretation(in) != VIPS_INTERPRETATION_CMYK) {
		/* Flattened first, in the source's depth: the transform
		 * would cut a 16-bit alpha to 8 bits, not scale it. */
		if (alpha == ALPHA_FLATTEN && vips_image_hasalpha(in)) {
			max = vips_image_get_format(in) == VIPS_FORMAT_USHORT
			          ? 65535.0
			          : 255.0;
			for (i = 0; i < 3; i++)
				bgd[i] = bg[i] * max / 255.0;
			if (flatten(in, &t[0], bgd, max) != 0)
				return NULL;
			in = t[0];
		}
		if (vips_icc_transform(in, &t[1], "srgb", "embedded", TRUE,
		                       "input_profile", "srgb", "depth", 8,
		                       NULL) != 0)
			return NULL;
		in = t[1];
	}
	if (vips_colourspace(in, &t[2], VIPS_INTERPRETATION_sRGB, NULL) != 0)
		return NULL;
	in = t[2];
	if (alpha == ALPHA_FLATTEN && vips_image_hasalpha(in)) {
		for (i = 0; i < 3; i++)
			bgd[i] = bg[i];
		if (flatten(in, &t[3], bgd, 255.0) != 0)
			return NULL;
		in = t[3];
	}
	return in;
}

/* in resized to exactly w x h (as stored); an alpha is premultiplied
 * around it, so that transparent pixels do not bleed their colour. */
static VipsImage *
resize(VipsObject *base, VipsImage *in, int w, int h)
{
	VipsImage **t = (VipsImage **)vips_object_local_array(base, 4);
	int         alpha = vips_image_hasalpha(in);

	if (vips_image_get_width(in) == w && vips_image_get_height(in) == h)
		return in;
	if (alpha) {
		if (vips_premultiply(in, &t[0], NULL) != 0)
			return NULL;
		in = t[0];
	}
	if (vips_resize(in, &t[1], (double)w / vips_image_get_width(in),
	                "vscale", (double)h / vips_image_get_height(in),
	                NULL) != 0)
		return NULL;
	in = t[1];
	if (alpha) {
		if (vips_unpremultiply(in, &t[2], NULL) != 0 ||
		    vips_cast(t[2], &t[3], VIPS_FORMAT_UCHAR, NULL) != 0)
			return NULL;
		in = t[3];
	}
	return in;
}

/*
 * The upright source at tw x th (or within a pixel: the caller's
 * to_size makes it exact), 8-bit sRGB, three bands (ALPHA_FLATTEN) or
 * four (ALPHA_KEEP): a lazy pipeline hung on `base`, everything unreffed
 * with it. Turning the picture needs all of it: the resized one, the
 * output's size, is copied to memory first (as vips_thumbnail does).
 */
static VipsImage *
upright(VipsObject *base, const void *buf, size_t len, const struct source *src,
        int tw, int th, VipsFailOn fail_on, enum alpha_use alpha,
        const unsigned char bg[3], int preview)
{
	VipsImage **t = (VipsImage **)vips_object_local_array(base, 5);
	VipsImage  *in;
	int         swap = src->f.orientation >= 5;

	if ((in = load(base, buf, len, src, tw, th, fail_on, preview)) ==
	        NULL ||
	    (in = to_srgb(base, in, alpha, bg)) == NULL ||
	    (in = resize(base, in, swap ? th : tw, swap ? tw : th)) == NULL)
		return NULL;
	if (src->f.orientation > 1) {
		if ((t[0] = vips_image_copy_memory(in)) == NULL ||
		    vips_autorot(t[0], &t[1], NULL) != 0)
			return NULL;
		in = t[1];
	}
	if (vips_cast(in, &t[2], VIPS_FORMAT_UCHAR, NULL) != 0)
		return NULL;
	in = t[2];
	if (alpha == ALPHA_FLATTEN && vips_image_get_bands(in) > 3) {
		if (vips_extract_band(in, &t[3], 0, "n", 3, NULL) != 0)
			return NULL;
		in = t[3];
	} else if (alpha == ALPHA_KEEP && vips_image_get_bands(in) == 3) {
		if (vips_bandjoin_const1(in, &t[3], 255.0, NULL) != 0)
			return NULL;
		in = t[3];
	}
	return in;
}

/* in centred on (pad) or cut to (crop) w x h, with bg around it. */
static VipsImage *
to_size(VipsObject *base, VipsImage *in, int w, int h,
        const unsigned char bg[3])
{
	VipsImage      **t = (VipsImage **)vips_object_local_array(base, 1);
	double           bgd[3] = { bg[0], bg[1], bg[2] };
	VipsArrayDouble *a;
	int              rc;

	if (vips_image_get_width(in) == w && vips_image_get_height(in) == h)
		return in;
	a = vips_array_double_new(bgd, 3);
	rc = vips_gravity(in, &t[0], VIPS_COMPASS_DIRECTION_CENTRE, w, h,
	                  "extend", VIPS_EXTEND_BACKGROUND, "background", a,
	                  NULL);
	vips_area_unref(VIPS_AREA(a));
	return rc == 0 ? t[0] : NULL;
}

/*
 * The baseline JPEG of in at quality q, without any metadata (no EXIF,
 * so no orientation tag; no profile). Huffman tables are not optimised:
 * that would make libjpeg hold every coefficient of the output (9 MB at
 * 2048x1536) for a file about a tenth smaller. libjpeg's output is the
 * same for the same pixels.
 */
static int
encode(VipsImage *in, int q, unsigned char **out, size_t *outlen)
{
	void  *b = NULL;
	size_t n = 0;

	if (vips_jpegsave_buffer(in, &b, &n, "Q", q, "strip", TRUE, "interlace",
	                         FALSE, "optimize_coding", FALSE, NULL) != 0)
		return -1;
	/* GLib allocates with malloc (since 2.46): the caller's free()
	 * is the right way to release it. */
	*out = b;
	*outlen = n;
	return 0;
}

/* The size the upright source is resized to: all of it scaled to fit in
 * (pad) or to cover (crop) the plan's output. */
static void
content_size(const struct image_facts *f, const struct image_plan *p, int *cw,
             int *ch)
{
	double kw = (double)p->out_width / f->up_width;
	double kh = (double)p->out_height / f->up_height;
	double k;

	if (!p->padded && !p->cropped) {
		*cw = p->out_width;
		*ch = p->out_height;
		return;
	}
	k = p->padded ? fmin(kw, kh) : fmax(kw, kh);
	*cw = (int)llround(f->up_width * k);
	*ch = (int)llround(f->up_height * k);
	if (p->padded) {
		*cw = *cw < 1 ? 1 : (*cw > p->out_width ? p->out_width : *cw);
		*ch = *ch < 1 ? 1 : (*ch > p->out_height ? p->out_height : *ch);
	} else {
		*cw = *cw < p->out_width ? p->out_width : *cw;
		*ch = *ch < p->out_height ? p->out_height : *ch;
	}
}

/* The size that fits the upright source in max_w x max_h, never
 * larger than it is. */
static void
fit_size(const struct image_facts *f, int max_w, int max_h, int *w, int *h)
{
	double k = fmin(1.0, fmin((double)max_w / f->up_width,
	                          (double)max_h / f->up_height));

	*w = (int)llround(f->up_width * k);
	*h = (int)llround(f->up_height * k);
	*w = *w < 1 ? 1 : (*w > max_w ? max_w : *w);
	*h = *h < 1 ? 1 : (*h > max_h ? max_h : *h);
}

int
image_make(const void *buf, size_t len, const struct image_spec *spec,
           unsigned char **out, size_t *outlen, struct image_plan *plan,
           char **why)
{
	struct source     src;
	struct image_plan p;
	VipsImage        *im;
	VipsObject       *base;
	unsigned char    *b = NULL;
	size_t            n = 0, i;
	int               cw, ch, rc;
	char             *d;

	if (probe(buf, len, &src, why) != 0)
		return -1;
	image_plan(&src.f, spec, &p);
	if (!p.ok) {
		*why = xstrdup(p.why);
		return -1;
	}
	content_size(&src.f, &p, &cw, &ch);

	/* Each quality runs the pipeline again from the source: slower when
	 * a step down is needed (rare), but the output's pixels are never
	 * all held while the JPEG is being made. */
	for (i = 0; i < nitems(qualities); i++) {
		base = VIPS_OBJECT(vips_image_new());
		whole_begin(&src);
		im =
		    upright(base, buf, len, &src, cw, ch,
		            VIPS_FAIL_ON_TRUNCATED, ALPHA_FLATTEN, spec->bg, 0);
		if (im != NULL)
			im = to_size(base, im, p.out_width, p.out_height,
			             spec->bg);
		rc = im != NULL ? encode(im, qualities[i], &b, &n) : -1;
		whole_end(&src);
		g_object_unref(base);
		if (rc != 0) {
			d = vips_detail();
			xasprintf(why, "truncated or corrupt %s: %s",
			          src.ld->name, d);
			free(d);
			return -1;
		}
		if (spec->max_bytes == 0 || n < spec->max_bytes)
			break;
		free(b);
		b = NULL;
	}
	if (b == NULL) {
		xasprintf(why,
		          "%dx%d: %zu bytes even at JPEG quality %d, over the "
		          "%zu the channel takes",
		          p.out_width, p.out_height, n,
		          qualities[nitems(qualities) - 1], spec->max_bytes);
		return -1;
	}
	*out = b;
	*outlen = n;
	if (plan != NULL)
		*plan = p;
	return 0;
}

/* The preview at tw x th in memory (it is small), or NULL. */
static VipsImage *
preview(const void *buf, size_t len, const struct source *src, int tw, int th)
{
	static const unsigned char white[3] = { 255, 255, 255 };
	VipsObject                *base = VIPS_OBJECT(vips_image_new());
	VipsImage                 *im, *mem = NULL;

	/* A preview shows what can be seen of a damaged photo too. */
	whole_begin(src);
	im = upright(base, buf, len, src, tw, th, VIPS_FAIL_ON_NONE,
	             ALPHA_FLATTEN, white, 1);
	if (im != NULL)
		im = to_size(base, im, tw, th, white);
	if (im != NULL)
		mem = vips_image_copy_memory(im);
	whole_end(src);
	g_object_unref(base);
	return mem;
}

int
image_thumbnail(const void *buf, size_t len, int max_w, int max_h,
                size_t max_bytes, unsigned char **out, size_t *outlen, int *w,
                int *h, char **why)
{
	struct source  src;
	VipsImage     *mem;
	unsigned char *b = NULL;
	size_t         n = 0, i;
	int            tw = 0, th = 0, rc;
	char          *d;

	if (max_w < 1 || max_h < 1) {
		xasprintf(why, "a preview of %dx%d cannot be made", max_w,
		          max_h);
		return -1;
	}
	if (probe(buf, len, &src, why) != 0)
		return -1;
	/* Each size is decoded once while the qualities are tried; then
	 * the size steps down by a quarter. */
	while (b == NULL && max_w >= 16 && max_h >= 16) {
		fit_size(&src.f, max_w, max_h, &tw, &th);
		if ((mem = preview(buf, len, &src, tw, th)) == NULL)
			goto fail;
		for (i = 0; i < nitems(qualities) && b == NULL; i++) {
			rc = encode(mem, qualities[i], &b, &n);
			if (rc != 0) {
				g_object_unref(mem);
				goto fail;
			}
			if (max_bytes != 0 && n > max_bytes) {
				free(b);
				b = NULL;
			}
		}
		g_object_unref(mem);
		max_w = max_w * 3 / 4;
		max_h = max_h * 3 / 4;
	}
	if (b == NULL) {
		xasprintf(why, "no preview of this %s fits in %zu bytes",
		          src.ld->name, max_bytes);
		return -1;
	}
	*out = b;
	*outlen = n;
	*w = tw;
	*h = th;
	return 0;
fail:
	d = vips_detail();
	xasprintf(why, "no preview of this %s: %s", src.ld->name, d);
	free(d);
	return -1;
}

int
image_rgba(const void *buf, size_t len, int max_w, int max_h,
           unsigned char **px, int *w, int *h, char **why)
{
	static const unsigned char black[3] = { 0, 0, 0 };
	struct source              src;
	VipsImage                 *im, **t;
	VipsObject                *base;
	void                      *mem = NULL;
	size_t                     n;
	int                        tw, th;
	char                      *d;

	if (max_w < 1 || max_h < 1) {
		xasprintf(why, "pixels of %dx%d cannot be made", max_w, max_h);
		return -1;
	}
	if (probe(buf, len, &src, why) != 0)
		return -1;
	fit_size(&src.f, max_w, max_h, &tw, &th);
	base = VIPS_OBJECT(vips_image_new());
	t = (VipsImage **)vips_object_local_array(base, 1);
	whole_begin(&src);
	im = upright(base, buf, len, &src, tw, th, VIPS_FAIL_ON_NONE,
	             ALPHA_KEEP, black, 1);
	/* Exactly tw x th: a pixel more is cut, a pixel less is
	 * transparent. */
	if (im != NULL &&
	    (vips_image_get_width(im) != tw || vips_image_get_height(im) != th))
		im = vips_gravity(im, &t[0], VIPS_COMPASS_DIRECTION_CENTRE, tw,
		                  th, NULL) == 0
		         ? t[0]
		         : NULL;
	if (im != NULL)
		mem = vips_image_write_to_memory(im, &n);
	whole_end(&src);
	g_object_unref(base);
	if (mem == NULL) {
		d = vips_detail();
		xasprintf(why, "no pixels from this %s: %s", src.ld->name, d);
		free(d);
		return -1;
	}
	*px = mem; /* from g_malloc, that is malloc: see encode() */
	*w = tw;
	*h = th;
	return 0;
}
