/*
 * preview: a photo.preview reply turned into terminal output with
 * libchafa. The console asks for a JPEG about the size of the area it
 * will fill (preview_want), keeps the reply (preview_new), and renders it
 * for the area each time the screen is drawn (preview_render): once when
 * it opens, again after a resize. Console thread only.
 *
 * DESIGN
 * Pixel graphics are used only when nothing can go wrong with them: the
 * terminal is one chafa knows draws them, no multiplexer sits between
 * (tmux and screen would pass them on to a terminal nobody asked), and,
 * for sixels, the cell size in pixels is known, since a sixel image is
 * as many pixels as it is sent and a wrong guess would spill over the
 * footer. Kitty's images are scaled to the cells they are given, so a
 * guess (10x20) does no harm there. Everything else gets Unicode symbols
 * (ASCII outside a UTF-8 locale) in as many colours as the terminal
 * says it has, or none: NO_COLOR or a terminal without colours gets the
 * symbols alone, dithered, with no escape sequence at all.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <langinfo.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chafa.h>
#include <openssl/evp.h>

#include "activities/imagework.h"
#include "common/util.h"
#include "ipc/proto.h"
#include "tui/preview.h"

/* How long the console waits for herald-image to decode a preview. */
#define DECODE_MS 5000

/* A reply's base64 beyond this is not a preview (the daemon sends at
 * most 256 KiB of JPEG). */
#define DATA_MAX (8 * 1024 * 1024)
/* Source pixels per cell that symbols can use: chafa matches a cell
 * against 8x8 shapes, and a cell is about twice as high as wide. */
#define SYMBOL_PX_W 8
#define SYMBOL_PX_H 16
/* A cell's pixels when the terminal does not say. */
#define GUESS_CELL_W 10
#define GUESS_CELL_H 20

struct preview {
	char          *execution, *key, *channel, *done;
	int            vw, vh; /* the variant's size; -1: not said */
	double         vbytes;
	unsigned char *jpeg;
	size_t         jlen;
	int            jw, jh;         /* the preview's size, as sent */
	int            want_w, want_h; /* the bounds it was asked with */
};

static const char *const channels[] = { "instagram", "facebook", "claude" };

void
preview_term_detect(struct preview_term *t, int colours, int fd)
{
	const char    *nc = getenv("NO_COLOR"), *ct = getenv("COLORTERM");
	const char    *term = getenv("TERM"), *cs;
	struct winsize ws;
	ChafaTermInfo *ti;

	memset(t, 0, sizeof *t);
	t->colours = colours;
	t->no_colour = nc != NULL && *nc != '\0';
	t->truecolour = ct != NULL && (strcmp(ct, "truecolor") == 0 ||
	                               strcmp(ct, "24bit") == 0);
	t->multiplexer = getenv("TMUX") != NULL || getenv("STY") != NULL ||
	                 (term != NULL && (strncmp(term, "screen", 6) == 0 ||
	                                   strncmp(term, "tmux", 4) == 0));
	cs = nl_langinfo(CODESET);
	t->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
	/* The database knows terminals by their environment (TERM,
	 * TERM_PROGRAM, VTE_VERSION...); it asks the terminal nothing. */
	ti = chafa_term_db_detect(chafa_term_db_get_default(), environ);
	t->sixels = chafa_term_info_have_seq(ti, CHAFA_TERM_SEQ_BEGIN_SIXELS);
	t->kitty = chafa_term_info_have_seq(
	    ti, CHAFA_TERM_SEQ_BEGIN_KITTY_IMMEDIATE_IMAGE_V1);
	chafa_term_info_unref(ti);
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0 &&
	    ws.ws_xpixel >= ws.ws_col && ws.ws_ypixel >= ws.ws_row) {
		t->cell_w = ws.ws_xpixel / ws.ws_col;
		t->cell_h = ws.ws_ypixel / ws.ws_row;
	}
}

