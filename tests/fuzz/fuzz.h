/*
 * fuzz: what the libFuzzer targets of tests/fuzz share. A target checks
 * what its parser promises, not only that it survives: a broken promise
 * aborts, and libFuzzer keeps the input that did it.
 *
 * The targets over an HTTP answer (Graph, Anthropic, the OTLP export) read
 * their input as text, so that seeds are answers the fakes really gave:
 *
 *   <status>[ <flags>]\n
 *   <header line>\n       as libcurl hands them over ("Name: value\r\n")
 *   ...
 *   \n                    (or \r\n) ends the headers
 *   <body>                every byte to the end
 *
 * fuzz_resp builds the struct http_resp that http_do would have, headers
 * going through http.c's own parser.
 */
#ifndef HERALD_FUZZ_H
#define HERALD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "activities/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How often needle occurs in the n bytes at hay. */
size_t fuzz_count(const uint8_t *hay, size_t n, const char *needle);

/* A secret's head (its first bytes) in an error is a leak, a secret cut
 * to size, only when every head in the input began the whole secret: an
 * input may as well hold the head alone, or a look-alike. */
#define FUZZ_HEAD_LEAKS(data, size, error, head, secret)                       \
	(fuzz_count(data, size, head) == fuzz_count(data, size, secret) &&     \
	 strstr(error, head) != NULL)

/* Aborts with the message when cond is false. */
#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);     \
	} while (0)

_Noreturn void fuzz_fail(const char *file, int line, const char *cond,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The answer in data (see above) into r (free with http_resp_fini);
 * keep names the header kept whole, as http_req.keep_header, or NULL.
 * flags gets the rest of the status line (at most flagslen - 1 bytes). */
void fuzz_resp(const uint8_t *data, size_t size, const char *keep,
               struct http_resp *r, char *flags, size_t flagslen);

#endif
