/*
 * s3-presign: prints a presigned GET URL made by activities/s3.c, for the
 * S3 integration test (herald itself never shows one). The credentials
 * come from the environment, as in heraldd.
 * usage: s3-presign BUCKET KEY EXPIRES-SECONDS ENDPOINT path|vhost
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activities/s3.h"

int
main(int argc, char **argv)
{
	struct s3_bucket b;
	char            *url = NULL, *cause = NULL;

	if (argc != 6) {
		fprintf(stderr, "usage: s3-presign BUCKET KEY EXPIRES ENDPOINT "
		                "path|vhost\n");
		return 2;
	}
	memset(&b, 0, sizeof b);
	b.name = argv[1];
	b.endpoint = argv[4];
	b.path_style = strcmp(argv[5], "path") == 0;
	if (s3_presign_get(&b, argv[2], atoll(argv[3]), (int64_t)time(NULL),
	                   &url, &cause) != 0) {
		fprintf(stderr, "s3-presign: %s\n", cause);
		free(cause);
		return 1;
	}
	printf("%s\n", url);
	free(url);
	return 0;
}
