/* Which kind of source reads a target: a worker's HTTP stream, a PCAP-over-IP stream, a
 * regular file (read on demand), or stdin, a named pipe or a device (read as it comes). */
#pragma once

#include "dd-source.h"

G_BEGIN_DECLS

/* The source for @target (taken), of the kind it names. */
DdSource *dd_source_new_for_target (DdTarget                *target,
                                    const DdSourceContext   *context,
                                    const DdSourceCallbacks *callbacks,
                                    gpointer                 user_data);

G_END_DECLS
