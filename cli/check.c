/* check.c - placeholder until `eptsim check` lands (being written) */
#include "cli/cli.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return usage_error("check", "%s", "not yet supported");
}

int check_expect(const struct eptsim_config *cfg, const struct eptsim_result *res, FILE *out)
{
	(void)cfg;
	(void)res;
	(void)out;
	return EXIT_DONE;
}
