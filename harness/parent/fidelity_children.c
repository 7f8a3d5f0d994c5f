/* The children `highwater fidelity` runs, each through the supervisor as a plain child
 * (supervisor.h: its own process group, a caught signal passed on once as SIGTERM): the
 * library probes, the twins' preparation, one `highwater run` of every model and one
 * `highwater exec` of each twin. */
#include "fidelity_internal.h"
#include "allocator.h"
#include "json.h"
#include "report.h"
#include "supervisor.h"
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ARGS 48

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

/* The first line a command prints on stdout (its stderr to /dev/null), or "": the versions of
 * the twins' libraries. */
static void first_line(char *const argv[], char *out, size_t len)
{
    int p[2];
    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) != 0)
        return;
    /* Read only after it has ended: a command that wrote more than the pipe holds gets EAGAIN
     * instead of waiting on us for ever, and one line is all that is read. */
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    hw_sup_run_plain(argv, p[1], HW_SUP_NULL);
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    if (!f) {
        close(p[0]);
        return;
    }
    if (fgets(out, (int)len, f))
        out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

/* Where scripts/twins is: HIGHWATER_TWINS_DIR, beside the binary (build/highwater ->
 * ../scripts/twins), or under the working directory. */
void hw_fid_find_twins(struct hw_fid *F)
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

void hw_fid_probe_libraries(struct hw_fid *F)
{
    char path[PATH_MAX + 64], err[256];
    cJSON *pkg = NULL;
    char *node[] = {"node", "--version", NULL};
    first_line(node, F->node_version, sizeof F->node_version);
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
    char *python[] = {"/usr/bin/python3", "-c",
                      "import pandas, numpy; print(\"pandas \" + pandas.__version__ + \", numpy \" + numpy.__version__)",
                      NULL};
    first_line(python, F->pandas_version, sizeof F->pandas_version);
    F->have_pandas = strncmp(F->pandas_version, "pandas ", 7) == 0;
}

const char *hw_fid_twin_unavailable(const struct hw_fid *F, const struct hw_strategy_cfg *sc, char *path,
                                    size_t len)
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

/* The twin's argv: interpreter, script, --data, --dtype, --order, the strategy's params. */
static int twin_argv(const struct hw_fid *F, const struct hw_strategy_cfg *sc, const char *script, bool prepare,
                     char *argv[], char store[][HW_STR_MAX + 80])
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

/* One twin's --prepare, its stderr kept in the data directory for its reason or its error:
 * its exit code (77: no twin for these params, F->no_twin[i] says why), or -1. */
static int prepare_one(struct hw_fid *F, uint32_t i, const char *script)
{
    char errpath[PATH_MAX + 64], store[HW_MAX_PARAMS][HW_STR_MAX + 80], *argv[MAX_ARGS + 16];
    const struct hw_strategy_cfg *sc = &F->cfg.strategies[i];
    snprintf(errpath, sizeof errpath, "%s/prepare-%u.err", F->dir, i);
    int efd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    twin_argv(F, sc, script, true, argv, store);
    int prc = efd >= 0 ? hw_sup_run_plain(argv, HW_SUP_NULL, efd) : -1;
    if (efd >= 0)
        close(efd);
    if (prc == 77)
        read_reason(errpath, F->no_twin[i], sizeof F->no_twin[i]);
    if (prc != 0 && prc != 77) {
        fprintf(stderr, "highwater fidelity: %s --prepare failed (exit %d); its error:\n", script, prc);
        copy_to_stderr(errpath);
    }
    unlink(errpath);
    return prc;
}

/* Unmeasured preparation: the IPC file Polars twins read, then each selected twin's
 * --prepare (the files its params read; or exit 77 and one line, "no twin: REASON", for
 * params it cannot stand for). */
