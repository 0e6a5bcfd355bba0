/* A stream on stdin ("-"), a named pipe or a device: read as it comes, never on demand. */
#pragma once

#include "dd-source.h"

G_BEGIN_DECLS

#define DD_TYPE_PIPE_SOURCE (dd_pipe_source_get_type ())
G_DECLARE_FINAL_TYPE (DdPipeSource, dd_pipe_source, DD, PIPE_SOURCE, DdSource)

G_END_DECLS
