/*
 * sys.c - the system calls beyond memory and plain I/O, one each: uname
 * (prints the system name), clock_gettime (prints only whether it
 * worked: the time itself differs between runs and machines), getrandom
 * (prints how many bytes it gave), ioctl(1, TIOCGWINSZ) (prints the errno
 * name: ENOTTY when standard output is a pipe or a file), then two calls
 * eptsim does not serve, made through syscall() so musl adds nothing
 * around them: getppid (110) and sched_yield (24).  Their results are not
 * printed (natively they succeed, under eptsim they fail with ENOSYS).
 * The output is the same natively and under eptsim.
 *
 * usage: sys   (standard output must not be a terminal)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* errno_name - the few errno values the ioctl can give, by name */
static const char *errno_name(int e)
{
	switch (e) {
	case 0:
		return "none";
	case ENOTTY:
		return "ENOTTY";
	case EBADF:
		return "EBADF";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	}
	return "other";
}

int main(void)
{
	struct utsname u;
	struct timespec ts;
	struct winsize ws;
	unsigned char buf[24];
	ssize_t got;
	int rc;

	if (uname(&u) != 0) {
		perror("uname");
		return 1;
	}
	printf("uname: sysname %s\n", u.sysname);
	rc = clock_gettime(CLOCK_REALTIME, &ts);
	printf("clock_gettime: %s\n", rc == 0 && ts.tv_nsec >= 0 &&
	       ts.tv_nsec < 1000000000 ? "ok" : "failed");
	got = getrandom(buf, sizeof(buf), 0);
	printf("getrandom: %zd bytes\n", got);
	errno = 0;
	rc = ioctl(1, TIOCGWINSZ, &ws);
	printf("ioctl TIOCGWINSZ on stdout: %d, %s\n", rc, errno_name(rc ? errno : 0));
	fflush(stdout);
	syscall(SYS_getppid);
	syscall(SYS_sched_yield);
	return 0;
}
