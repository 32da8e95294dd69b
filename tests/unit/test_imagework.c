/*
 * imagework: the photo reader as heraldd and herald reach it, a process
 * of its own (herald-image, named by $HERALD_IMAGE): what it answers for
 * a good photo, a bad one, one that is not there, several variants in
 * one go; the outputs it writes; a refusal by one spec; a deadline that
 * passed and a cancel (the child is killed: a failure, not the photo's
 * fault); a helper that cannot run; and the JSON both sides exchange.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <vips/vips.h>

#include "activities/imagework.h"
#include "common/util.h"
#include "tests/tools/photokit.h"

static char dir[] = "/tmp/herald-imagework-XXXXXX";

static char *
path(const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", dir, name);
	return p;
}

static void
make(const char *name, int w, int h, int orientation)
{
	struct photokit_opts o = { .width = w,
		                   .height = h,
		                   .orientation = orientation };
	char                *p = path(name), *why = NULL;

	if (photokit_write(p, &o, &why) != 0)
		fail_msg("%s: %s", name, why);
	free(p);
}

static int
setup(void **state)
{
	char *cause = NULL, *p;
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL || VIPS_INIT("test_imagework") != 0)
		return -1;
	if (imagework_init(&cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	make("tall.jpg", 800, 1600, 6);
	make("thumb.png", 200, 200, 0);
	p = path("garbage.jpg");
	f = fopen(p, "w");
	fputs("\xff\xd8\xff not really a JPEG", f);
	fclose(f);
	free(p);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

static void
ig_spec(struct image_spec *s)
{
	memset(s, 0, sizeof *s);
	s->max_width = 1440;
	s->min_width = 320;
	s->min_ratio = 0.8;
	s->max_ratio = 1.91;
	s->fit = IMAGE_FIT_PAD;
	s->bg[0] = s->bg[1] = s->bg[2] = 255;
	s->max_bytes = 8000000;
}

static void
read_good(void **state)
{
	struct image_facts f;
	char              *p = path("tall.jpg"), *why = NULL;

	(void)state;
	assert_int_equal(imagework_read(p, NULL, &f, &why), IW_OK);
	assert_null(why);
	assert_string_equal(f.format, "jpeg");
	assert_int_equal(f.orientation, 6);
	assert_int_equal(f.width, 1600); /* stored sideways */
	assert_int_equal(f.up_width, 800);
	assert_int_equal(f.up_height, 1600);
	free(p);
}

static void
read_bad(void **state)
{
	struct image_facts f;
	char              *p = path("garbage.jpg"), *q = path("nothing.jpg");
	char              *why = NULL;

	(void)state;
	assert_int_equal(imagework_read(p, NULL, &f, &why), IW_REFUSED);
	assert_non_null(why);
	assert_non_null(strstr(why, "JPEG"));
	free(why);
	why = NULL;
	/* Not there: nothing about the photo, so not a refusal. */
	assert_int_equal(imagework_read(q, NULL, &f, &why), IW_FAILED);
	assert_non_null(strstr(why, "could not read the file"));
	free(why);
	free(p);
	free(q);
}

static void
variants(void **state)
{
	struct image_spec    specs[2];
	struct image_facts   f;
	struct image_plan    plans[2];
	struct photokit_info info;
	char                *src = path("tall.jpg"), *outs[2], *why = NULL;
	char                *buf = NULL, *cause = NULL;
	size_t               len;
	int                  i;

	(void)state;
	ig_spec(&specs[0]);
	memset(&specs[1], 0, sizeof specs[1]);
	specs[1].max_long = 1000;
	specs[1].bg[0] = 255;
	specs[1].max_bytes = 4 << 20;
	outs[0] = path("ig.jpg");
	outs[1] = path("fb.jpg");
	assert_int_equal(imagework_variants(src, 2, specs,
	                                    (const char *const *)outs, NULL, &f,
	                                    plans, &why),
	                 IW_OK);
	assert_int_equal(f.up_width, 800);
	assert_true(plans[0].ok && plans[0].rotated && plans[0].padded);
	assert_string_equal(plans[0].ratio, "4:5");
	assert_int_equal(plans[1].out_height, 1000);
	for (i = 0; i < 2; i++) {
		assert_int_equal(
		    read_small_file(outs[i], 1 << 24, &buf, &len, &cause), 0);
		assert_int_equal(photokit_info(buf, len, &info, &why), 0);
		assert_string_equal(info.format, "jpeg");
		assert_int_equal(info.orientation, 1);
		assert_false(info.progressive);
		assert_int_equal(info.width, plans[i].out_width);
		assert_int_equal(info.height, plans[i].out_height);
		free(buf);
		free(outs[i]);
	}
	free(src);
}

static void
refused_by_a_spec(void **state)
{
	struct image_spec  spec;
	struct image_facts f;
	struct image_plan  plan;
	char              *src = path("thumb.png"), *out = path("x.jpg");
	char              *why = NULL;

	(void)state;
	ig_spec(&spec);
	assert_int_equal(imagework_variants(src, 1, &spec,
	                                    (const char *const *)&out, NULL, &f,
	                                    &plan, &why),
	                 IW_REFUSED);
	assert_non_null(strstr(why, "320"));
	free(why);
	free(src);
	free(out);
}

