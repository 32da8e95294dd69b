/*
 * store_int: what the store's other files (store_photos.c) share with
 * store.c. Not for use outside db/.
 */
#ifndef HERALD_STORE_INT_H
#define HERALD_STORE_INT_H

#include <sqlite3.h>

struct store;
struct store_reader;

/* The writer connection (engine thread), and a reader's. */
sqlite3 *store_sqlite(struct store *);
sqlite3 *store_reader_sqlite(struct store_reader *);

#endif
