#ifndef EARLY_UCODE_ARCHIVE_H
#define EARLY_UCODE_ARCHIVE_H
// libarchive, loaded when first needed (dlopen of libarchive.so.13)
// instead of at start-up: it brings libxml2, ICU and eight compression
// libraries, whose loading and relocation cost every command about a
// millisecond, though only build, rebuild and the image readers use it.
// Each eu_archive_* function is the libarchive function of the same name.
#include <archive.h>
#include <archive_entry.h>

/// 1 when libarchive is loaded with every function used (the first call
/// loads it); 0 otherwise, and eu_archive_load_error() says why.
int eu_archive_load(void);
const char *eu_archive_load_error(void);

#define EU_ARCHIVE_FUNCTIONS(X) \
    X(struct archive *, archive_write_new, (void), ()) \
    X(int, archive_write_free, (struct archive *a), (a)) \
    X(int, archive_write_set_format_cpio_newc, (struct archive *a), (a)) \
    X(int, archive_write_add_filter_none, (struct archive *a), (a)) \
    X(int, archive_write_set_bytes_per_block, (struct archive *a, int n), (a, n)) \
    X(int, archive_write_open2, (struct archive *a, void *c, archive_open_callback *o, archive_write_callback *w, archive_close_callback *cl, archive_free_callback *f), (a, c, o, w, cl, f)) \
    X(int, archive_write_header, (struct archive *a, struct archive_entry *e), (a, e)) \
    X(la_ssize_t, archive_write_data, (struct archive *a, const void *b, size_t n), (a, b, n)) \
    X(int, archive_write_close, (struct archive *a), (a)) \
    X(const char *, archive_error_string, (struct archive *a), (a)) \
    X(struct archive *, archive_read_new, (void), ()) \
    X(int, archive_read_free, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_all, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_gzip, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_bzip2, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_lzma, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_xz, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_lzop, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_lz4, (struct archive *a), (a)) \
    X(int, archive_read_support_filter_zstd, (struct archive *a), (a)) \
    X(int, archive_read_support_format_cpio, (struct archive *a), (a)) \
    X(int, archive_read_support_format_raw, (struct archive *a), (a)) \
    X(int, archive_read_open, (struct archive *a, void *c, archive_open_callback *o, archive_read_callback *r, archive_close_callback *cl), (a, c, o, r, cl)) \
    X(int, archive_read_open_memory, (struct archive *a, const void *b, size_t n), (a, b, n)) \
    X(int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e)) \
    X(la_ssize_t, archive_read_data, (struct archive *a, void *b, size_t n), (a, b, n)) \
    X(int, archive_filter_count, (struct archive *a), (a)) \
    X(struct archive_entry *, archive_entry_new, (void), ()) \
    X(void, archive_entry_free, (struct archive_entry *e), (e)) \
    X(void, archive_entry_set_pathname, (struct archive_entry *e, const char *p), (e, p)) \
    X(void, archive_entry_set_mode, (struct archive_entry *e, __LA_MODE_T m), (e, m)) \
    X(void, archive_entry_set_ino, (struct archive_entry *e, la_int64_t i), (e, i)) \
    X(void, archive_entry_set_nlink, (struct archive_entry *e, unsigned int n), (e, n)) \
    X(void, archive_entry_set_uid, (struct archive_entry *e, la_int64_t u), (e, u)) \
    X(void, archive_entry_set_gid, (struct archive_entry *e, la_int64_t g), (e, g)) \
    X(void, archive_entry_set_dev, (struct archive_entry *e, dev_t d), (e, d)) \
    X(void, archive_entry_set_rdev, (struct archive_entry *e, dev_t d), (e, d)) \
    X(void, archive_entry_set_mtime, (struct archive_entry *e, time_t t, long n), (e, t, n)) \
    X(void, archive_entry_set_size, (struct archive_entry *e, la_int64_t s), (e, s)) \
    X(const char *, archive_entry_pathname, (struct archive_entry *e), (e)) \
    X(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), (e))

#define EU_ARCHIVE_DECLARE(ret, name, params, args) ret eu_##name params;
EU_ARCHIVE_FUNCTIONS(EU_ARCHIVE_DECLARE)
#undef EU_ARCHIVE_DECLARE

#endif
