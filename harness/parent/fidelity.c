#include "fidelity.h"
#include "fidelity_views.h"
#include "atomic.h"
#include "config.h"
#include "export.h"
#include "allocator.h"
#include "json.h"
#include "report.h"
#include "sha256.h"
#include "size.h"
#include "strategy.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 48

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { g_stop = sig; }

/* ---- children ---- */

/* Wait for a child; when this process is told to stop (SIGINT, SIGTERM: sent to it alone,
 * not to its group, as a CI timeout or `kill` does), the child is told once too, so an
 * interrupted fidelity never leaves a twin or a model run behind. */
static int reap(pid_t pid)
{
    int st;
    bool told = false;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return -1;
        if (g_stop && !told) {
            kill(pid, SIGTERM);
            told = true;
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Run argv with stdout to out_fd and stderr to err_fd (-1: /dev/null, -2: inherited): its
 * exit code, or -1 when it could not start or died of a signal. */
static int child(char *const argv[], int out_fd, int err_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (out_fd != -2)
            dup2(out_fd >= 0 ? out_fd : null, 1);
        if (err_fd != -2)
            dup2(err_fd >= 0 ? err_fd : null, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    return reap(pid);
}

/* "no twin: REASON" (the last such line of a twin's stderr) -> "no twin: REASON". */
static void read_reason(const char *path, char *out, size_t len)
{
    char line[400];
    FILE *f = fopen(path, "r");
    snprintf(out, len, "no twin for these params (the twin gave no reason)");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "no twin: ", 9) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, len, "%s", line);
        }
    if (f)
        fclose(f);
}

static void copy_to_stderr(const char *path)
{
    char buf[4096];
    size_t n;
    FILE *f = fopen(path, "r");
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, stderr);
    if (f)
        fclose(f);
}

/* The first line a command prints, or "" (versions of the twins' libraries). */
static void first_line(const char *cmd, char *out, size_t len)
{
    out[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    if (fgets(out, (int)len, p))
        out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- the command ---- */

struct fid {
    const struct hw_fidelity_opts *o;
    struct hw_config cfg;
    char self[PATH_MAX], twins[PATH_MAX], dir[PATH_MAX];
    bool own_dir;
    char polars_version[64], pandas_version[64], node_version[64];
    bool have_node, have_pandas;
    char no_twin[HW_MAX_STRATEGIES][512];   /* a twin's "no twin: REASON" for these params */
    char allocs[256];                        /* --allocators, or both of the twins' */
    char names[4096];                        /* the strategies with a twin, for one model run */
};

/* Where scripts/twins is: HIGHWATER_TWINS_DIR, beside the binary (build/highwater ->
 * ../scripts/twins), or under the working directory. */
static void find_twins(struct fid *F)
{
    const char *env = getenv("HIGHWATER_TWINS_DIR");
    char exe[PATH_MAX];
    struct stat st;
    if (env && env[0]) {
        snprintf(F->twins, sizeof F->twins, "%s", env);
        return;
    }
    snprintf(exe, sizeof exe, "%s", F->self);
    snprintf(F->twins, sizeof F->twins, "%s/../scripts/twins", dirname(exe));
    if (stat(F->twins, &st) != 0)
        snprintf(F->twins, sizeof F->twins, "scripts/twins");
}

static void probe_libraries(struct fid *F)
{
    char path[PATH_MAX + 64], cmd[PATH_MAX + 128], err[256];
    cJSON *pkg = NULL;
    first_line("node --version 2>/dev/null", F->node_version, sizeof F->node_version);
    snprintf(path, sizeof path, "%s/polars/node_modules/nodejs-polars/package.json", F->twins);
    if (F->node_version[0] && access(path, R_OK) == 0) {
        char *text = NULL;
        size_t n;
        if (hw_config_read(path, &text, &n, err, sizeof err) == 0 && (pkg = cJSON_ParseWithLength(text, n)))
            snprintf(F->polars_version, sizeof F->polars_version, "%s", hw_jstr(pkg, "version"));
        free(text);
        cJSON_Delete(pkg);
    }
    F->have_node = F->polars_version[0] != '\0';
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import pandas, numpy; print(\"pandas \" + pandas.__version__ "
                              "+ \", numpy \" + numpy.__version__)' 2>/dev/null");
    first_line(cmd, F->pandas_version, sizeof F->pandas_version);
    F->have_pandas = strncmp(F->pandas_version, "pandas ", 7) == 0;
}

/* Why this strategy's twin cannot run here, or NULL; path gets the twin's file. */
static const char *twin_unavailable(const struct fid *F, const struct hw_strategy_cfg *sc, char *path, size_t len)
{
    const struct hw_strategy *s = sc->strategy;
    if (!s->twin)
        return s->no_twin ? s->no_twin : "no twin: this strategy models no library call";
    bool polars = strcmp(s->twin, "polars") == 0;
    snprintf(path, len, "%s/%s/%s.%s", F->twins, s->twin, s->name, polars ? "js" : "py");
    if (access(path, R_OK) != 0)
        return "twin missing: its script is not in scripts/twins";
    if (sc->out_dtype != HW_F32 && sc->out_dtype != HW_F64)
        return "no twin for this output dtype: the twins write f32 or f64";
    if (polars && !F->have_node)
        return "twin unavailable: node or nodejs-polars missing; run 'make twins'";
    if (!polars && !F->have_pandas)
        return "twin unavailable: Debian's python3-pandas missing; run 'make twins'";
    return NULL;
}

static bool name_listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',')
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

static bool selected(const struct hw_fidelity_opts *o, const struct hw_strategy_cfg *sc)
{
    if (!o->strategies[0])
        return true;
    char list[256];
    snprintf(list, sizeof list, "%s", o->strategies);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strcmp(t, sc->label) == 0 || strcmp(t, sc->strategy->name) == 0)
            return true;
    return false;
}

