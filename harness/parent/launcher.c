#include "launcher.h"
#include "allocator.h"
#include "cgroup.h"
#include "hygiene.h"
#include "procfs.h"
#include "worker.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct request {
    bool has_alloc;
    struct hw_allocator_cfg alloc;
    char cgroup_dir[1024];         /* the run's memory cgroup, "" for none */
};

struct started {
    pid_t pid;
    int err;
};

struct ended {
    int wstatus;
    struct rusage ru;
};

static void worker_exec(const char *self, pid_t launcher, const struct request *rq, int spec_r, int ev_w)
{
    /* If the launcher dies (with the parent: a CI timeout's SIGKILL), so does the worker. */
    hw_child_setup(launcher);
    /* Move both ends clear of 3 and 4 first: dup2 onto itself would keep O_CLOEXEC, and
     * one dup2 could close the other's source. */
    spec_r = fcntl(spec_r, F_DUPFD, 16);
    ev_w = fcntl(ev_w, F_DUPFD, 16);
    if (spec_r < 0 || ev_w < 0 || dup2(spec_r, HW_SPEC_FD) < 0 || dup2(ev_w, HW_EVENT_FD) < 0)
        _exit(127);
    for (int fd = HW_EVENT_FD + 1; fd < 1024; fd++)
        close(fd);
    int fd = open("/proc/self/oom_score_adj", O_WRONLY);
    if (fd >= 0) {
        /* If the kernel must kill, it kills the worker, never the parent holding the report. */
        if (write(fd, "1000", 4) < 0) {
        }
        close(fd);
    }
    /* Joined before exec: everything the worker charges from its first page is the group's.
     * The worker learns where it is from HW_RUN_CGROUP, set only once it is in; a refusal is
     * said there too, so the report can give the reason instead of a figure. */
    unsetenv(HW_RUN_CGROUP_ENV);
    unsetenv(HW_RUN_CGROUP_ERR_ENV);
    if (rq->cgroup_dir[0]) {
        char procs[1100];
        snprintf(procs, sizeof procs, "%s/cgroup.procs", rq->cgroup_dir);
        int e = hw_cgroup_join(procs);
        if (e == 0)
            setenv(HW_RUN_CGROUP_ENV, rq->cgroup_dir, 1);
        else
            setenv(HW_RUN_CGROUP_ERR_ENV, strerror(-e), 1);
    }
    unsetenv("LD_PRELOAD");
    unsetenv("MALLOC_CONF");
    unsetenv("GLIBC_TUNABLES");
    if (rq->has_alloc) {
        const struct hw_allocator_cfg *ac = &rq->alloc;
        const struct hw_allocator_ops *ops = hw_allocator_at((size_t)ac->kind);
        if (ops && ops->preload)
            setenv("LD_PRELOAD", ops->preload, 1);
        if (ops && ops->tunables)
            setenv("GLIBC_TUNABLES", ops->tunables, 1);
        if (ops && ops->conf_env && ac->conf[0]) {
            /* A conf for GLIBC_TUNABLES joins the allocator's own tunables, ':' between. */
            char joined[2 * HW_STR_MAX];
            const char *was = getenv(ops->conf_env);
            snprintf(joined, sizeof joined, "%s%s%s", was ? was : "", was ? ":" : "", ac->conf);
            setenv(ops->conf_env, joined, 1);
        }
    }
    char *argv[] = {"highwater", "__worker", NULL};
    execv(self, argv);
    _exit(127);
}

/* A request with its two fds (SCM_RIGHTS). 1, 0 on EOF, -1 on error. */
static int recv_request(int sock, struct request *rq, int fds[2])
{
    char cbuf[CMSG_SPACE(2 * sizeof(int))];
    struct iovec iov = {.iov_base = rq, .iov_len = sizeof *rq};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                         .msg_controllen = sizeof cbuf};
    ssize_t n;
    while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    if (n <= 0)
        return n == 0 ? 0 : -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (n != sizeof *rq || !cm || cm->cmsg_type != SCM_RIGHTS ||
        cm->cmsg_len != CMSG_LEN(2 * sizeof(int)))
        return -1;
    memcpy(fds, CMSG_DATA(cm), 2 * sizeof(int));
    return 1;
}

