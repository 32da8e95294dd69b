/*
 * protodoc: prints the generated reference of docs/protocol.md (methods,
 * parameters, results, errors, event types) from the protocol's tables.
 * `make docs` splices it in; the docs.protocol test fails when the file
 * and the tables disagree.
 */
#include <stdio.h>

#include "ipc/proto.h"

int
main(void)
{
	proto_doc(stdout);
	return 0;
}
