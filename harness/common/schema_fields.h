/* The report's field names, once: every file that writes or reads a report, a worker's phase
 * event or a summary entry spells a key through these, so a rename is one line and a typo is
 * a compile error. Tests keep literals: they check the file format itself. A name shared by
 * several records (a run's and a summary's "status") is listed once, where it first appears. */
#ifndef HW_SCHEMA_FIELDS_H
#define HW_SCHEMA_FIELDS_H

/* The report's root */
#define HW_F_SCHEMA "schema"
#define HW_F_TOOL "tool"
#define HW_F_HOST "host"
#define HW_F_CONFIG "config"
#define HW_F_DATASET "dataset"
#define HW_F_RUNS "runs"
#define HW_F_SUMMARY "summary"
#define HW_F_LESSONS "lessons"
#define HW_F_LIMIT_BYTES "limit_bytes"
/* A sharded run's root (parent/shard.h): which slice of the full job list it ran; every run
 * record's job_index is its place in that full list. */
#define HW_F_SHARD "shard"
#define HW_F_SHARD_INDEX "index"
#define HW_F_SHARD_COUNT "count"
#define HW_F_JOBS_TOTAL "jobs_total"
#define HW_F_JOBS "jobs"
#define HW_F_JOB_LIST_SHA256 "job_list_sha256"
#define HW_F_JOB_INDEX "job_index"
/* run -j N (parent/slots.h): the root's parallel block, and each run's contended flag (its
 * wall was taken with another worker running beside it at some moment) */
#define HW_F_PARALLEL "parallel"
#define HW_F_WORKERS "workers"
#define HW_F_CONTENDED "contended"
#define HW_F_WALL_CONTENDED "wall_contended"

/* tool */
#define HW_F_NAME "name"
#define HW_F_VERSION "version"
#define HW_F_GIT_COMMIT "git_commit"
#define HW_F_COMPILER "compiler"
#define HW_F_CFLAGS "cflags"

/* host */
#define HW_F_KERNEL "kernel"
#define HW_F_ARCH "arch"
#define HW_F_HOSTNAME "hostname"
#define HW_F_CPU "cpu"
#define HW_F_CPUS "cpus"
#define HW_F_MEM_TOTAL_BYTES "mem_total_bytes"
#define HW_F_MEM_AVAILABLE_BYTES "mem_available_bytes"
#define HW_F_PAGE_SIZE_BYTES "page_size_bytes"
#define HW_F_THP "thp"
#define HW_F_LIBC "libc"
#define HW_F_ALLOCATOR_VERSIONS "allocator_versions"
#define HW_F_CALIBRATION "calibration"
/* host.calibration's provenance (parent/helper_cache.h): "measured" this run or "cached", when
 * it was measured (UTC, "2026-12-01T21:30:00Z") and the cache file (null when not kept) */
#define HW_F_ORIGIN "origin"
#define HW_F_MEASURED_AT "measured_at"
#define HW_F_CACHE_FILE "cache_file"
#define HW_F_PARENT_PEAK_RSS_BYTES "parent_peak_rss_bytes"
#define HW_F_LAUNCHER_PEAK_RSS_BYTES "launcher_peak_rss_bytes"
/* harness: the helper workers' (calibration, reference) largest peak, for the step's bound */
#define HW_F_HELPER_PEAK_RSS_BYTES "helper_peak_rss_bytes"
/* harness: the references the runs are checked against, one per output dtype: {output_dtype,
 * origin ("computed", "cached" or "failed"), wall_seconds (computing or reading it),
 * computed_at, cache_file}; and the helpers' whole wall time, before the first run starts */
#define HW_F_REFERENCES "references"
#define HW_F_COMPUTED_AT "computed_at"
#define HW_F_HELPERS_WALL_SECONDS "helpers_wall_seconds"
/* The root's scheduler block (parent/scheduler.h): the task this run was, in the engine's ids */
#define HW_F_SCHEDULER "scheduler"
#define HW_F_ENGINE "engine"
#define HW_F_JOB_ID "job_id"
#define HW_F_ARRAY_JOB_ID "array_job_id"
#define HW_F_ARRAY_TASK_ID "array_task_id"
#define HW_F_NODE "node"
#define HW_F_CLUSTER "cluster"
#define HW_F_COMPLETION_INDEX "completion_index"
#define HW_F_POD "pod"
#define HW_F_RUN_ID "run_id"
#define HW_F_JOB "job"
#define HW_F_RUNNER "runner"

