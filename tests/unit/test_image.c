/*
 * activities/image.c: the transforms, on photos made here by
 * tests/tools/photokit.c (the plan's arithmetic is test_image_plan.c):
 * formats in, a truncated or garbage file refused, orientation, alpha,
 * CMYK and 16-bit sources, baseline JPEG out without an orientation tag,
 * the same bytes twice, the byte limit, previews and RGBA pixels.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activities/image.h"
#include "common/util.h"
#include "tests/tools/photokit.h"

/* What two of the channels take (api-notes.md). */
static const struct image_spec instagram = {
	.max_width = 1440,
	.min_width = 320,
	.min_ratio = 0.8,
	.max_ratio = 1.91,
	.fit = IMAGE_FIT_PAD,
	.bg = { 255, 255, 255 },
	.max_bytes = 8000000,
};
static const struct image_spec facebook = {
	.max_long = 2048,
	.bg = { 255, 255, 255 },
	.max_bytes = 4 << 20,
};

static struct image_spec
with_fit(const struct image_spec *s, enum image_fit fit)
{
	struct image_spec c = *s;

	c.fit = fit;
	return c;
}

/* Instagram's bounds, 4:5 to 1.91:1, in integers. */
static int
ig_ratio_ok(long long w, long long h)
{
	return 4 * h <= 5 * w && 100 * w <= 191 * h;
}

static unsigned char *
make(const char *ext, int w, int h, int orientation, size_t *len)
{
	struct photokit_opts o;
	unsigned char       *b = NULL;
	char                *why = NULL;

	memset(&o, 0, sizeof o);
	o.width = w;
	o.height = h;
	o.orientation = orientation;
	if (photokit_make(ext, &o, &b, len, &why) != 0)
		fail_msg("photokit: %s", why);
	return b;
}

static unsigned char *
make_opts(const char *ext, const struct photokit_opts *o, size_t *len)
{
	unsigned char *b = NULL;
	char          *why = NULL;

	if (photokit_make(ext, o, &b, len, &why) != 0)
		fail_msg("photokit: %s", why);
	return b;
}

static void
info(const unsigned char *b, size_t n, struct photokit_info *pi)
{
	char *why = NULL;

	if (photokit_info(b, n, pi, &why) != 0)
		fail_msg("photokit_info: %s", why);
}

