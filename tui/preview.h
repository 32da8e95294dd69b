/*
 * preview: a run's photo drawn in the terminal (the console's `p`). The
 * daemon sends a small JPEG of the variant one channel gets
 * (photo.preview, over the protocol even for a local daemon, so a remote
 * console works the same); herald-image decodes it (activities/
 * imagework.h: libvips stays out of this process) and this turns it
 * into what a terminal shows, with libchafa: Unicode block symbols on
 * any terminal, sixel or kitty graphics only where chafa's terminal
 * database says the terminal has them and no multiplexer stands in
 * between (tmux and screen get symbols). With NO_COLOR, symbols in the
 * terminal's own two colours and no colour escapes at all.
 *
 * No curses here: the pure choices (mode, pixel size to ask for) are
 * unit-tested, and view_preview.c puts the result on the screen. Console
 * thread only.
 */
#ifndef HERALD_PREVIEW_H
#define HERALD_PREVIEW_H

#include <cjson/cJSON.h>

enum preview_pixels { PREVIEW_SYMBOLS, PREVIEW_SIXELS, PREVIEW_KITTY };

enum preview_colours {
	PREVIEW_TRUECOLOUR,
	PREVIEW_256,
	PREVIEW_16,
	PREVIEW_8,
	PREVIEW_MONO, /* the terminal's foreground and background only */
};

/* What the terminal is, as far as anyone can tell without asking it. */
struct preview_term {
	int colours;        /* terminfo's colours; < 0: none */
	int no_colour;      /* NO_COLOR set (to anything but "") */
	int truecolour;     /* COLORTERM is truecolor or 24bit */
	int multiplexer;    /* inside tmux or screen */
	int utf8;           /* the locale's characters are UTF-8 */
	int sixels;         /* chafa's database: the terminal draws sixels */
	int kitty;          /* ...kitty's graphics */
	int cell_w, cell_h; /* a cell in pixels (TIOCGWINSZ); 0: unknown */
};

/* How a picture is drawn. */
struct preview_mode {
	enum preview_pixels  pixels;
	enum preview_colours colours;
	int                  ascii;          /* symbols from ASCII only */
	int                  cell_w, cell_h; /* a cell's pixels, or a guess */
};

/* The terminal on fd, from the environment, chafa's database and the
 * window size; colours is terminfo's count (tigetnum("colors")). */
void preview_term_detect(struct preview_term *, int colours, int fd);

/* Pure: how to draw on such a terminal. */
void preview_choose(const struct preview_term *, struct preview_mode *);

/* Pure: the pixel bounds to ask the daemon for, to fill cols x rows
 * cells drawn in mode; within what photo.preview takes (its entry in
 * the method table says). */
void preview_want(const struct preview_mode *, int cols, int rows, int *w,
                  int *h);

/* Pure: the channel after (dir 1) or before (-1) channel, in the order
 * instagram, facebook, claude. */
const char *preview_next_channel(const char *channel, int dir);

/* One run's photo as a channel gets it. */
struct preview;

/* From a photo.preview result asked with bounds want_w x want_h: NULL
 * with *cause (caller frees) when it is not one (no JPEG, bad base64).
 * Copies what it keeps. */
struct preview *preview_new(const cJSON *result, int want_w, int want_h,
                            char **cause);
void            preview_free(struct preview *); /* NULL-safe */

const char *preview_execution(const struct preview *);
const char *preview_channel(const struct preview *);
const char *preview_key(const struct preview *);
/* "instagram 1440x1800, 812 KiB: rotated, padded to 4:5, downscaled to
 * 1440x1800": the variant a channel is sent and what was done to it
 * (caller frees). */
char *preview_facts(const struct preview *);

/* 1 when asking again for cols x rows cells in mode would give a sharper
 * picture than the one held (the screen grew past what was asked for and
 * the photo has more pixels than were sent). */
int preview_stale(const struct preview *, const struct preview_mode *, int cols,
                  int rows);

/* A picture made for an area of the screen. */
struct preview_picture {
	int    cols, rows; /* the cells it covers, centred in the area */
	int    x, y;       /* its top left, from the area's */
	char **lines;      /* symbols: one line per row; pixels: one blob */
	int    nlines;
};

/* Draws the photo into an area of cols x rows cells in mode: 0 with pic
 * filled (free with preview_picture_fini), or -1 with *cause (caller
 * frees): the JPEG cannot be decoded (herald-image refused it, is not
 * there, or took more than 5 s). */
int  preview_render(struct preview *, const struct preview_mode *, int cols,
                    int rows, struct preview_picture *, char **cause);
void preview_picture_fini(struct preview_picture *);

#endif
