/*
 * cli_photo: the photo pool, as tables. Keys and reasons come from the
 * daemon (a file name can hold anything): control characters are not
 * printed.
 */
#include <string.h>

#include "tui/cli.h"
#include "tui/cli_photo.h"

/* s, without control characters, padded to width (0: as it is). */
static void
put(FILE *f, const char *s, int width)
{
	int n = 0;

	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			continue;
		/* U+0080..U+009F: C1 controls (CSI among them). */
		if ((unsigned char)s[0] == 0xc2 &&
		    (unsigned char)s[1] >= 0x80 &&
		    (unsigned char)s[1] <= 0x9f) {
			s++;
			continue;
		}
		fputc(*s, f);
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	for (; n < width; n++)
		fputc(' ', f);
}

static void
counts(FILE *f, const cJSON *r, const char *const *names)
{
	const cJSON *c = cJSON_GetObjectItem(r, "counts");

	int i;

	put(f, cli_str(r, "where"), 0);
	for (i = 0; names[i] != NULL; i++)
		fprintf(f, "%s %s %.0f", i == 0 ? ":" : ",", names[i],
		        cli_num(c, names[i]));
	fputc('\n', f);
}

void
cli_print_photos(FILE *f, const cJSON *r)
{
	static const char *const names[] = { "photos", "unused",    "reserved",
		                             "used",   "set_aside", NULL };
	const cJSON             *it;

	counts(f, r, names);
	fprintf(f, "%-40s %-10s %10s %-24s %s\n", "PHOTO", "STATE", "BYTES",
	        "SINCE", "EXECUTION / REASON");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "photos"))
	{
		put(f, cli_str(it, "key"), 40);
		fputc(' ', f);
		put(f, cli_str(it, "state"), 10);
		fprintf(f, " %10.0f ", cli_num(it, "bytes"));
		put(f, cli_str(it, "since"), 24);
		fputc(' ', f);
		put(f,
		    cJSON_GetObjectItem(it, "reason")
		        ? cli_str(it, "reason")
		        : cli_str(it, "execution"),
		    0);
		fputc('\n', f);
	}
}

void
cli_print_photo_check(FILE *f, const cJSON *r)
{
	static const char *const names[] = { "photos",   "checked", "usable",
		                             "unusable", "unread",  NULL };
	const cJSON             *it, *ch;

	counts(f, r, names);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "photos"))
	{
		put(f, cli_str(it, "key"), 0);
		if (cJSON_GetObjectItem(it, "width") != NULL)
			fprintf(f, " (%s %.0fx%.0f)", cli_str(it, "format"),
			        cli_num(it, "width"), cli_num(it, "height"));
		if (strcmp(cli_str(it, "state"), "used") == 0) {
			fputs(": used, not read\n", f);
			continue;
		}
		if (cJSON_GetObjectItem(it, "error") != NULL) {
			fputs(": not read now: ", f);
			put(f, cli_str(it, "error"), 0);
			fputc('\n', f);
			continue;
		}
		if (cJSON_IsFalse(cJSON_GetObjectItem(it, "usable"))) {
			fputs(cJSON_IsTrue(cJSON_GetObjectItem(r, "applied"))
			          ? ": set aside: "
			          : ": cannot be used: ",
			      f);
			put(f, cli_str(it, "reason"), 0);
			fputc('\n', f);
			continue;
		}
		fputc('\n', f);
		cJSON_ArrayForEach(ch, cJSON_GetObjectItem(it, "channels"))
		{
			fprintf(f, "  %-10s ", ch->string);
			put(f, cli_str(ch, "done"), 0);
			fputc('\n', f);
		}
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "applied")) &&
	    cli_num(cJSON_GetObjectItem(r, "counts"), "unusable") > 0)
		fprintf(f, "nothing was set aside: run it again with --apply "
		           "to do so\n");
}

void
cli_print_preview(FILE *f, const cJSON *r)
{
	const cJSON *v = cJSON_GetObjectItem(r, "variant");

	put(f, cli_str(r, "key"), 0);
	fprintf(f, " for %s: %.0fx%.0f JPEG, %.0f bytes (",
	        cli_str(r, "channel"), cli_num(v, "width"),
	        cli_num(v, "height"), cli_num(v, "bytes"));
	put(f, cli_str(v, "done"), 0);
	fprintf(f, "); preview %.0fx%.0f, %.0f bytes in \"data\" (--json)\n",
	        cli_num(r, "width"), cli_num(r, "height"), cli_num(r, "bytes"));
}
