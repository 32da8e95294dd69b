/*
 * imagework: posix_spawn herald-image with the operation and its files
 * as arguments, read its one-line answer from a pipe while watching the
 * deadline and the cancel flag, then reap it. A child that dies on a
 * signal it did not get from us was killed by the photo (a decoder
 * crash, its memory or CPU limit): that is the photo's refusal. One we
 * killed (deadline, cancel) or that could not start is a failure to try
 * again.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activities/imagework.h"
#include "common/util.h"

#define ANSWER_MAX (64 * 1024)

extern char **environ;

static char program[PATH_MAX];

int
imagework_init(char **cause)
{
	char    self[PATH_MAX], *slash;
	ssize_t n;

	if (program[0] != '\0')
		return 0;
	/* Named outright (tests; a packager's layout). */
	if ((slash = getenv("HERALD_IMAGE")) != NULL && *slash == '/' &&
	    strlen(slash) < sizeof program && access(slash, X_OK) == 0) {
		snprintf(program, sizeof program, "%s", slash);
		return 0;
	}
	if ((n = readlink("/proc/self/exe", self, sizeof self - 32)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			memcpy(slash, "/herald-image", sizeof "/herald-image");
			if (access(self, X_OK) == 0) {
				memcpy(program, self, strlen(self) + 1);
				return 0;
			}
		}
	}
#ifdef HERALD_LIBEXECDIR
	snprintf(program, sizeof program, "%s/herald-image", HERALD_LIBEXECDIR);
	if (access(program, X_OK) == 0)
		return 0;
#endif
	xasprintf(cause,
	          "herald-image (the photo reader) is neither beside this "
	          "program nor in %s",
#ifdef HERALD_LIBEXECDIR
	          HERALD_LIBEXECDIR
#else
	          "its install folder"
#endif
	);
	program[0] = '\0';
	return -1;
}

const char *
imagework_program(void)
{
	return program;
}

/* When the call must end; *own: the limit is imagework's (a photo that
 * takes this long is the photo's problem), not the caller's. */
static int64_t
deadline_of(const struct imagework_opts *o, int *own)
{
	int64_t now = clock_ms(), max = now + IMAGEWORK_WAIT_MS;

	*own = o == NULL || o->deadline <= 0 || o->deadline > max;
	return *own ? max : o->deadline;
}

/* What the child may know: nothing secret (tokens and keys stay in
 * heraldd), only what a locale and a test build's sanitizers need. */
static char **
child_env(void)
{
	static const char *const keep[] = {
		"PATH=",   "LANG=",         "LC_ALL=",       "LC_CTYPE=",
		"TMPDIR=", "ASAN_OPTIONS=", "LSAN_OPTIONS=", "UBSAN_OPTIONS="
	};
	char **env = xcalloc(nitems(keep) + 1, sizeof *env), **e;
	size_t i, n = 0;

	for (e = environ; *e != NULL && n < nitems(keep); e++)
		for (i = 0; i < nitems(keep); i++)
			if (strncmp(*e, keep[i], strlen(keep[i])) == 0) {
				env[n++] = *e;
				break;
			}
	return env;
}

/* A death the photo caused: a decoder's crash, its CPU limit. Other
 * signals come from outside (an operator, the OOM killer). */
static int
crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
	       sig == SIGFPE || sig == SIGABRT || sig == SIGXCPU;
}