static void
killed(void **state)
{
	struct imagework_opts o = { clock_ms() - 1, NULL };
	struct image_facts    f;
	atomic_int            stop = 1;
	char                 *src = path("tall.jpg"), *why = NULL;

	(void)state;
	/* A deadline that has passed: the child is stopped, and that is
	 * not the photo's fault. */
	assert_int_equal(imagework_read(src, &o, &f, &why), IW_FAILED);
	assert_non_null(strstr(why, "ran out of the step's time"));
	free(why);
	why = NULL;
	o.deadline = 0;
	o.cancel = &stop;
	assert_int_equal(imagework_read(src, &o, &f, &why), IW_FAILED);
	assert_non_null(strstr(why, "cancelled"));
	free(why);
	free(src);
}

static void
rgba(void **state)
{
	char  *src = path("tall.jpg"), *out = path("px"), *why = NULL;
	char  *buf = NULL, *cause = NULL;
	size_t len;
	int    w, h;

	(void)state;
	assert_int_equal(imagework_rgba(src, 100, 100, out, NULL, &w, &h, &why),
	                 IW_OK);
	assert_int_equal(h, 100); /* upright: taller than wide */
	assert_int_equal(w, 50);
	assert_int_equal(read_small_file(out, 1 << 20, &buf, &len, &cause), 0);
	assert_int_equal(len, (size_t)w * h * 4);
	free(buf);
	free(src);
	free(out);
}

static void
spec_json(void **state)
{
	struct image_spec a, b;
	cJSON            *j;

	(void)state;
	ig_spec(&a);
	a.fit = IMAGE_FIT_CROP;
	a.bg[1] = 0x10;
	j = imagework_spec_json(&a);
	assert_int_equal(imagework_spec_from(j, &b), 0);
	assert_memory_equal(&a, &b, sizeof a);
	cJSON_ReplaceItemInObject(j, "bg", cJSON_CreateString("white"));
	assert_int_equal(imagework_spec_from(j, &b), -1);
	cJSON_Delete(j);
}

/* The reader at $HERALD_IMAGE, in a process of its own (imagework_init
 * runs once a process): exits 10 + imagework_read's answer. */
static int
read_with(const char *src)
{
	struct image_facts f;
	char              *why = NULL;
	int                rc;

	if (imagework_init(&why) != 0) {
		fprintf(stderr, "%s\n", why);
		return 1;
	}
	rc = imagework_read(src, NULL, &f, &why);
	fprintf(stderr, "read_with: %d %s\n", rc, why ? why : "");
	free(why);
	return 10 + rc;
}

/* imagework_read through a fake reader running script. */
static int
with_fake(const char *name, const char *script)
{
	char *fake = path(name), *src = path("tall.jpg"), self[4096];
	FILE *f = fopen(fake, "w");
	pid_t pid;
	int   status;

	assert_non_null(f);
	fprintf(f, "#!/bin/sh\n%s\n", script);
	fclose(f);
	assert_int_equal(chmod(fake, 0755), 0);
	assert_true(readlink("/proc/self/exe", self, sizeof self - 1) > 0);
	self[readlink("/proc/self/exe", self, sizeof self - 1)] = '\0';
	if ((pid = fork()) == 0) {
		setenv("HERALD_IMAGE", fake, 1);
		execl(self, self, "--read-with", src, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	free(fake);
	free(src);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status) - 10;
}

static void
how_the_reader_ends(void **state)
{
	(void)state;
	/* A decoder that crashes on the photo: the photo's fault. */
	assert_int_equal(with_fake("segv", "kill -SEGV $$"), IW_REFUSED);
	assert_int_equal(with_fake("abrt", "kill -ABRT $$"), IW_REFUSED);
	/* Killed from outside, failing, or answering nonsense: not the
	 * photo's fault. */
	assert_int_equal(with_fake("term", "kill -TERM $$"), IW_FAILED);
	assert_int_equal(with_fake("exit", "exit 1"), IW_FAILED);
	assert_int_equal(with_fake("noise", "echo not json"), IW_FAILED);
	assert_int_equal(with_fake("ok", "echo '{\"ok\": true, \"facts\": "
	                                 "{\"format\": \"jpeg\"}}'"),
	                 IW_OK);
	/* It gets no secret from the environment. */
	setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t", 1);
	assert_int_equal(with_fake("env", "env | grep -q s3cr3t && "
	                                  "kill -SEGV $$; exit 1"),
	                 IW_FAILED);
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--read-with") == 0)
		return read_with(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_good),
		cmocka_unit_test(read_bad),
		cmocka_unit_test(variants),
		cmocka_unit_test(refused_by_a_spec),
		cmocka_unit_test(killed),
		cmocka_unit_test(rgba),
		cmocka_unit_test(spec_json),
		cmocka_unit_test(how_the_reader_ends),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
