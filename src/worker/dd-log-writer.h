/* A GLib log writer for --log-fields: to the journal when stderr is the journal, as
 * GLib's default writer does; otherwise the usual line on stderr followed by the entry's
 * own structured fields (DDUMP_*), as KEY="value", so that a log collector without the
 * journal (a container runtime, a file) keeps the audit trail's fields. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

GLogWriterOutput dd_log_writer_fields (GLogLevelFlags   level,
                                       const GLogField *fields,
                                       gsize            n_fields,
                                       gpointer         user_data);

G_END_DECLS