static void send_all(int sock, const void *p, size_t n)
{
    while (send(sock, p, n, MSG_NOSIGNAL) < 0 && errno == EINTR)
        ;
}

/* The launcher's whole life: one worker at a time, until the parent closes the socket. */
static void serve(int sock, const char *self)
{
    pid_t me = getpid();
    struct request rq;
    int fds[2];
    while (recv_request(sock, &rq, fds) == 1) {
        struct started st = {0};
        st.pid = fork();
        if (st.pid == 0)
            worker_exec(self, me, &rq, fds[0], fds[1]);
        st.err = st.pid < 0 ? errno : 0;
        if (st.pid > 0)
            setpgid(st.pid, st.pid);   /* also here: no window where a kill misses the group */
        close(fds[0]);
        close(fds[1]);
        send_all(sock, &st, sizeof st);
        if (st.pid < 0)
            continue;
        struct ended end = {0};
        while (wait4(st.pid, &end.wstatus, 0, &end.ru) < 0 && errno == EINTR)
            ;
        send_all(sock, &end, sizeof end);
    }
}

int hw_launcher_start(struct hw_launcher *l, const char *self, char *err, size_t len)
{
    int sv[2];
    pid_t parent = getpid();
    l->pid = -1;
    l->sock = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, len, "cannot create the launcher's socket: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    l->pid = fork();
    if (l->pid < 0) {
        snprintf(err, len, "cannot fork the launcher: %s", strerror(errno));
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (l->pid == 0) {
        /* The parent handles Ctrl-C for everyone; the launcher dies with it. */
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        close(sv[0]);
        serve(sv[1], self);
        _exit(0);
    }
    close(sv[1]);
    l->sock = sv[0];
    return 0;
}

pid_t hw_launcher_spawn(struct hw_launcher *l, const struct hw_allocator_cfg *alloc, const char *cgroup_dir,
                        int spec_fd, int event_fd)
{
    struct request rq = {.has_alloc = alloc != NULL};
    if (alloc)
        rq.alloc = *alloc;
    if (cgroup_dir && snprintf(rq.cgroup_dir, sizeof rq.cgroup_dir, "%s", cgroup_dir) >= (int)sizeof rq.cgroup_dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fds[2] = {spec_fd, event_fd};
    char cbuf[CMSG_SPACE(sizeof fds)];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = {.iov_base = &rq, .iov_len = sizeof rq};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                         .msg_controllen = sizeof cbuf};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(cm), fds, sizeof fds);
    ssize_t n;
    while ((n = sendmsg(l->sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (n != sizeof rq)
        return -1;
    struct started st;
    while ((n = recv(l->sock, &st, sizeof st, 0)) < 0 && errno == EINTR)
        ;
    if (n != sizeof st) {
        errno = EPIPE;
        return -1;
    }
    if (st.pid < 0)
        errno = st.err;
    return st.pid;
}

int hw_launcher_wait(struct hw_launcher *l, int *wstatus, struct rusage *ru)
{
    struct ended end;
    ssize_t n;
    while ((n = recv(l->sock, &end, sizeof end, 0)) < 0 && errno == EINTR)
        ;
    if (n != sizeof end)
        return -1;
    *wstatus = end.wstatus;
    *ru = end.ru;
    return 0;
}

uint64_t hw_launcher_rss(const struct hw_launcher *l)
{
    struct hw_status st;
    return l->pid > 0 && hw_status_read(l->pid, &st) == 0 ? st.vm_hwm : 0;
}

void hw_launcher_stop(struct hw_launcher *l)
{
    if (l->sock >= 0)
        close(l->sock);   /* EOF: the launcher returns from serve() and exits */
    if (l->pid > 0)
        while (waitpid(l->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    l->sock = -1;
    l->pid = -1;
}