/* The twin's argv: interpreter, script, --data, --dtype, --order, the strategy's params. */
static int twin_argv(const struct fid *F, const struct hw_strategy_cfg *sc, const char *script,
                     bool prepare, char *argv[], char store[][HW_STR_MAX + 80])
{
    int n = 0, k = 0;
    bool polars = strcmp(sc->strategy->twin, "polars") == 0;
    argv[n++] = polars ? "node" : "/usr/bin/python3";
    if (polars)
        argv[n++] = "--expose-gc";
    argv[n++] = (char *)script;
    if (prepare)
        argv[n++] = "--prepare";
    argv[n++] = "--data";
    argv[n++] = (char *)F->dir;
    argv[n++] = "--dtype";
    argv[n++] = (char *)hw_dtype_name(sc->out_dtype);
    argv[n++] = "--order";
    argv[n++] = (char *)hw_order_name(sc->out_order);
    for (uint32_t i = 0; i < sc->nparams; i++) {
        snprintf(store[k], sizeof store[k], "%s=%s", sc->params[i].key, sc->params[i].value);
        argv[n++] = store[k++];
    }
    argv[n] = NULL;
    return n;
}

static const cJSON *find_model_run(const cJSON *report, const char *label, const char *alloc)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "runs"))
        if (strcmp(hw_jstr(r, "label"), label) == 0 && strcmp(hw_jstr(r, "allocator"), alloc) == 0)
            return r;
    return NULL;
}

static cJSON *entry_new(const struct hw_strategy_cfg *sc, const char *alloc)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "label", sc->label);
    cJSON_AddStringToObject(e, "strategy", sc->strategy->name);
    cJSON_AddStringToObject(e, "allocator", alloc);
    return e;
}

static void entry_skip(cJSON *e, const char *status, const char *reason)
{
    cJSON_AddStringToObject(e, "status", status);
    cJSON_AddStringToObject(e, "reason", reason);
}


/* One strategy under one allocator: its twin through `highwater exec`, then the comparison
 * with the model's run from the shared model report. */
