/*
 * photos_dir: lists settings.brand.photos.path. Only regular files whose
 * name says they are images; hidden files and folders are not photos.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "activities/photos_dir.h"
#include "common/util.h"

int
photos_dir_list(const struct act_call *c, struct photo_pool *pool,
                struct act_out *out)
{
	const cJSON *brand = cJSON_GetObjectItem(c->settings, "brand");
	const char  *name =
	    cJSON_GetStringValue(cJSON_GetObjectItem(brand, "name"));
	const char *dir = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(brand, "photos"), "path"));
	DIR              *d;
	struct dirent    *de;
	struct stat       sb;
	struct photo_ref *r;
	char             *path;

	if (dir == NULL || name == NULL) {
		out->status = ACT_FAIL;
		out->error =
		    xstrdup("brand has no photos folder in the config");
		return -1;
	}
	xasprintf(&pool->where, "folder %s", dir);
	if ((d = opendir(dir)) == NULL) {
		/* A missing folder is a setting to fix, not a blip. */
		out->status =
		    errno == ENOENT || errno == ENOTDIR || errno == EACCES
		        ? ACT_FAIL
		        : ACT_RETRY;
		xasprintf(&out->error, "brand %s: photos folder %s: %s", name,
		          dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!photo_is_image(de->d_name))
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			free(path); /* gone meanwhile, or not a file */
			continue;
		}
		if (pool->n == pool->cap) {
			pool->cap = pool->cap ? 2 * pool->cap : 64;
			pool->v =
			    xrealloc(pool->v, pool->cap * sizeof *pool->v);
		}
		r = &pool->v[pool->n++];
		memset(r, 0, sizeof *r);
		r->key = xstrdup(de->d_name);
		r->path = path;
		r->size = (int64_t)sb.st_size;
		xasprintf(&r->identity, "%lld:%lld.%09ld",
		          (long long)sb.st_size, (long long)sb.st_mtim.tv_sec,
		          (long)sb.st_mtim.tv_nsec);
	}
	closedir(d);
	return 0;
}