void
preview_choose(const struct preview_term *t, struct preview_mode *m)
{
	int known = t->cell_w > 0 && t->cell_h > 0;

	memset(m, 0, sizeof *m);
	m->ascii = !t->utf8;
	if (t->no_colour)
		m->colours = PREVIEW_MONO;
	else if (t->truecolour)
		m->colours = PREVIEW_TRUECOLOUR;
	else if (t->colours >= 256)
		m->colours = PREVIEW_256;
	else if (t->colours >= 16)
		m->colours = PREVIEW_16;
	else if (t->colours >= 8)
		m->colours = PREVIEW_8;
	else
		m->colours = PREVIEW_MONO;
	m->pixels = PREVIEW_SYMBOLS;
	if (m->colours != PREVIEW_MONO && !t->multiplexer) {
		if (t->kitty)
			m->pixels = PREVIEW_KITTY;
		else if (t->sixels && known)
			m->pixels = PREVIEW_SIXELS;
	}
	m->cell_w = known ? t->cell_w : GUESS_CELL_W;
	m->cell_h = known ? t->cell_h : GUESS_CELL_H;
}

/* v within the pixels photo.preview takes, as its entry in the method
 * table says: the daemon checks the same numbers. */
static int
clamp_px(long v)
{
	static int64_t       lo, hi;
	const struct method *m;
	const struct param  *p;

	if (hi == 0) {
		if ((m = proto_method("photo.preview")) == NULL)
			fatal("no photo.preview in the method table");
		for (p = m->params; p != NULL && p->name != NULL; p++)
			if (strcmp(p->name, "width") == 0) {
				lo = p->min;
				hi = p->max;
			}
		if (hi <= 0)
			fatal("photo.preview takes no width");
	}
	if (v < lo)
		return (int)lo;
	if (v > hi)
		return (int)hi;
	return (int)v;
}

void
preview_want(const struct preview_mode *m, int cols, int rows, int *w, int *h)
{
	int sym = m->pixels == PREVIEW_SYMBOLS;

	*w = clamp_px((long)cols * (sym ? SYMBOL_PX_W : m->cell_w));
	*h = clamp_px((long)rows * (sym ? SYMBOL_PX_H : m->cell_h));
}

const char *
preview_next_channel(const char *channel, int dir)
{
	size_t i, n = nitems(channels);

	for (i = 0; i < n; i++)
		if (channel != NULL && strcmp(channel, channels[i]) == 0)
			break;
	if (i == n)
		i = 0;
	return channels[(i + n + (dir < 0 ? n - 1 : 1)) % n];
}

/* Decodes strict base64 (no line breaks): a new buffer (caller frees)
 * with *len, or NULL. */
static unsigned char *
unbase64(const char *s, size_t *len)
{
	size_t         n = strlen(s), pad = 0;
	unsigned char *out;
	int            got;

	if (n == 0 || n % 4 != 0 || n > DATA_MAX)
		return NULL;
	while (pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	out = xmalloc(n / 4 * 3 + 1);
	/* EVP_DecodeBlock refuses anything outside the alphabet, and
	 * counts the padding as zero bytes. */
	got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return NULL;
	}
	*len = (size_t)got - pad;
	return out;
}

/* A whole number in 0..max, or -1 when o[key] is not one. */
static double
jnum(const cJSON *o, const char *key, double max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	double       d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	return d >= 0 && d <= max && d == (double)(int64_t)d ? d : -1;
}

static char *
jdup(const cJSON *o, const char *key, const char *dflt)
{
	const char *s =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

	return xstrdup(s != NULL ? s : dflt);
}