static void compare_one(struct fid *F, const struct hw_strategy_cfg *sc, const char *alloc, const char *script,
                        const cJSON *model, int idx, cJSON *e, int *unexplained)
{
    char twin_json[PATH_MAX + 64], err[512], store[HW_MAX_PARAMS][HW_STR_MAX + 80];
    char *targv[MAX_ARGS], *argv[MAX_ARGS + 8];
    int n = 0;
    cJSON *twin = NULL;
    const struct hw_strategy *s = sc->strategy;
    const cJSON *mrun = find_model_run(model, sc->label, alloc);
    cJSON_AddStringToObject(e, "library", strcmp(s->twin, "polars") == 0 ? "nodejs-polars" : "pandas");
    cJSON_AddStringToObject(e, "library_version",
                            strcmp(s->twin, "polars") == 0 ? F->polars_version : F->pandas_version);
    cJSON_AddStringToObject(e, "twin", script);
    if (!mrun || strcmp(hw_jstr(mrun, "status"), "ok") != 0) {
        snprintf(err, sizeof err, "model run %s: %s", mrun ? hw_jstr(mrun, "status") : "missing",
                 mrun ? hw_jstr(mrun, "reason") : "not in the model report");
        entry_skip(e, "failed", err);
        (*unexplained)++;
        return;
    }
    snprintf(twin_json, sizeof twin_json, "%s/twin-%d-%s.json", F->dir, idx, alloc);
    argv[n++] = F->self;
    argv[n++] = "exec";
    argv[n++] = "-o";
    argv[n++] = twin_json;
    argv[n++] = "--";
    /* A twin's process has one allocator: the registry's preload, or its own malloc. */
    const struct hw_allocator_ops *ops = hw_allocator_find(alloc);
    char preload[PATH_MAX];
    if (ops && ops->preload) {
        snprintf(preload, sizeof preload, "LD_PRELOAD=%s", ops->preload);
        argv[n++] = "env";
        argv[n++] = preload;
    }
    int k = twin_argv(F, sc, script, false, targv, store);
    for (int i = 0; i <= k; i++)
        argv[n++] = targv[i];
    if (F->o->verbose)
        fprintf(stderr, "fidelity: twin %s (%s)\n", sc->label, alloc);
    int rc = child(argv, -1, -2);
    if (g_stop)
        return;
    if (rc != 0 || hw_json_load(twin_json, HW_REPORT_SCHEMA, &twin, err, sizeof err) != 0) {
        if (rc != 0)
            snprintf(err, sizeof err, "highwater exec of the twin exited %d", rc);
        entry_skip(e, "failed", err);
        (*unexplained)++;
        return;
    }
    const cJSON *trun = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(twin, "runs"), 0);
    double code = hw_jnum(trun, "exit_code");
    if (code != 0) {
        snprintf(err, sizeof err, "the twin exited %g (its stderr is above)", code);
        entry_skip(e, "failed", err);
        (*unexplained)++;
        goto out;
    }
    cJSON *cmp = hw_fidelity_compare(mrun, trun, F->o->tolerance, err, sizeof err);
    if (!cmp) {
        entry_skip(e, "failed", err);
        (*unexplained)++;
        goto out;
    }
    cJSON_AddStringToObject(e, "status", "compared");
    cJSON_AddNumberToObject(e, "model_wall_seconds", hw_jnum(mrun, "wall_seconds"));
    cJSON_AddNumberToObject(e, "twin_wall_seconds", hw_jnum(trun, "wall_seconds"));
    cJSON_AddItemToObject(e, "phases", cJSON_DetachItemFromObject(cmp, "phases"));
    cJSON *runrow = cJSON_DetachItemFromObject(cmp, "run");
    cJSON_AddItemToObject(e, "run", runrow);
    if (cJSON_HasObjectItem(cmp, "twin_warmup"))
        cJSON_AddItemToObject(e, "twin_warmup", cJSON_DetachItemFromObject(cmp, "twin_warmup"));
    cJSON_Delete(cmp);
    if (hw_fidelity_judge(s, e) > 0)
        (*unexplained)++;
out:
    cJSON_Delete(twin);
}

static int prepare_data(struct fid *F, char *err, size_t len)
{
    const struct hw_fidelity_opts *o = F->o;
    if (o->data[0]) {
        snprintf(F->dir, sizeof F->dir, "%s", o->data);
    } else {
        snprintf(F->dir, sizeof F->dir, "%s/highwater-fidelity-XXXXXX", F->cfg.tmpdir);
        if (!mkdtemp(F->dir)) {
            snprintf(err, len, "%s: cannot make a temp directory: %s; set run.tmpdir or $TMPDIR", F->cfg.tmpdir,
                     strerror(errno));
            return 3;
        }
        F->own_dir = true;
    }
    if (hw_dataset_export_current(&F->cfg.ds, F->dir))
        return 0;
    fprintf(stderr, "fidelity: exporting %llu rows x %u columns to %s\n", (unsigned long long)F->cfg.ds.rows,
            F->cfg.ds.cols, F->dir);
    return hw_dataset_export(&F->cfg.ds, F->dir, err, len);
}

