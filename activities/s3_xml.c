/*
 * s3_xml: S3's XML answers (a ListObjectsV2 page, an <Error>) for s3.c,
 * read with expat: no DOCTYPE or entity declarations are accepted (S3
 * never sends them), names and texts are bounded, and anything that is not
 * the expected document is an error, never a guess. Pure; any thread.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "activities/s3.h"
#include "common/util.h"

#define XML_TEXT_MAX  4096 /* S3 keys are at most 1,024 bytes */
#define XML_DEPTH_MAX 16

void
s3_list_fini(struct s3_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].etag);
	}
	free(l->v);
	free(l->next_token);
	memset(l, 0, sizeof *l);
}

/* The elements we read, by where they are; everything else is skipped. */
enum xel {
	X_OTHER,
	X_LIST,     /* ListBucketResult */
	X_CONTENTS, /* ListBucketResult/Contents */
	X_KEY,      /* .../Contents/Key */
	X_SIZE,     /* .../Contents/Size */
	X_ETAG,     /* .../Contents/ETag */
	X_TRUNC,    /* ListBucketResult/IsTruncated */
	X_NEXT,     /* ListBucketResult/NextContinuationToken */
	X_ERROR,    /* Error */
	X_CODE,     /* Error/Code */
	X_MESSAGE,  /* Error/Message */
};

struct xp {
	XML_Parser      p;
	enum xel        stack[XML_DEPTH_MAX];
	int             depth;
	enum xel        root;
	char           *text; /* the current leaf's text */
	size_t          tlen;
	char           *why; /* set once: the first problem */
	struct s3_list *list;
	char           *key; /* the current Contents */
	char           *etag;
	int64_t         size;
	int             have_size, have_trunc;
	char           *code, *message;
};

static void
xp_fail(struct xp *x, const char *why)
{
	if (x->why == NULL)
		x->why = xstrdup(why);
	XML_StopParser(x->p, XML_FALSE);
}

static int
is_leaf(enum xel e)
{
	return e == X_KEY || e == X_SIZE || e == X_ETAG || e == X_TRUNC ||
	       e == X_NEXT || e == X_CODE || e == X_MESSAGE;
}

static enum xel
classify(enum xel parent, int depth, const char *name)
{
	if (depth == 0)
		return strcmp(name, "ListBucketResult") == 0 ? X_LIST
		       : strcmp(name, "Error") == 0          ? X_ERROR
		                                             : X_OTHER;
	switch (parent) {
	case X_LIST:
		return strcmp(name, "Contents") == 0                ? X_CONTENTS
		       : strcmp(name, "IsTruncated") == 0           ? X_TRUNC
		       : strcmp(name, "NextContinuationToken") == 0 ? X_NEXT
		                                                    : X_OTHER;
	case X_CONTENTS:
		return strcmp(name, "Key") == 0    ? X_KEY
		       : strcmp(name, "Size") == 0 ? X_SIZE
		       : strcmp(name, "ETag") == 0 ? X_ETAG
		                                   : X_OTHER;
	case X_ERROR:
		return strcmp(name, "Code") == 0      ? X_CODE
		       : strcmp(name, "Message") == 0 ? X_MESSAGE
		                                      : X_OTHER;
	default:
		return X_OTHER;
	}
}

static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xp *x = arg;
	enum xel   e;

	(void)attrs;
	if (x->depth >= XML_DEPTH_MAX) {
		xp_fail(x, "elements nested too deep");
		return;
	}
	e = classify(x->depth > 0 ? x->stack[x->depth - 1] : X_OTHER, x->depth,
	             name);
	if (x->depth == 0)
		x->root = e;
	if (e == X_CONTENTS) {
		free(x->key);
		x->key = NULL;
		free(x->etag);
		x->etag = NULL;
		x->have_size = 0;
	}
	x->stack[x->depth++] = e;
	x->tlen = 0;
	x->text[0] = '\0';
}

static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct xp *x = arg;

	if (x->depth == 0 || !is_leaf(x->stack[x->depth - 1]))
		return;
	if (x->tlen + (size_t)len > XML_TEXT_MAX) {
		xp_fail(x, "a text longer than 4096 bytes");
		return;
	}
	memcpy(x->text + x->tlen, s, (size_t)len);
	x->tlen += (size_t)len;
	x->text[x->tlen] = '\0';
}

/* A decimal int64 and nothing else. */
static int
parse_size(const char *s, int64_t *out)
{
	char     *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Takes key and etag (NULL: none). */
static void
add_object(struct s3_list *l, char *key, int64_t size, char *etag)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n].key = key;
	l->v[l->n].size = size;
	l->v[l->n].etag = etag != NULL ? etag : xstrdup("");
	l->n++;
}

/* An ETag's text without the quotes around it ("&quot;" in the XML,
 * decoded by expat), if it has both. */
static char *
unquote(const char *s, size_t n)
{
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		return xstrndup(s + 1, n - 2);
	return xstrndup(s, n);
}

