/* sweep.c - placeholder until `eptsim sweep` lands (being written) */
#include "cli/cli.h"

int cmd_sweep(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return usage_error("sweep", "%s", "not yet supported");
}