static int
group_setup(void **state)
{
	char *cause = NULL;

	(void)state;
	if (image_init("test_image", &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
		return -1;
	}
	/* Idempotent. */
	return image_init("test_image", &cause);
}

static int
group_teardown(void **state)
{
	(void)state;
	image_shutdown();
	return 0;
}

/* ---- reading ----------------------------------------------------- */

static void
read_ok(const char *ext, const char *format, int w, int h)
{
	struct image_facts f;
	unsigned char     *b;
	size_t             n;
	char              *why = NULL;

	b = make(ext, w, h, 1, &n);
	if (image_read(b, n, &f, &why) != 0)
		fail_msg(".%s: %s", ext, why);
	assert_string_equal(f.format, format);
	assert_int_equal(f.width, w);
	assert_int_equal(f.height, h);
	assert_int_equal(f.orientation, 1);
	assert_int_equal(f.up_width, w);
	assert_int_equal(f.up_height, h);
	free(b);
}

static void
test_read_formats(void **state)
{
	(void)state;
	read_ok("jpg", "jpeg", 640, 480);
	read_ok("png", "png", 321, 400);
	read_ok("heic", "heif", 640, 480);
	read_ok("webp", "webp", 500, 333);
	read_ok("tif", "tiff", 200, 100);
	read_ok("gif", "gif", 120, 80);
	read_ok("avif", "heif", 128, 96);
}

static void
test_read_orientation(void **state)
{
	struct image_facts f;
	unsigned char     *b;
	size_t             n;
	char              *why = NULL;

	(void)state;
	/* Upright 400x300, stored 300x400. */
	b = make("jpg", 400, 300, 6, &n);
	assert_int_equal(image_read(b, n, &f, &why), 0);
	assert_int_equal(f.orientation, 6);
	assert_int_equal(f.width, 300);
	assert_int_equal(f.height, 400);
	assert_int_equal(f.up_width, 400);
	assert_int_equal(f.up_height, 300);
	free(b);
	b = make("png", 400, 300, 8, &n);
	assert_int_equal(image_read(b, n, &f, &why), 0);
	assert_int_equal(f.orientation, 8);
	assert_int_equal(f.up_width, 400);
	free(b);
}

static void
read_refused(const void *b, size_t n, const char *expect)
{
	struct image_facts f;
	char              *why = NULL;

	assert_int_equal(image_read(b, n, &f, &why), -1);
	assert_non_null(why);
	if (strstr(why, expect) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, expect);
	free(why);
}

static void
test_read_refused(void **state)
{
	struct photokit_opts o;
	unsigned char       *b;
	size_t               n, i;
	static const char    garbage[] = "This is not a picture: just some "
	                                 "text that looks like nothing.";

	(void)state;
	memset(&o, 0, sizeof o);
	o.width = 1200;
	o.height = 900;
	o.noise = 1;
	o.truncate_pct = 60;
	b = make_opts("jpg", &o, &n);
	read_refused(b, n, "truncated or corrupt JPEG");
	free(b);
	b = make_opts("png", &o, &n);
	read_refused(b, n, "truncated or corrupt PNG");
	free(b);
	b = make_opts("webp", &o, &n);
	read_refused(b, n, "WebP");
	free(b);
	b = make_opts("heic", &o, &n);
	read_refused(b, n, "HEIF");
	free(b);
	/* A GIF's signature and nothing after it. */
	read_refused("GIF89a", 6, "GIF");
	o.truncate_pct = 0;

	read_refused("", 0, "no bytes");
	read_refused(garbage, sizeof garbage, "not an image herald reads");
	/* An SVG: libvips reads it, herald does not. */
	read_refused("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" "
	             "height=\"10\"/>",
	             70, "not an image herald reads");

	/* 20000x20000 in the header: refused before any decoding. */
	b = make("jpg", 64, 64, 1, &n);
	for (i = 2; i + 9 < n; i++)
		if (b[i] == 0xff && b[i + 1] == 0xc0)
			break;
	assert_true(i + 9 < n);
	b[i + 5] = 20000 >> 8;
	b[i + 6] = 20000 & 0xff;
	b[i + 7] = 20000 >> 8;
	b[i + 8] = 20000 & 0xff;
	read_refused(b, n, "20000x20000: more pixels than herald reads");
	free(b);
}

/* ---- making ------------------------------------------------------ */

static void
make_ok(const unsigned char *b, size_t n, const struct image_spec *s,
        unsigned char **out, size_t *outlen, struct image_plan *p)
{
	char *why = NULL;

	if (image_make(b, n, s, out, outlen, p, &why) != 0)
		fail_msg("image_make: %s", why);
}

/* Every orientation comes out upright: red at the top left, a baseline
 * JPEG with no EXIF at all (so no orientation tag), the plan's size. */
static void
test_make_upright(void **state)
{
	struct photokit_info pi;
	struct photokit_opts o;
	struct image_plan    p;
	unsigned char       *b, *out;
	size_t               n, outlen;
	int                  orient;

	(void)state;
	memset(&o, 0, sizeof o);
	o.width = 600;
	o.height = 400;
	o.progressive = 1;
	for (orient = 1; orient <= 8; orient++) {
		o.orientation = orient;
		b = make_opts("jpg", &o, &n);
		info(b, n, &pi);
		assert_true(pi.progressive);
		make_ok(b, n, &facebook, &out, &outlen, &p);
		assert_int_equal(p.rotated, orient != 1);
		info(out, outlen, &pi);
		assert_string_equal(pi.format, "jpeg");
		assert_false(pi.progressive);
		assert_int_equal(pi.orientation, 1);
		assert_false(pi.has_exif);
		assert_false(pi.has_icc);
		assert_int_equal(pi.bands, 3);
		assert_string_equal(pi.interpretation, "srgb");
		assert_int_equal(pi.width, 600);
		assert_int_equal(pi.height, 400);
		if (!photokit_near(pi.topleft, 255, 0, 0, 40))
			fail_msg("orientation %d: top left %.0f,%.0f,%.0f",
			         orient, pi.topleft[0], pi.topleft[1],
			         pi.topleft[2]);
		assert_true(photokit_near(pi.bottomright, 200, 200, 200, 25));
		free(out);
		free(b);
	}
}

static void
test_make_pad_crop(void **state)
{
	static const struct image_spec ig_blue = {
		.max_width = 1440,
		.min_width = 320,
		.min_ratio = 0.8,
		.max_ratio = 1.91,
		.fit = IMAGE_FIT_PAD,
		.bg = { 0, 0, 255 },
		.max_bytes = 8000000,
	};
	struct image_spec    crop = with_fit(&ig_blue, IMAGE_FIT_CROP);
	struct photokit_info pi;
	struct image_plan    p;
	unsigned char       *b, *out;
	size_t               n, outlen;

	(void)state;
	/* 1:2: blue pillars to 4:5, so the top-left eighth is blue. */
	b = make("jpg", 500, 1000, 1, &n);
	make_ok(b, n, &ig_blue, &out, &outlen, &p);
	assert_true(p.padded);
	info(out, outlen, &pi);
	assert_int_equal(pi.width, p.out_width);
	assert_int_equal(pi.height, p.out_height);
	assert_int_equal(pi.width, 800);
	assert_int_equal(pi.height, 1000);
	assert_true(ig_ratio_ok(pi.width, pi.height));
	assert_true(photokit_near(pi.topleft, 0, 0, 255, 20));
	free(out);
	/* Cropped to 4:5 from the middle: the red quarter still shows. */
	make_ok(b, n, &crop, &out, &outlen, &p);
	assert_true(p.cropped);
	info(out, outlen, &pi);
	assert_int_equal(pi.width, 500);
	assert_int_equal(pi.height, 625);
	assert_true(photokit_near(pi.topleft, 255, 0, 0, 40));
	free(out);
	free(b);

	/* 3:1 through a turn: upright 2400x800, stored 800x2400. */
	b = make("jpg", 2400, 800, 8, &n);
	make_ok(b, n, &ig_blue, &out, &outlen, &p);
	info(out, outlen, &pi);
	assert_true(p.padded && p.rotated && p.downscaled);
	assert_int_equal(pi.width, 1440);
	assert_int_equal(pi.height, p.out_height);
	assert_true(ig_ratio_ok(pi.width, pi.height));
	assert_true(photokit_near(pi.topleft, 0, 0, 255, 20));
	assert_true(photokit_near(pi.bottomright, 0, 0, 255, 20));
	free(out);
	/* Refused as the plan says. */
	{
		struct image_spec skip = with_fit(&ig_blue, IMAGE_FIT_SKIP);
		char             *why = NULL;

		image_plan(&(struct image_facts){ .format = "jpeg",
		                                  .width = 800,
		                                  .height = 2400,
		                                  .orientation = 8,
		                                  .up_width = 2400,
		                                  .up_height = 800 },
		           &skip, &p);
		assert_int_equal(
		    image_make(b, n, &skip, &out, &outlen, NULL, &why), -1);
		assert_string_equal(why, p.why);
		free(why);
	}
	free(b);
}

/* Transparency over the bg colour; 16-bit and CMYK sources come out
 * 8-bit sRGB. */
static void
test_make_sources(void **state)
{
	struct image_spec    fb_green = facebook;
	struct photokit_opts o;
	struct photokit_info pi;
	struct image_plan    p;
	unsigned char       *b, *out;
	size_t               n, outlen;
	const char          *exts[] = { "png", "webp", "heic", "tif" };
	size_t               i;

	(void)state;
	fb_green.bg[0] = 0;
	fb_green.bg[1] = 255;
	fb_green.bg[2] = 0;
	memset(&o, 0, sizeof o);
	o.width = 640;
	o.height = 480;
	o.alpha = 1;
	for (i = 0; i < nitems(exts); i++) {
		b = make_opts(exts[i], &o, &n);
		make_ok(b, n, &fb_green, &out, &outlen, &p);
		assert_true(p.converted);
		info(out, outlen, &pi);
		assert_int_equal(pi.bands, 3);
		assert_int_equal(pi.width, 640);
		if (!photokit_near(pi.topleft, 255, 0, 0, 40) ||
		    !photokit_near(pi.bottomright, 0, 255, 0, 40))
			fail_msg(".%s: %.0f,%.0f,%.0f / %.0f,%.0f,%.0f",
			         exts[i], pi.topleft[0], pi.topleft[1],
			         pi.topleft[2], pi.bottomright[0],
			         pi.bottomright[1], pi.bottomright[2]);
		free(out);
		free(b);
	}

	o.depth16 = 1;
	b = make_opts("png", &o, &n);
	info(b, n, &pi);
	assert_string_equal(pi.interpretation, "rgb16");
	make_ok(b, n, &fb_green, &out, &outlen, &p);
	info(out, outlen, &pi);
	assert_string_equal(pi.interpretation, "srgb");
	assert_true(photokit_near(pi.topleft, 255, 0, 0, 40));
	assert_true(photokit_near(pi.bottomright, 0, 255, 0, 40));
	free(out);
	free(b);

	memset(&o, 0, sizeof o);
	o.width = 640;
	o.height = 480;
	o.cmyk = 1;
	b = make_opts("jpg", &o, &n);
	info(b, n, &pi);
	assert_string_equal(pi.interpretation, "cmyk");
	make_ok(b, n, &facebook, &out, &outlen, &p);
	info(out, outlen, &pi);
	assert_string_equal(pi.interpretation, "srgb");
	assert_false(pi.has_icc);
	/* CMYK cannot show pure red: near enough. */
	if (!photokit_near(pi.topleft, 235, 30, 30, 40))
		fail_msg("CMYK: %.0f,%.0f,%.0f", pi.topleft[0], pi.topleft[1],
		         pi.topleft[2]);
	free(out);
	free(b);
}

static void
test_make_truncated(void **state)
{
	struct photokit_opts o;
	unsigned char       *b, *out = NULL;
	size_t               n, outlen;
	char                *why = NULL;

	(void)state;
	memset(&o, 0, sizeof o);
	o.width = 1600;
	o.height = 1200;
	o.noise = 1;
	o.truncate_pct = 60;
	b = make_opts("jpg", &o, &n);
	assert_int_equal(
	    image_make(b, n, &instagram, &out, &outlen, NULL, &why), -1);
	assert_non_null(strstr(why, "truncated or corrupt JPEG"));
	assert_null(out);
	free(why);
	free(b);
}

static void
test_make_deterministic(void **state)
{
	struct photokit_opts o;
	struct image_plan    p;
	unsigned char       *b, *out1, *out2;
	size_t               n, len1, len2;

	(void)state;
	memset(&o, 0, sizeof o);
	o.width = 1800;
	o.height = 1200;
	o.noise = 1;
	o.orientation = 6;
	b = make_opts("jpg", &o, &n);
	make_ok(b, n, &instagram, &out1, &len1, &p);
	make_ok(b, n, &instagram, &out2, &len2, &p);
	assert_int_equal(len1, len2);
	assert_memory_equal(out1, out2, len1);
	free(out1);
	free(out2);
	free(b);
}

static void
test_make_max_bytes(void **state)
{
	struct photokit_opts o;
	struct image_spec    s = facebook;
	struct image_plan    p;
	unsigned char       *b, *out;
	size_t               n, q85, outlen;
	char                *why = NULL;

	(void)state;
	memset(&o, 0, sizeof o);
	o.width = 1200;
	o.height = 900;
	o.noise = 1;
	b = make_opts("jpg", &o, &n);
	s.max_bytes = 0;
	make_ok(b, n, &s, &out, &q85, &p);
	free(out);
	/* Not under q85 bytes at quality 85: a lower quality is. */
	s.max_bytes = q85;
	make_ok(b, n, &s, &out, &outlen, &p);
	assert_true(outlen < q85);
	assert_int_equal(p.out_width, 1200);
	free(out);
	/* Nothing is that small. */
	s.max_bytes = 2000;
	assert_int_equal(image_make(b, n, &s, &out, &outlen, NULL, &why), -1);
	assert_non_null(strstr(why, "even at JPEG quality 45"));
	free(why);
	free(b);
}

static void
test_thumbnail(void **state)
{
	struct photokit_opts o;
	struct photokit_info pi;
	unsigned char       *b, *out;
	size_t               n, outlen;
	int                  w, h;
	char                *why = NULL;

	(void)state;
	memset(&o, 0, sizeof o);
	o.width = 2000;
	o.height = 1500;
	o.noise = 1;
	o.orientation = 6;
	b = make_opts("jpg", &o, &n);
	if (image_thumbnail(b, n, 320, 320, 12000, &out, &outlen, &w, &h,
	                    &why) != 0)
		fail_msg("%s", why);
	assert_true(outlen <= 12000);
	assert_true(w <= 320 && h <= 320);
	info(out, outlen, &pi);
	assert_int_equal(pi.width, w);
	assert_int_equal(pi.height, h);
	assert_true(w > h); /* upright: 2000x1500 */
	assert_true(photokit_near(pi.topleft, 255, 0, 0, 50));
	assert_false(pi.has_exif);
	free(out);
	/* Only a smaller picture fits in 1000 bytes (1.2 KB at 320x240,
	 * quality 45). */
	if (image_thumbnail(b, n, 320, 320, 1000, &out, &outlen, &w, &h,
	                    &why) != 0)
		fail_msg("%s", why);
	assert_true(outlen <= 1000 && w < 320);
	free(out);
	/* Never larger than the source. */
	free(b);
	b = make("png", 100, 80, 1, &n);
	assert_int_equal(
	    image_thumbnail(b, n, 320, 320, 0, &out, &outlen, &w, &h, &why), 0);
	assert_int_equal(w, 100);
	assert_int_equal(h, 80);
	free(out);
	assert_int_equal(
	    image_thumbnail(b, n, 320, 320, 10, &out, &outlen, &w, &h, &why),
	    -1);
	assert_non_null(strstr(why, "fits in 10 bytes"));
	free(why);
	free(b);
}

static void
test_rgba(void **state)
{
	struct photokit_opts o;
	unsigned char       *b, *px;
	size_t               n;
	int                  w, h;
	char                *why = NULL;

	(void)state;
	b = make("jpg", 400, 300, 6, &n);
	if (image_rgba(b, n, 100, 100, &px, &w, &h, &why) != 0)
		fail_msg("%s", why);
	assert_int_equal(w, 100);
	assert_int_equal(h, 75);
	/* Upright: red at the top left, opaque. */
	assert_true(px[0] > 200 && px[1] < 50 && px[2] < 50);
	assert_int_equal(px[3], 255);
	/* The bottom-right pixel: grey, opaque. */
	assert_int_equal(px[(size_t)(h * w - 1) * 4 + 3], 255);
	free(px);
	free(b);

	memset(&o, 0, sizeof o);
	o.width = 64;
	o.height = 48;
	o.alpha = 1;
	b = make_opts("png", &o, &n);
	assert_int_equal(image_rgba(b, n, 640, 640, &px, &w, &h, &why), 0);
	assert_int_equal(w, 64);
	assert_int_equal(h, 48);
	assert_int_equal(px[3], 255);
	assert_int_equal(px[(size_t)(h * w - 1) * 4 + 3], 0);
	free(px);
	free(b);

	assert_int_equal(image_rgba("x", 1, 10, 10, &px, &w, &h, &why), -1);
	free(why);
}

/* Worker threads transform at once (HEIFs take turns inside): each
 * gets the bytes one thread alone gets. */
struct job {
	const unsigned char *src;
	size_t               n;
	const unsigned char *expect;
	size_t               expect_len;
	int                  ok;
};

static void *
job_run(void *arg)
{
	struct job    *j = arg;
	unsigned char *out;
	size_t         outlen;
	char          *why = NULL;
	int            i;

	j->ok = 1;
	for (i = 0; i < 3; i++) {
		if (image_make(j->src, j->n, &instagram, &out, &outlen, NULL,
		               &why) != 0) {
			free(why);
			j->ok = 0;
			return NULL;
		}
		if (outlen != j->expect_len ||
		    memcmp(out, j->expect, outlen) != 0)
			j->ok = 0;
		free(out);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct photokit_opts o;
	struct image_plan    p;
	struct job           jobs[4];
	pthread_t            th[4];
	unsigned char       *src[2], *expect[2];
	size_t               n[2], len[2];
	int                  i;

	(void)state;
	memset(&o, 0, sizeof o);
	o.width = 1200;
	o.height = 1600;
	o.noise = 1;
	src[0] = make_opts("heic", &o, &n[0]);
	o.orientation = 8;
	src[1] = make_opts("jpg", &o, &n[1]);
	for (i = 0; i < 2; i++)
		make_ok(src[i], n[i], &instagram, &expect[i], &len[i], &p);
	for (i = 0; i < 4; i++) {
		jobs[i].src = src[i % 2];
		jobs[i].n = n[i % 2];
		jobs[i].expect = expect[i % 2];
		jobs[i].expect_len = len[i % 2];
		assert_int_equal(
		    pthread_create(&th[i], NULL, job_run, &jobs[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_true(jobs[i].ok);
	}
	for (i = 0; i < 2; i++) {
		free(src[i]);
		free(expect[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_formats),
		cmocka_unit_test(test_read_orientation),
		cmocka_unit_test(test_read_refused),
		cmocka_unit_test(test_make_upright),
		cmocka_unit_test(test_make_pad_crop),
		cmocka_unit_test(test_make_sources),
		cmocka_unit_test(test_make_truncated),
		cmocka_unit_test(test_make_deterministic),
		cmocka_unit_test(test_make_max_bytes),
		cmocka_unit_test(test_thumbnail),
		cmocka_unit_test(test_rgba),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
