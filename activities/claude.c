/*
 * claude: one Messages API call per step, classified by the API's own
 * rules (x-should-retry; 429 except enforced_spend_limit_reached; 5xx and
 * 529 retried; other 4xx final), with the API's message kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "activities/claude.h"
#include "activities/http.h"
#include "activities/photo.h"
#include "common/json.h"
#include "common/redact.h"
#include "common/util.h"

static const char *
setting(const struct act_call *c, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c->settings, "anthropic"), key));
}

/* A failed attempt whose answer was billed keeps what it cost (res holds
 * the model, tokens and cost once an answer came). */
static void
keep_usage(const cJSON *res, struct act_out *out)
{
	if (out->status != ACT_OK &&
	    cJSON_GetObjectItem(res, "model") != NULL && out->usage == NULL) {
		cJSON *u = cJSON_Duplicate(res, 1);

		cJSON_DeleteItemFromObject(u, "prompt");
		out->usage = cJSON_PrintUnformatted(u);
		cJSON_Delete(u);
	}
}

/* The error the API sent, as "anthropic 429 rate_limit_error: message". */
static char *
api_error(const struct http_resp *r, int *spend_limit)
{
	cJSON      *b = json_parse(r->body, r->len, NULL), *err;
	const char *code;
	char       *out, *msg, *type;

	err = cJSON_GetObjectItem(b, "error");
	/* Each field the API sent is redacted whole before it is cut to size
	 * below: a key cut in two would no longer be found, and its head
	 * would show. */
	type =
	    redact_dup(cJSON_GetStringValue(cJSON_GetObjectItem(err, "type")));
	msg = redact_dup(
	    cJSON_GetStringValue(cJSON_GetObjectItem(err, "message")));
	code = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(err, "details"), "error_code"));
	*spend_limit =
	    code != NULL && strcmp(code, "enforced_spend_limit_reached") == 0;
	xasprintf(&out, "anthropic %ld %.60s: %.300s", r->status,
	          type ? type : "error",
	          msg ? msg : "(no message in the response)");
	photo_redact_urls(&out);
	free(msg);
	free(type);
	/* Cut at a byte count, or invalid as the API sent it: the error
	 * goes into JSON (history, events, traces), which must stay valid. */
	utf8_scrub(out);
	cJSON_Delete(b);
	return out;
}

/* Calls the API with body (taken). 0 when an answer came (r filled, the
 * caller finis it), else -1 with out set. */
static int
call(const struct act_call *c, cJSON *body, struct http_resp *r,
     struct act_out *out)
{
	const char     *key = getenv("ANTHROPIC_API_KEY");
	const char     *base = setting(c, "base_url");
	const char     *headers[4];
	struct http_req q;
	char           *text, *url, *keyhdr, *cause = NULL;
	int             rc;

	memset(r, 0, sizeof *r);
	if (key == NULL || *key == '\0') {
		cJSON_Delete(body);
		out->status = ACT_FAIL;
		out->error = xstrdup("ANTHROPIC_API_KEY is not set");
		return -1;
	}
	xasprintf(&url, "%s/v1/messages",
	          base != NULL ? base : "https://api.anthropic.com");
	xasprintf(&keyhdr, "x-api-key: %s", key);
	headers[0] = keyhdr;
	headers[1] = "anthropic-version: 2023-06-01";
	headers[2] = "content-type: application/json";
	headers[3] = NULL;
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	memset(&q, 0, sizeof q);
	q.method = "POST";
	q.url = url;
	q.headers = headers;
	q.body = text;
	q.body_len = strlen(text);
	q.deadline = c->deadline;
	q.cancel = c->cancel;
	rc = http_do(c->http, &q, r, &cause);
	explicit_bzero(keyhdr, strlen(keyhdr));
	free(keyhdr);
	free(url);
	cJSON_free(text);
	if (rc != 0) {
		/* Nothing the API does here has a side effect: retrying is
		 * safe. */
		out->status = http_class(rc, r, 1);
		out->retry_after_ms = r->retry_after_ms;
		xasprintf(&out->error, "anthropic: %s", cause);
		free(cause);
		http_resp_fini(r);
		return -1;
	}
	return 0;
}

/* The model asked for: the config's, else the default. */
static const char *
asked_model(const struct act_call *c)
{
	return setting(c, "model") != NULL ? setting(c, "model")
	                                   : CLAUDE_DEFAULT_MODEL;
}

/* The config's price table (anthropic.prices), or NULL. */
static const cJSON *
prices(const struct act_call *c)
{
	return cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c->settings, "anthropic"), "prices");
}

