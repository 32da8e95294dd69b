/*
 * json: strict parsing on top of cJSON. Any thread.
 */
#ifndef HERALD_JSON_H
#define HERALD_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parses exactly one JSON value from the len bytes at buf, which need not
 * be NUL-terminated; only blanks may follow it. Returns NULL on any error,
 * with *err_off (if not NULL) set to the byte offset of the problem. */
cJSON *json_parse(const char *buf, size_t len, size_t *err_off);

#endif