static int
spawn(char **argv, int out, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t          at;
	sigset_t                   none, dfl;
	char                     **env = child_env();
	int                        rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	/* Neither heraldd's blocked signals nor its ignored SIGPIPE. */
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
	                                  POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(pid, program, &fa, &at, argv, env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return rc;
}

/* Runs herald-image with argv (argv[0] is filled here) and parses its
 * answer into *answer. IW_OK with the answer ({"ok": true, ...}),
 * IW_REFUSED with *why, or IW_FAILED with *why. */
static int
run(char **argv, const struct imagework_opts *o, cJSON **answer, char **why)
{
	int          own, cancelled = 0, killed = 0, fds[2], status, rc;
	int64_t      deadline = deadline_of(o, &own);
	char        *buf = NULL;
	size_t       len = 0;
	pid_t        pid;
	const cJSON *ok;

	*answer = NULL;
	*why = NULL;
	if (program[0] == '\0') {
		*why = xstrdup("the photo reader (herald-image) is not set up");
		return IW_FAILED;
	}
	argv[0] = program;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		xasprintf(why, "the photo reader: pipe: %s", strerror(errno));
		return IW_FAILED;
	}
	rc = spawn(argv, fds[1], &pid);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		xasprintf(why, "the photo reader %s: %s", program,
		          strerror(rc));
		return IW_FAILED;
	}
	buf = xmalloc(ANSWER_MAX + 1);
	for (;;) {
		struct pollfd p = { fds[0], POLLIN, 0 };
		ssize_t       n;

		cancelled = o != NULL && o->cancel != NULL &&
		            atomic_load(o->cancel) != 0;
		if (cancelled || clock_ms() >= deadline) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fds[0], buf + len, ANSWER_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == ANSWER_MAX)
			break;
	}
	close(fds[0]);
	buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed) {
		free(buf);
		if (!cancelled && own) {
			/* No photo takes this long: it is the photo. */
			xasprintf(why,
			          "reading it took more than %d s: stopped",
			          IMAGEWORK_WAIT_MS / 1000);
			return IW_REFUSED;
		}
		xasprintf(why, "the photo reader %s",
		          cancelled ? "was stopped (cancelled)"
		                    : "ran out of the step's time: stopped");
		return IW_FAILED;
	}
	if (WIFSIGNALED(status)) {
		free(buf);
		xasprintf(why, "the photo reader died on it (%s)%s",
		          strsignal(WTERMSIG(status)),
		          crash_signal(WTERMSIG(status))
		              ? ": a broken photo, or one too large to read"
		              : "");
		return crash_signal(WTERMSIG(status)) ? IW_REFUSED : IW_FAILED;
	}
	*answer = cJSON_Parse(buf);
	free(buf);
	ok = cJSON_GetObjectItem(*answer, "ok");
	if (WEXITSTATUS(status) != 0 || !cJSON_IsBool(ok)) {
		cJSON_Delete(*answer);
		*answer = NULL;
		xasprintf(why, "the photo reader %s (exit %d)",
		          WEXITSTATUS(status) == 3 ? "could not read the file"
		                                   : "failed",
		          WEXITSTATUS(status));
		return IW_FAILED;
	}
	if (cJSON_IsFalse(ok)) {
		const char *w =
		    cJSON_GetStringValue(cJSON_GetObjectItem(*answer, "why"));

		*why = xstrdup(w != NULL ? w : "not an image herald reads");
		cJSON_Delete(*answer);
		*answer = NULL;
		return IW_REFUSED;
	}
	return IW_OK;
}

int
imagework_read(const char *src, const struct imagework_opts *o,
               struct image_facts *f, char **why)
{
	char  *argv[] = { NULL, (char *)"read", (char *)src, NULL };
	cJSON *a;
	int    rc;

	memset(f, 0, sizeof *f);
	if ((rc = run(argv, o, &a, why)) == IW_OK)
		imagework_facts_from(cJSON_GetObjectItem(a, "facts"), f);
	cJSON_Delete(a);
	return rc;
}

int
imagework_variants(const char *src, int n, const struct image_spec *specs,
                   const char *const *outs, const struct imagework_opts *o,
                   struct image_facts *f, struct image_plan *plans, char **why)
{
	char       **argv = xcalloc((size_t)n + 5, sizeof *argv);
	cJSON       *arr = cJSON_CreateArray(), *a;
	const cJSON *it;
	char        *text;
	int          i, rc;

	memset(f, 0, sizeof *f);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, imagework_spec_json(&specs[i]));
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	argv[1] = (char *)"variants";
	argv[2] = (char *)src;
	argv[3] = text;
	for (i = 0; i < n; i++)
		argv[4 + i] = (char *)outs[i];
	rc = run(argv, o, &a, why);
	if (rc == IW_OK) {
		imagework_facts_from(cJSON_GetObjectItem(a, "facts"), f);
		i = 0;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(a, "plans"))
		{
			if (i < n)
				imagework_plan_from(it, &plans[i++]);
		}
		if (i != n) {
			rc = IW_FAILED;
			xasprintf(why,
			          "the photo reader answered %d plans for "
			          "%d variants",
			          i, n);
		}
	}
	cJSON_Delete(a);
	cJSON_free(text);
	free(argv);
	return rc;
}

static int
sized(char **argv, const struct imagework_opts *o, int *w, int *h, char **why)
{
	cJSON *a;
	int    rc = run(argv, o, &a, why);

	if (rc == IW_OK) {
		*w = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "width"));
		*h =
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItem(a, "height"));
		if (*w <= 0 || *h <= 0) {
			rc = IW_FAILED;
			*why = xstrdup("the photo reader answered no size");
		}
	}
	cJSON_Delete(a);
	return rc;
}

int
imagework_thumbnail(const char *src, int max_w, int max_h, size_t max_bytes,
                    const char *out, const struct imagework_opts *o, int *w,
                    int *h, char **why)
{
	char  sw[16], sh[16], sb[24];
	char *argv[] = { NULL, (char *)"thumbnail", (char *)src, sw, sh,
		         sb,   (char *)out,         NULL };

	snprintf(sw, sizeof sw, "%d", max_w);
	snprintf(sh, sizeof sh, "%d", max_h);
	snprintf(sb, sizeof sb, "%zu", max_bytes);
	return sized(argv, o, w, h, why);
}