/* A token count of usage: a whole number up to 2^53, else 0. The API
 * sends integers; anything else would make the cost meaningless and
 * overflow the integer columns and trace attributes it goes to. */
static double
tokens(const cJSON *usage, const char *key)
{
	double v = cJSON_GetNumberValue(cJSON_GetObjectItem(usage, key));

	return v >= 0 && v <= 9007199254740992.0 && v == (double)(int64_t)v ? v
	                                                                    : 0;
}

/* The answer's model id, if it looks like one (a short ASCII name): it
 * goes into the result, the spend table and the traces. */
static const char *
model_of(const cJSON *msg)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "model"));
	size_t      n = m != NULL ? strlen(m) : 0;

	return n > 0 && n <= 100 &&
	               strspn(m,
	                      "abcdefghijklmnopqrstuvwxyz"
	                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@/") == n
	           ? m
	           : NULL;
}

/* The text blocks of a message, joined: sized first, then copied, so an
 * answer of many blocks costs its length, not its length squared. */
static char *
joined_text(const cJSON *msg, size_t *len)
{
	const cJSON *content = cJSON_GetObjectItem(msg, "content"), *block;
	const char  *t;
	size_t       n = 0, k;
	char        *text;

	cJSON_ArrayForEach(block, content)
	{
		if ((t = cJSON_GetStringValue(
		         cJSON_GetObjectItem(block, "text"))) != NULL)
			n += strlen(t);
	}
	text = xmalloc(n + 1);
	n = 0;
	cJSON_ArrayForEach(block, content)
	{
		if ((t = cJSON_GetStringValue(
		         cJSON_GetObjectItem(block, "text"))) != NULL) {
			k = strlen(t);
			memcpy(text + n, t, k);
			n += k;
		}
	}
	text[n] = '\0';
	*len = n;
	return text;
}

/* The text of a message, tokens and cost into res; NULL with out set when
 * the answer is not usable. */
static char *
answer(const cJSON *prices, const char *asked, cJSON *msg, cJSON *res,
       struct act_out *out)
{
	const char *stop =
	    cJSON_GetStringValue(cJSON_GetObjectItem(msg, "stop_reason"));
	const char  *model = model_of(msg);
	const cJSON *usage = cJSON_GetObjectItem(msg, "usage"), *price;
	double       in = tokens(usage, "input_tokens");
	double       outt = tokens(usage, "output_tokens");
	size_t       len, a, b;
	char        *text = joined_text(msg, &len);

	/* Billed whatever the answer turns out to be. */
	cJSON_AddStringToObject(res, "model", model ? model : "unknown");
	cJSON_AddNumberToObject(res, "input_tokens", in);
	cJSON_AddNumberToObject(res, "output_tokens", outt);
	/* The answer names the exact model ("claude-haiku-4-5-20251001"
	 * for the alias "claude-haiku-4-5"): its price, else the price of
	 * the model asked for, which the config must have. */
	price = cJSON_GetObjectItem(prices, model ? model : "");
	if (!cJSON_IsObject(price) && asked != NULL)
		price = cJSON_GetObjectItem(prices, asked);
	if (cJSON_IsObject(price)) {
		double ci = in *
		            cJSON_GetNumberValue(
		                cJSON_GetObjectItem(price, "input")) /
		            1e6,
		       co = outt *
		            cJSON_GetNumberValue(
		                cJSON_GetObjectItem(price, "output")) /
		            1e6;

		cJSON_AddNumberToObject(res, "cost_usd", ci + co);
		cJSON_AddNumberToObject(res, "input_cost_usd", ci);
		cJSON_AddNumberToObject(res, "output_cost_usd", co);
	} else {
		cJSON_AddNumberToObject(res, "cost_usd", 0);
		cJSON_AddTrueToObject(res, "price_unknown");
	}
	if (stop != NULL &&
	    (strcmp(stop, "refusal") == 0 || strcmp(stop, "max_tokens") == 0)) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "anthropic: stop_reason %s: no usable "
		          "answer",
		          stop);
		free(text);
		return NULL;
	}
	/* Trim (in one move), then judge. */
	for (a = 0; a < len && (text[a] == ' ' || text[a] == '\n'); a++)
		;
	for (b = len; b > a && (text[b - 1] == ' ' || text[b - 1] == '\n'); b--)
		;
	memmove(text, text + a, b - a);
	text[b - a] = '\0';
	if (*text == '\0' || !utf8_valid(text, b - a)) {
		out->status = ACT_RETRY;
		out->error = xstrdup("anthropic: an empty or malformed answer");
		free(text);
		return NULL;
	}
	return text;
}

