/* `highwater fidelity`'s flow: the options against the config, the exported source, then the
 * twins' preparation, the models and the comparison in that order (fidelity_children.c,
 * fidelity_entries.c), the report and its page, and the clean-up on every path. */
#include "fidelity_internal.h"
#include "fidelity_views.h"
#include "allocator.h"
#include "atomic.h"
#include "export.h"
#include "report.h"
#include "supervisor.h"
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

bool hw_fid_selected(const struct hw_fidelity_opts *o, const struct hw_strategy_cfg *sc)
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

static int prepare_data(struct hw_fid *F, char *err, size_t len)
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

/* The command line against the config: 0, or the exit code after one line on stderr. */
static int check_opts(struct hw_fid *F, char *out, size_t outlen)
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
        if (hw_fid_selected(o, &F->cfg.strategies[i]))
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

/* The temp directory goes; a kept --data directory keeps the source, not this run's reports. */
static void clean_dir(const struct hw_fid *F)
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
    static struct hw_fid F;
    char err[2048], out[PATH_MAX];
    int rc, unexplained;
    cJSON *fid = NULL, *model = NULL;
    struct hw_sup_signals saved;
    memset(&F, 0, sizeof F);
    F.o = o;
    if ((rc = check_opts(&F, out, sizeof out)) != 0)
        return rc;
    hw_fid_find_twins(&F);
    hw_fid_probe_libraries(&F);
    /* Caught, every child is told once (supervisor.h) and the directory still goes. */
    hw_sup_signals_catch(&saved);
    if ((rc = prepare_data(&F, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater fidelity: %s\n", err);
        goto out;
    }
    rc = 3;
    if (hw_fid_prepare_twins(&F) != 0 || hw_fid_run_models(&F, &model) != 0)
        goto out;
    fid = hw_fid_report_head(&F);
    unexplained = hw_fid_compare_all(&F, model, cJSON_AddArrayToObject(fid, "entries"));
    if (hw_sup_signalled()) {
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
    hw_sup_signals_restore(&saved);
    cJSON_Delete(model);
    cJSON_Delete(fid);
    return rc;
}