int
imagework_rgba(const char *src, int max_w, int max_h, const char *out,
               const struct imagework_opts *o, int *w, int *h, char **why)
{
	char  sw[16], sh[16];
	char *argv[] = { NULL, (char *)"rgba", (char *)src, sw,
		         sh,   (char *)out,    NULL };

	snprintf(sw, sizeof sw, "%d", max_w);
	snprintf(sh, sizeof sh, "%d", max_h);
	return sized(argv, o, w, h, why);
}

/* The exchange's JSON. */

static double
num(const cJSON *o, const char *key)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(o, key));
}

static int
flag(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(o, key));
}

cJSON *
imagework_spec_json(const struct image_spec *s)
{
	cJSON *o = cJSON_CreateObject();
	char   bg[8];

	cJSON_AddNumberToObject(o, "max_width", s->max_width);
	cJSON_AddNumberToObject(o, "max_long", s->max_long);
	cJSON_AddNumberToObject(o, "min_width", s->min_width);
	cJSON_AddNumberToObject(o, "min_ratio", s->min_ratio);
	cJSON_AddNumberToObject(o, "max_ratio", s->max_ratio);
	cJSON_AddNumberToObject(o, "fit", (double)s->fit);
	snprintf(bg, sizeof bg, "%02x%02x%02x", s->bg[0], s->bg[1], s->bg[2]);
	cJSON_AddStringToObject(o, "bg", bg);
	cJSON_AddNumberToObject(o, "max_bytes", (double)s->max_bytes);
	return o;
}

int
imagework_spec_from(const cJSON *o, struct image_spec *s)
{
	const char  *bg = cJSON_GetStringValue(cJSON_GetObjectItem(o, "bg"));
	unsigned int r, g, b;
	double       fit = num(o, "fit");

	memset(s, 0, sizeof *s);
	if (!cJSON_IsObject(o) || bg == NULL ||
	    sscanf(bg, "%02x%02x%02x", &r, &g, &b) != 3 || fit < 0 ||
	    fit > IMAGE_FIT_SKIP || num(o, "max_bytes") < 0)
		return -1;
	s->max_width = (int)num(o, "max_width");
	s->max_long = (int)num(o, "max_long");
	s->min_width = (int)num(o, "min_width");
	s->min_ratio = num(o, "min_ratio");
	s->max_ratio = num(o, "max_ratio");
	s->fit = (enum image_fit)(int)fit;
	s->bg[0] = (unsigned char)r;
	s->bg[1] = (unsigned char)g;
	s->bg[2] = (unsigned char)b;
	s->max_bytes = (size_t)num(o, "max_bytes");
	return 0;
}

cJSON *
imagework_facts_json(const struct image_facts *f)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "format", f->format);
	cJSON_AddNumberToObject(o, "width", f->width);
	cJSON_AddNumberToObject(o, "height", f->height);
	cJSON_AddNumberToObject(o, "orientation", f->orientation);
	cJSON_AddNumberToObject(o, "up_width", f->up_width);
	cJSON_AddNumberToObject(o, "up_height", f->up_height);
	return o;
}

void
imagework_facts_from(const cJSON *o, struct image_facts *f)
{
	const char *fmt =
	    cJSON_GetStringValue(cJSON_GetObjectItem(o, "format"));

	memset(f, 0, sizeof *f);
	snprintf(f->format, sizeof f->format, "%s", fmt ? fmt : "");
	f->width = (int)num(o, "width");
	f->height = (int)num(o, "height");
	f->orientation = (int)num(o, "orientation");
	f->up_width = (int)num(o, "up_width");
	f->up_height = (int)num(o, "up_height");
}

cJSON *
imagework_plan_json(const struct image_plan *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", p->ok);
	cJSON_AddStringToObject(o, "why", p->why);
	cJSON_AddBoolToObject(o, "rotated", p->rotated);
	cJSON_AddBoolToObject(o, "converted", p->converted);
	cJSON_AddBoolToObject(o, "cropped", p->cropped);
	cJSON_AddBoolToObject(o, "padded", p->padded);
	cJSON_AddBoolToObject(o, "downscaled", p->downscaled);
	cJSON_AddStringToObject(o, "ratio", p->ratio);
	cJSON_AddNumberToObject(o, "out_width", p->out_width);
	cJSON_AddNumberToObject(o, "out_height", p->out_height);
	return o;
}

void
imagework_plan_from(const cJSON *o, struct image_plan *p)
{
	const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(o, "why"));
	const char *ratio =
	    cJSON_GetStringValue(cJSON_GetObjectItem(o, "ratio"));

	memset(p, 0, sizeof *p);
	p->ok = flag(o, "ok");
	snprintf(p->why, sizeof p->why, "%s", why ? why : "");
	p->rotated = flag(o, "rotated");
	p->converted = flag(o, "converted");
	p->cropped = flag(o, "cropped");
	p->padded = flag(o, "padded");
	p->downscaled = flag(o, "downscaled");
	snprintf(p->ratio, sizeof p->ratio, "%s", ratio ? ratio : "");
	p->out_width = (int)num(o, "out_width");
	p->out_height = (int)num(o, "out_height");
}