/* A run (runs[]): what was asked */
#define HW_F_STRATEGY "strategy"
#define HW_F_LABEL "label"
#define HW_F_PARAMS "params"
#define HW_F_ALLOCATOR "allocator"
#define HW_F_ALLOCATOR_CONF "allocator_conf"
#define HW_F_REPEAT "repeat"
#define HW_F_OUTPUT_DTYPE "output_dtype"
#define HW_F_OUTPUT_ORDER "output_order"
#define HW_F_OUTPUT_BYTES "output_bytes"
#define HW_F_PREDICTED_PEAK_BYTES "predicted_peak_bytes"
#define HW_F_PHASE_RESET "phase_reset"
#define HW_F_EXPECT_RATIO "expect_ratio"
#define HW_F_BUDGET_RATIO "budget_ratio"

/* A run: what happened */
#define HW_F_STATUS "status"
#define HW_F_REASON "reason"
#define HW_F_EXIT_CODE "exit_code"
#define HW_F_PHASES "phases"
#define HW_F_ALLOCATOR_VERSION "allocator_version"
#define HW_F_WALL_SECONDS "wall_seconds"
#define HW_F_CPU_SECONDS "cpu_seconds"
#define HW_F_WORKER_WALL_SECONDS "worker_wall_seconds"
#define HW_F_PEAK_RSS_BYTES "peak_rss_bytes"
#define HW_F_PEAK_RATIO "peak_ratio"
#define HW_F_BUDGET_BYTES "budget_bytes"
#define HW_F_PEAK_METHOD "peak_method"
#define HW_F_TREE_METHOD "tree_method"
#define HW_F_PEAK_PHASE "peak_phase"
#define HW_F_SAMPLER_PEAK_BYTES "sampler_peak_bytes"
#define HW_F_EXPECT_VERDICT "expect_verdict"
#define HW_F_EXPECT_ERROR "expect_error"
#define HW_F_RUSAGE "rusage"
#define HW_F_LARGEST_PROCESS_RSS_BYTES "largest_process_rss_bytes"
#define HW_F_WARNINGS "warnings"
#define HW_F_OUTPUT "output"
#define HW_F_TIMELINE "timeline"
#define HW_F_THROUGHPUT "throughput"

/* exec's tree (runs[].pss): its proportional set size, smaps_rollup's Pss summed over the
 * tree by a reader slower than the RSS sampler (parent/tree_pss.h), beside the Rss sum of the
 * same reading; also peak_bytes, cpu_seconds and reason (when there was no reading) */
#define HW_F_PSS "pss"
#define HW_F_RSS_SUM_BYTES "rss_sum_bytes"
#define HW_F_PROCESSES "processes"
#define HW_F_AT_SECONDS "at_seconds"
#define HW_F_READINGS "readings"
#define HW_F_MAX_INTERVAL_SECONDS "max_interval_seconds"
#define HW_F_METHOD "method"
/* exec's own CPU time (every thread of it: sampler, marker reader, Pss reader) from the
 * command's start to its end (runs[]) */
#define HW_F_SAMPLER_CPU_SECONDS "sampler_cpu_seconds"

/* A run's rusage */
#define HW_F_MAXRSS_BYTES "maxrss_bytes"
#define HW_F_MAXRSS_COVERS "maxrss_covers"
#define HW_F_MINFLT "minflt"
#define HW_F_MAJFLT "majflt"
#define HW_F_UTIME_SECONDS "utime_seconds"
#define HW_F_STIME_SECONDS "stime_seconds"
#define HW_F_NVCSW "nvcsw"
#define HW_F_NIVCSW "nivcsw"

/* A run's output check */
#define HW_F_CHECKSUM "checksum"
#define HW_F_KIND "kind"
#define HW_F_BYTES "bytes"
#define HW_F_BLOCKS "blocks"
#define HW_F_MATCHES_REFERENCE "matches_reference"
#define HW_F_CELLS_DIFFERING "cells_differing"
#define HW_F_MAX_ABS_DIFF "max_abs_diff"

/* A run's throughput */
#define HW_F_OUTPUT_BYTES_PER_SECOND "output_bytes_per_second"
#define HW_F_FRACTION_OF_MEMCPY_WARM "fraction_of_memcpy_warm"
#define HW_F_FRACTION_OF_FIRST_TOUCH_4K "fraction_of_first_touch_4k"

/* A phase (runs[].phases[], and the worker's phase event) */
#define HW_F_START_SECONDS "start_seconds"
#define HW_F_START_ABS "start_abs"
#define HW_F_DEPTH "depth"
#define HW_F_CLOSED_BY_EXIT "closed_by_exit"
#define HW_F_VMHWM_BYTES "vmhwm_bytes"
#define HW_F_RSS_START_BYTES "rss_start_bytes"
#define HW_F_RSS_END_BYTES "rss_end_bytes"
#define HW_F_RSS_ANON_END_BYTES "rss_anon_end_bytes"
#define HW_F_RSS_FILE_END_BYTES "rss_file_end_bytes"
#define HW_F_RSS_SHMEM_END_BYTES "rss_shmem_end_bytes"
#define HW_F_FAULTS_MINOR "faults_minor"
#define HW_F_FAULTS_MAJOR "faults_major"
#define HW_F_ALLOCATOR_GLIBC "allocator_glibc"
#define HW_F_COMMAND_PEAK_RSS_BYTES "command_peak_rss_bytes"
#define HW_F_COMMAND_RSS_START_BYTES "command_rss_start_bytes"
#define HW_F_COMMAND_RSS_END_BYTES "command_rss_end_bytes"

