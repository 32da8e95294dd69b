/*
 * cron-next: for each input line "EXPR<TAB>UTC-SECONDS", prints the next
 * five fire times in UTC seconds, or "error: ..." (for the differential
 * test against croniter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"
#include "daemon/cron.h"

int
main(void)
{
	struct tz  *utc = tz_load("UTC", NULL);
	struct cron c;
	char        line[512], *tab, *cause = NULL;
	long long   t;
	int         i;

	while (fgets(line, sizeof line, stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		t = atoll(tab + 1);
		if (cron_parse(line, &c, &cause) != 0) {
			printf("error: %s\n", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		for (i = 0; i < 5; i++) {
			t = cron_next(&c, utc, t);
			printf("%s%lld", i ? " " : "", t);
		}
		printf("\n");
	}
	tz_free(utc);
	return 0;
}
