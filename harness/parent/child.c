#include "child.h"
#include "size.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* A worker's event line: the reference event carries a median per column (4096 columns of
 * ~24 bytes), far below this; a longer line is not an event. */
#define EVENT_LINE_MAX (8u << 20)

struct follow {
    struct hw_child *ch;
    const struct hw_child_opts *o;
};

static void on_line(void *arg, const char *line, size_t len, double t)
{
    struct hw_child *ch = ((struct follow *)arg)->ch;
    (void)len;
    (void)t;
    cJSON *ev = cJSON_Parse(line);
    if (!ev)
        return;
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "ev"));
    if (kind && strcmp(kind, "begin") == 0) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "name"));
        snprintf(ch->phase, sizeof ch->phase, "%s", name ? name : "?");
    }
    cJSON_AddItemToArray(ch->events, ev);
}

static void on_sample(void *arg, uint64_t rss)
{
    struct follow *f = arg;
    f->o->progress(f->o->arg, f->o->label, f->ch, rss);
}

int hw_child_run(struct hw_child *ch, const struct hw_child_opts *o, const cJSON *spec)
{
    struct follow f = {ch, o};
    struct hw_sup_opts so = {.interval_ms = o->interval_ms, .limit = o->limit, .line_max = EVENT_LINE_MAX,
                             .timeout_seconds = o->timeout_seconds,
                             .on_line = on_line, .on_sample = o->progress ? on_sample : NULL, .arg = &f};
    memset(ch, 0, sizeof *ch);
    ch->events = cJSON_CreateArray();
    char *text = ch->events ? cJSON_PrintUnformatted(spec) : NULL;
    if (o->containers)
        hw_run_group_make(o->containers, o->container_limit, &ch->group);
    else
        snprintf(ch->group.why, sizeof ch->group.why, "no memory cgroup is made for a helper worker");
    ch->group.budget = o->container_budget;
    const char *dir = hw_run_group_dir(&ch->group);
    int rc = hw_sup_start_worker(&ch->sup, o->launcher, o->alloc, dir, text);
    free(text);
    if (rc == 0)
        hw_sup_watch_cgroup(&ch->sup, dir);
    hw_sup_follow(&ch->sup, &so);
    hw_run_group_end(&ch->group);
    return rc;
}

const cJSON *hw_child_event(const struct hw_child *ch, const char *kind)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, ch->events) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "ev"));
        if (k && strcmp(k, kind) == 0)
            return e;
    }
    return NULL;
}

/* The supervisor's mapping (stress-ng style), in a worker's words, with the phase it was in. */
const char *hw_child_status(const struct hw_child *ch, uint64_t limit, const char *self, char *reason,
                            size_t len)
{
    char b1[32], b2[32];
    const struct hw_sup *s = &ch->sup;
    const char *phase = ch->phase[0] ? ch->phase : "(none)";
    enum hw_ending e = hw_sup_ending(s);
    reason[0] = '\0';
    switch (e) {
    case HW_END_SPAWN_FAILED:
        snprintf(reason, len, "could not start a worker: %s", strerror(s->spawn_errno));
        return hw_ending_status(e);
    case HW_END_INTERRUPTED:
        snprintf(reason, len, "interrupted by signal %d during phase %s", s->signal, phase);
        return hw_ending_status(e);
    case HW_END_OVER_LIMIT:
        snprintf(reason, len, "RSS %s passed the limit %s during phase %s; the worker was killed",
                 hw_fmt_bytes((double)s->over_rss, b1, sizeof b1), hw_fmt_bytes((double)limit, b2, sizeof b2),
                 phase);
        return hw_ending_status(e);
    case HW_END_TIMED_OUT:
        snprintf(reason, len, "still running after %.1f s, during phase %s; the worker was killed",
                 s->t_end - s->t_start, phase);
        return hw_ending_status(e);
    case HW_END_SIGNALED: {
        int sig = WTERMSIG(s->wstatus);
        const struct hw_run_group *g = &ch->group;
        /* The group counts every OOM kill of its tasks, the machine's as well as its own. */
        if (sig == SIGKILL && g->on && g->end.oom_kill != HW_CG_UNKNOWN && g->end.oom_kill > 0) {
            if (g->limit)
                snprintf(reason, len, "its memory cgroup reached the container limit %s during phase %s; "
                         "the kernel's OOM killer ended it", hw_fmt_bytes((double)g->limit, b1, sizeof b1), phase);
            else
                snprintf(reason, len, "the kernel's OOM killer ended it during phase %s: the machine ran out of "
                         "memory (no container limit was set)", phase);
            return "oom_killed";
        }
        snprintf(reason, len, "killed by signal %d (%s)%s during phase %s", sig, strsignal(sig),
                 sig == SIGKILL ? ", likely the kernel's OOM killer" : "", phase);
        return hw_ending_status(e);
    }
    case HW_END_EXITED:
        break;
    }
    int code = WIFEXITED(s->wstatus) ? WEXITSTATUS(s->wstatus) : -1;
    const cJSON *err = hw_child_event(ch, "error");
    if (err) {
        snprintf(reason, len, "%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(err, "msg")));
        return "failed";
    }
    if (code == 127) {
        snprintf(reason, len, "could not exec the worker %.900s", self);
        return "failed";
    }
    if (code != 0 || !hw_child_event(ch, "done")) {
        snprintf(reason, len, "worker exited with code %d without finishing", code);
        return "failed";
    }
    return hw_ending_status(e);
}

void hw_child_release(struct hw_child *ch)
{
    hw_run_group_end(&ch->group);
    hw_sup_release(&ch->sup);
    cJSON_Delete(ch->events);
    memset(ch, 0, sizeof *ch);
    ch->sup.pipe_fd = ch->sup.status_fd = ch->sup.cgroup_fd = -1;
}
