/*
 * herald: the client. With no command it opens the operator console; with a
 * command it sends one request to heraldd and prints the reply.
 */
#include <stdio.h>
#include <string.h>

static void
usage(FILE *f)
{
	fprintf(f, "usage: herald [--state-dir DIR | --socket URL] [--json] "
	           "[COMMAND ...]\n"
	           "       herald --help | --version\n");
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("herald %s\n", HERALD_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
