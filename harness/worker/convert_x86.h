/* convert.c's half-output blocks with AVX2 and F16C (convert_x86.c): 64 rows of a source
 * into binary16 bits, bit j of w the validity of row j, non-finite and null rows the fill.
 * Built only where common/simd.h builds clones (gcc on x86-64, not under HW_NO_CLONES, so
 * `make asan` checks the baseline), and called only when hw_x86_has_f16c(). */
#ifndef HW_CONVERT_X86_H
#define HW_CONVERT_X86_H
#include "simd.h"
#include <stdbool.h>
#include <stdint.h>

#ifdef HW_HAVE_CLONES
#define HW_CONVERT_X86 1
void hw_x86_half_f64(const double *restrict src, uint64_t w, uint16_t fill,
                     uint16_t *restrict dst);
void hw_x86_half_f32(const float *restrict src, uint64_t w, uint16_t fill,
                     uint16_t *restrict dst);
void hw_x86_half_i64(const int64_t *restrict src, uint64_t w, uint16_t fill,
                     uint16_t *restrict dst);
void hw_x86_half_i32(const int32_t *restrict src, uint64_t w, uint16_t fill,
                     uint16_t *restrict dst);
void hw_x86_half_i16(const int16_t *restrict src, uint64_t w, uint16_t fill,
                     uint16_t *restrict dst);
void hw_x86_half_i8(const int8_t *restrict src, uint64_t w, uint16_t fill,
                     uint16_t *restrict dst);
/* int64 into f64/f32 like the half blocks, when every value of the 64 is in [-2^51, 2^51)
 * (true); otherwise nothing is written (false) and the caller converts the block itself. */
bool hw_x86_i64_f64(const int64_t *restrict src, uint64_t w, double fill, double *restrict dst);
bool hw_x86_i64_f32(const int64_t *restrict src, uint64_t w, float fill, float *restrict dst);
#endif

/* The CPU has AVX2 and F16C (false where the blocks are not built). */
bool hw_x86_has_f16c(void);

#endif
