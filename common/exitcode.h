#ifndef RUNNEL_EXITCODE_H
#define RUNNEL_EXITCODE_H

/* The exit statuses every runnel tool shares (runnel(7)). */
enum rn_exit {
	RN_EXIT_OK = 0,
	RN_EXIT_RUNTIME = 1,
	RN_EXIT_USAGE = 2,
	RN_EXIT_CONFIG = 3,
	RN_EXIT_REJECT = 4,
};

#endif
