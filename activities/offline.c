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
#include "activities/photo.h"

#define PICK "get_random_unused_photo"
#include "common/util.h"

/* "navy-wool_overcoat.jpg" -> "navy wool overcoat"; an S3 key's folders
 * ("pomandi/2026/navy-coat.jpg") are not part of it. */
static char *
subject_of(const char *key)
{
	const char *slash = strrchr(key, '/'), *dot;

	if (slash != NULL)
		key = slash + 1;
	dot = strrchr(key, '.');
	size_t n = dot ? (size_t)(dot - key) : strlen(key), i;
	char  *s = xstrndup(key, n);

	for (i = 0; i < n; i++)
		if (s[i] == '-' || s[i] == '_')
			s[i] = ' ';
	return s;
}

void
offline_view(const struct act_call *c, struct act_out *out)
{
	struct photo p;
	const char  *format;
	int          w, h;
	char        *subject;
	cJSON       *r;

	/* What the pick read of the original; a run picked before it
	 * said so reads the variant Claude would get. */
	const cJSON *pick = cJSON_GetObjectItem(c->deps, PICK);

	format = act_dep_str(c, PICK, "format");
	w = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(pick, "width"));
	h = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(pick, "height"));
	p.key = act_dep_str(c, PICK, "key");
	if (format == NULL || w <= 0 || h <= 0) {
		if (photo_load(c, CH_CLAUDE, &p, out) != 0)
			return;
		free(p.data);
		format = p.format;
		w = p.width;
		h = p.height;
	}
	if (p.key == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("no photo from get_random_unused_photo");
		return;
	}
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
	/* Second versions, for a caption written again (regenerate). */
	{ "nl", "{subject}, nu bij {brand}. Loop eens binnen of bekijk het "
	        "online." },
	{ "fr", "{subject}, d\xc3\xa9sormais chez {brand}. Venez le voir en "
	        "boutique ou sur notre site." },
	{ "en", "{subject}, now at {brand}. Drop by or have a look online." },
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
	const char *hint =
	    cJSON_GetStringValue(cJSON_GetObjectItem(c->progress, "hint"));
	cJSON *r;
	size_t i, k, match[nitems(templates)];
	int    ntags = 0, round;

	if (lang == NULL || shown == NULL || subject == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("missing brand settings or photo facts");
		return;
	}
	/* Each time the caption is written again (an operator asked to
	 * regenerate), the language's next template. */
	round = (int)cJSON_GetNumberValue(
	    cJSON_GetObjectItem(c->progress, "round"));
	if (round < 0 || round > 1000)
		round = 0;
	for (i = 0, k = 0; i < nitems(templates); i++)
		if (strcmp(templates[i].language, lang) == 0)
			match[k++] = i;
	if (k == 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "no offline template for language %s",
		          lang);
		return;
	}
	caption = fill(templates[match[round % k]].text, shown, subject);
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
	    utf8_chars(caption) > ACT_CAPTION_MAX) {
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
	if (hint != NULL)
		/* Templates cannot follow a hint: say so, do not pretend. */
		cJSON_AddStringToObject(r, "hint_ignored", hint);
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	free(caption);
}