/* The command line against the config: 0, or the exit code after one line on stderr. */
/* The registry's allocators fidelity runs twins under, sep between names and last before the
 * last: "glibc or jemalloc", or "glibc,jemalloc" for the default. */
static const char *twin_names(char *buf, size_t len, const char *sep, const char *last)
{
    size_t n = 0, k = 0, used = 0;
    for (size_t i = 0; i < hw_allocator_count(); i++)
        n += !hw_allocator_at(i)->no_twin;
    buf[0] = '\0';
    for (size_t i = 0; i < hw_allocator_count() && used < len; i++)
        if (!hw_allocator_at(i)->no_twin) {
            used += (size_t)snprintf(buf + used, len - used, "%s%s", k == 0 ? "" : k + 1 == n ? last : sep,
                                     hw_allocator_at(i)->name);
            k++;
        }
    return buf;
}

/* --allocators names one fidelity runs no twins under (a, or NULL: not in the registry): say
 * why that one has none, or for an unknown name why each has none. */
static int refuse_allocator(const char *t, const struct hw_allocator_ops *a)
{
    char names[256], why[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < hw_allocator_count() && used < sizeof why; i++) {
        const struct hw_allocator_ops *b = hw_allocator_at(i);
        if (b->no_twin && (!a || a == b))
            used += (size_t)snprintf(why + used, sizeof why - used, "%s%s", used ? "; " : "", b->no_twin);
    }
    fprintf(stderr, "highwater fidelity: --allocators %s: expected %s (%s)\n", t,
            twin_names(names, sizeof names, ", ", " or "), why);
    return 2;
}

