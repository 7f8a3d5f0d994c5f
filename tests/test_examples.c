/* The scheduler examples in scripts/examples/, held to the harness they drive: neither is run
 * on a real GitHub or Kubernetes here (no network), so this test is what keeps them true.
 * For each file:
 * - libyaml parses it to the end; a syntax error fails naming the file, line and column.
 * - The shard count agrees: the matrix has N entries 1..N and the command says /N; the Indexed
 *   Job's completions and parallelism are the N of its --shard.
 * - Every shard's own command line (the matrix value or JOB_COMPLETION_INDEX substituted, run
 *   by bash or sh as the scheduler would) exits 0 with --dry-run added, against the built
 *   binary and configs/ci.yaml, and the merge steps run as written on the committed baseline
 *   (a report without a shard block is shard 1/1), gate and job summary included.
 * - The pod's memory request equals its limit and holds the largest --shard-memory of any
 *   shard plus the margin its comment states, so a config change that raises a peak fails here.
 * - The names that tie the pieces together agree: artifact names and the download pattern, the
 *   ConfigMap and the claim, the kubectl commands' jobs and labels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>
#include "testutil.h"

#define GHA "scripts/examples/github-actions.yml"
#define K8S "scripts/examples/k8s-indexed-job.yaml"
/* The margin k8s-indexed-job.yaml's comment states over the largest --shard-memory (which
 * already holds the harness's own processes): the models' error, 10% as fidelity's default
 * tolerance and scripts/slurm/sweep.sh's --mem. Change them together. */
#define K8S_MARGIN_PERCENT 10
#define MAX_DOCS 8
/* How GitHub runs a `run:` step on Linux (its default shell, bash). */
#define GHA_SHELL "bash --noprofile --norc -eo pipefail"
#define MAX_SHARDS 64

static char work[] = "/tmp/hw-test-examples-XXXXXX";
static char bin[PATH_MAX], root[PATH_MAX];

/* Every document of one file, parsed by libyaml. */
struct yfile {
    const char *path;
    char *text;
    yaml_document_t doc[MAX_DOCS];
    int ndocs;
};

/* Parses path to the end of its stream; fails the test at the first syntax error with
 * "path:line:col: problem (context at line:col)". */
static void yload(struct yfile *y, const char *path)
{
    size_t len;
    memset(y, 0, sizeof *y);
    y->path = path;
    y->text = tu_slurp(path, &len);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        fail_msg("%s: libyaml could not start a parser", path);
    yaml_parser_set_input_string(&p, (const unsigned char *)y->text, len);
    for (;;) {
        yaml_document_t d;
        if (!yaml_parser_load(&p, &d)) {
            char ctx[160] = "";
            if (p.context)
                snprintf(ctx, sizeof ctx, " (%s at %zu:%zu)", p.context, p.context_mark.line + 1,
                         p.context_mark.column + 1);
            fail_msg("%s:%zu:%zu: %s%s", path, p.problem_mark.line + 1, p.problem_mark.column + 1,
                     p.problem ? p.problem : "YAML error", ctx);
        }
        if (!yaml_document_get_root_node(&d)) {   /* the stream's end */
            yaml_document_delete(&d);
            break;
        }
        if (y->ndocs == MAX_DOCS)
            fail_msg("%s: more than %d documents", path, MAX_DOCS);
        y->doc[y->ndocs++] = d;
    }
    yaml_parser_delete(&p);
}

static void yfree(struct yfile *y)
{
    for (int i = 0; i < y->ndocs; i++)
        yaml_document_delete(&y->doc[i]);
    free(y->text);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value under key in mapping n, NULL when n is no mapping or has no such key. */
static yaml_node_t *get(yaml_document_t *d, const yaml_node_t *n, const char *key)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(d, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(d, p->value);
    }
    return NULL;
}

/* The node at a dotted path of mapping keys under n ("spec.template.spec"), NULL if absent. */
static yaml_node_t *at(yaml_document_t *d, yaml_node_t *n, const char *path)
{
    char buf[256], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *k = strtok_r(buf, ".", &save); k && n; k = strtok_r(NULL, ".", &save))
        n = get(d, n, k);
    return n;
}

