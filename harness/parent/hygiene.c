#include "hygiene.h"
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

void hw_child_setup(pid_t parent)
{
    sigset_t caught;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The parent died before the line above: nobody would kill this child any more. */
    if (getppid() != parent)
        _exit(127);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sigemptyset(&caught);
    sigaddset(&caught, SIGINT);
    sigaddset(&caught, SIGTERM);
    sigaddset(&caught, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &caught, NULL);
}
