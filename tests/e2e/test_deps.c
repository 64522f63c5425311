/*
 * test_deps.c - `make deps` (scripts/deps.sh) on a machine where nothing
 * is installed, faked: a PATH holding only stand-ins for pkg-config (every
 * library missing), id (root or not) and apt-get (records its arguments).
 * gnuplot, musl-gcc, objdump, xmllint and clang are then missing too, as on a
 * fresh machine.
 *  - not root: nothing is installed, the exact command is printed, exit 1;
 *  - root: apt-get update, then one install of exactly the missing packages.
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/lib/testlib.h"

static const char want_pkgs[] =
	"libunicorn-dev libcmocka-dev libjansson-dev zlib1g-dev liblzma-dev libzstd-dev "
	"gnuplot-nox musl-tools binutils valgrind xz-utils libxml2-utils clang libclang-rt-14-dev";

/* fake - DIR/NAME, an executable shell script with body `body` */
static void fake(const char *dir, const char *name, const char *body)
{
	char *p = tl_write(dir, name, body);

	assert_int_equal(chmod(p, 0755), 0);
	free(p);
}

/* run deps.sh with PATH=bin, as uid `uid`; returns the exit status */
static int run_deps(const char *dir, const char *uid, char **err)
{
	char *bin = tl_path(dir, "bin"), *errp = tl_path(dir, "stderr");
	char script[4096], cmd[8192], idbody[64];
	int st;

	snprintf(idbody, sizeof(idbody), "#!/bin/sh\necho %s\n", uid);
	fake(dir, "bin/id", idbody);
	fake(dir, "bin/pkg-config", "#!/bin/sh\nexit 1\n");
	fake(dir, "bin/cc", "#!/bin/sh\nexit 0\n");
	snprintf(cmd, sizeof(cmd),
		 "#!/bin/sh\necho \"$*\" >> %s/apt.log\n", dir);
	fake(dir, "bin/apt-get", cmd);
	assert_non_null(realpath("scripts/deps.sh", script));
	snprintf(cmd, sizeof(cmd), "env -i PATH=%s /bin/sh %s 2>%s >/dev/null",
		 bin, script, errp);
	st = system(cmd);
	*err = tl_read(errp, NULL);
	free(bin);
	free(errp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void not_root_prints_the_exact_command(void **state)
{
	char *dir = tl_tmpdir(), *err, *log, want[512];

	(void)state;
	assert_int_equal(run_deps(dir, "1000", &err), 1);
	snprintf(want, sizeof(want),
		 "sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n",
		 want_pkgs);
	if (!strstr(err, want))
		fail_msg("stderr lacks \"%s\":\n%s", want, err);
	log = tl_path(dir, "apt.log");
	assert_int_equal(access(log, F_OK), -1); /* apt-get never ran */
	free(log);
	free(err);
	tl_rmtree(dir);
}

static void root_installs_what_is_missing(void **state)
{
	char *dir = tl_tmpdir(), *err, *logp, *log, want[512];

	(void)state;
	assert_int_equal(run_deps(dir, "0", &err), 0);
	logp = tl_path(dir, "apt.log");
	log = tl_read(logp, NULL);
	assert_non_null(log);
	snprintf(want, sizeof(want),
		 "update -qq\ninstall -y --no-install-recommends %s\n", want_pkgs);
	assert_string_equal(log, want);
	free(log);
	free(logp);
	free(err);
	tl_rmtree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(not_root_prints_the_exact_command),
		cmocka_unit_test(root_installs_what_is_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
