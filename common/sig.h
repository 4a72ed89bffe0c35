#ifndef RUNNEL_SIG_H
#define RUNNEL_SIG_H

#include <signal.h>

/* SIGTERM/SIGINT ask a tool to stop after the input it already read; SIGHUP asks it
   to reload. The handlers only set flags and wake the reader through a self-pipe. */
extern volatile sig_atomic_t sig_stop;
extern volatile sig_atomic_t sig_hup;
extern volatile sig_atomic_t sig_last;

/* Installs the handlers (without SA_RESTART) and ignores SIGPIPE, so a closed stdout
   shows up as EPIPE. Returns -1 if the self-pipe could not be made. */
int sig_init(void);
/* Read end of the self-pipe, for poll(); -1 before sig_init. */
int sig_fd(void);
/* Empties the self-pipe after poll() said it was readable. */
void sig_drain(void);

#endif
