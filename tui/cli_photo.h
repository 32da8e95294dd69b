/*
 * cli_photo: how `herald photo ...` prints the pool's methods for a
 * person (--json prints the result as it is).
 */
#ifndef HERALD_CLI_PHOTO_H
#define HERALD_CLI_PHOTO_H

#include <stdio.h>

#include <cjson/cJSON.h>

void cli_print_photos(FILE *, const cJSON *result);
void cli_print_photo_check(FILE *, const cJSON *result);
void cli_print_preview(FILE *, const cJSON *result);

#endif
