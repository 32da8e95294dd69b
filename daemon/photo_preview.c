/*
 * photo_preview: photo.preview, a run's photo as a channel gets it, made
 * small by herald-image for a console. It never stores a variant: one
 * that is gone is made into a temporary file (photo_peek).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "activities/imagework.h"
#include "activities/photo.h"
#include "activities/variant.h"
#include "common/util.h"
#include "daemon/photo_ops_int.h"
#include "db/store.h"

#define PREVIEW_DEF       640
#define PREVIEW_MAX_BYTES (256 * 1024)

/* The completed pick of execution x (its describe), or NULL. */
static const cJSON *
pick_of(const cJSON *x)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(x, "steps"))
	{
		const char *name = proto_str(it, "name");
		const char *st = proto_str(it, "status");

		if (name != NULL &&
		    strcmp(name, "get_random_unused_photo") == 0)
			return st != NULL && strcmp(st, "completed") == 0
			           ? cJSON_GetObjectItem(it, "result")
			           : NULL;
	}
	return NULL;
}

/* The preview of the variant p, through herald-image and two files in
 * the state dir's tmp. 0 with *jpeg, or -1 with *why. */
static int
thumbnail(const struct act_call *c, const struct photo *p, int w, int h,
          unsigned char **jpeg, size_t *jlen, int *tw, int *th, char **why)
{
	struct act_out        out;
	struct imagework_opts o = { c->deadline, c->cancel };
	char                 *in, *res = NULL, *buf = NULL, *cause = NULL;
	FILE                 *f;
	int                   rc = -1;

	memset(&out, 0, sizeof out);
	*jpeg = NULL;
	if ((in = variant_tmp(c, &out)) == NULL ||
	    (res = variant_tmp(c, &out)) == NULL) {
		*why = out.error;
		free(in);
		return -1;
	}
	if ((f = fopen(in, "wbx")) != NULL &&
	    fwrite(p->data, 1, p->len, f) != p->len) {
		fclose(f);
		f = NULL;
	} else if (f != NULL && fclose(f) != 0)
		f = NULL;
	if (f == NULL)
		xasprintf(why, "%s: %s", in, strerror(errno));
	else if (imagework_thumbnail(in, w, h, PREVIEW_MAX_BYTES, res, &o, tw,
	                             th, why) == IW_OK) {
		if (read_small_file(res, PREVIEW_MAX_BYTES, &buf, jlen,
		                    &cause) != 0) {
			xasprintf(why, "%s", cause ? cause : "no preview");
			free(cause);
		} else {
			*jpeg = (unsigned char *)buf;
			rc = 0;
		}
	}
	unlink(in);
	unlink(res);
	free(in);
	free(res);
	return rc;
}

char *
photo_ops_preview(struct photo_ops *o, struct ops_ctx *ctx, const cJSON *params)
{
	const char     *id = proto_str(params, "id");
	const char     *chname = proto_str(params, "channel");
	int             ch = chname ? photo_channel(chname) : CH_INSTAGRAM;
	int             w = (int)proto_int(params, "width", PREVIEW_DEF);
	int             h = (int)proto_int(params, "height", PREVIEW_DEF);
	cJSON          *x = NULL, *settings = NULL, *deps, *res, *v;
	const cJSON    *pick, *made;
	const char     *brand;
	struct act_call c;
	struct act_out  out;
	struct photo    p;
	unsigned char  *jpeg = NULL;
	size_t          jlen = 0;
	char           *cause = NULL, *why = NULL, *b64, *reply;
	int             tw, th, rc;

	rc = store_describe(ctx->r, id, &x, &cause);
	if (rc != 0) {
		if (rc == 1)
			return proto_reply_err(E_NOT_FOUND, "no execution %s",
			                       id);
		reply = proto_reply_err(E_INTERNAL, "store: %s", cause);
		free(cause);
		return reply;
	}
	brand = proto_str(x, "brand");
	if ((pick = pick_of(x)) == NULL || !cJSON_IsObject(pick)) {
		reply = proto_reply_err(E_INVALID_STATE,
		                        "execution %s has no photo yet (its "
		                        "get_random_unused_photo has not "
		                        "completed)",
		                        id);
		cJSON_Delete(x);
		return reply;
	}
	if (brand == NULL || (settings = photo_ops_brand(o, brand)) == NULL) {
		reply = proto_reply_err(
		    E_NOT_FOUND, "execution %s: no brand %s in the config", id,
		    brand ? brand : "(none)");
		cJSON_Delete(x);
		return reply;
	}
	deps = cJSON_CreateObject();
	cJSON_AddItemToObject(deps, "get_random_unused_photo",
	                      cJSON_Duplicate(pick, 1));
	photo_ops_call_init(o, ctx, settings, deps, &c);
	memset(&out, 0, sizeof out);
	if (photo_peek(&c, ch, &p, &out) != 0) {
		reply = proto_reply_err(E_UNAVAILABLE, "%s",
		                        out.error ? out.error : "cannot read");
		free(out.error);
		goto done;
	}
	if (thumbnail(&c, &p, w, h, &jpeg, &jlen, &tw, &th, &why) != 0) {
		reply = proto_reply_err(E_UNAVAILABLE, "preview of %s: %s",
		                        p.key, why);
		free(why);
		free(p.data);
		goto done;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "execution", id);
	cJSON_AddStringToObject(res, "brand", brand);
	cJSON_AddStringToObject(res, "key", p.key);
	cJSON_AddStringToObject(res, "channel", photo_channels[ch]);
	cJSON_AddStringToObject(res, "format", "jpeg");
	cJSON_AddNumberToObject(res, "width", tw);
	cJSON_AddNumberToObject(res, "height", th);
	cJSON_AddNumberToObject(res, "bytes", (double)jlen);
	b64 = xmalloc((jlen + 2) / 3 * 4 + 1);
	EVP_EncodeBlock((unsigned char *)b64, jpeg, (int)jlen);
	cJSON_AddStringToObject(res, "data", b64);
	free(b64);
	v = cJSON_AddObjectToObject(res, "variant");
	cJSON_AddNumberToObject(v, "width", p.width);
	cJSON_AddNumberToObject(v, "height", p.height);
	cJSON_AddNumberToObject(v, "bytes", (double)p.len);
	made = cJSON_GetObjectItem(cJSON_GetObjectItem(pick, "variants"),
	                           photo_channels[ch]);
	cJSON_AddStringToObject(v, "done",
	                        proto_str(made, "done")
	                            ? proto_str(made, "done")
	                            : "made again from the original");
	free(p.data);
	free(jpeg);
	reply = proto_reply_ok(res);
done:
	cJSON_Delete(deps);
	cJSON_Delete(settings);
	cJSON_Delete(x);
	return reply;
}
