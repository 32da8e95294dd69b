/*
 * offline: image facts and template captions for the embedded default.
 */
#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/offline.h"
#include "common/util.h"

#define CAPTION_MAX 2200 /* Instagram's limit, in characters */

int
image_size(const unsigned char *b, size_t len, const char **format, int *width,
           int *height)
{
	size_t i;

	if (len >= 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0 &&
	    memcmp(b + 12, "IHDR", 4) == 0) {
		*format = "png";
		uint32_t w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 |
		             (uint32_t)b[18] << 8 | b[19];
		uint32_t h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 |
		             (uint32_t)b[22] << 8 | b[23];

		if (w > 1000000 || h > 1000000)
			return -1;
		*width = (int)w;
		*height = (int)h;
		return 0;
	}
	if (len < 4 || b[0] != 0xff || b[1] != 0xd8)
		return -1;
	/* JPEG: walk the segments to a start-of-frame marker. */
	for (i = 2; i + 9 < len;) {
		unsigned marker, seglen;

		if (b[i] != 0xff)
			return -1;
		marker = b[i + 1];
		if (marker == 0xff) {
			i++;
			continue;
		}
		seglen = (unsigned)(b[i + 2] << 8 | b[i + 3]);
		if (seglen < 2)
			return -1;
		if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 &&
		    marker != 0xc8 && marker != 0xcc) {
			*format = "jpeg";
			*height = b[i + 5] << 8 | b[i + 6];
			*width = b[i + 7] << 8 | b[i + 8];
			return 0;
		}
		i += 2 + seglen;
	}
	return -1;
}

/* "navy-wool_overcoat.jpg" -> "navy wool overcoat" */
static char *
subject_of(const char *key)
{
	const char *dot = strrchr(key, '.');
	size_t      n = dot ? (size_t)(dot - key) : strlen(key), i;
	char       *s = xstrndup(key, n);

	for (i = 0; i < n; i++)
		if (s[i] == '-' || s[i] == '_')
			s[i] = ' ';
	return s;
}

int
photo_load(const struct act_call *c, size_t max, struct photo *p,
           struct act_out *out)
{
	const char *path = act_dep_str(c, "get_random_unused_photo", "path");
	FILE       *f;
	long        n;

