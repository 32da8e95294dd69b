/*
 * activities/image_plan.c: the plan's arithmetic. Every size it gives is
 * within the channel's limits and ratio bounds (checked with integers,
 * over a sweep of source sizes), as near the intended ratio as a pixel
 * allows; pad, crop and skip at both bounds; the upright width; tiny and
 * huge sources; the plan's text.
 */
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

/* What the channels take (api-notes.md). */
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
static const struct image_spec claude = {
	.max_long = 1568,
	.bg = { 255, 255, 255 },
	.max_bytes = 3932160,
};

static struct image_facts
facts(const char *format, int w, int h, int orientation)
{
	struct image_facts f;

	memset(&f, 0, sizeof f);
	snprintf(f.format, sizeof f.format, "%s", format);
	f.width = w;
	f.height = h;
	f.orientation = orientation;
	f.up_width = orientation >= 5 ? h : w;
	f.up_height = orientation >= 5 ? w : h;
	return f;
}

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

static void
test_plan_pad(void **state)
{
	struct image_facts f;
	struct image_plan  p;
	char               text[128];

	(void)state;
	/* 1:2, taller than 4:5: pillars to 1600x2000, then 1440 wide. */
	f = facts("jpeg", 1000, 2000, 1);
	image_plan(&f, &instagram, &p);
	assert_true(p.ok);
	assert_true(p.padded && !p.cropped && p.downscaled && !p.rotated &&
	            !p.converted);
	assert_string_equal(p.ratio, "4:5");
	assert_int_equal(p.out_width, 1440);
	assert_int_equal(p.out_height, 1800);
	image_plan_text(&p, text, sizeof text);
	assert_string_equal(text, "padded to 4:5, downscaled to 1440x1800");

	/* 3:1, wider than 1.91:1: bands above and below. */
	f = facts("png", 3000, 1000, 1);
	image_plan(&f, &instagram, &p);
	assert_true(p.ok && p.padded && p.converted);
	assert_string_equal(p.ratio, "1.91:1");
	assert_int_equal(p.out_width, 1440);
	assert_int_equal(p.out_height, 754);
	assert_true(ig_ratio_ok(p.out_width, p.out_height));

	/* Small enough already: padded, not scaled. */
	f = facts("jpeg", 400, 1000, 1);
	image_plan(&f, &instagram, &p);
	assert_true(p.ok && p.padded && !p.downscaled);
	assert_int_equal(p.out_width, 800);
	assert_int_equal(p.out_height, 1000);
	image_plan_text(&p, text, sizeof text);
	assert_string_equal(text, "padded to 4:5 (800x1000)");
}

static void
test_plan_crop(void **state)
{
	struct image_spec  s = with_fit(&instagram, IMAGE_FIT_CROP);
	struct image_facts f;
	struct image_plan  p;

	(void)state;
	f = facts("jpeg", 1000, 2000, 1);
	image_plan(&f, &s, &p);
	assert_true(p.ok && p.cropped && !p.padded && !p.downscaled);
	assert_string_equal(p.ratio, "4:5");
	assert_int_equal(p.out_width, 1000);
	assert_int_equal(p.out_height, 1250);

	f = facts("jpeg", 3000, 1000, 1);
	image_plan(&f, &s, &p);
	assert_true(p.ok && p.cropped && p.downscaled);
	assert_string_equal(p.ratio, "1.91:1");
	assert_int_equal(p.out_width, 1440);
	assert_int_equal(p.out_height, 754);
}

static void
test_plan_skip(void **state)
{
	struct image_spec  s = with_fit(&instagram, IMAGE_FIT_SKIP);
	struct image_facts f;
	struct image_plan  p;
	char               text[200];

	(void)state;
	f = facts("jpeg", 1000, 2000, 1);
	image_plan(&f, &s, &p);
	assert_false(p.ok);
	assert_string_equal(p.why, "1000x2000 is taller than the 4:5 the "
	                           "channel takes");
	image_plan_text(&p, text, sizeof text);
	assert_string_equal(text, p.why);

	f = facts("jpeg", 3000, 1000, 1);
	image_plan(&f, &s, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.why, "wider than the 1.91:1"));

	/* In range: SKIP changes nothing. */
	f = facts("jpeg", 1080, 1080, 1);
	image_plan(&f, &s, &p);
	assert_true(p.ok && !p.padded && !p.cropped);
}

static void
test_plan_bounds_exact(void **state)
{
	struct image_facts f;
	struct image_plan  p;
	char               text[128];

	(void)state;
	f = facts("jpeg", 1080, 1350, 1); /* 4:5 exactly */
	image_plan(&f, &instagram, &p);
	assert_true(p.ok && !p.padded && !p.cropped && !p.downscaled);
	assert_int_equal(p.out_width, 1080);
	assert_int_equal(p.out_height, 1350);
	image_plan_text(&p, text, sizeof text);
	assert_string_equal(text, "as it is (1080x1350 JPEG)");

	f = facts("jpeg", 1910, 1000, 1); /* 1.91:1 exactly */
	image_plan(&f, &instagram, &p);
	assert_true(p.ok && !p.padded && p.downscaled);
	assert_int_equal(p.out_width, 1440);
	assert_true(ig_ratio_ok(p.out_width, p.out_height));

	/* A pixel outside each bound. */
	f = facts("jpeg", 1079, 1350, 1);
	image_plan(&f, &instagram, &p);
	assert_true(p.ok && p.padded);
	assert_true(ig_ratio_ok(p.out_width, p.out_height));
	f = facts("jpeg", 1911, 1000, 1);
	image_plan(&f, &instagram, &p);
	assert_true(p.ok && p.padded);
	assert_true(ig_ratio_ok(p.out_width, p.out_height));
}

