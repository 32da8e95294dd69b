/*
 * edit: the text being typed at one of the console's prompts (a filter, a
 * note, a reason, a command line, a caption): wide characters and a
 * cursor, and the splitting of a command line into words. No curses, so
 * it is unit-tested. Console thread only.
 */
#ifndef HERALD_EDIT_H
#define HERALD_EDIT_H

#include <stddef.h>
#include <wchar.h>

enum edit_op {
	EDIT_LEFT,
	EDIT_RIGHT,
	EDIT_HOME,      /* start of the line */
	EDIT_END,       /* end of the line */
	EDIT_BACKSPACE, /* the character before the cursor */
	EDIT_DELETE,    /* the character under the cursor */
	EDIT_KILL,      /* everything before the cursor on its line (^U) */
	EDIT_WORD,      /* the word before the cursor (^W) */
};

struct edit;

/* A new edit holding initial (UTF-8, may be NULL), cursor at its end.
 * max: the most bytes its UTF-8 may take (the protocol's limit); typing
 * past it is refused. */
struct edit *edit_new(const char *initial, size_t max);
void         edit_free(struct edit *);

/* Inserts c at the cursor; 0, or -1 if that would pass the limit. */
int  edit_insert(struct edit *, wchar_t c);
void edit_apply(struct edit *, enum edit_op);

/* The text, its length and the cursor (borrowed until the next change). */
const wchar_t *edit_text(const struct edit *, size_t *len, size_t *cursor);
/* The text as UTF-8 (caller frees). */
char *edit_utf8(const struct edit *);
/* Replaces the text (UTF-8), cursor at the end. */
void edit_set(struct edit *, const char *);

/* Splits a command line into words like a shell: blanks separate words,
 * '...' is literal, "..." and bare words take \ escapes. 0 with *argc
 * and *argv (free with edit_split_free), or -1 with *cause (an unclosed
 * quote). */
int  edit_split(const char *line, int *argc, char ***argv, char **cause);
void edit_split_free(int argc, char **argv);

/* Encodes c as UTF-8 into out (4 bytes at most); returns the bytes. */
size_t edit_utf8_put(wchar_t c, char *out);

#endif
