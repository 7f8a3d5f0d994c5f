/* Kernels built for more than the x86-64 baseline. A function marked HW_CLONES is compiled
 * twice by gcc, for AVX2 and for the baseline (SSE2), and the dynamic loader picks one by the
 * CPU's features (an ifunc): the build stays -O2 without -march, and a binary built on one
 * machine runs on any x86-64. The clones compute the same bits: integer operations and IEEE
 * conversions are exact, and -std=c11 turns off FMA contraction (gcc's -ffp-contract=off in
 * ISO modes), so a*b+c rounds twice in both. clang 14 (the fuzz build) refuses
 * target_clones beside noinline, so it gets the baseline only; so does `make asan`
 * (HW_NO_CLONES), which is how the unit tests check the baseline clone on an AVX2 machine. */
#ifndef HW_SIMD_H
#define HW_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(HW_NO_CLONES)
/* Where clones are built, code with explicit AVX2 intrinsics (convert_x86.c, tiles.c) is
 * built too, and picked at run time by __builtin_cpu_supports. */
#define HW_HAVE_CLONES 1
#define HW_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define HW_CLONES
#endif

#endif
