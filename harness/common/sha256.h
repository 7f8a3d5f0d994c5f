/* SHA-256 (FIPS 180-4), for the config digest every report carries. */
#ifndef HW_SHA256_H
#define HW_SHA256_H
#include <stddef.h>
#include <stdint.h>

/* hex must hold 65 bytes. */
void hw_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