int hw_fid_prepare_twins(struct hw_fid *F)
{
    char script[PATH_MAX + 64], path[PATH_MAX + 64];
    if (F->have_node) {
        snprintf(script, sizeof script, "%s/polars/prepare.js", F->twins);
        snprintf(path, sizeof path, "%s/source.ipc", F->dir);
        char *pargv[] = {"node", "--expose-gc", script, F->dir, NULL};
        if (access(path, R_OK) != 0 && hw_sup_run_plain(pargv, 2, HW_SUP_INHERIT) != 0) {
            fprintf(stderr, "highwater fidelity: %s failed (its error is above); check 'make twins'\n", script);
            return -1;
        }
    }
    for (uint32_t i = 0; i < F->cfg.nstrategies && !hw_sup_signalled(); i++) {
        const struct hw_strategy_cfg *sc = &F->cfg.strategies[i];
        if (!hw_fid_selected(F->o, sc) || hw_fid_twin_unavailable(F, sc, script, sizeof script))
            continue;
        int prc = prepare_one(F, i, script);
        if (prc != 0 && prc != 77)
            return -1;
        /* By strategy name, each once: a list of labels outgrows --strategies (255 characters)
         * with the whole catalogue; an entry of a name that has no twin runs unused. */
        if (prc == 0 && !name_listed(F->names, sc->strategy->name)) {
            size_t L = strlen(F->names);
            snprintf(F->names + L, sizeof F->names - L, "%s%s", L ? "," : "", sc->strategy->name);
        }
    }
    return 0;
}

/* Every model in one `highwater run`: one calibration, one report. */
int hw_fid_run_models(struct hw_fid *F, cJSON **model)
{
    char err[2048], model_json[PATH_MAX + 64], rows[32];
    if (!F->names[0] || hw_sup_signalled())
        return 0;
    snprintf(model_json, sizeof model_json, "%s/model.json", F->dir);
    snprintf(rows, sizeof rows, "%llu", (unsigned long long)F->cfg.ds.rows);
    char *margv[] = {F->self, "run", (char *)F->o->config, "--rows", rows, "--strategies", F->names,
                     "--allocators", F->allocs, "-o", model_json, "--no-timeline", F->o->verbose ? "-v" : NULL, NULL};
    fprintf(stderr, "fidelity: the models (highwater run)\n");
    int mrc = hw_sup_run_plain(margv, F->o->verbose ? 2 : HW_SUP_NULL, HW_SUP_INHERIT);
    if ((mrc != 0 && mrc != 1) || hw_report_load(model_json, model, err, sizeof err) != 0) {
        fprintf(stderr, "highwater fidelity: the model run failed (exit %d)%s%s\n", mrc, mrc ? "" : ": ",
                mrc ? "" : err);
        return -1;
    }
    return 0;
}

int hw_fid_run_twin(const struct hw_fid *F, const struct hw_strategy_cfg *sc, const char *alloc,
                    const char *script, int idx, cJSON **twin, char *err, size_t len)
{
    char twin_json[PATH_MAX + 64], store[HW_MAX_PARAMS][HW_STR_MAX + 80], preload[PATH_MAX];
    char *targv[MAX_ARGS], *argv[MAX_ARGS + 8];
    int n = 0;
    snprintf(twin_json, sizeof twin_json, "%s/twin-%d-%s.json", F->dir, idx, alloc);
    argv[n++] = (char *)F->self;
    argv[n++] = "exec";
    argv[n++] = "-o";
    argv[n++] = twin_json;
    argv[n++] = "--";
    /* A twin's process has one allocator: the registry's preload, or its own malloc. */
    const struct hw_allocator_ops *ops = hw_allocator_find(alloc);
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
    int rc = hw_sup_run_plain(argv, HW_SUP_NULL, HW_SUP_INHERIT);
    if (hw_sup_signalled())
        return 1;
    if (rc != 0 || hw_json_load(twin_json, HW_REPORT_SCHEMA, twin, err, len) != 0) {
        if (rc != 0)
            snprintf(err, len, "highwater exec of the twin exited %d", rc);
        return -1;
    }
    return 0;
}
