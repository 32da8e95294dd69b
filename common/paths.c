/*
 * paths: state dir resolution shared by the daemon and the client.
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"
#include "common/util.h"

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

char *
paths_state_dir(const char *dir, char **cause)
{
	const char *v;

	if (dir != NULL && *dir != '\0')
		return xstrdup(dir);
	if ((v = env_nonempty("HERALD_STATE_DIR")) != NULL)
		return xstrdup(v);
	if ((v = env_nonempty("STATE_DIRECTORY")) != NULL)
		return xstrndup(v, strcspn(v, ":"));
	if ((v = env_nonempty("XDG_STATE_HOME")) != NULL) {
		char *out;

		xasprintf(&out, "%s/herald", v);
		return out;
	}
	if ((v = env_nonempty("HOME")) != NULL) {
		char *out;

		xasprintf(&out, "%s/.local/state/herald", v);
		return out;
	}
	xasprintf(cause, "no state dir: set --state-dir or HERALD_STATE_DIR");
	return NULL;
}

char *
paths_ipc_url(const char *state_dir, const char *name, char **cause)
{
	struct sockaddr_un sun;
	char              *url;
	size_t             len = strlen(state_dir) + 1 + strlen(name);

	if (len >= sizeof sun.sun_path) {
		xasprintf(cause,
		          "socket path %s/%s is %zu bytes, over the %zu a Unix "
		          "socket allows; use a shorter state dir",
		          state_dir, name, len, sizeof sun.sun_path - 1);
		return NULL;
	}
	xasprintf(&url, "ipc://%s/%s", state_dir, name);
	return url;
}

int
paths_mkdir(const char *dir, int mode, char **cause)
{
	char *p = xstrdup(dir), *s;
	int   rc = -1;

	for (s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			xasprintf(cause, "mkdir %s: %s", p, strerror(errno));
			goto out;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	rc = 0;
out:
	free(p);
	return rc;
}