char *
claude_answer(const struct http_resp *r, const cJSON *prices, const char *asked,
              cJSON *res, struct act_out *out)
{
	cJSON *msg = NULL;
	char  *text = NULL;
	int    spend = 0;

	/* Nothing the API does here has a side effect: retrying is safe. */
	out->status = http_class(0, r, 1);
	out->retry_after_ms = r->retry_after_ms;
	if (out->status != ACT_OK) {
		out->error = api_error(r, &spend);
		if (spend)
			out->status = ACT_FAIL; /* a monthly cap: no retry */
	} else if ((msg = json_parse(r->body, r->len, NULL)) == NULL ||
	           !cJSON_IsArray(cJSON_GetObjectItem(msg, "content"))) {
		out->status = ACT_RETRY;
		xasprintf(&out->error,
		          "anthropic %ld: the body is not a "
		          "message",
		          r->status);
	} else
		text = answer(prices, asked, msg, res, out);
	cJSON_Delete(msg);
	return text;
}

/* What the model was asked, for the trace: the messages as sent, with
 * the system prompt first and an image named (its photo), not inlined. */
static cJSON *
prompt_of(const cJSON *body, const struct act_call *c)
{
	const char *system = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(body, "system"));
	const char  *key = act_dep_str(c, "get_random_unused_photo", "key");
	const cJSON *m, *part;
	cJSON       *out = cJSON_CreateArray(), *o, *content, *p;

	if (system != NULL) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "role", "system");
		cJSON_AddStringToObject(o, "content", system);
		cJSON_AddItemToArray(out, o);
	}
	cJSON_ArrayForEach(m,
	                   cJSON_GetObjectItemCaseSensitive(body, "messages"))
	{
		o = cJSON_Duplicate(m, 1);
		content = cJSON_GetObjectItemCaseSensitive(o, "content");
		cJSON_ArrayForEach(p, content)
		{
			part = cJSON_GetObjectItemCaseSensitive(p, "source");
			if (part == NULL)
				continue;
			cJSON_DeleteItemFromObjectCaseSensitive(p, "source");
			cJSON_AddStringToObject(p, "photo",
			                        key != NULL ? key : "(photo)");
		}
		cJSON_AddItemToArray(out, o);
	}
	return out;
}

static cJSON *
request(const struct act_call *c, const char *system)
{
	cJSON *b = cJSON_CreateObject();
	cJSON *max = cJSON_GetObjectItem(
	    cJSON_GetObjectItem(c->settings, "anthropic"), "max_tokens");
	const char *model = setting(c, "model");

	cJSON_AddStringToObject(b, "model",
	                        model != NULL ? model : CLAUDE_DEFAULT_MODEL);
	cJSON_AddNumberToObject(b, "max_tokens",
	                        cJSON_IsNumber(max) ? max->valuedouble : 1024);
	if (system != NULL)
		cJSON_AddStringToObject(b, "system", system);
	return b;
}

/* The image block: the run's Claude variant (a JPEG at most 1568 px on
 * its long side, made by the pick), always inline. NULL with out set. */
static cJSON *
image_block(const struct act_call *c, struct photo *p, struct act_out *out)
{
	cJSON *img, *src;
	char  *b64;

	if (photo_load(c, CH_CLAUDE, p, out) != 0)
		return NULL;
	img = cJSON_CreateObject();
	cJSON_AddStringToObject(img, "type", "image");
	src = cJSON_AddObjectToObject(img, "source");
	b64 = xmalloc((p->len + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)b64, p->data, (int)p->len);
	free(p->data);
	p->data = NULL;
	cJSON_AddStringToObject(src, "type", "base64");
	cJSON_AddStringToObject(src, "media_type", "image/jpeg");
	cJSON_AddStringToObject(src, "data", b64);
	free(b64);
	return img;
}

