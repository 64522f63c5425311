/*
 * stdin.c - reads all of standard input with read(0, ...) in odd-sized
 * chunks (so reads end in the middle of lines), and prints the byte
 * count, the line count and an FNV-1a checksum of the bytes.
 *
 * usage: stdin [SCALE] < FILE   SCALE (default 1) multiplies the 256
 * passes of the checksum over each chunk: more work per byte, the same
 * output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define STDIN_CHUNK 1000u
#define STDIN_PASSES 256u      /* checksum passes per chunk at SCALE 1 */

int main(int argc, char **argv)
{
	unsigned long scale = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	unsigned char buf[STDIN_CHUNK];
	uint64_t bytes = 0, lines = 0, fnv = UINT64_C(0xcbf29ce484222325), h = 0;
	ssize_t n;

	if (scale == 0)
		scale = 1;
	while ((n = read(0, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			perror("read");
			return 1;
		}
		for (unsigned long pass = 0; pass < STDIN_PASSES * scale; pass++) {
			h = fnv;
			for (ssize_t i = 0; i < n; i++)
				h = (h ^ buf[i]) * UINT64_C(0x100000001b3);
		}
		fnv = h;
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
		bytes += (uint64_t)n;
	}
	printf("stdin: %llu bytes, %llu lines, fnv1a %016llx\n",
	       (unsigned long long)bytes, (unsigned long long)lines,
	       (unsigned long long)fnv);
	return 0;
}
