/*
 * The console's photo screen without a terminal: which drawing mode a
 * terminal gets (pixels only where surely supported, nothing but symbols
 * under NO_COLOR or a multiplexer), the pixel size asked of the daemon,
 * the channel order, reading a photo.preview reply (and refusing what is
 * not one), and what chafa's output looks like in each mode, from a demo
 * photo.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "common/util.h"
#include "tui/preview.h"

#define PHOTO HERALD_SRC "/assets/photos/costume/beige-summer-suit.jpg"

static const struct {
	const char          *name;
	struct preview_term  t;
	enum preview_pixels  pixels;
	enum preview_colours colours;
	int                  cell_w, cell_h;
} modes[] = {
	{ "xterm-256color",
	  { 256, 0, 0, 0, 1, 0, 0, 0, 0 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_256,
	  10,
	  20 },
	{ "truecolour",
	  { 256, 0, 1, 0, 1, 0, 0, 9, 18 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_TRUECOLOUR,
	  9,
	  18 },
	{ "16 colours",
	  { 16, 0, 0, 0, 1, 0, 0, 0, 0 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_16,
	  10,
	  20 },
	{ "linux console",
	  { 8, 0, 0, 0, 1, 0, 0, 0, 0 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_8,
	  10,
	  20 },
	{ "no colours",
	  { -1, 0, 0, 0, 1, 1, 1, 8, 16 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_MONO,
	  8,
	  16 },
	{ "NO_COLOR on kitty",
	  { 256, 1, 1, 0, 1, 0, 1, 8, 16 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_MONO,
	  8,
	  16 },
	{ "kitty",
	  { 256, 0, 1, 0, 1, 0, 1, 0, 0 },
	  PREVIEW_KITTY,
	  PREVIEW_TRUECOLOUR,
	  10,
	  20 },
	{ "kitty in tmux",
	  { 256, 0, 1, 1, 1, 0, 1, 8, 16 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_TRUECOLOUR,
	  8,
	  16 },
	{ "foot",
	  { 256, 0, 0, 0, 1, 1, 0, 9, 19 },
	  PREVIEW_SIXELS,
	  PREVIEW_256,
	  9,
	  19 },
	/* A sixel image is as many pixels as sent: a guessed cell size
	 * could spill it over the footer. */
	{ "sixels, cell size unknown",
	  { 256, 0, 0, 0, 1, 1, 0, 0, 0 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_256,
	  10,
	  20 },
	{ "sixels in screen",
	  { 256, 0, 0, 1, 1, 1, 0, 9, 19 },
	  PREVIEW_SYMBOLS,
	  PREVIEW_256,
	  9,
	  19 },
};

static void
test_choose(void **state)
{
	struct preview_mode m;
	struct preview_term t;
	size_t              i;

	(void)state;
	for (i = 0; i < nitems(modes); i++) {
		preview_choose(&modes[i].t, &m);
		if (m.pixels != modes[i].pixels ||
		    m.colours != modes[i].colours ||
		    m.cell_w != modes[i].cell_w ||
		    m.cell_h != modes[i].cell_h || m.ascii)
			fail_msg("%s: pixels %d colours %d cell %dx%d",
			         modes[i].name, m.pixels, m.colours, m.cell_w,
			         m.cell_h);
	}
	t = modes[0].t;
	t.utf8 = 0;
	preview_choose(&t, &m);
	assert_true(m.ascii);
}

