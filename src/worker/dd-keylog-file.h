/* One TLS key log file followed as it grows (NSS's SSLKEYLOGFILE format, a line per
 * secret): the whole file the first time it is read, then what was appended since. A file
 * that is replaced or truncated is read again from its start; one that does not exist yet
 * has nothing to read. Only whole lines are taken: a line being written waits. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DdKeylogFile DdKeylogFile;

DdKeylogFile *dd_keylog_file_new      (const char   *path);
void          dd_keylog_file_free     (DdKeylogFile *self);

/* The longest line a key log has (NSS's lines are under 300 bytes). */
#define DD_KEYLOG_LINE_MAX 1024

/* Appends to @lines the whole lines written since the last read, at most @max bytes of
 * them (the rest waits for the next read); a line longer than @max is passed over (so
 * give at least DD_KEYLOG_LINE_MAX). FALSE with @error (G_IO_ERROR) when the file is
 * there and cannot be read; then again only once it was read in between. */
gboolean      dd_keylog_file_read     (DdKeylogFile *self,
                                       GString      *lines,
                                       gsize         max,
                                       GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdKeylogFile, dd_keylog_file_free)

G_END_DECLS
