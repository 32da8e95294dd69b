/*
 * photos_dir: lists settings.brand.photos.path and picks a photo nobody
 * holds. The claim in the result is what reserves it: the engine records
 * it with the step's completion and refuses it if another run was faster.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "activities/claude.h"
#include "activities/photos_dir.h"
#include "common/util.h"

static int
is_image(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL && name[0] != '.' &&
	       (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0 ||
	        strcasecmp(dot, ".png") == 0);
}

static int
taken(const cJSON *list, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, list) if (cJSON_IsString(it) &&
	                                 strcmp(it->valuestring, name) ==
	                                     0) return 1;
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
photos_dir_pick(const struct act_call *c, struct act_out *out)
{
	const cJSON *brand = cJSON_GetObjectItem(c->settings, "brand");
	const char  *name =
	    cJSON_GetStringValue(cJSON_GetObjectItem(brand, "name"));
	const char *dir = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(brand, "photos"), "path"));
	DIR           *d;
	struct dirent *de;
	struct stat    sb;
	char         **free_names = NULL, *path = NULL;
	size_t         nfree = 0, cap = 0, total = 0, too_big = 0, i;
	cJSON         *r, *claim;
	const char    *writer = cJSON_GetStringValue(cJSON_GetObjectItem(
	       cJSON_GetObjectItem(brand, "captions"), "writer"));
	off_t max_bytes = writer != NULL && strcmp(writer, "claude") == 0
	                      ? CLAUDE_INLINE_MAX_BYTES
	                      : 0;

	if (dir == NULL || name == NULL) {
		out->status = ACT_FAIL;
		xasprintf(&out->error, "brand has no photos folder in the "
		                       "config");
		return;
	}
	if ((d = opendir(dir)) == NULL) {
		/* A missing folder is a setting to fix, not a blip. */
		out->status =
		    errno == ENOENT || errno == ENOTDIR || errno == EACCES
		        ? ACT_FAIL
		        : ACT_RETRY;
		xasprintf(&out->error, "brand %s: photos folder %s: %s", name,
		          dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_image(de->d_name))
			continue;
		total++;
		if (taken(c->taken, de->d_name))
			continue;
		/* An empty file would fail every run that picked it; so
		 * would, for Claude, one too large to send inline. */
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (stat(path, &sb) == 0 &&
		    (sb.st_size == 0 ||
		     (max_bytes > 0 && sb.st_size > max_bytes))) {
			too_big++;
			free(path);
			path = NULL;
			continue;
		}
		free(path);
		path = NULL;
		if (nfree == cap) {
			cap = cap ? 2 * cap : 32;
			free_names =
			    xrealloc(free_names, cap * sizeof *free_names);
		}
		free_names[nfree++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (nfree == 0) {
		out->status = ACT_FAIL;
		xasprintf(&out->error,
		          "no unused photo left for brand %s in folder %s (%zu "
		          "photos, all used or reserved%s)",
		          name, dir, total,
		          too_big ? ", or empty, or too large for Claude" : "");
		goto done;
	}
	/* Sorted first, so the pick depends on the random number only. */
	qsort(free_names, nfree, sizeof *free_names, cmp_names);
	i = random_below(nfree);
	xasprintf(&path, "%s/%s", dir, free_names[i]);
	if (stat(path, &sb) != 0) {
		out->status = ACT_RETRY; /* gone meanwhile: pick again */
		xasprintf(&out->error, "%s: %s", path, strerror(errno));
		goto done;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "key", free_names[i]);
	cJSON_AddStringToObject(r, "source", "dir");
	cJSON_AddStringToObject(r, "path", path);
	cJSON_AddNumberToObject(r, "bytes", (double)sb.st_size);
	cJSON_AddNumberToObject(r, "unused_left", (double)(nfree - 1));
	if (too_big > 0)
		cJSON_AddNumberToObject(r, "skipped_too_large",
		                        (double)too_big);
	claim = cJSON_AddObjectToObject(r, "_claim");
	cJSON_AddStringToObject(claim, "kind", "photo");
	cJSON_AddStringToObject(claim, "key", free_names[i]);
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
done:
	for (i = 0; i < nfree; i++)
		free(free_names[i]);
	free(free_names);
	free(path);
}