/* What the environment says, read as the console reads it. */
static void
test_detect(void **state)
{
	struct preview_term t;

	(void)state;
	unsetenv("TMUX");
	unsetenv("STY");
	unsetenv("COLORTERM");
	unsetenv("NO_COLOR");
	unsetenv("KITTY_WINDOW_ID");
	unsetenv("TERM_PROGRAM");
	unsetenv("VTE_VERSION");
	setenv("TERM", "xterm-256color", 1);
	preview_term_detect(&t, 256, -1);
	assert_int_equal(t.colours, 256);
	assert_false(t.sixels || t.kitty || t.multiplexer || t.no_colour ||
	             t.truecolour);
	assert_int_equal(t.cell_w, 0); /* no terminal to ask */
	assert_true(t.utf8);
	setenv("TERM", "xterm-kitty", 1);
	preview_term_detect(&t, 256, -1);
	assert_true(t.kitty);
	setenv("TERM", "foot", 1);
	preview_term_detect(&t, 256, -1);
	assert_true(t.sixels);
	setenv("TERM", "screen-256color", 1);
	setenv("COLORTERM", "truecolor", 1);
	preview_term_detect(&t, 256, -1);
	assert_true(t.multiplexer && t.truecolour);
	setenv("TERM", "xterm-256color", 1);
	setenv("TMUX", "/tmp/tmux-0/default,1,0", 1);
	setenv("COLORTERM", "24bit", 1);
	preview_term_detect(&t, 256, -1);
	assert_true(t.multiplexer && t.truecolour);
	setenv("NO_COLOR", "", 1); /* empty: as if not set */
	preview_term_detect(&t, 256, -1);
	assert_false(t.no_colour);
	setenv("NO_COLOR", "1", 1);
	preview_term_detect(&t, 256, -1);
	assert_true(t.no_colour);
	unsetenv("NO_COLOR");
	unsetenv("TMUX");
	unsetenv("COLORTERM");
}

static void
test_want(void **state)
{
	struct preview_mode sym = { PREVIEW_SYMBOLS, PREVIEW_256, 0, 10, 20 };
	struct preview_mode six = { PREVIEW_SIXELS, PREVIEW_256, 0, 9, 18 };
	int                 w, h;

	(void)state;
	preview_want(&sym, 80, 20, &w, &h);
	assert_int_equal(w, 640);
	assert_int_equal(h, 320);
	preview_want(&sym, 200, 56, &w, &h);
	assert_int_equal(w, 1600);
	assert_int_equal(h, 896);
	/* photo.preview's bounds: 16..2048. */
	preview_want(&sym, 400, 200, &w, &h);
	assert_int_equal(w, 2048);
	assert_int_equal(h, 2048);
	preview_want(&sym, 1, 0, &w, &h);
	assert_int_equal(w, 16);
	assert_int_equal(h, 16);
	preview_want(&six, 100, 50, &w, &h);
	assert_int_equal(w, 900);
	assert_int_equal(h, 900);
}

static void
test_channels(void **state)
{
	(void)state;
	assert_string_equal(preview_next_channel("instagram", 1), "facebook");
	assert_string_equal(preview_next_channel("facebook", 1), "claude");
	assert_string_equal(preview_next_channel("claude", 1), "instagram");
	assert_string_equal(preview_next_channel("instagram", -1), "claude");
	assert_string_equal(preview_next_channel("facebook", -1), "instagram");
	assert_string_equal(preview_next_channel("tiktok", 1), "facebook");
	assert_string_equal(preview_next_channel(NULL, -1), "claude");
}

/* A photo.preview reply carrying the demo photo. */
static cJSON *
reply(const char *format)
{
	char  *buf = NULL, *b64;
	size_t len = 0;
	cJSON *r = cJSON_CreateObject(), *v;
	char  *cause = NULL;

	if (read_small_file(PHOTO, 1 << 20, &buf, &len, &cause) != 0)
		fail_msg("%s", cause);
	b64 = xmalloc((len + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)buf, (int)len);
	cJSON_AddStringToObject(r, "execution", "costume-demo-first-run");
	cJSON_AddStringToObject(r, "brand", "costume");
	cJSON_AddStringToObject(r, "key", "beige-summer-suit.jpg");
	cJSON_AddStringToObject(r, "channel", "instagram");
	cJSON_AddStringToObject(r, "format", format);
	cJSON_AddNumberToObject(r, "width", 480);
	cJSON_AddNumberToObject(r, "height", 600);
	cJSON_AddNumberToObject(r, "bytes", (double)len);
	cJSON_AddStringToObject(r, "data", b64);
	v = cJSON_AddObjectToObject(r, "variant");
	cJSON_AddNumberToObject(v, "width", 480);
	cJSON_AddNumberToObject(v, "height", 600);
	cJSON_AddNumberToObject(v, "bytes", 49 * 1024);
	cJSON_AddStringToObject(v, "done", "as it is (480x600 JPEG)");
	free(b64);
	free(buf);
	return r;
}

