/*
 * fuzz_lackey.c - libFuzzer target: valgrind lackey text (tr_lackey.c),
 * read through the byte layer (tr_io.c); see fuzz_common.h.
 */
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace(data, size, TR_FMT_LACKEY, 0);
}