struct preview *
preview_new(const cJSON *res, int want_w, int want_h, char **cause)
{
	const char     *data, *format;
	const cJSON    *v = cJSON_GetObjectItemCaseSensitive(res, "variant");
	struct preview *pv;

	data =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "data"));
	format = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(res, "format"));
	if (data == NULL) {
		xasprintf(cause, "the daemon sent no picture");
		return NULL;
	}
	if (format != NULL && strcmp(format, "jpeg") != 0) {
		xasprintf(cause, "the daemon sent a picture in %.16s, not JPEG",
		          format);
		return NULL;
	}
	pv = xcalloc(1, sizeof *pv);
	if ((pv->jpeg = unbase64(data, &pv->jlen)) == NULL) {
		xasprintf(cause, "the daemon's picture is not base64");
		free(pv);
		return NULL;
	}
	pv->execution = jdup(res, "execution", "-");
	pv->key = jdup(res, "key", "-");
	pv->channel = jdup(res, "channel", "instagram");
	pv->done = jdup(v, "done", NULL);
	pv->jw = (int)jnum(res, "width", 1e6);
	pv->jh = (int)jnum(res, "height", 1e6);
	pv->vw = (int)jnum(v, "width", 1e6);
	pv->vh = (int)jnum(v, "height", 1e6);
	pv->vbytes = jnum(v, "bytes", 1e12);
	pv->want_w = want_w;
	pv->want_h = want_h;
	return pv;
}

void
preview_free(struct preview *pv)
{
	if (pv == NULL)
		return;
	free(pv->execution);
	free(pv->key);
	free(pv->channel);
	free(pv->done);
	free(pv->jpeg);
	free(pv);
}

const char *
preview_execution(const struct preview *pv)
{
	return pv->execution;
}

const char *
preview_channel(const struct preview *pv)
{
	return pv->channel;
}

const char *
preview_key(const struct preview *pv)
{
	return pv->key;
}

char *
preview_facts(const struct preview *pv)
{
	char  *out, size[32] = "";
	double b = pv->vbytes;

	if (b >= 1024 * 1024)
		snprintf(size, sizeof size, ", %.1f MiB", b / (1024 * 1024));
	else if (b >= 1024)
		snprintf(size, sizeof size, ", %.0f KiB", b / 1024);
	else if (b >= 0)
		snprintf(size, sizeof size, ", %.0f bytes", b);
	if (pv->vw > 0 && pv->vh > 0)
		xasprintf(&out, "%s %dx%d%s%s%s", pv->channel, pv->vw, pv->vh,
		          size, pv->done ? ": " : "", pv->done ? pv->done : "");
	else
		xasprintf(&out, "%s variant%s%s%s", pv->channel, size,
		          pv->done ? ": " : "", pv->done ? pv->done : "");
	return out;
}

int
preview_stale(const struct preview *pv, const struct preview_mode *m, int cols,
              int rows)
{
	int w, h;

	preview_want(m, cols, rows, &w, &h);
	if (w <= pv->want_w && h <= pv->want_h)
		return 0;
	/* A preview smaller than its bounds on both sides is the whole
	 * variant already: the daemon never enlarges. */
	return pv->jw >= pv->want_w - 1 || pv->jh >= pv->want_h - 1;
}

static ChafaCanvasMode
canvas_mode(enum preview_colours c)
{
	switch (c) {
	case PREVIEW_TRUECOLOUR:
		return CHAFA_CANVAS_MODE_TRUECOLOR;
	case PREVIEW_256:
		return CHAFA_CANVAS_MODE_INDEXED_256;
	case PREVIEW_16:
		return CHAFA_CANVAS_MODE_INDEXED_16;
	case PREVIEW_8:
		return CHAFA_CANVAS_MODE_INDEXED_8;
	case PREVIEW_MONO:
		break;
	}
	return CHAFA_CANVAS_MODE_FGBG;
}

/* chafa's canvas for cols x rows cells in mode, the picture's pixels
 * (w x h RGBA) drawn on it. */
