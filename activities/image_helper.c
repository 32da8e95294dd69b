/*
 * herald-image: reads one photo and writes what was asked of it, for
 * heraldd and herald (activities/imagework.h). It runs one operation and
 * exits; the parent gives it files, it answers one line of JSON on
 * stdout: {"ok": true, ...} or {"ok": false, "why": "..."} when the photo
 * cannot be used (exit 0 either way). A photo file it cannot read (gone,
 * not readable, too large) exits 3; anything else (bad arguments, a file
 * it cannot write) exits 1. Neither is the photo's fault. Its limits are set
 * first thing: CPU time, and (outside sanitizer builds, whose shadow memory
 * needs the address space) memory.
 *
 *   herald-image read SRC
 *   herald-image variants SRC SPECS_JSON OUT...
 *   herald-image thumbnail SRC MAX_W MAX_H MAX_BYTES OUT
 *   herald-image rgba SRC MAX_W MAX_H OUT
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activities/image.h"
#include "activities/imagework.h"
#include "common/util.h"

#define CPU_S      60
#define MEMORY     (1536LL * 1024 * 1024)
#define SOURCE_MAX (80 * 1024 * 1024)
/* The photo's file could not be read (imagework.c knows this status). */
#define EXIT_SOURCE 3

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static void
limits(void)
{
	struct rlimit cpu = { CPU_S, CPU_S + 5 };

	/* Gone with the thread that started it: a heraldd killed mid-pick
	 * leaves no reader working for nobody. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	setrlimit(RLIMIT_CPU, &cpu);
#ifndef SANITIZED
	{
		struct rlimit as = { MEMORY, MEMORY };

		setrlimit(RLIMIT_AS, &as);
	}
#endif
}

static int
answer(cJSON *o)
{
	char *text = cJSON_PrintUnformatted(o);

	printf("%s\n", text);
	cJSON_free(text);
	cJSON_Delete(o);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
refuse(const char *why)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddFalseToObject(o, "ok");
	cJSON_AddStringToObject(o, "why", why);
	return answer(o);
}

static int
usage(const char *what)
{
	fprintf(stderr, "herald-image: %s\n", what);
	return 1;
}

static int
write_all(const char *path, const void *data, size_t len)
{
	int     fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t  off = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (off < len) {
		if ((n = write(fd, (const char *)data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

static int
number(const char *s, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 && *out > 0 &&
	               *out <= max
	           ? 0
	           : -1;
}

static int
do_variants(const unsigned char *buf, size_t len, int argc, char **argv)
{
	cJSON             *specs = cJSON_Parse(argv[3]), *o, *plans;
	struct image_spec  spec;
	struct image_facts f;
	struct image_plan  plan;
	unsigned char     *out;
	size_t             olen;
	char              *why = NULL;
	int                i, n = cJSON_GetArraySize(specs);

	if (!cJSON_IsArray(specs) || n != argc - 4 || n == 0) {
		cJSON_Delete(specs);
		return usage("variants: one spec per output file");
	}
	if (image_read(buf, len, &f, &why) != 0) {
		refuse(why);
		free(why);
		cJSON_Delete(specs);
		return 0;
	}
	o = cJSON_CreateObject();
	cJSON_AddTrueToObject(o, "ok");
	cJSON_AddItemToObject(o, "facts", imagework_facts_json(&f));
	plans = cJSON_AddArrayToObject(o, "plans");
	for (i = 0; i < n; i++) {
		if (imagework_spec_from(cJSON_GetArrayItem(specs, i), &spec) !=
		    0) {
			cJSON_Delete(o);
			cJSON_Delete(specs);
			return usage("variants: a spec is not one");
		}
		if (image_make(buf, len, &spec, &out, &olen, &plan, &why) !=
		    0) {
			refuse(why);
			free(why);
			cJSON_Delete(o);
			cJSON_Delete(specs);
			return 0;
		}
		if (write_all(argv[4 + i], out, olen) != 0) {
			fprintf(stderr, "herald-image: %s: %s\n", argv[4 + i],
			        strerror(errno));
			free(out);
			cJSON_Delete(o);
			cJSON_Delete(specs);
			return 1;
		}
		free(out);
		cJSON_AddItemToArray(plans, imagework_plan_json(&plan));
	}
	cJSON_Delete(specs);
	return answer(o);
}

static int
do_sized(const unsigned char *buf, size_t len, int rgba, int argc, char **argv)
{
	long long      w, h, max = 0;
	unsigned char *out = NULL;
	size_t         olen;
	int            ow, oh;
	char          *why = NULL;
	cJSON         *o;

	if (argc != (rgba ? 6 : 7) || number(argv[3], 8192, &w) != 0 ||
	    number(argv[4], 8192, &h) != 0 ||
	    (!rgba && number(argv[5], 1LL << 30, &max) != 0))
		return usage("thumbnail SRC W H MAX_BYTES OUT | rgba SRC W H "
		             "OUT");
	if (rgba ? image_rgba(buf, len, (int)w, (int)h, &out, &ow, &oh, &why)
	         : image_thumbnail(buf, len, (int)w, (int)h, (size_t)max, &out,
	                           &olen, &ow, &oh, &why)) {
		refuse(why);
		free(why);
		return 0;
	}
	if (rgba)
		olen = (size_t)ow * (size_t)oh * 4;
	if (write_all(argv[argc - 1], out, olen) != 0) {
		fprintf(stderr, "herald-image: %s: %s\n", argv[argc - 1],
		        strerror(errno));
		free(out);
		return 1;
	}
	free(out);
	o = cJSON_CreateObject();
	cJSON_AddTrueToObject(o, "ok");
	cJSON_AddNumberToObject(o, "width", ow);
	cJSON_AddNumberToObject(o, "height", oh);
	return answer(o);
}

int
main(int argc, char **argv)
{
	struct image_facts f;
	char              *buf = NULL, *cause = NULL;
	size_t             len = 0;
	int                rc;
	cJSON             *o;

	limits();
	if (argc < 3)
		return usage("usage: herald-image read|variants|thumbnail|rgba "
		             "SRC ...");
	if (image_init(argv[0], &cause) != 0) {
		fprintf(stderr, "herald-image: %s\n", cause);
		return 1;
	}
	rc = read_small_file(argv[2], SOURCE_MAX, &buf, &len, &cause);
	if (rc != 0) {
		/* Gone, unreadable or too large: nothing about its pixels,
		 * so not a reason to set the photo aside. */
		fprintf(stderr, "herald-image: %s\n",
		        rc == 1 ? "the file is gone" : cause);
		free(cause);
		rc = EXIT_SOURCE;
	} else if (strcmp(argv[1], "read") == 0 && argc == 3) {
		char *why = NULL;

		if (image_read(buf, len, &f, &why) != 0) {
			rc = refuse(why);
			free(why);
		} else {
			o = cJSON_CreateObject();
			cJSON_AddTrueToObject(o, "ok");
			cJSON_AddItemToObject(o, "facts",
			                      imagework_facts_json(&f));
			rc = answer(o);
		}
	} else if (strcmp(argv[1], "variants") == 0 && argc >= 5)
		rc = do_variants((unsigned char *)buf, len, argc, argv);
	else if (strcmp(argv[1], "thumbnail") == 0)
		rc = do_sized((unsigned char *)buf, len, 0, argc, argv);
	else if (strcmp(argv[1], "rgba") == 0)
		rc = do_sized((unsigned char *)buf, len, 1, argc, argv);
	else
		rc = usage("unknown operation");
	free(buf);
	image_shutdown();
	return rc;
}
