#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t sig_stop;
volatile sig_atomic_t sig_hup;
volatile sig_atomic_t sig_last;
static int pfd[2] = { -1, -1 };

static void on_signal(int s)
{
	int e = errno;
	sig_last = s;
	if (s == SIGHUP)
		sig_hup = 1;
	else
		sig_stop++;
	if (pfd[1] >= 0) {
		ssize_t r = write(pfd[1], "x", 1);
		(void)r;
	}
	errno = e;
}

int sig_init(void)
{
	struct sigaction sa;
	if (pfd[0] < 0) {
		if (pipe2(pfd, O_NONBLOCK | O_CLOEXEC) < 0)
			return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

int sig_fd(void)
{
	return pfd[0];
}

void sig_drain(void)
{
	char b[64];
	while (pfd[0] >= 0 && read(pfd[0], b, sizeof b) > 0)
		;
}
