#ifndef EARLY_UCODE_CLIBCRYPTO_SHIM_H
#define EARLY_UCODE_CLIBCRYPTO_SHIM_H
// OpenSSL's libcrypto (Debian: libssl-dev), for SHA-256 only: see
// Sources/EarlyUcode/Support/SHA256.swift, the one file that imports it.
#include <openssl/evp.h>
#include <openssl/err.h>
#endif