static int seq_len(const yaml_node_t *n)
{
    return n && n->type == YAML_SEQUENCE_NODE ? (int)(n->data.sequence.items.top - n->data.sequence.items.start) : -1;
}

static yaml_node_t *item(yaml_document_t *d, const yaml_node_t *n, int i)
{
    return i < seq_len(n) ? yaml_document_get_node(d, n->data.sequence.items.start[i]) : NULL;
}

/* The scalar at path under n; fails naming the file and the line of n when it is missing. */
static const char *need(struct yfile *y, yaml_document_t *d, yaml_node_t *n, const char *path)
{
    const char *s = scalar(at(d, n, path));
    if (!s)
        fail_msg("%s:%zu: no %s here (or not a plain value)", y->path, n ? n->start_mark.line + 1 : 0, path);
    return s;
}

/* The N of "--shard K/N" in cmd, whatever K's text is ("${{ matrix.shard }}", "$((... + 1))"):
 * the first '/' after "--shard " that a digit follows. -1 when there is none. */
static int shard_count(const char *cmd)
{
    const char *s = strstr(cmd, "--shard ");
    for (s = s ? s + 8 : NULL; s && (s = strchr(s, '/')); s++)
        if (s[1] >= '0' && s[1] <= '9') {
            long n = strtol(s + 1, NULL, 10);
            return n > 0 && n <= MAX_SHARDS ? (int)n : -1;
        }
    return -1;
}

/* s with every "from" replaced by "to", malloc'd. */
static char *subst(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = s; (p = strstr(p, from)); p += fl)
        n++;
    char *out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1), *o = out;
    assert_non_null(out);
    for (const char *p = s, *q; ; p = q + fl) {
        q = strstr(p, from);
        size_t k = q ? (size_t)(q - p) : strlen(p);
        memcpy(o, p, k);
        o += k;
        if (!q)
            break;
        memcpy(o, to, tl);
        o += tl;
    }
    *o = '\0';
    return out;
}

/* Makes the scratch subdirectory name, where a step runs as written: configs/ and config/ (the
 * ConfigMap's mount) are the repository's configs/, results/baselines/ its baselines, and
 * bin/highwater (on PATH) and build/highwater run the built binary, with --dry-run appended
 * when dry, so a shard's command needs no edit to run nothing. */
static void sandbox(const char *name, int dry)
{
    char text[PATH_MAX + 64], path[PATH_MAX];
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s/%s", work, name);
    assert_int_equal(tu_sh("mkdir -p %s/bin %s/build %s/results && ln -s %s/configs %s/configs"
                           " && ln -s %s/configs %s/config && ln -s %s/results/baselines %s/results/baselines",
                           d, d, d, root, d, root, d, root, d), 0);
    snprintf(text, sizeof text, "#!/bin/sh\nexec %s \"$@\"%s\n", bin, dry ? " --dry-run" : "");
    snprintf(path, sizeof path, "%s/%s/bin/highwater", work, name);
    tu_script(path, text);
    snprintf(path, sizeof path, "%s/%s/build/highwater", work, name);
    tu_script(path, text);
}

/* Runs script (written to DIR/name/step.sh) in DIR/name with env before it and the sandbox's
 * programs first on PATH, under shell; its exit code, its output in DIR/name/out. */
static int run_in(const char *name, const char *shell, const char *env, const char *script)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s/step.sh", work, name);
    tu_put_file(path, script);
    return tu_sh("cd %s/%s && %s PATH=%s/%s/bin:\"$PATH\" %s step.sh > out 2>&1", work, name, env, work, name, shell);
}

/* Fails in one line naming the file and the command when rc is not 0, the command's output
 * printed before it. */
static void expect_ok(int rc, const char *file, const char *what, const char *cmd, const char *name)
{
    if (rc != 0) {
        fprintf(stderr, "%s", tu_text("%s/%s/out", work, name));
        fail_msg("%s: %s exited %d: %s", file, what, rc, cmd);
    }
}