static int check_opts(struct fid *F, char *out, size_t outlen)
{
    const struct hw_fidelity_opts *o = F->o;
    char err[2048], allocs[256];
    int rc, nsel = 0;
    if ((rc = hw_config_load(o->config, &F->cfg, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater fidelity: %s\n", err);
        return rc;
    }
    if (o->rows)
        F->cfg.ds.rows = o->rows;
    if (o->allocators[0])
        snprintf(F->allocs, sizeof F->allocs, "%s", o->allocators);
    else
        twin_names(F->allocs, sizeof F->allocs, ",", ",");
    snprintf(allocs, sizeof allocs, "%s", F->allocs);
    for (char *save = NULL, *t = strtok_r(allocs, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        const struct hw_allocator_ops *a = hw_allocator_find(t);
        if (!a || a->no_twin)
            return refuse_allocator(t, a);
    }
    for (uint32_t i = 0; i < F->cfg.nstrategies; i++)
        if (selected(o, &F->cfg.strategies[i]))
            nsel++;
    if (nsel == 0) {
        fprintf(stderr, "highwater fidelity: --strategies %s: no strategy of %s matches; see its strategies: list\n",
                o->strategies, o->config);
        return 2;
    }
    if ((rc = hw_config_check_tmpdir(&F->cfg, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater fidelity: %s\n", err);
        return rc;
    }
    if (hw_report_path(o->out, "fidelity", out, outlen, err, sizeof err) != 0 ||
        (o->html[0] && hw_path_check("--html", o->html, err, sizeof err) != 0)) {
        fprintf(stderr, "highwater fidelity: %s\n", err);
        return 2;
    }
    ssize_t n = readlink("/proc/self/exe", F->self, sizeof F->self - 1);
    if (n <= 0) {
        fprintf(stderr, "highwater fidelity: cannot read /proc/self/exe; highwater needs Linux /proc\n");
        return 3;
    }
    F->self[n] = '\0';
    return 0;
}

/* Unmeasured preparation: the IPC file Polars twins read, then each selected twin's
 * --prepare (the files its params read; or exit 77 and one line, "no twin: REASON", for
 * params it cannot stand for). F->names gains each strategy that has a twin. 0, or -1 after
 * one line on stderr. */
static int prepare_twins(struct fid *F)
{
    char script[PATH_MAX + 64], path[PATH_MAX + 64], errpath[PATH_MAX + 64];
    char store[HW_MAX_PARAMS][HW_STR_MAX + 80], *argv[MAX_ARGS + 16];
    if (F->have_node) {
        snprintf(script, sizeof script, "%s/polars/prepare.js", F->twins);
        snprintf(path, sizeof path, "%s/source.ipc", F->dir);
        char *pargv[] = {"node", "--expose-gc", script, F->dir, NULL};
        if (access(path, R_OK) != 0 && child(pargv, 2, -2) != 0) {
            fprintf(stderr, "highwater fidelity: %s failed (its error is above); check 'make twins'\n", script);
            return -1;
        }
    }
    for (uint32_t i = 0; i < F->cfg.nstrategies && !g_stop; i++) {
        const struct hw_strategy_cfg *sc = &F->cfg.strategies[i];
        if (!selected(F->o, sc) || twin_unavailable(F, sc, script, sizeof script))
            continue;
        snprintf(errpath, sizeof errpath, "%s/prepare-%u.err", F->dir, i);
        int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        twin_argv(F, sc, script, true, argv, store);
        int prc = efd >= 0 ? child(argv, -1, efd) : -1;
        if (efd >= 0)
            close(efd);
        if (prc == 77)
            read_reason(errpath, F->no_twin[i], sizeof F->no_twin[i]);
        if (prc != 0 && prc != 77) {
            fprintf(stderr, "highwater fidelity: %s --prepare failed (exit %d); its error:\n", script, prc);
            copy_to_stderr(errpath);
            unlink(errpath);
            return -1;
        }
        unlink(errpath);
        /* By strategy name, each once: a list of labels outgrows --strategies (255 characters)
         * with the whole catalogue; an entry of a name that has no twin runs unused. */
        if (prc == 0 && !name_listed(F->names, sc->strategy->name)) {
            size_t L = strlen(F->names);
            snprintf(F->names + L, sizeof F->names - L, "%s%s", L ? "," : "", sc->strategy->name);
        }
    }
    return 0;
}

/* Every model in one `highwater run`: one calibration, one report. 0, or -1 after one line. */
static int run_models(struct fid *F, cJSON **model)
{
    char err[2048], model_json[PATH_MAX + 64], rows[32];
    if (!F->names[0] || g_stop)
        return 0;
    snprintf(model_json, sizeof model_json, "%s/model.json", F->dir);
    snprintf(rows, sizeof rows, "%llu", (unsigned long long)F->cfg.ds.rows);
    char *margv[] = {F->self, "run", (char *)F->o->config, "--rows", rows, "--strategies", F->names,
                     "--allocators", F->allocs, "-o", model_json, "--no-timeline", F->o->verbose ? "-v" : NULL, NULL};
    fprintf(stderr, "fidelity: the models (highwater run)\n");
    int mrc = child(margv, F->o->verbose ? 2 : -1, -2);
    if ((mrc != 0 && mrc != 1) || hw_report_load(model_json, model, err, sizeof err) != 0) {
        fprintf(stderr, "highwater fidelity: the model run failed (exit %d)%s%s\n", mrc, mrc ? "" : ": ",
                mrc ? "" : err);
        return -1;
    }
    return 0;
}

/* The report's head: the config, the dataset (with its keys), the libraries, the tolerance. */
static cJSON *report_head(const struct fid *F)
{
    cJSON *fid = hw_report_base();
    cJSON_ReplaceItemInObject(fid, "schema", cJSON_CreateString(HW_FIDELITY_SCHEMA));
    cJSON *c = cJSON_AddObjectToObject(fid, "config"), *d = cJSON_AddObjectToObject(fid, "dataset");
    char key[65];
    hw_dataset_key(&F->cfg.ds, key);
    cJSON_AddStringToObject(c, "path", F->o->config);
    cJSON_AddStringToObject(c, "name", F->cfg.name);
    cJSON_AddNumberToObject(d, "rows", (double)F->cfg.ds.rows);
    cJSON_AddNumberToObject(d, "cols", F->cfg.ds.cols);
    cJSON_AddStringToObject(d, "key", key);
    hw_dataset_mix_key(&F->cfg.ds, key);
    cJSON_AddStringToObject(d, "mix_key", key);
    cJSON_AddNumberToObject(d, "source_bytes", (double)hw_dataset_source_bytes(&F->cfg.ds));
    cJSON_AddNumberToObject(d, "output_bytes", (double)hw_dataset_output_bytes(&F->cfg.ds, F->cfg.out_dtype));
    cJSON *lib = cJSON_AddObjectToObject(fid, "libraries");
    cJSON_AddStringToObject(lib, "nodejs-polars", F->polars_version);
    cJSON_AddStringToObject(lib, "node", F->node_version);
    cJSON_AddStringToObject(lib, "pandas", F->pandas_version);
    cJSON_AddNumberToObject(fid, "tolerance_d", F->o->tolerance);
    return fid;
}

/* One entry per selected strategy and allocator: compared, or why not. Returns how many
 * entries are off with no stated reason (or could not be compared). */
static int compare_all(struct fid *F, const cJSON *model, cJSON *entries)
{
    char script[PATH_MAX + 64];
    int unexplained = 0;
    for (uint32_t i = 0; i < F->cfg.nstrategies && !g_stop; i++) {
        const struct hw_strategy_cfg *sc = &F->cfg.strategies[i];
        if (!selected(F->o, sc))
            continue;
        char a2[256];
        snprintf(a2, sizeof a2, "%s", F->allocs);
        for (char *save = NULL, *t = strtok_r(a2, ",", &save); t && !g_stop; t = strtok_r(NULL, ",", &save)) {
            cJSON *e = entry_new(sc, t);
            cJSON_AddItemToArray(entries, e);
            const char *why = twin_unavailable(F, sc, script, sizeof script);
            if (!why && F->no_twin[i][0]) {
                entry_skip(e, "no_twin", F->no_twin[i]);
                continue;
            }
            if (why) {
                entry_skip(e, sc->strategy->twin ? "unavailable" : "no_twin", why);
                if (sc->strategy->twin && !strstr(why, "dtype"))
                    unexplained++;
                continue;
            }
            compare_one(F, sc, t, script, model, (int)i, e, &unexplained);
        }
    }
    return unexplained;
}

/* The temp directory goes; a kept --data directory keeps the source, not this run's reports. */
static void clean_dir(const struct fid *F)
{
    char path[PATH_MAX + 64];
    if (F->own_dir) {
        nftw(F->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return;
    }
    if (!F->dir[0])
        return;
    snprintf(path, sizeof path, "%s/model.json", F->dir);
    unlink(path);
    for (uint32_t i = 0; i < F->cfg.nstrategies; i++)
        for (size_t a = 0; a < hw_allocator_count(); a++)
            if (!hw_allocator_at(a)->no_twin) {
                snprintf(path, sizeof path, "%s/twin-%u-%s.json", F->dir, i, hw_allocator_at(a)->name);
                unlink(path);
            }
}

int hw_fidelity(const struct hw_fidelity_opts *o)
{
    static struct fid F;
    char err[2048], out[PATH_MAX];
    int rc, unexplained;
    cJSON *fid = NULL, *model = NULL;
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    memset(&F, 0, sizeof F);
    F.o = o;
    if ((rc = check_opts(&F, out, sizeof out)) != 0)
        return rc;
    find_twins(&F);
    probe_libraries(&F);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    if ((rc = prepare_data(&F, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater fidelity: %s\n", err);
        goto out;
    }
    rc = 3;
    if (prepare_twins(&F) != 0 || run_models(&F, &model) != 0)
        goto out;
    fid = report_head(&F);
    unexplained = compare_all(&F, model, cJSON_AddArrayToObject(fid, "entries"));
    if (g_stop) {
        fprintf(stderr, "highwater fidelity: interrupted; nothing written\n");
        rc = 130;
        goto out;
    }
    if (hw_report_write(fid, out, err, sizeof err) != 0 ||
        (o->html[0] && hw_fidelity_html(fid, o->html, err, sizeof err) != 0)) {
        fprintf(stderr, "highwater fidelity: %s\n", err);
        goto out;
    }
    hw_fidelity_print(fid, stdout);
    printf("fidelity report: %s%s%s\n", out, o->html[0] ? ", page: " : "", o->html);
    rc = unexplained ? 1 : 0;
out:
    clean_dir(&F);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    cJSON_Delete(model);
    cJSON_Delete(fid);
    return rc;
}