static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct xp *x = arg;
	enum xel   e = x->stack[--x->depth];

	(void)name;
	switch (e) {
	case X_KEY:
		free(x->key);
		x->key = xstrndup(x->text, x->tlen);
		break;
	case X_SIZE:
		if (parse_size(x->text, &x->size) != 0) {
			xp_fail(x, "a Size that is not a number");
			return;
		}
		x->have_size = 1;
		break;
	case X_ETAG:
		free(x->etag);
		x->etag = unquote(x->text, x->tlen);
		break;
	case X_TRUNC:
		if (strcmp(x->text, "true") == 0)
			x->list->truncated = 1;
		else if (strcmp(x->text, "false") == 0)
			x->list->truncated = 0;
		else {
			xp_fail(x, "IsTruncated is neither true nor false");
			return;
		}
		x->have_trunc = 1;
		break;
	case X_NEXT:
		free(x->list->next_token);
		x->list->next_token = xstrndup(x->text, x->tlen);
		break;
	case X_CONTENTS:
		if (x->key == NULL || *x->key == '\0' || !x->have_size) {
			xp_fail(x, "an object without a Key or a Size");
			return;
		}
		add_object(x->list, x->key, x->size, x->etag);
		x->key = NULL;
		x->etag = NULL;
		break;
	case X_CODE:
		free(x->code);
		x->code = xstrndup(x->text, x->tlen);
		break;
	case X_MESSAGE:
		free(x->message);
		x->message = xstrndup(x->text, x->tlen);
		break;
	default:
		break;
	}
}

/* S3 never sends a DOCTYPE; refusing one rules out entity tricks. */
static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
           const XML_Char *pubid, int internal)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)internal;
	xp_fail(arg, "a DOCTYPE (not allowed)");
}

/* Parses xml into x; 0, or -1 with x->why set. */
static int
xp_run(struct xp *x, const char *xml, size_t len)
{
	char buf[160];
	int  rc = 0;

	x->p = XML_ParserCreate("UTF-8");
	if (x->p == NULL)
		fatal("XML_ParserCreate failed");
	x->text = xmalloc(XML_TEXT_MAX + 1);
	x->text[0] = '\0';
	XML_SetUserData(x->p, x);
	XML_SetElementHandler(x->p, on_start, on_end);
	XML_SetCharacterDataHandler(x->p, on_text);
	XML_SetStartDoctypeDeclHandler(x->p, on_doctype);
	XML_SetParamEntityParsing(x->p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (len > INT_MAX) {
		x->why = xstrdup("too large");
		rc = -1;
	} else if (XML_Parse(x->p, xml, (int)len, 1) != XML_STATUS_OK) {
		if (x->why == NULL) {
			snprintf(buf, sizeof buf, "%s at line %lu",
			         XML_ErrorString(XML_GetErrorCode(x->p)),
			         (unsigned long)XML_GetCurrentLineNumber(x->p));
			x->why = xstrdup(buf);
		}
		rc = -1;
	}
	XML_ParserFree(x->p);
	x->p = NULL;
	free(x->text);
	x->text = NULL;
	free(x->key);
	x->key = NULL;
	free(x->etag);
	x->etag = NULL;
	return rc;
}

int
s3_parse_list(const char *xml, size_t len, struct s3_list *l, char **cause)
{
	struct xp x;
	size_t    before = l->n, i;
	int       rc = -1;

	memset(&x, 0, sizeof x);
	x.list = l;
	free(l->next_token);
	l->next_token = NULL;
	l->truncated = 0;
	if (xp_run(&x, xml, len) != 0)
		xasprintf(cause, "S3 listing: malformed XML: %s", x.why);
	else if (x.root == X_ERROR)
		xasprintf(cause, "S3 listing: an error instead: %s: %s",
		          x.code ? x.code : "?", x.message ? x.message : "");
	else if (x.root != X_LIST)
		xasprintf(cause, "S3 listing: not a ListBucketResult");
	else if (!x.have_trunc)
		xasprintf(cause, "S3 listing: no IsTruncated");
	else if (l->truncated &&
	         (l->next_token == NULL || *l->next_token == '\0'))
		xasprintf(cause, "S3 listing: truncated without a "
		                 "NextContinuationToken");
	else
		rc = 0;
	if (rc != 0) {
		/* Nothing of a bad page stays. */
		for (i = before; i < l->n; i++) {
			free(l->v[i].key);
			free(l->v[i].etag);
		}
		l->n = before;
		free(l->next_token);
		l->next_token = NULL;
		l->truncated = 0;
	}
	free(x.why);
	free(x.code);
	free(x.message);
	return rc;
}

char *
s3_parse_error(const char *xml, size_t len, char **code)
{
	struct xp      x;
	struct s3_list unused;
	char          *out = NULL;

	memset(&x, 0, sizeof x);
	memset(&unused, 0, sizeof unused);
	x.list = &unused;
	if (code != NULL)
		*code = NULL;
	if (xp_run(&x, xml, len) == 0 && x.root == X_ERROR && x.code != NULL &&
	    *x.code != '\0') {
		xasprintf(&out, "%s: %s", x.code,
		          x.message ? x.message : "(no message)");
		if (code != NULL) {
			*code = x.code;
			x.code = NULL;
		}
	}
	s3_list_fini(&unused);
	free(x.why);
	free(x.code);
	free(x.message);
	return out;
}
