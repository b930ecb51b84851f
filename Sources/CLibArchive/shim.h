// libarchive (libarchive-dev): the cpio writer and reader, and the filters
// that decompress initrds and kernels. The release binary links it
// statically (scripts/lib.sh release_build), the tests dynamically.
#include <archive.h>
#include <archive_entry.h>
