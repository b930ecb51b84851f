#ifndef EARLY_UCODE_CRYPTO_H
#define EARLY_UCODE_CRYPTO_H
// libcrypto (OpenSSL 3), for SHA-256 only, loaded when first needed
// (dlopen of libcrypto.so.3) instead of at start-up: most commands never
// compute a digest. See Sources/EarlyUcode/Support/SHA256.swift.
#include <stddef.h>

/// 1 when libcrypto is loaded (the first call loads it); 0 otherwise, and
/// eu_crypto_load_error() says why.
int eu_crypto_load(void);
const char *eu_crypto_load_error(void);

/// SHA-256 of `data`: 1 on success (32 bytes in `digest`), 0 on failure.
int eu_sha256(const void *data, size_t count, unsigned char digest[32]);

/// libcrypto's error queue, as text ("" when empty).
void eu_crypto_error(char *buffer, size_t size);

#endif
