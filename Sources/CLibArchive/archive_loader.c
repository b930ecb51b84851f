// See include/early_ucode_archive.h: libarchive, loaded on first use.
#include "early_ucode_archive.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

// The soname Debian 12 (libarchive13) and 13 (libarchive13t64) both ship.
static const char library[] = "libarchive.so.13";

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[512];

#define EU_ARCHIVE_POINTER(ret, name, params, args) static ret (*name##_fn) params;
EU_ARCHIVE_FUNCTIONS(EU_ARCHIVE_POINTER)
#undef EU_ARCHIVE_POINTER

static void load(void) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load %s: %s", library, why ? why : "unknown error");
        return;
    }
    // Every function is resolved now, so a missing one is this error, never
    // a call through a null pointer later.
#define EU_ARCHIVE_RESOLVE(ret, name, params, args) \
    name##_fn = (ret (*) params) dlsym(handle, #name); \
    if (!name##_fn) { \
        snprintf(load_error, sizeof load_error, "%s has no %s (libarchive too old?)", library, #name); \
        return; \
    }
    EU_ARCHIVE_FUNCTIONS(EU_ARCHIVE_RESOLVE)
#undef EU_ARCHIVE_RESOLVE
    loaded = 1;
}

int eu_archive_load(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *eu_archive_load_error(void) {
    return load_error;
}

#define EU_ARCHIVE_DEFINE(ret, name, params, args) ret eu_##name params { return name##_fn args; }
EU_ARCHIVE_FUNCTIONS(EU_ARCHIVE_DEFINE)
#undef EU_ARCHIVE_DEFINE