static void
test_reply(void **state)
{
	struct preview     *pv;
	struct preview_mode sym = { PREVIEW_SYMBOLS, PREVIEW_256, 0, 10, 20 };
	cJSON              *r = reply("jpeg");
	char               *cause = NULL, *facts;

	(void)state;
	/* Asked at 640x336, a preview of 268x336 came: its height was
	 * the limit. */
	cJSON_ReplaceItemInObject(r, "width", cJSON_CreateNumber(268));
	cJSON_ReplaceItemInObject(r, "height", cJSON_CreateNumber(336));
	pv = preview_new(r, 640, 336, &cause);
	assert_non_null(pv);
	assert_string_equal(preview_execution(pv), "costume-demo-first-run");
	assert_string_equal(preview_key(pv), "beige-summer-suit.jpg");
	assert_string_equal(preview_channel(pv), "instagram");
	facts = preview_facts(pv);
	assert_string_equal(
	    facts, "instagram 480x600, 49 KiB: as it is (480x600 JPEG)");
	free(facts);
	/* So a taller screen wants a sharper one; a smaller one does
	 * not. */
	assert_true(preview_stale(pv, &sym, 200, 56));
	assert_false(preview_stale(pv, &sym, 80, 20));
	preview_free(pv);
	/* Asked at 1600x896, the 480x600 sent is the whole variant. */
	cJSON_ReplaceItemInObject(r, "width", cJSON_CreateNumber(480));
	cJSON_ReplaceItemInObject(r, "height", cJSON_CreateNumber(600));
	pv = preview_new(r, 1600, 896, &cause);
	assert_false(preview_stale(pv, &sym, 250, 100));
	preview_free(pv);

	/* Not a preview. */
	cJSON_ReplaceItemInObject(r, "data",
	                          cJSON_CreateString("bm90IGEgcGhvdG8=!"));
	assert_null(preview_new(r, 640, 640, &cause));
	assert_non_null(strstr(cause, "base64"));
	free(cause);
	cJSON_ReplaceItemInObject(r, "data", cJSON_CreateString("a\nb="));
	assert_null(preview_new(r, 640, 640, &cause));
	free(cause);
	cJSON_DeleteItemFromObject(r, "data");
	assert_null(preview_new(r, 640, 640, &cause));
	assert_non_null(strstr(cause, "no picture"));
	free(cause);
	cJSON_Delete(r);
	r = reply("png");
	assert_null(preview_new(r, 640, 640, &cause));
	assert_non_null(strstr(cause, "not JPEG"));
	free(cause);
	cJSON_Delete(r);
}

/* Renders the demo photo into 40x20 cells in mode. */
static void
render(const struct preview_mode *m, struct preview_picture *pic)
{
	cJSON          *r = reply("jpeg");
	char           *cause = NULL;
	struct preview *pv = preview_new(r, 640, 640, &cause);

	assert_non_null(pv);
	if (preview_render(pv, m, 40, 20, pic, &cause) != 0)
		fail_msg("render: %s", cause);
	preview_free(pv);
	cJSON_Delete(r);
}

static int
has_blocks(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	/* U+2580..U+259F: E2 96 80..9F. */
	for (; p[0] != '\0' && p[1] != '\0' && p[2] != '\0'; p++)
		if (p[0] == 0xE2 && p[1] == 0x96 && p[2] >= 0x80 &&
		    p[2] <= 0x9F)
			return 1;
	return 0;
}

