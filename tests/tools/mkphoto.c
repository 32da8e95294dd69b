/*
 * mkphoto: writes a test photo (tests/tools/photokit.h says what it
 * shows), its format from the file's extension (.jpg .png .webp .heic
 * .avif .tif .gif). WIDTH and HEIGHT are the upright picture's: with
 * --orientation 6 the file stores HEIGHT x WIDTH pixels and the EXIF tag
 * that turns them back.
 *
 * usage: mkphoto OUT.ext WIDTH HEIGHT [--orientation N] [--truncate PCT]
 *        [--noise] [--quality Q] [--alpha] [--progressive] [--16bit]
 *        [--cmyk]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vips/vips.h>

#include "tests/tools/photokit.h"

static int
usage(void)
{
	fprintf(stderr, "usage: mkphoto OUT.ext WIDTH HEIGHT [--orientation N] "
	                "[--truncate PCT] [--noise] [--quality Q] [--alpha] "
	                "[--progressive] [--16bit] [--cmyk]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct photokit_opts o;
	char                *why = NULL;
	int                  i, rc;

	if (argc < 4)
		return usage();
	memset(&o, 0, sizeof o);
	o.width = atoi(argv[2]);
	o.height = atoi(argv[3]);
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--orientation") == 0 && i + 1 < argc)
			o.orientation = atoi(argv[++i]);
		else if (strcmp(argv[i], "--truncate") == 0 && i + 1 < argc)
			o.truncate_pct = atoi(argv[++i]);
		else if (strcmp(argv[i], "--quality") == 0 && i + 1 < argc)
			o.quality = atoi(argv[++i]);
		else if (strcmp(argv[i], "--noise") == 0)
			o.noise = 1;
		else if (strcmp(argv[i], "--alpha") == 0)
			o.alpha = 1;
		else if (strcmp(argv[i], "--progressive") == 0)
			o.progressive = 1;
		else if (strcmp(argv[i], "--16bit") == 0)
			o.depth16 = 1;
		else if (strcmp(argv[i], "--cmyk") == 0)
			o.cmyk = 1;
		else
			return usage();
	}
	if (VIPS_INIT(argv[0]) != 0) {
		fprintf(stderr, "mkphoto: libvips did not start\n");
		return 1;
	}
	rc = photokit_write(argv[1], &o, &why);
	if (rc != 0) {
		fprintf(stderr, "mkphoto: %s\n", why);
		free(why);
	}
	vips_shutdown();
	return rc == 0 ? 0 : 1;
}
