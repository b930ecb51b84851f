// See include/early_ucode_crypto.h: libcrypto's SHA-256, loaded on first use.
#include "early_ucode_crypto.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

// The soname of OpenSSL 3 (Debian 12: libssl3; 13: libssl3t64).
static const char library[] = "libcrypto.so.3";

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[512];

static __typeof__(&EVP_Digest) digest_fn;
static __typeof__(&ERR_get_error) get_error_fn;
static __typeof__(&ERR_error_string_n) error_string_fn;
// SHA-256, fetched once: EVP_sha256() with EVP_Digest fetches the
// implementation from the provider again on every call (OpenSSL 3).
static EVP_MD *sha256_md;

static void load(void) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load %s: %s", library, why ? why : "unknown error");
        return;
    }
    __typeof__(&OPENSSL_init_crypto) init_fn = (__typeof__(init_fn)) dlsym(handle, "OPENSSL_init_crypto");
    __typeof__(&EVP_MD_fetch) fetch_fn = (__typeof__(fetch_fn)) dlsym(handle, "EVP_MD_fetch");
    digest_fn = (__typeof__(digest_fn)) dlsym(handle, "EVP_Digest");
    get_error_fn = (__typeof__(get_error_fn)) dlsym(handle, "ERR_get_error");
    error_string_fn = (__typeof__(error_string_fn)) dlsym(handle, "ERR_error_string_n");
    if (!init_fn || !fetch_fn || !digest_fn || !get_error_fn || !error_string_fn) {
        snprintf(load_error, sizeof load_error, "%s lacks OPENSSL_init_crypto, EVP_MD_fetch, EVP_Digest or ERR_* (not OpenSSL 3?)", library);
        return;
    }
    // Without openssl.cnf (its engines and providers are not wanted for a
    // digest the built-in default provider has, and reading it was most of
    // libcrypto's start-up here) and without the exit-time cleanup (the
    // process frees everything when it ends anyway).
    if (init_fn(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL) != 1) {
        snprintf(load_error, sizeof load_error, "%s: OPENSSL_init_crypto failed", library);
        return;
    }
    sha256_md = fetch_fn(NULL, "SHA256", NULL);
    if (!sha256_md) {
        snprintf(load_error, sizeof load_error, "%s has no SHA256 in its default provider", library);
        return;
    }
    loaded = 1;
}

int eu_crypto_load(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *eu_crypto_load_error(void) {
    return load_error;
}

int eu_sha256(const void *data, size_t count, unsigned char digest[32]) {
    if (!eu_crypto_load()) return 0;
    // An empty buffer may have no address; libcrypto wants one even for zero bytes.
    static const unsigned char empty = 0;
    unsigned int length = 0;
    int ok = digest_fn(data ? data : &empty, count, digest, &length, sha256_md, NULL);
    return ok == 1 && length == 32;
}

void eu_crypto_error(char *buffer, size_t size) {
    if (size == 0) return;
    buffer[0] = 0;
    if (!eu_crypto_load()) {
        snprintf(buffer, size, "%s", load_error);
        return;
    }
    unsigned long code = get_error_fn();
    if (code) error_string_fn(code, buffer, size);
}