/* The step of steps whose key ("run" or "uses") starts with prefix, NULL if none. */
static yaml_node_t *step(yaml_document_t *d, yaml_node_t *steps, const char *key, const char *prefix)
{
    for (int i = 0; i < seq_len(steps); i++) {
        yaml_node_t *s = item(d, steps, i);
        const char *v = scalar(get(d, s, key));
        if (v && strncmp(v, prefix, strlen(prefix)) == 0)
            return s;
    }
    return NULL;
}

static yaml_node_t *need_step(struct yfile *y, yaml_document_t *d, yaml_node_t *steps, const char *job, const char *key,
                              const char *prefix)
{
    yaml_node_t *s = step(d, steps, key, prefix);
    if (!s)
        fail_msg("%s: job %s has no step whose %s starts with '%s'", y->path, job, key, prefix);
    return s;
}

/* The GitHub Actions workflow: one matrix entry a shard, the count the command's, every
 * shard's command a valid run of its slice, its report uploaded even after a failed step under
 * the name the merge job downloads, and the merge job's steps working as written. */
static void github_actions(void **state)
{
    (void)state;
    struct yfile y;
    yload(&y, GHA);
    assert_int_equal(y.ndocs, 1);
    yaml_document_t *d = &y.doc[0];
    yaml_node_t *r = yaml_document_get_root_node(d), *shard = at(d, r, "jobs.shard"), *merge = at(d, r, "jobs.merge");
    if (!shard || !merge)
        fail_msg("%s: jobs.shard and jobs.merge are both needed", GHA);

    yaml_node_t *matrix = at(d, shard, "strategy.matrix.shard");
    int n = seq_len(matrix);
    if (n < 1 || n > MAX_SHARDS)
        fail_msg("%s:%zu: jobs.shard.strategy.matrix.shard is not a list of 1 to %d shards", GHA,
                 shard->start_mark.line + 1, MAX_SHARDS);
    for (int k = 1; k <= n; k++) {
        const char *v = scalar(item(d, matrix, k - 1));
        if (!v || atoi(v) != k)
            fail_msg("%s:%zu: matrix.shard entry %d is '%s', expected %d (the shards are 1..%d)", GHA,
                     matrix->start_mark.line + 1, k, v ? v : "(not a value)", k, n);
    }
    const char *ff = need(&y, d, shard, "strategy.fail-fast");
    if (strcmp(ff, "false") != 0)
        fail_msg("%s: jobs.shard.strategy.fail-fast is %s: one failed shard would cancel the others", GHA, ff);

    yaml_node_t *steps = get(d, shard, "steps");
    yaml_node_t *run = need_step(&y, d, steps, "shard", "run", "build/highwater run ");
    const char *cmd = scalar(get(d, run, "run"));
    int cn = shard_count(cmd);
    if (cn != n)
        fail_msg("%s:%zu: the matrix has %d shards but the command says /%d: %s", GHA, run->start_mark.line + 1, n, cn,
                 cmd);

    yaml_node_t *up = need_step(&y, d, steps, "shard", "uses", "actions/upload-artifact@v4");
    const char *cond = scalar(get(d, up, "if"));
    if (!cond || !strstr(cond, "always()"))
        fail_msg("%s:%zu: the upload has no if: always(): a shard whose budget failed (exit 1) would upload nothing",
                 GHA, up->start_mark.line + 1);
    const char *upath = need(&y, d, up, "with.path"), *uname = need(&y, d, up, "with.name");

    const char *needs = scalar(get(d, merge, "needs"));
    if (!needs || strcmp(needs, "shard") != 0)
        fail_msg("%s: jobs.merge.needs is '%s', not shard", GHA, needs ? needs : "(none)");
    const char *mif = scalar(get(d, merge, "if"));
    if (!mif || (!strstr(mif, "!cancelled()") && !strstr(mif, "always()")))
        fail_msg("%s:%zu: jobs.merge has no if: !cancelled(): it would be skipped after any failed shard", GHA,
                 merge->start_mark.line + 1);
    yaml_node_t *msteps = get(d, merge, "steps");
    yaml_node_t *down = need_step(&y, d, msteps, "merge", "uses", "actions/download-artifact@v4");
    const char *pattern = need(&y, d, down, "with.pattern"), *multi = need(&y, d, down, "with.merge-multiple");
    if (strcmp(multi, "true") != 0)
        fail_msg("%s:%zu: download-artifact's merge-multiple is %s: each shard would land in its own directory", GHA,
                 down->start_mark.line + 1, multi);

    /* Every shard: its artifact name is downloaded, and its command is a valid run of its slice. */
    sandbox("gha-shard", 1);
    for (int k = 1; k <= n; k++) {
        char kk[16], want[64];
        snprintf(kk, sizeof kk, "%d", k);
        char *name = subst(uname, "${{ matrix.shard }}", kk), *c = subst(cmd, "${{ matrix.shard }}", kk);
        if (fnmatch(pattern, name, 0) != 0)
            fail_msg("%s: shard %d's artifact %s does not match the download pattern %s", GHA, k, name, pattern);
        /* The report the command writes (-o, its K substituted) is the file uploaded. */
        char *path = subst(upath, "${{ matrix.shard }}", kk), out[256];
        const char *o = strstr(c, " -o ");
        if (!o)
            fail_msg("%s:%zu: the shard's command writes no report (-o): %s", GHA, run->start_mark.line + 1, cmd);
        snprintf(out, sizeof out, "%.*s", (int)strcspn(o + 4, " "), o + 4);
        if (strcmp(path, out) != 0)
            fail_msg("%s:%zu: shard %d uploads %s, not the report its command writes (%s)", GHA,
                     up->start_mark.line + 1, k, path, out);
        free(path);
        expect_ok(run_in("gha-shard", GHA_SHELL, "", c), GHA, "the shard's command (with --dry-run)", c, "gha-shard");
        snprintf(want, sizeof want, "shard %d/%d:", k, n);
        if (!strstr(tu_scratch_read("gha-shard/out"), want))
            fail_msg("%s: shard %d's dry run does not say '%s': %s", GHA, k, want, c);
        free(name);
        free(c);
    }

    /* The merge job's steps after the download, in order, with the baseline as the one report
     * the glob finds (a report without a shard block is shard 1/1). */
    sandbox("gha-merge", 0);
    assert_int_equal(tu_sh("cp %s/results/baselines/ci.json %s/gha-merge/shard-1.json", root, work), 0);
    int nrun = 0;
    for (int i = 0; i < seq_len(msteps); i++) {
        const char *c = scalar(get(d, item(d, msteps, i), "run"));
        if (!c || strcmp(c, "make") == 0)
            continue;
        nrun++;
        expect_ok(run_in("gha-merge", GHA_SHELL, "GITHUB_STEP_SUMMARY=step-summary", c), GHA, "a merge job's step", c,
                  "gha-merge");
    }
    assert_true(nrun >= 3);   /* merge, gate, the job summary */
    if (!strstr(tu_scratch_read("gha-merge/step-summary"), "### highwater gate: PASS"))
        fail_msg("%s: the job summary does not hold the gate's PASS: %s", GHA,
                 tu_scratch_read("gha-merge/step-summary"));
    cJSON *m = tu_report("%s/gha-merge/merged.json", work);
    assert_non_null(m);
    cJSON_Delete(m);
    yfree(&y);
}