static ChafaCanvas *
make_canvas(const struct preview_mode *m, int cols, int rows,
            const unsigned char *px, int w, int h)
{
	ChafaCanvasConfig *cfg = chafa_canvas_config_new();
	ChafaSymbolMap    *sym = chafa_symbol_map_new();
	ChafaCanvas       *cv;

	chafa_canvas_config_set_geometry(cfg, cols, rows);
	chafa_canvas_config_set_cell_geometry(cfg, m->cell_w, m->cell_h);
	chafa_canvas_config_set_pixel_mode(
	    cfg, m->pixels == PREVIEW_KITTY    ? CHAFA_PIXEL_MODE_KITTY
	         : m->pixels == PREVIEW_SIXELS ? CHAFA_PIXEL_MODE_SIXELS
	                                       : CHAFA_PIXEL_MODE_SYMBOLS);
	chafa_canvas_config_set_canvas_mode(
	    cfg, m->pixels == PREVIEW_SYMBOLS ? canvas_mode(m->colours)
	                                      : CHAFA_CANVAS_MODE_TRUECOLOR);
	/* Blocks and box-drawing lines are in every monospace font that
	 * has any; wide and inverted ones draw badly in many. Two colours
	 * need dithering, or a gradient becomes one hard edge. */
	if (m->ascii)
		chafa_symbol_map_add_by_tags(sym, CHAFA_SYMBOL_TAG_ASCII);
	else {
		chafa_symbol_map_add_by_tags(sym, CHAFA_SYMBOL_TAG_BLOCK |
		                                      CHAFA_SYMBOL_TAG_BORDER |
		                                      CHAFA_SYMBOL_TAG_SPACE);
		chafa_symbol_map_remove_by_tags(
		    sym, CHAFA_SYMBOL_TAG_WIDE | CHAFA_SYMBOL_TAG_INVERTED);
	}
	chafa_canvas_config_set_symbol_map(cfg, sym);
	if (m->colours == PREVIEW_MONO)
		chafa_canvas_config_set_dither_mode(cfg,
		                                    CHAFA_DITHER_MODE_ORDERED);
	/* No cursor jumps or repeat sequences: the rows are placed one by
	 * one, and not every terminal knows REP. */
	chafa_canvas_config_set_optimizations(
	    cfg, CHAFA_OPTIMIZATION_REUSE_ATTRIBUTES);
	cv = chafa_canvas_new(cfg);
	chafa_canvas_draw_all_pixels(cv, CHAFA_PIXEL_RGBA8_UNASSOCIATED, px, w,
	                             h, w * 4);
	chafa_symbol_map_unref(sym);
	chafa_canvas_config_unref(cfg);
	return cv;
}

/* What chafa prints with: the terminal's own sequences, and the usual
 * ones for what its database does not list (a truecolour tmux is known
 * as screen-256color). */
static ChafaTermInfo *
term_info(void)
{
	ChafaTermDb   *db = chafa_term_db_get_default();
	ChafaTermInfo *ti = chafa_term_db_detect(db, environ);
	ChafaTermInfo *fb = chafa_term_db_get_fallback_info(db);

	chafa_term_info_supplement(ti, fb);
	chafa_term_info_unref(fb);
	return ti;
}

/* A temporary file of ours: 0 with *path (caller unlinks and frees). */
static int
tmp_file(char **path, int *fd)
{
	const char *dir = getenv("TMPDIR");

	xasprintf(path, "%s/herald-preview-XXXXXX",
	          dir != NULL && *dir == '/' ? dir : "/tmp");
	if ((*fd = mkstemp(*path)) < 0) {
		free(*path);
		*path = NULL;
		return -1;
	}
	return 0;
}

/* The preview's JPEG as RGBA pixels that fit w x h, decoded by
 * herald-image (libvips stays out of this process). */
