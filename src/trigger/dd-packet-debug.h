/* pcapdaemon's packetdebug: a line in the log for each packet an event captures, as a
 * consumer of the merged capture (dd-sink.h), at most DD_PACKET_DEBUG_MAX of them per
 * event (a capture can be large; the log is not the place for it). */
#pragma once

#include "dd-sink.h"

G_BEGIN_DECLS

#define DD_PACKET_DEBUG_MAX 1000

/* The lines start with @event_id. Freed with dd_sink_free (). */
DdSink *dd_packet_debug_new (const char *event_id);

G_END_DECLS
