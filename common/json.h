/*
 * json: strict parsing on top of cJSON. Any thread.
 */
#ifndef HERALD_JSON_H
#define HERALD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Parses exactly one JSON value from the len bytes at buf, which need not
 * be NUL-terminated; only blanks may follow it. Returns NULL on any error,
 * with *err_off (if not NULL) set to the byte offset of the problem. */
cJSON *json_parse(const char *buf, size_t len, size_t *err_off);

/* Adds key: the string v, or null when v is NULL. */
void json_add_str(cJSON *o, const char *key, const char *v);

/* Adds key: the ISO-8601 form of ms, or null when ms <= 0. */
void json_add_time(cJSON *o, const char *key, int64_t ms);

#endif