void
claude_view(const struct act_call *c, struct act_out *out)
{
	struct photo     p;
	struct http_resp r;
	char            *text;
	cJSON           *body, *content, *img, *res, *prompt;

	if ((img = image_block(c, &p, out)) == NULL)
		return;
	body = request(c, NULL);
	content = cJSON_CreateArray();
	cJSON_AddItemToArray(content, img);
	img = cJSON_CreateObject();
	cJSON_AddStringToObject(img, "type", "text");
	cJSON_AddStringToObject(img, "text",
	                        "Describe this product photo for the person "
	                        "who writes its social media caption: what is "
	                        "shown, colours, materials, mood. Two or three "
	                        "sentences, no preamble.");
	cJSON_AddItemToArray(content, img);
	{
		cJSON *m = cJSON_CreateObject(), *msgs = cJSON_CreateArray();

		cJSON_AddStringToObject(m, "role", "user");
		cJSON_AddItemToObject(m, "content", content);
		cJSON_AddItemToArray(msgs, m);
		cJSON_AddItemToObject(body, "messages", msgs);
	}
	prompt = prompt_of(body, c);
	if (call(c, body, &r, out) != 0) {
		cJSON_Delete(prompt);
		return;
	}
	res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "prompt", prompt);
	text = claude_answer(&r, prices(c), asked_model(c), res, out);
	http_resp_fini(&r);
	if (text != NULL) {
		cJSON_AddStringToObject(res, "description", text);
		cJSON_AddStringToObject(res, "image_source", "base64");
		cJSON_AddNumberToObject(res, "width", p.width);
		cJSON_AddNumberToObject(res, "height", p.height);
		out->status = ACT_OK;
		out->result = cJSON_PrintUnformatted(res);
		free(text);
	}
	keep_usage(res, out);
	cJSON_Delete(res);
}

void
claude_caption(const struct act_call *c, struct act_out *out)
{
	const cJSON *brand = cJSON_GetObjectItem(c->settings, "brand"), *tag;
	const cJSON *cap = cJSON_GetObjectItem(brand, "captions");
	const char  *prompt =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cap, "prompt"));
	const char *voice =
	    cJSON_GetStringValue(cJSON_GetObjectItem(cap, "voice"));
	const char *shown =
	    cJSON_GetStringValue(cJSON_GetObjectItem(brand, "display_name"));
	const char      *desc = act_dep_str(c, "view_image", "description");
	const char      *hint, *before;
	char            *system, *user, *tags = xstrdup(""), *tmp, *text;
	cJSON           *body, *msgs, *m, *res, *asked;
	struct http_resp r;

	if (prompt == NULL || desc == NULL || shown == NULL) {
		free(tags);
		out->status = ACT_FAIL;
		out->error = xstrdup("no caption prompt or photo description");
		return;
	}
	cJSON_ArrayForEach(tag, cJSON_GetObjectItem(cap, "hashtags"))
	{
		if (!cJSON_IsString(tag))
			continue;
		xasprintf(&tmp, "%s%s%s", tags, *tags ? " " : "",
		          tag->valuestring);
		free(tags);
		tags = tmp;
	}
	xasprintf(&system, "%s\n\nBrand: %s.%s%s\nEnd with these hashtags: %s",
	          prompt, shown, voice ? " Voice: " : "", voice ? voice : "",
	          *tags ? tags : "(none)");
	hint = cJSON_GetStringValue(cJSON_GetObjectItem(c->progress, "hint"));
	before = cJSON_GetStringValue(
	    cJSON_GetObjectItem(c->progress, "caption_before"));
	xasprintf(&user,
	          "The photo: %s\n\n%s%s%s%s%s%sWrite the caption. Reply with "
	          "the caption only.",
	          desc, before ? "An editor turned down this caption:\n" : "",
	          before ? before : "", before ? "\n\n" : "",
	          hint ? "The editor asks: " : "", hint ? hint : "",
	          hint ? "\n\n" : "");
	free(tags);
	body = request(c, system);
	msgs = cJSON_AddArrayToObject(body, "messages");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", user);
	cJSON_AddItemToArray(msgs, m);
	free(system);
	free(user);
	asked = prompt_of(body, c);
	if (call(c, body, &r, out) != 0) {
		cJSON_Delete(asked);
		return;
	}
	res = cJSON_CreateObject();
	cJSON_AddItemToObject(res, "prompt", asked);
	text = claude_answer(&r, prices(c), asked_model(c), res, out);
	http_resp_fini(&r);
	if (text != NULL) {
		if (utf8_chars(text) > ACT_CAPTION_MAX) {
			out->status = ACT_FAIL;
			xasprintf(&out->error,
			          "the caption has %zu characters, over "
			          "Instagram's %d",
			          utf8_chars(text), ACT_CAPTION_MAX);
		} else {
			cJSON_AddStringToObject(res, "caption", text);
			cJSON_AddStringToObject(
			    res, "language",
			    cJSON_GetStringValue(
			        cJSON_GetObjectItem(brand, "language")));
			out->status = ACT_OK;
			out->result = cJSON_PrintUnformatted(res);
		}
		free(text);
	}
	keep_usage(res, out);
	cJSON_Delete(res);
}
