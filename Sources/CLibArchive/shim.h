#ifndef EARLY_UCODE_CLIBARCHIVE_SHIM_H
#define EARLY_UCODE_CLIBARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
