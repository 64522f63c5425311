/*
 * fuzz_champsim.c - libFuzzer target: ChampSim records with 8-byte
 * accesses (tr_champsim.c), read through the byte layer (tr_io.c); see
 * fuzz_common.h.
 */
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_trace(data, size, TR_FMT_CHAMPSIM, 8);
}