/* The container's view (runs[].container, runs[].phases[].container, timeline.cgroup) */
#define HW_F_CONTAINER "container"
#define HW_F_CONTAINER_ERROR "container_error"
#define HW_F_INTERFACE "interface"
#define HW_F_PEAK_BYTES "peak_bytes"
#define HW_F_PEAK_COVERS "peak_covers"
#define HW_F_CURRENT_END_BYTES "current_end_bytes"
#define HW_F_ANON_END_BYTES "anon_end_bytes"
#define HW_F_FILE_END_BYTES "file_end_bytes"
#define HW_F_DIRTY_END_BYTES "dirty_end_bytes"
#define HW_F_WRITEBACK_END_BYTES "writeback_end_bytes"
#define HW_F_SHMEM_END_BYTES "shmem_end_bytes"
#define HW_F_KERNEL_END_BYTES "kernel_end_bytes"
#define HW_F_LIMIT_SOURCE "limit_source"
#define HW_F_OUTCOME "outcome"
#define HW_F_OOM_KILLS "oom_kills"
#define HW_F_LIMIT_HITS "limit_hits"
#define HW_F_FILE_RECLAIMED_BYTES "file_reclaimed_bytes"
#define HW_F_CGROUP "cgroup"
#define HW_F_CONTAINER_PEAK_BYTES "container_peak_bytes"
#define HW_F_LIMIT_SEARCH "limit_search"
#define HW_F_SURVIVED "survived"
#define HW_F_SMALLEST_SURVIVING_BYTES "smallest_surviving_bytes"
#define HW_F_LARGEST_FAILING_BYTES "largest_failing_bytes"
#define HW_F_STEP_BYTES "step_bytes"
#define HW_F_WALL_RATIO_AT_LIMIT "wall_ratio_at_limit"
#define HW_F_SLOWDOWN_ALLOWED "slowdown_allowed"
#define HW_F_TRIES "tries"
#define HW_F_SMALLEST_LIMIT_BYTES "smallest_limit_bytes"
#define HW_F_BYTES "bytes"

/* A lesson (lessons[]): also kind and label */
#define HW_F_WEIGHT "weight"
#define HW_F_TEXT "text"

/* A summary entry (summary[]): also strategy, label, allocator, allocator_conf, status, reason, peak_rss_bytes, peak_ratio, wall_seconds, peak_phase, the beliefs and the output check's counts */
#define HW_F_OK "ok"
#define HW_F_OUTPUT_CHECK "output_check"
#define HW_F_BUDGET_VERDICT "budget_verdict"
#define HW_F_EXPECT_FACTOR "expect_factor"
#define HW_F_MEDIAN "median"
#define HW_F_MIN "min"
#define HW_F_MAX "max"

/* A merged report (highwater merge): the root's merged block (the shard names are with the
 * root's, above), and a merged run's host (the root's names). */
#define HW_F_INDEX HW_F_SHARD_INDEX
#define HW_F_COUNT HW_F_SHARD_COUNT
#define HW_F_MERGED "merged"
#define HW_F_SHARDS "shards"
#define HW_F_PATH "path"
#define HW_F_JOBS_PRESENT "jobs_present"
#define HW_F_MISSING_SHARDS "missing_shards"
#define HW_F_HARNESS "harness"
/* merged.accounting (report/accounting.h): the scheduler's own peak of each shard's task
 * beside the bounds highwater's figures put on it */
#define HW_F_ACCOUNTING "accounting"
#define HW_F_SOURCE "source"
#define HW_F_INTERVAL_SECONDS "interval_seconds"
#define HW_F_WINDOW_SECONDS "window_seconds"
#define HW_F_TASKS "tasks"
#define HW_F_STATE "state"
#define HW_F_ELAPSED_SECONDS "elapsed_seconds"
#define HW_F_MAX_RSS_BYTES "max_rss_bytes"
#define HW_F_LARGEST_PEAK_BYTES "largest_peak_bytes"
#define HW_F_HELD_BYTES "held_bytes"
#define HW_F_STEP_PEAK_BYTES "step_peak_bytes"
#define HW_F_VERDICT "verdict"
#define HW_F_CONSISTENT "consistent"
#define HW_F_SACCT_JOB_ID "sacct_job_id"

#endif
