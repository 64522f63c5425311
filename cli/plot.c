/* plot.c - placeholder until `eptsim plot` lands (being written) */
#include "cli/cli.h"

int cmd_plot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return usage_error("plot", "%s", "not yet supported");
}
