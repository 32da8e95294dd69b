/*
 * photoinfo: prints one JSON line saying what a photo file holds, for
 * tests written in shell:
 * {"format","width","height","orientation","progressive","bands",
 *  "interpretation","bytes","topleft":[r,g,b],"bottomright":[r,g,b],
 *  "exif","icc"}
 * topleft is the mean sRGB colour of the top-left 1/8 x 1/8 of the
 * pixels as stored (not turned by the orientation): what a viewer that
 * ignores EXIF shows there. Exit 1 when the file is not an image.
 *
 * usage: photoinfo FILE
 */
#include <stdio.h>
#include <stdlib.h>

#include <vips/vips.h>

#include "common/util.h"
#include "tests/tools/photokit.h"

int
main(int argc, char **argv)
{
	struct photokit_info pi;
	char                *buf = NULL, *why = NULL;
	size_t               len = 0;
	int                  rc;

	if (argc != 2) {
		fprintf(stderr, "usage: photoinfo FILE\n");
		return 2;
	}
	if (read_small_file(argv[1], (size_t)1 << 30, &buf, &len, &why) != 0) {
		fprintf(stderr, "photoinfo: %s\n",
		        why != NULL ? why : "no such file");
		free(why);
		return 1;
	}
	if (VIPS_INIT(argv[0]) != 0) {
		fprintf(stderr, "photoinfo: libvips did not start\n");
		free(buf);
		return 1;
	}
	rc = photokit_info(buf, len, &pi, &why);
	if (rc != 0) {
		fprintf(stderr, "photoinfo: %s: %s\n", argv[1], why);
		free(why);
	} else
		printf("{\"format\":\"%s\",\"width\":%d,\"height\":%d,"
		       "\"orientation\":%d,\"progressive\":%s,\"bands\":%d,"
		       "\"interpretation\":\"%s\",\"bytes\":%zu,"
		       "\"topleft\":[%.0f,%.0f,%.0f],"
		       "\"bottomright\":[%.0f,%.0f,%.0f],\"exif\":%s,"
		       "\"icc\":%s}\n",
		       pi.format, pi.width, pi.height, pi.orientation,
		       pi.progressive ? "true" : "false", pi.bands,
		       pi.interpretation, pi.bytes, pi.topleft[0],
		       pi.topleft[1], pi.topleft[2], pi.bottomright[0],
		       pi.bottomright[1], pi.bottomright[2],
		       pi.has_exif ? "true" : "false",
		       pi.has_icc ? "true" : "false");
	free(buf);
	vips_shutdown();
	return rc == 0 ? 0 : 1;
}
