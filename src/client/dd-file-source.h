/* A capture file: a pull source, read one chunk at a time when the merge has nothing left of it. */
#pragma once

#include "dd-source.h"

G_BEGIN_DECLS

#define DD_TYPE_FILE_SOURCE (dd_file_source_get_type ())
G_DECLARE_FINAL_TYPE (DdFileSource, dd_file_source, DD, FILE_SOURCE, DdSource)

/* The link type of the first interface of the capture file at @path, without merging it. */
gboolean dd_file_source_peek_linktype (const char *path,
                                       guint32    *linktype);

G_END_DECLS
