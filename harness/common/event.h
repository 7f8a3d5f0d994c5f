/* The worker -> parent protocol: one JSON object per line on a pipe. Events: begin (a phase
 * starts), phase (its figures), output (checksum and check), error, done, reference. */
#ifndef HW_EVENT_H
#define HW_EVENT_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Print ev as one line, write it whole, delete ev. 0, or -1 (parent gone: ignored by callers). */
int hw_event_send(int fd, cJSON *ev);

/* The parent reads the lines with the supervisor's line reader (parent/supervisor.h). */

/* u64 values that must stay exact (checksums) travel as 16 hex digits. */
void hw_u64_hex(uint64_t v, char out[17]);
int hw_hex_u64(const char *s, uint64_t *v);

#endif
