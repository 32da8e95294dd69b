/*
 * bench-image: what the photo transforms (activities/image.c) cost in
 * time and memory, on camera-sized photos made here (tests/tools/
 * photokit.c, noisy so that their JPEGs have a camera's size) in a temp
 * dir that is removed at the end.
 *
 * Each input is measured in a process of its own (forked), so no input
 * inherits another's heap. That process starts libvips and warms it up
 * on a small photo (loaders, types and threads made once per process
 * are not charged to the first input), reads the file into memory, and
 * then, for image_read and each channel's transform:
 *
 *   ms         mean wall time of R runs (-r, 3 by default)
 *   peak+src   the peak RSS (VmHWM, reset before the step through
 *              /proc/self/clear_refs) above the RSS before the file was
 *              read: the source's bytes included
 *   peak       the same above the RSS with the file in memory: what the
 *              transform itself needs
 *   settled    the RSS after the runs and malloc_trim (as the daemon
 *              does when idle), above the RSS before the step
 *
 * Figures only: nothing here is a pass or a fail.
 *
 * usage: bench-image [-r RUNS] [-q] (-q: the 12 MP inputs only)
 */
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vips/vips.h>

#include "activities/image.h"
#include "activities/imagework.h"
#include "common/util.h"
#include "tests/bench/bench.h"
#include "tests/tools/photokit.h"

struct input {
	const char *name;
	const char *file;
	int         w, h;
	int         orientation;
	int         progressive;
	int         quality; /* 0: photokit's 90 */
	int         quick;   /* in the -q set */
};

static const struct input inputs[] = {
	{ "12 MP JPEG", "p12.jpg", 4000, 3000, 1, 0, 0, 1 },
	{ "24 MP JPEG", "p24.jpg", 6000, 4000, 1, 0, 0, 0 },
	{ "24 MP JPEG, orientation 6", "p24o6.jpg", 6000, 4000, 6, 0, 0, 0 },
	{ "24 MP progressive JPEG", "p24p.jpg", 6000, 4000, 1, 1, 0, 0 },
	{ "48 MP JPEG", "p48.jpg", 8000, 6000, 1, 0, 0, 0 },
	/* A phone's HEIC is a few MB: x265 at 90 makes 19 MB of the
	 * noise. */
	{ "12 MP HEIC", "p12.heic", 4000, 3000, 1, 0, 50, 1 },
};

static const struct image_spec specs[] = {
	{ /* Instagram */
	  .max_width = 1440,
	  .min_width = 320,
	  .min_ratio = 0.8,
	  .max_ratio = 1.91,
	  .fit = IMAGE_FIT_PAD,
	  .bg = { 255, 255, 255 },
	  .max_bytes = 8000000 },
	{ /* Facebook */
	  .max_long = 2048,
	  .bg = { 255, 255, 255 },
	  .max_bytes = 4 << 20 },
	{ /* Claude */
	  .max_long = 1568,
	  .bg = { 255, 255, 255 },
	  .max_bytes = 3932160 },
};
static const char *const spec_names[] = { "instagram (pad)", "facebook",
	                                  "claude" };

static void
reset_peak(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);

	/* "5" resets VmHWM to the current RSS (Linux 4.0). */
	if (fd < 0 || write(fd, "5", 1) != 1)
		fprintf(stderr, "bench-image: cannot reset the peak RSS\n");
	if (fd >= 0)
		close(fd);
}

static long
rss(const char *field)
{
	return bench_status(getpid(), field);
}

/* One step: -1 read, else the spec's index. 0 with *outlen. */
static int
step(int which, const unsigned char *b, size_t n, size_t *outlen, char **why)
{
	struct image_facts f;
	struct image_plan  p;
	unsigned char     *out;

	*outlen = 0;
	if (which < 0)
		return image_read(b, n, &f, why);
	if (image_make(b, n, &specs[which], &out, outlen, &p, why) != 0)
		return -1;
	free(out);
	return 0;
}

static void
warm_up(void)
{
	struct photokit_opts o = { .width = 1200, .height = 900, .noise = 1 };
	unsigned char       *b;
	size_t               n, outlen;
	char                *why = NULL;
	int                  i;

	if (photokit_make("jpg", &o, &b, &n, &why) != 0)
		fatal("warm-up photo: %s", why);
	for (i = -1; i < (int)nitems(specs); i++)
		if (step(i, b, n, &outlen, &why) != 0)
			fatal("warm-up: %s", why);
	free(b);
	malloc_trim(0);
}