/* A Kubernetes quantity ("640Mi", "1G", "671088640") in bytes; fails naming file and value. */
static uint64_t quantity(const char *file, const char *what, const char *v)
{
    static const struct { const char *sfx; uint64_t mul; } units[] = {
        {"Ki", 1ull << 10}, {"Mi", 1ull << 20}, {"Gi", 1ull << 30}, {"Ti", 1ull << 40},
        {"k", 1000ull}, {"M", 1000000ull}, {"G", 1000000000ull}, {"T", 1000000000000ull}, {"", 1},
    };
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    for (size_t i = 0; end > v && i < sizeof units / sizeof *units; i++)
        if (strcmp(end, units[i].sfx) == 0)
            return n * units[i].mul;
    fail_msg("%s: %s '%s' is not a whole quantity like 640Mi or 671088640", file, what, v);
    return 0;
}

/* The container's sh -c script of a Job (command: [sh, -c, SCRIPT]). */
static const char *sh_script(struct yfile *y, yaml_document_t *d, yaml_node_t *job, yaml_node_t **container)
{
    yaml_node_t *c = item(d, at(d, job, "spec.template.spec.containers"), 0);
    yaml_node_t *cmd = get(d, c, "command");
    const char *sh = scalar(item(d, cmd, 0)), *dash = scalar(item(d, cmd, 1)), *script = scalar(item(d, cmd, 2));
    if (seq_len(cmd) != 3 || !sh || strcmp(sh, "sh") != 0 || !dash || strcmp(dash, "-c") != 0 || !script)
        fail_msg("%s:%zu: the container's command is not [sh, -c, SCRIPT]", y->path, job->start_mark.line + 1);
    *container = c;
    return script;
}