static void
test_render(void **state)
{
	struct preview_mode    m = { PREVIEW_SYMBOLS, PREVIEW_256, 0, 10, 20 };
	struct preview_picture pic;
	int                    i, blocks = 0;
	const char            *s;

	(void)state;
	/* 4:5 in cells half as wide as high: the height is the limit, and
	 * 20 rows make 32 columns, centred. */
	render(&m, &pic);
	assert_int_equal(pic.rows, 20);
	assert_in_range(pic.cols, 31, 33);
	assert_int_equal(pic.x, (40 - pic.cols) / 2);
	assert_int_equal(pic.y, 0);
	assert_int_equal(pic.nlines, 20);
	for (i = 0; i < pic.nlines; i++) {
		assert_null(strchr(pic.lines[i], '\n'));
		assert_null(strstr(pic.lines[i], "38;2;"));
		blocks += has_blocks(pic.lines[i]);
	}
	assert_true(blocks > 0);
	assert_non_null(strstr(pic.lines[5], "\033[38;5;"));
	preview_picture_fini(&pic);

	m.colours = PREVIEW_TRUECOLOUR;
	render(&m, &pic);
	assert_non_null(strstr(pic.lines[5], "38;2;"));
	preview_picture_fini(&pic);

	/* NO_COLOR: not one escape sequence. */
	m.colours = PREVIEW_MONO;
	render(&m, &pic);
	for (i = 0, blocks = 0; i < pic.nlines; i++) {
		assert_null(strchr(pic.lines[i], '\033'));
		blocks += has_blocks(pic.lines[i]);
	}
	assert_true(blocks > 0);
	preview_picture_fini(&pic);

	m.ascii = 1;
	render(&m, &pic);
	for (i = 0; i < pic.nlines; i++)
		for (s = pic.lines[i]; *s != '\0'; s++)
			assert_true(*s >= 0x20 && *s < 0x7f);
	preview_picture_fini(&pic);

	/* Pixels: one blob, a DCS for sixels, APCs for kitty. */
	m = (struct preview_mode){ PREVIEW_SIXELS, PREVIEW_256, 0, 10, 20 };
	render(&m, &pic);
	assert_int_equal(pic.nlines, 1);
	assert_non_null(strstr(pic.lines[0], "\033P"));
	preview_picture_fini(&pic);
	m.pixels = PREVIEW_KITTY;
	render(&m, &pic);
	assert_int_equal(pic.nlines, 1);
	assert_non_null(strstr(pic.lines[0], "\033_G"));
	preview_picture_fini(&pic);
}

static void
test_render_bad(void **state)
{
	struct preview_mode    m = { PREVIEW_SYMBOLS, PREVIEW_256, 0, 10, 20 };
	struct preview_picture pic;
	cJSON                 *r = reply("jpeg");
	char                  *cause = NULL;
	struct preview        *pv;

	(void)state;
	/* Base64 of bytes that are no JPEG. */
	cJSON_ReplaceItemInObject(r, "data",
	                          cJSON_CreateString("bm90IGEgcGhvdG8="));
	pv = preview_new(r, 640, 640, &cause);
	assert_non_null(pv);
	assert_int_equal(preview_render(pv, &m, 40, 20, &pic, &cause), -1);
	assert_non_null(strstr(cause, "beige-summer-suit.jpg cannot be drawn"));
	free(cause);
	assert_int_equal(preview_render(pv, &m, 0, 20, &pic, &cause), -1);
	free(cause);
	preview_free(pv);
	cJSON_Delete(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_want),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_bad),
	};
	int rc;

	if (setlocale(LC_ALL, "C.UTF-8") == NULL) {
		fprintf(stderr, "test_preview: no C.UTF-8 locale\n");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	return rc;
}
