/*
 * edit: a line editor's buffer (wide characters, so the cursor moves by
 * character, never into the middle of an é), and shell-like word
 * splitting for the console's command line.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "tui/edit.h"
#include "tui/text.h"

struct edit {
	wchar_t *buf;
	size_t   len, cap, cur;
	size_t   bytes, max; /* the UTF-8 size, and its limit */
};

size_t
edit_utf8_put(wchar_t wc, char *out)
{
	unsigned int c = (unsigned int)wc;

	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xC0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xE0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	out[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

static size_t
utf8_len(wchar_t c)
{
	char tmp[4];

	return edit_utf8_put(c, tmp);
}

struct edit *
edit_new(const char *initial, size_t max)
{
	struct edit *e = xcalloc(1, sizeof *e);

	e->max = max;
	edit_set(e, initial);
	return e;
}

void
edit_free(struct edit *e)
{
	if (e == NULL)
		return;
	free(e->buf);
	free(e);
}

void
edit_set(struct edit *e, const char *s)
{
	size_t i;

	free(e->buf);
	e->buf = text_wide(s, s != NULL ? strlen(s) : 0, &e->len);
	e->cap = e->len + 1;
	e->cur = e->len;
	e->bytes = 0;
	for (i = 0; i < e->len; i++)
		e->bytes += utf8_len(e->buf[i]);
}

int
edit_insert(struct edit *e, wchar_t c)
{
	size_t n = utf8_len(c);

	if (c == 0 || (c < 0x20 && c != '\n') || e->bytes + n > e->max)
		return -1;
	if (e->len + 2 > e->cap) {
		e->cap = (e->len + 2) * 2;
		e->buf = xrealloc(e->buf, e->cap * sizeof *e->buf);
	}
	memmove(e->buf + e->cur + 1, e->buf + e->cur,
	        (e->len - e->cur) * sizeof *e->buf);
	e->buf[e->cur++] = c;
	e->len++;
	e->buf[e->len] = 0;
	e->bytes += n;
	return 0;
}

/* Removes [from, to). */
static void
cut(struct edit *e, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++)
		e->bytes -= utf8_len(e->buf[i]);
	memmove(e->buf + from, e->buf + to, (e->len - to + 1) * sizeof *e->buf);
	e->len -= to - from;
	e->cur = from;
}

void
edit_apply(struct edit *e, enum edit_op op)
{
	size_t i;

	switch (op) {
	case EDIT_LEFT:
		if (e->cur > 0)
			e->cur--;
		break;
	case EDIT_RIGHT:
		if (e->cur < e->len)
			e->cur++;
		break;
	case EDIT_HOME:
		while (e->cur > 0 && e->buf[e->cur - 1] != '\n')
			e->cur--;
		break;
	case EDIT_END:
		while (e->cur < e->len && e->buf[e->cur] != '\n')
			e->cur++;
		break;
	case EDIT_BACKSPACE:
		if (e->cur > 0)
			cut(e, e->cur - 1, e->cur);
		break;
	case EDIT_DELETE:
		if (e->cur < e->len)
			cut(e, e->cur, e->cur + 1);
		break;
	case EDIT_KILL:
		for (i = e->cur; i > 0 && e->buf[i - 1] != '\n'; i--)
			;
		cut(e, i, e->cur);
		break;
	case EDIT_WORD:
		for (i = e->cur; i > 0 && e->buf[i - 1] == ' '; i--)
			;
		for (; i > 0 && e->buf[i - 1] != ' ' && e->buf[i - 1] != '\n';
		     i--)
			;
		cut(e, i, e->cur);
		break;
	}
}

const wchar_t *
edit_text(const struct edit *e, size_t *len, size_t *cursor)
{
	if (len != NULL)
		*len = e->len;
	if (cursor != NULL)
		*cursor = e->cur;
	return e->buf;
}

char *
edit_utf8(const struct edit *e)
{
	char  *out = xmalloc(e->bytes + 1);
	size_t i, k = 0;

	for (i = 0; i < e->len; i++)
		k += edit_utf8_put(e->buf[i], out + k);
	out[k] = '\0';
	return out;
}

int
edit_split(const char *line, int *argc, char ***argv, char **cause)
{
	char      **v = NULL, *word = NULL;
	const char *p = line;
	size_t      wl = 0;
	int         n = 0, in_word, quote;

	word = xmalloc(strlen(line) + 1);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		wl = 0;
		in_word = 1;
		quote = 0;
		while (in_word && *p != '\0') {
			char c = *p++;

			if (quote == '\'') {
				if (c == '\'')
					quote = 0;
				else
					word[wl++] = c;
			} else if (c == '\\' && *p != '\0' &&
			           (quote == 0 || *p == '"' || *p == '\\'))
				word[wl++] = *p++;
			else if (quote == '"') {
				if (c == '"')
					quote = 0;
				else
					word[wl++] = c;
			} else if (c == '\'' || c == '"')
				quote = (unsigned char)c;
			else if (c == ' ' || c == '\t' || c == '\n')
				in_word = 0;
			else
				word[wl++] = c;
		}
		if (quote != 0) {
			xasprintf(cause, "unclosed %c quote", quote);
			edit_split_free(n, v);
			free(word);
			return -1;
		}
		v = xrealloc(v, (size_t)(n + 2) * sizeof *v);
		v[n++] = xstrndup(word, wl);
		v[n] = NULL;
	}
	free(word);
	if (v == NULL)
		v = xcalloc(1, sizeof *v);
	*argc = n;
	*argv = v;
	return 0;
}

void
edit_split_free(int argc, char **argv)
{
	int i;

	if (argv == NULL)
		return;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}