/* The mountPath of the container's mount of volume vol, NULL if it has none. */
static const char *mount_path(yaml_document_t *d, yaml_node_t *container, const char *vol)
{
    yaml_node_t *mounts = get(d, container, "volumeMounts");
    for (int i = 0; i < seq_len(mounts); i++) {
        const char *name = scalar(get(d, item(d, mounts, i), "name"));
        if (name && strcmp(name, vol) == 0)
            return scalar(get(d, item(d, mounts, i), "mountPath"));
    }
    return NULL;
}

/* A line of the file's comments that holds both a and b ("kubectl wait", "job/NAME"). */
static int comment_has(const char *text, const char *a, const char *b)
{
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        size_t len = strcspn(l, "\n");
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), l);
        if (line[0] == '#' && strstr(line, a) && strstr(line, b))
            return 1;
    }
    return 0;
}

/* The Kubernetes example: completions == parallelism == the command's N, every index's script a
 * valid run of its slice, a memory request (== limit) that holds the largest predicted peak of
 * any shard plus the stated margin, the merge Job's script working as written, and the
 * ConfigMap, the claim, the kubectl commands' jobs and labels naming what the file defines. */
static void kubernetes_indexed_job(void **state)
{
    (void)state;
    struct yfile y;
    yload(&y, K8S);
    yaml_document_t *dj = NULL, *dm = NULL, *dp = NULL;
    yaml_node_t *job = NULL, *mjob = NULL, *pvc = NULL;
    for (int i = 0; i < y.ndocs; i++) {
        yaml_document_t *d = &y.doc[i];
        yaml_node_t *r = yaml_document_get_root_node(d);
        const char *kind = scalar(get(d, r, "kind"));
        if (kind && strcmp(kind, "PersistentVolumeClaim") == 0)
            dp = d, pvc = r;
        else if (kind && strcmp(kind, "Job") == 0 && at(d, r, "spec.completionMode"))
            dj = d, job = r;
        else if (kind && strcmp(kind, "Job") == 0)
            dm = d, mjob = r;
    }
    if (!job || !mjob || !pvc)
        fail_msg("%s: needs a PersistentVolumeClaim, an Indexed Job (the shards) and a Job (the merge)", K8S);

    const char *mode = need(&y, dj, job, "spec.completionMode");
    if (strcmp(mode, "Indexed") != 0)
        fail_msg("%s:%zu: completionMode is %s, not Indexed: no JOB_COMPLETION_INDEX", K8S, job->start_mark.line + 1,
                 mode);
    int completions = atoi(need(&y, dj, job, "spec.completions"));
    int parallelism = atoi(need(&y, dj, job, "spec.parallelism"));
    yaml_node_t *c;
    const char *script = sh_script(&y, dj, job, &c);
    int n = shard_count(script);
    if (n < 1 || completions != n || parallelism != n)
        fail_msg("%s:%zu: completions %d and parallelism %d must both be the %d of --shard .../%d: %s", K8S,
                 job->start_mark.line + 1, completions, parallelism, n, n, script);

    /* Each index's script, as the pod's sh runs it, with the mounts pointing into the sandbox. */
    sandbox("k8s-shard", 1);
    char cfgdir[PATH_MAX], resdir[PATH_MAX];
    snprintf(cfgdir, sizeof cfgdir, "%s/k8s-shard/config/", work);
    snprintf(resdir, sizeof resdir, "%s/k8s-shard/results/", work);
    char *s1 = subst(script, "/config/", cfgdir), *s2 = subst(s1, "/results/", resdir);
    for (int k = 1; k <= n; k++) {
        char env[64], want[64];
        snprintf(env, sizeof env, "JOB_COMPLETION_INDEX=%d", k - 1);
        expect_ok(run_in("k8s-shard", "sh", env, s2), K8S, "the index's script (with --dry-run)", script, "k8s-shard");
        snprintf(want, sizeof want, "shard %d/%d:", k, n);
        if (!strstr(tu_scratch_read("k8s-shard/out"), want))
            fail_msg("%s: JOB_COMPLETION_INDEX=%d's dry run does not say '%s': %s", K8S, k - 1, want, script);
    }
    free(s1);
    free(s2);
    /* One worker a pod, as its one CPU: what the memory request below is sized for. */
    if (!strstr(script, " -j 1 "))
        fail_msg("%s: the shard's command has no '-j 1': highwater would run one worker per CPU it may use, more "
                 "than the memory request holds: %s", K8S, script);

    /* The memory: request == limit >= the largest --shard-memory of any shard + the margin. */
    uint64_t most = 0;
    int most_k = 0;
    for (int k = 1; k <= n; k++) {
        /* -j 1, as the example's command says (the test below checks it does). */
        if (tu_sh("%s run configs/ci.yaml --shard %d/%d -j 1 --shard-memory > %s/mem 2>&1", bin, k, n, work) != 0)
            fail_msg("highwater run configs/ci.yaml --shard %d/%d --shard-memory failed: %s", k, n,
                     tu_scratch_read("mem"));
        uint64_t b = strtoull(tu_scratch_read("mem"), NULL, 10);
        if (b > most)
            most = b, most_k = k;
    }
    assert_true(most > 0);
    const char *req = need(&y, dj, c, "resources.requests.memory"), *lim = need(&y, dj, c, "resources.limits.memory");
    uint64_t rq = quantity(K8S, "resources.requests.memory", req), lm = quantity(K8S, "resources.limits.memory", lim);
    if (rq != lm)
        fail_msg("%s: resources.requests.memory %s is not its limit %s: the scheduler would reserve less than the pod"
                 " may use", K8S, req, lim);
    uint64_t want = most + most * K8S_MARGIN_PERCENT / 100;
    if (rq < want)
        fail_msg("%s: resources.requests.memory %s (%" PRIu64 " B) is under shard %d/%d's --shard-memory %" PRIu64
                 " B + the %d%% margin = %" PRIu64 " B: raise it and its comment",
                 K8S, req, rq, most_k, n, most, K8S_MARGIN_PERCENT, want);

    /* The merge Job's script as written, the baseline the one report its glob finds. */
    yaml_node_t *mc;
    const char *mscript = sh_script(&y, dm, mjob, &mc);
    if (!strstr(mscript, "highwater merge "))
        fail_msg("%s:%zu: the merge Job does not run highwater merge: %s", K8S, mjob->start_mark.line + 1, mscript);
    sandbox("k8s-merge", 0);
    snprintf(resdir, sizeof resdir, "%s/k8s-merge/results/", work);
    assert_int_equal(tu_sh("cp %s/results/baselines/ci.json %s/shard-1.json", root, resdir), 0);
    char *ms = subst(mscript, "/results/", resdir);
    expect_ok(run_in("k8s-merge", "sh", "", ms), K8S, "the merge Job's script", mscript, "k8s-merge");
    free(ms);
    cJSON *m = tu_report("%s/k8s-merge/results/merged.json", work);
    assert_non_null(m);
    cJSON_Delete(m);

    /* The names that tie it together. */
    const char *pvc_name = need(&y, dp, pvc, "metadata.name");
    yaml_node_t *djobs[2] = {job, mjob};
    yaml_document_t *ddocs[2] = {dj, dm};
    yaml_node_t *cs[2] = {c, mc};
    const char *cm = NULL;
    for (int j = 0; j < 2; j++) {
        /* The scripts were run with /results/ and /config/ pointing into the sandbox: they must be
         * the claim's and the ConfigMap's mounts. */
        int claimed = 0;
        yaml_node_t *vols = at(ddocs[j], djobs[j], "spec.template.spec.volumes");
        for (int i = 0; i < seq_len(vols); i++) {
            yaml_node_t *v = item(ddocs[j], vols, i);
            const char *vname = scalar(get(ddocs[j], v, "name"));
            const char *mp = vname ? mount_path(ddocs[j], cs[j], vname) : NULL;
            const char *claim = scalar(at(ddocs[j], v, "persistentVolumeClaim.claimName"));
            if (claim && strcmp(claim, pvc_name) == 0 && mp && strcmp(mp, "/results") == 0)
                claimed = 1;
            if (j == 0 && scalar(at(ddocs[j], v, "configMap.name"))) {
                cm = scalar(at(ddocs[j], v, "configMap.name"));
                if (!mp || strcmp(mp, "/config") != 0)
                    fail_msg("%s: the shards Job mounts ConfigMap %s at %s, not /config where its script reads ci.yaml",
                             K8S, cm, mp ? mp : "(nowhere)");
            }
        }
        if (!claimed)
            fail_msg("%s: Job %s mounts no claim %s (the PVC's name) at /results", K8S,
                     need(&y, ddocs[j], djobs[j], "metadata.name"), pvc_name);
        char wait[160];
        snprintf(wait, sizeof wait, "job/%s", need(&y, ddocs[j], djobs[j], "metadata.name"));
        if (!comment_has(y.text, "kubectl wait --for=condition=complete", wait))
            fail_msg("%s: no 'kubectl wait --for=condition=complete ... %s' in the commands to type", K8S, wait);
        yaml_node_t *labels = at(ddocs[j], djobs[j], "metadata.labels");
        const char *step_label = scalar(get(ddocs[j], labels, "highwater-step"));
        char sel[96];
        snprintf(sel, sizeof sel, "-l highwater-step=%s", step_label ? step_label : "(none)");
        if (!step_label || !comment_has(y.text, "kubectl apply", sel))
            fail_msg("%s: Job %s's label highwater-step=%s is not what a 'kubectl apply ... %s' selects", K8S,
                     need(&y, ddocs[j], djobs[j], "metadata.name"), step_label ? step_label : "(none)", sel);
    }
    const char *pvc_step = scalar(at(dp, pvc, "metadata.labels.highwater-step"));
    const char *job_step = scalar(at(dj, job, "metadata.labels.highwater-step"));
    if (!pvc_step || !job_step || strcmp(pvc_step, job_step) != 0)
        fail_msg("%s: the PVC's highwater-step label is not the shards Job's: the first apply would not make it", K8S);
    char create[160];
    snprintf(create, sizeof create, "kubectl create configmap %s ", cm ? cm : "(none)");
    if (!cm || !comment_has(y.text, create, "--from-file=ci.yaml=configs/ci.yaml"))
        fail_msg("%s: the shards Job mounts ConfigMap %s, but no '%s--from-file=ci.yaml=configs/ci.yaml' makes it", K8S,
                 cm ? cm : "(none)", create);
    yfree(&y);
}

static int setup(void **state)
{
    char rel[PATH_MAX];
    tu_bin(rel, sizeof rel);
    tu_scratch = work;
    if (!realpath(rel, bin) || !getcwd(root, sizeof root)) {
        fprintf(stderr, "test_examples: no binary at %s (make build/highwater first)\n", rel);
        return -1;
    }
    return tu_scratch_setup(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(github_actions),
        cmocka_unit_test(kubernetes_indexed_job),
    };
    return cmocka_run_group_tests(tests, setup, tu_scratch_teardown);
}
