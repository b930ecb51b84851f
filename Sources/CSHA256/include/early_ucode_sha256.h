#ifndef EARLY_UCODE_SHA256_H
#define EARLY_UCODE_SHA256_H
// SHA-256's compression function, in plain C and with the x86 SHA
// extensions (SHA-NI: Intel since Goldmont and Ice Lake, AMD since Zen),
// for Support/SHA256.swift, which does the padding.
#include <stddef.h>
#include <stdint.h>

/// Runs the compression function over `blocks` 64-byte blocks at `data`,
/// updating `state` (H0..H7), in plain C.
void eu_sha256_portable_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// 1 when this CPU has the SHA extensions (and SSSE3, SSE4.1, which the
/// code also uses), else 0. CPUID is asked once.
int eu_sha256_hardware(void);

/// The same on the SHA extensions; only when eu_sha256_hardware() is 1.
void eu_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