static void
test_plan_small_and_huge(void **state)
{
	struct image_facts f;
	struct image_plan  p;

	(void)state;
	f = facts("jpeg", 200, 300, 1);
	image_plan(&f, &instagram, &p);
	assert_false(p.ok);
	assert_string_equal(p.why, "200 px wide: under the 320 px the channel "
	                           "takes");
	/* The width that counts is the upright one. */
	f = facts("jpeg", 400, 300, 6);
	image_plan(&f, &instagram, &p);
	assert_false(p.ok);
	assert_non_null(strstr(p.why, "300 px wide"));

	f = facts("jpeg", 1, 1, 1);
	image_plan(&f, &claude, &p);
	assert_true(p.ok);
	assert_int_equal(p.out_width, 1);
	assert_int_equal(p.out_height, 1);

	f = facts("jpeg", 20000, 10000, 1);
	image_plan(&f, &facebook, &p);
	assert_true(p.ok && p.downscaled);
	assert_int_equal(p.out_width, 2048);
	assert_int_equal(p.out_height, 1024);
	image_plan(&f, &claude, &p);
	assert_int_equal(p.out_width, 1568);
	assert_int_equal(p.out_height, 784);

	/* A long thin strip never goes to 0 px. */
	f = facts("jpeg", 30000, 2, 1);
	image_plan(&f, &claude, &p);
	assert_true(p.ok);
	assert_int_equal(p.out_width, 1568);
	assert_int_equal(p.out_height, 1);
}

static void
test_plan_orientation(void **state)
{
	struct image_facts f;
	struct image_plan  p;
	char               text[128];

	(void)state;
	/* Stored 4000x3000, upright 3000x4000 (3:4, under 4:5). */
	f = facts("jpeg", 4000, 3000, 6);
	image_plan(&f, &instagram, &p);
	assert_true(p.ok && p.rotated && p.padded && p.downscaled);
	assert_int_equal(p.out_width, 1440);
	assert_int_equal(p.out_height, 1800);
	image_plan_text(&p, text, sizeof text);
	assert_string_equal(text,
	                    "rotated, padded to 4:5, downscaled to 1440x1800");
	image_plan(&f, &facebook, &p);
	assert_int_equal(p.out_width, 1536);
	assert_int_equal(p.out_height, 2048);
}

/* Every source size in a sweep, every fit: the output is within the
 * limits and the bounds, and as near the source's (or the bound's)
 * ratio as a pixel allows. */
static void
test_plan_sweep(void **state)
{
	static const enum image_fit fits[] = { IMAGE_FIT_PAD, IMAGE_FIT_CROP,
		                               IMAGE_FIT_SKIP };
	struct image_facts          f;
	struct image_plan           p;
	struct image_spec           s;
	size_t                      i;
	long long                   W, H, w, h, n = 0;

	(void)state;
	for (i = 0; i < nitems(fits); i++) {
		s = with_fit(&instagram, fits[i]);
		for (W = 320; W <= 6000; W += 37)
			for (H = 150; H <= 9000; H += 41) {
				f = facts("jpeg", (int)W, (int)H, 1);
				image_plan(&f, &s, &p);
				if (fits[i] == IMAGE_FIT_SKIP &&
				    !ig_ratio_ok(W, H)) {
					assert_false(p.ok);
					continue;
				}
				assert_true(p.ok);
				w = p.out_width;
				h = p.out_height;
				if (!ig_ratio_ok(w, h) || w > 1440 || w < 1)
					fail_msg("%lldx%lld -> %lldx%lld", W, H,
					         w, h);
				/* Within a pixel of the intended ratio. */
				if (!p.padded && !p.cropped) {
					double r = (double)W / H;

					assert_true((w - 1) <= r * (h + 1) &&
					            (w + 1) >= r * (h - 1));
					if (!p.downscaled)
						assert_true(w == W && h == H);
				}
				n++;
			}
	}
	/* The unbounded channels: the long side, and the ratio kept. */
	for (W = 1; W <= 9000; W += 53)
		for (H = 1; H <= 9000; H += 59) {
			f = facts("heif", (int)W, (int)H, 1);
			image_plan(&f, &claude, &p);
			assert_true(p.ok && !p.padded && !p.cropped);
			w = p.out_width;
			h = p.out_height;
			assert_true(w >= 1 && h >= 1 && w <= 1568 && h <= 1568);
			assert_true(w <= W && h <= H);
			assert_true(llabs(w * H - h * W) <= W + H);
			n++;
		}
	assert_true(n > 50000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_pad),
		cmocka_unit_test(test_plan_crop),
		cmocka_unit_test(test_plan_skip),
		cmocka_unit_test(test_plan_bounds_exact),
		cmocka_unit_test(test_plan_small_and_huge),
		cmocka_unit_test(test_plan_orientation),
		cmocka_unit_test(test_plan_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
