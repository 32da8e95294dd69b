/*
 * strmap against a brute-force model: random puts, gets and deletes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/strmap.h"
#include "common/util.h"

#define N 2000

static void
test_against_model(void **state)
{
	static char    keys[N][16];
	static int     present[N];
	struct strmap *m = strmap_new();
	size_t         pos = 0, count = 0;
	int            i, round, live = 0;

	(void)state;
	srand(42);
	for (i = 0; i < N; i++)
		snprintf(keys[i], sizeof keys[i], "exec-%d", i);
	for (round = 0; round < 200000; round++) {
		i = rand() % N;
		switch (rand() % 3) {
		case 0:
			if (!present[i])
				live++;
			present[i] = 1;
			strmap_put(m, keys[i], keys[i]);
			break;
		case 1:
			assert_ptr_equal(strmap_get(m, keys[i]),
			                 present[i] ? keys[i] : NULL);
			break;
		case 2:
			assert_ptr_equal(strmap_del(m, keys[i]),
			                 present[i] ? keys[i] : NULL);
			if (present[i])
				live--;
			present[i] = 0;
			break;
		}
		assert_int_equal(strmap_count(m), (size_t)live);
	}
	for (i = 0; i < N; i++)
		assert_ptr_equal(strmap_get(m, keys[i]),
		                 present[i] ? keys[i] : NULL);
	while (strmap_next(m, &pos) != NULL)
		count++;
	assert_int_equal(count, (size_t)live);
	strmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
