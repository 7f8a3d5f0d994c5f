/* The bare-wake floor of `highwater exec`'s sampler (scripts/sampler-cost.sh): the supervisor's
 * wait alone, a ppoll on one pipe until the next interval is due on an absolute schedule, with
 * no sample taken, so that exec's own CPU can be split into what merely waking costs on this
 * machine and what sampling adds. Prints "wakes cpu_seconds wall_seconds late_mean_us late_max_us"
 * (late: how long after its due time a wake came, the cadence's jitter).
 *   sampler_floor SECONDS INTERVAL_MS [SLACK_NS]   (SLACK_NS: PR_SET_TIMERSLACK, 0 = leave it) */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sampler_floor SECONDS INTERVAL_MS [SLACK_NS]\n");
        return 2;
    }
    double seconds = atof(argv[1]), interval = atof(argv[2]) / 1000.0;
    long slack = argc > 3 ? atol(argv[3]) : 0;
    int p[2];
    if (pipe(p) != 0 || (slack > 0 && prctl(PR_SET_TIMERSLACK, slack) != 0)) {
        perror("sampler_floor");
        return 1;
    }
    long wakes = 0;
    double late = 0, late_max = 0;
    double c0 = cpu(), t0 = now(), due = t0 + interval;
    for (double t = t0; t - t0 < seconds;) {
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        double left = due - t;
        struct timespec ts = {0, 0};
        if (left > 0) {
            ts.tv_sec = (time_t)left;
            ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
        }
        ppoll(&pfd, 1, &ts, NULL);
        t = now();
        if (t >= due) {
            late += t - due;
            late_max = t - due > late_max ? t - due : late_max;
            due = t - due < interval ? due + interval : t + interval;
            wakes++;
        }
    }
    printf("%ld %.6f %.6f %.1f %.1f\n", wakes, cpu() - c0, now() - t0, wakes ? 1e6 * late / (double)wakes : 0.0,
           1e6 * late_max);
    return 0;
}
