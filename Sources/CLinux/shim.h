// Linux calls that glibc declares only under _GNU_SOURCE, which Swift's
// Glibc module is built without: declared here as glibc declares them
// (<unistd.h>, glibc 2.27 and later; Debian 12 has 2.36).
#include <sys/types.h>

ssize_t copy_file_range(int infd, off_t *pinoff, int outfd, off_t *poutoff, size_t length, unsigned int flags);
