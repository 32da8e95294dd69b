/*
 * image_plan: what a channel's variant of a photo will be, from the
 * photo's facts and the channel's spec alone (no pixels, no libvips): a
 * pure function, so that every size it can give is tested (a sweep in
 * tests/unit/test_image_plan.c). image.c follows the plan it makes.
 * Any thread.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "activities/image.h"

/* A ratio bound as p/q in lowest terms (q == 0: none), so that the checks
 * on integer sizes are exact: w/h >= p/q is w*q >= p*h. */
struct frac {
	long long p, q;
};

static long long
gcd(long long a, long long b)
{
	while (b != 0) {
		long long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static struct frac
to_frac(double r)
{
	struct frac f = { 0, 0 };
	long long   g;

	if (!(r > 0) || r > 1000)
		return f;
	f.p = llround(r * 1000);
	f.q = 1000;
	if (f.p == 0)
		return (struct frac){ 0, 0 };
	g = gcd(f.p, f.q);
	f.p /= g;
	f.q /= g;
	return f;
}

/* "4:5", "1:1", "1.91:1". */
static void
frac_text(struct frac f, char *buf, size_t n)
{
	char  *dot;
	size_t len;

	if (f.p <= 32 && f.q <= 32)
		snprintf(buf, n, "%lld:%lld", f.p, f.q);
	else {
		snprintf(buf, n, "%.3f", (double)f.p / (double)f.q);
		if ((dot = strchr(buf, '.')) != NULL) {
			len = strlen(buf);
			while (len > 0 && buf[len - 1] == '0')
				buf[--len] = '\0';
			if (buf[len - 1] == '.')
				buf[--len] = '\0';
		}
		len = strlen(buf);
		snprintf(buf + len, n - len, ":1");
	}
}

/* w x h is within the bounds and limits. */
static int
size_fits(long long w, long long h, struct frac lo, struct frac hi,
          const struct image_spec *s)
{
	if (w < 1 || h < 1)
		return 0;
	if (lo.q != 0 && w * lo.q < lo.p * h)
		return 0;
	if (hi.q != 0 && w * hi.q > hi.p * h)
		return 0;
	if (s->max_width > 0 && w > s->max_width)
		return 0;
	if (s->max_long > 0 && (w > s->max_long || h > s->max_long))
		return 0;
	return 1;
}

void
image_plan(const struct image_facts *f, const struct image_spec *s,
           struct image_plan *p)
{
	struct frac lo, hi, bound = { 0, 0 };
	long long   W = f->up_width, H = f->up_height, w, h;
	double      fw, fh, k, longest;
	int         tall = 0, tries;
	char        rtext[32] = "";

	memset(p, 0, sizeof *p);
	p->rotated = f->orientation > 1;
	p->converted = strcmp(f->format, "jpeg") != 0;
	if (W < 1 || H < 1) {
		snprintf(p->why, sizeof p->why, "%lldx%lld: no picture", W, H);
		return;
	}
	if (s->min_width > 0 && W < s->min_width) {
		snprintf(p->why, sizeof p->why,
		         "%lld px wide: under the %d px the channel takes", W,
		         s->min_width);
		return;
	}
	lo = to_frac(s->min_ratio);
	hi = to_frac(s->max_ratio);
	if (lo.q != 0 && W * lo.q < lo.p * H) {
		bound = lo;
		tall = 1;
	} else if (hi.q != 0 && W * hi.q > hi.p * H)
		bound = hi;

	/* The frame, in source pixels: what is kept of the source (crop),
	 * or the canvas it is centred on (pad). */
	fw = (double)W;
	fh = (double)H;
	if (bound.q != 0) {
		frac_text(bound, rtext, sizeof rtext);
		switch (s->fit) {
		case IMAGE_FIT_SKIP:
			snprintf(p->why, sizeof p->why,
			         "%lldx%lld is %s than the %s the channel "
			         "takes",
			         W, H, tall ? "taller" : "wider", rtext);
			return;
		case IMAGE_FIT_CROP:
			if (tall)
				fh = (double)W * bound.q / bound.p;
			else
				fw = (double)H * bound.p / bound.q;
			p->cropped = 1;
			break;
		case IMAGE_FIT_PAD:
			if (tall)
				fw = (double)H * bound.p / bound.q;
			else
				fh = (double)W * bound.q / bound.p;
			p->padded = 1;
			break;
		}
		/* At most "999.999:1" from frac_text. */
		memcpy(p->ratio, rtext, sizeof p->ratio - 1);
	}

	k = 1.0;
	if (s->max_width > 0 && fw > s->max_width)
		k = fmin(k, s->max_width / fw);
	longest = fmax(fw, fh);
	if (s->max_long > 0 && longest > s->max_long)
		k = fmin(k, s->max_long / longest);

	/*
	 * Rounding to the nearest pixel never crosses an integer limit the
	 * exact size is under, but it can cross a ratio bound by a pixel:
	 * then the height moves to the bound's side (floor under the
	 * tallest ratio, ceiling over the widest). A width a pixel smaller
	 * is tried when that is not enough (a very narrow range, or a side
	 * that had to be made 1 px).
	 */
	w = llround(fw * k);
	h = llround(fh * k);
	for (tries = 0;; tries++) {
		if (w < 1)
			w = 1;
		if (h < 1)
			h = 1;
		if (lo.q != 0 && w * lo.q < lo.p * h)
			h = w * lo.q / lo.p;
		if (hi.q != 0 && w * hi.q > hi.p * h)
			h = (w * hi.q + hi.p - 1) / hi.p;
		if (size_fits(w, h, lo, hi, s))
			break;
		if (w == 1 || tries == 64) {
			snprintf(p->why, sizeof p->why,
			         "%lldx%lld: no size fits the channel's limits",
			         W, H);
			return;
		}
		w--;
		h = llround(w * fh / fw);
	}
	p->out_width = (int)w;
	p->out_height = (int)h;
	p->downscaled = k < 1.0;
	p->ok = 1;
}

void
image_plan_text(const struct image_plan *p, char *buf, size_t n)
{
	size_t len = 0;

#define ADD(...)                                                               \
	do {                                                                   \
		if (len < n)                                                   \
			len +=                                                 \
			    (size_t)snprintf(buf + len, n - len, __VA_ARGS__); \
	} while (0)

	if (n == 0)
		return;
	buf[0] = '\0';
	if (!p->ok) {
		snprintf(buf, n, "%s", p->why);
		return;
	}
	if (!p->rotated && !p->converted && !p->cropped && !p->padded &&
	    !p->downscaled) {
		snprintf(buf, n, "as it is (%dx%d JPEG)", p->out_width,
		         p->out_height);
		return;
	}
	if (p->rotated)
		ADD("rotated");
	if (p->converted)
		ADD("%sconverted to JPEG", len > 0 ? ", " : "");
	if (p->cropped)
		ADD("%scropped to %s", len > 0 ? ", " : "", p->ratio);
	if (p->padded)
		ADD("%spadded to %s", len > 0 ? ", " : "", p->ratio);
	if (p->downscaled)
		ADD("%sdownscaled to %dx%d", len > 0 ? ", " : "", p->out_width,
		    p->out_height);
	else
		ADD(" (%dx%d)", p->out_width, p->out_height);
#undef ADD
}