static int
decode(const struct preview *pv, int max_w, int max_h, unsigned char **px,
       int *w, int *h, char **why)
{
	struct imagework_opts o;
	char  *in = NULL, *out = NULL, *buf = NULL, *cause = NULL;
	size_t len = 0;
	int    fd = -1, ofd = -1, rc = -1;

	*px = NULL;
	if (imagework_program()[0] == '\0' && imagework_init(why) != 0)
		return -1;
	if (tmp_file(&in, &fd) != 0 || tmp_file(&out, &ofd) != 0 ||
	    write(fd, pv->jpeg, pv->jlen) != (ssize_t)pv->jlen) {
		xasprintf(why, "a temporary file: %s", strerror(errno));
		goto done;
	}
	/* On the console's thread: a preview that takes longer is not
	 * worth a frozen screen. */
	o.deadline = clock_ms() + DECODE_MS;
	o.cancel = NULL;
	switch (imagework_rgba(in, max_w, max_h, out, &o, w, h, why)) {
	case IW_OK:
		if (read_small_file(out, (size_t)*w * (size_t)*h * 4, &buf,
		                    &len, &cause) != 0 ||
		    len != (size_t)*w * (size_t)*h * 4) {
			xasprintf(why, "the decoded photo: %s",
			          cause ? cause : "short");
			free(cause);
			free(buf);
			break;
		}
		*px = (unsigned char *)buf;
		rc = 0;
		break;
	default:
		break;
	}
done:
	if (fd >= 0)
		close(fd);
	if (ofd >= 0)
		close(ofd);
	if (in != NULL)
		unlink(in);
	if (out != NULL)
		unlink(out);
	free(in);
	free(out);
	return rc;
}

int
preview_render(struct preview *pv, const struct preview_mode *m, int cols,
               int rows, struct preview_picture *pic, char **cause)
{
	unsigned char *px = NULL;
	char          *why = NULL, *p, *nl;
	int            w, h, gw = cols, gh = rows, sym;
	ChafaCanvas   *cv;
	ChafaTermInfo *ti;
	GString       *gs;

	memset(pic, 0, sizeof *pic);
	if (cols < 1 || rows < 1) {
		xasprintf(cause, "no room for the photo");
		return -1;
	}
	/* Decode only what the area can show. */
	sym = m->pixels == PREVIEW_SYMBOLS;
	if (decode(pv, clamp_px((long)cols * (sym ? SYMBOL_PX_W : m->cell_w)),
	           clamp_px((long)rows * (sym ? SYMBOL_PX_H : m->cell_h)), &px,
	           &w, &h, &why) != 0) {
		xasprintf(cause, "%s cannot be drawn: %s", pv->key, why);
		free(why);
		return -1;
	}
	/* The most cells the photo fills at its own proportions, cells
	 * being cell_w:cell_h. */
	chafa_calc_canvas_geometry(
	    w, h, &gw, &gh, (gfloat)m->cell_w / (gfloat)m->cell_h, TRUE, FALSE);
	gw = gw < 1 ? 1 : gw > cols ? cols : gw;
	gh = gh < 1 ? 1 : gh > rows ? rows : gh;
	cv = make_canvas(m, gw, gh, px, w, h);
	ti = term_info();
	gs = chafa_canvas_print(cv, ti);
	pic->cols = gw;
	pic->rows = gh;
	pic->x = (cols - gw) / 2;
	pic->y = (rows - gh) / 2;
	pic->lines = xcalloc((size_t)gh + 1, sizeof *pic->lines);
	if (!sym)
		pic->lines[pic->nlines++] = xstrdup(gs->str);
	else
		for (p = gs->str; *p != '\0' && pic->nlines < gh; p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL)
				nl = p + strlen(p) - 1;
			pic->lines[pic->nlines++] =
			    xstrndup(p, (size_t)(nl - p + (*nl != '\n')));
		}
	g_string_free(gs, TRUE);
	chafa_term_info_unref(ti);
	chafa_canvas_unref(cv);
	free(px);
	return 0;
}

void
preview_picture_fini(struct preview_picture *pic)
{
	int i;

	for (i = 0; i < pic->nlines; i++)
		free(pic->lines[i]);
	free(pic->lines);
	memset(pic, 0, sizeof *pic);
}