	memset(p, 0, sizeof *p);
	p->key = act_dep_str(c, "get_random_unused_photo", "key");
	if (path == NULL || p->key == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("no photo from get_random_unused_photo");
		return -1;
	}
	if ((f = fopen(path, "rb")) == NULL) {
		out->status = errno == ENOENT ? ACT_FAIL : ACT_RETRY;
		xasprintf(&out->error, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (n == 0 || (size_t)n > max) {
		fclose(f);
		out->status = ACT_FAIL;
		xasprintf(&out->error, "photo %s is %ld bytes: %s", p->key, n,
		          n == 0 ? "empty" : "over the size it may have here");
		return -1;
	}
	p->data = xmalloc((size_t)n);
	p->len = fread(p->data, 1, (size_t)n, f);
	fclose(f);
	if (p->len != (size_t)n) {
		free(p->data);
		p->data = NULL;
		out->status = ACT_RETRY;
		xasprintf(&out->error, "%s: short read", path);
		return -1;
	}
	if (image_size(p->data, p->len, &p->format, &p->width, &p->height) !=
	        0 ||
	    p->width <= 0 || p->height <= 0) {
		free(p->data);
		p->data = NULL;
		out->status = ACT_FAIL;
		xasprintf(&out->error, "%s is not a JPEG or PNG image", p->key);
		return -1;
	}
	return 0;
}

void
offline_view(const struct act_call *c, struct act_out *out)
{
	struct photo p;
	const char  *format;
	int          w, h;
	char        *subject;
	cJSON       *r;

	/* Any photo the publishers accept (they cap at 64 MB). */
	if (photo_load(c, 64 * 1024 * 1024, &p, out) != 0)
		return;
	free(p.data);
	format = p.format;
	w = p.width;
	h = p.height;
	subject = subject_of(p.key);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "subject", subject);
	cJSON_AddStringToObject(r, "format", format);
	cJSON_AddNumberToObject(r, "width", w);
	cJSON_AddNumberToObject(r, "height", h);
	cJSON_AddStringToObject(r, "orientation",
	                        w > h   ? "landscape"
	                        : w < h ? "portrait"
	                                : "square");
	{
		char *desc;

		xasprintf(&desc,
		          "%s (a %dx%d %s %s photo; described offline "
		          "from its file name)",
		          subject, w, h,
		          w > h   ? "landscape"
		          : w < h ? "portrait"
		                  : "square",
		          format);
		cJSON_AddStringToObject(r, "description", desc);
		free(desc);
	}
	cJSON_AddStringToObject(r, "model", "offline");
	cJSON_AddTrueToObject(r, "offline");
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	free(subject);
}

/* Caption templates: {brand} is the brand's display name, {subject} what
 * the photo shows. */
static const struct {
	const char *language;
	const char *text;
} templates[] = {
	{ "nl", "Nieuw bij {brand}: {subject}. Kom het zien in de winkel of "
	        "bestel het online." },
	{ "fr", "Nouveau chez {brand} : {subject}. \xc3\x80 d\xc3\xa9"
	        "couvrir en boutique ou en ligne." },
	{ "en", "New at {brand}: {subject}. See it in store or order it "
	        "online." },
};

static char *
fill(const char *tmpl, const char *brand, const char *subject)
{
	const char *p;
	char       *out = xstrdup(""), *tmp;

	for (p = tmpl; *p != '\0';) {
		const char *word = NULL;
		size_t      n = strcspn(p, "{");

		xasprintf(&tmp, "%s%.*s", out, (int)n, p);
		free(out);
		out = tmp;
		p += n;
		if (*p == '\0')
			break;
		if (strncmp(p, "{brand}", 7) == 0)
			word = brand, p += 7;
		else if (strncmp(p, "{subject}", 9) == 0)
			word = subject, p += 9;
		else
			word = "{", p++;
		xasprintf(&tmp, "%s%s", out, word);
		free(out);
		out = tmp;
	}
	return out;
}

void
offline_caption(const struct act_call *c, struct act_out *out)
{
	const cJSON *brand = cJSON_GetObjectItem(c->settings, "brand"), *tag;
	const char  *lang =
	    cJSON_GetStringValue(cJSON_GetObjectItem(brand, "language"));
	const char *shown =
	    cJSON_GetStringValue(cJSON_GetObjectItem(brand, "display_name"));
	const char *subject = act_dep_str(c, "view_image", "subject");
	char       *caption = NULL, *tmp;
	cJSON      *r;
	size_t      i;
	int         ntags = 0;

	if (lang == NULL || shown == NULL || subject == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("missing brand settings or photo facts");
		return;
	}
	for (i = 0; i < nitems(templates); i++)
		if (strcmp(templates[i].language, lang) == 0)
			break;
	if (i == nitems(templates)) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "no offline template for language %s",
		          lang);
		return;
	}
	caption = fill(templates[i].text, shown, subject);
	cJSON_ArrayForEach(
	    tag, cJSON_GetObjectItem(cJSON_GetObjectItem(brand, "captions"),
	                             "hashtags"))
	{
		if (!cJSON_IsString(tag))
			continue;
		/* A blank line, then the tags on one line. */
		xasprintf(&tmp, "%s%s%s", caption, ntags++ ? " " : "\n\n",
		          tag->valuestring);
		free(caption);
		caption = tmp;
	}
	if (*caption == '\0' || !utf8_valid(caption, strlen(caption)) ||
	    utf8_chars(caption) > CAPTION_MAX) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "the offline caption is not valid");
		free(caption);
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "caption", caption);
	cJSON_AddStringToObject(r, "language", lang);
	cJSON_AddStringToObject(r, "model", "offline-template");
	cJSON_AddNumberToObject(r, "input_tokens", 0);
	cJSON_AddNumberToObject(r, "output_tokens", 0);
	cJSON_AddNumberToObject(r, "cost_usd", 0);
	cJSON_AddTrueToObject(r, "offline");
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	free(caption);
}