static int
measure(const char *path, const struct input *in, int runs)
{
	unsigned char *b;
	char          *buf = NULL, *why = NULL;
	size_t         n, outlen = 0;
	long           rss0, rss1, before, peak, settled;
	int64_t        t0, t1;
	int            i, r;

	if (image_init("bench-image", &why) != 0)
		fatal("%s", why);
	warm_up();
	rss0 = rss("VmRSS:");
	if (read_small_file(path, (size_t)1 << 30, &buf, &n, &why) != 0)
		fatal("%s", why != NULL ? why : path);
	b = (unsigned char *)buf;
	rss1 = rss("VmRSS:");
	printf("%s: %dx%d, %zu bytes (%.1f MiB); RSS %ld KiB, %ld KiB with "
	       "the file\n",
	       in->name, in->w, in->h, n, n / 1048576.0, rss0, rss1);
	printf("  %-16s %8s %9s %9s %9s  %s\n", "step", "ms", "peak+src",
	       "peak", "settled", "output");
	for (i = -1; i < (int)nitems(specs); i++) {
		malloc_trim(0);
		before = rss("VmRSS:");
		reset_peak();
		t0 = mono_ms();
		for (r = 0; r < runs; r++)
			if (step(i, b, n, &outlen, &why) != 0)
				fatal("%s: %s", in->name, why);
		t1 = mono_ms();
		peak = rss("VmHWM:");
		malloc_trim(0);
		settled = rss("VmRSS:");
		printf("  %-16s %8.0f %6ld KiB %5ld KiB %5ld KiB  ",
		       i < 0 ? "image_read" : spec_names[i],
		       (double)(t1 - t0) / runs, peak - rss0, peak - before,
		       settled - before);
		if (i < 0)
			printf("-\n");
		else
			printf("%zu bytes\n", outlen);
		fflush(stdout);
	}
	free(buf);
	malloc_trim(0);
	printf("  after the steps, the file freed: RSS %ld KiB (%+ld over "
	       "the start)\n",
	       rss("VmRSS:"), rss("VmRSS:") - rss0);
	fflush(stdout);
	image_shutdown();
	return 0;
}

static int
in_child(const char *dir, const struct input *in, int runs, int make)
{
	struct photokit_opts o;
	char                 path[512], *why = NULL;
	pid_t                pid;
	int                  status;

	snprintf(path, sizeof path, "%s/%s", dir, in->file);
	fflush(stdout);
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid == 0) {
		if (!make)
			_exit(measure(path, in, runs));
		/* libvips' own defaults (a thread a core): only the
		 * measuring processes are set up as herald is. */
		if (VIPS_INIT("bench-image") != 0)
			fatal("libvips did not start");
		memset(&o, 0, sizeof o);
		o.width = in->w;
		o.height = in->h;
		o.orientation = in->orientation;
		o.progressive = in->progressive;
		o.quality = in->quality;
		o.noise = 1;
		if (photokit_write(path, &o, &why) != 0)
			fatal("%s: %s", in->file, why);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-image: %s: %s failed\n", in->name,
		        make ? "making the photo" : "measuring");
		return -1;
	}
	return 0;
}

/* The way heraldd runs it: herald-image makes the three variants in a
 * process of its own. Its wall time and its peak RSS (from wait4): what
 * a pick costs, none of it in heraldd's memory. */
static int
through_helper(const char *dir, const struct input *in)
{
	char         *argv[8], src[512], outs[3][600], *text;
	cJSON        *arr = cJSON_CreateArray();
	struct rusage ru;
	int64_t       t0;
	pid_t         pid;
	int           status, i;

	snprintf(src, sizeof src, "%s/%s", dir, in->file);
	for (i = 0; i < 3; i++) {
		cJSON_AddItemToArray(arr, imagework_spec_json(&specs[i]));
		snprintf(outs[i], sizeof outs[i], "%s/out-%d.jpg", dir, i);
	}
	text = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	argv[0] = (char *)imagework_program();
	argv[1] = (char *)"variants";
	argv[2] = src;
	argv[3] = text;
	for (i = 0; i < 3; i++)
		argv[4 + i] = outs[i];
	argv[7] = NULL;
	fflush(stdout);
	t0 = mono_ms();
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid == 0) {
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-image: %s: herald-image failed\n",
		        in->name);
		cJSON_free(text);
		return -1;
	}
	printf("  herald-image, 3 variants at once: %lld ms, its peak RSS "
	       "%ld KiB (heraldd's own does not move)\n",
	       (long long)(mono_ms() - t0), ru.ru_maxrss);
	for (i = 0; i < 3; i++)
		unlink(outs[i]);
	cJSON_free(text);
	return 0;
}

int
main(int argc, char **argv)
{
	char   dir[] = "/tmp/bench-image.XXXXXX", path[600], *why = NULL;
	size_t i;
	int    c, runs = 3, quick = 0, rc = 0, helper = 1;

	while ((c = getopt(argc, argv, "r:q")) != -1) {
		switch (c) {
		case 'r':
			runs = atoi(optarg) > 0 ? atoi(optarg) : 1;
			break;
		case 'q':
			quick = 1;
			break;
		default:
			fprintf(stderr, "usage: bench-image [-r RUNS] [-q]\n");
			return 2;
		}
	}
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	if (imagework_init(&why) != 0) {
		fprintf(stderr,
		        "bench-image: %s (the herald-image figures "
		        "are left out)\n",
		        why);
		free(why);
		helper = 0;
	}
	printf("bench-image: libvips, cache off, 1 thread a pipeline; %d "
	       "run(s) a step; %ld cores\n",
	       runs, sysconf(_SC_NPROCESSORS_ONLN));
	for (i = 0; i < nitems(inputs) && rc == 0; i++) {
		if (quick && !inputs[i].quick)
			continue;
		if (in_child(dir, &inputs[i], runs, 1) != 0 ||
		    in_child(dir, &inputs[i], runs, 0) != 0 ||
		    (helper && through_helper(dir, &inputs[i]) != 0))
			rc = 1;
		snprintf(path, sizeof path, "%s/%s", dir, inputs[i].file);
		unlink(path);
	}
	rmdir(dir);
	return rc;
}
