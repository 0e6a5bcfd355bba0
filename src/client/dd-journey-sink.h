/* ddump --journey between the merge and its consumers: a sink (dd-sink.h) that holds what
 * the merge writes for the journey's window, so that every copy of a packet can be told
 * what the journey found before it is passed on: the same epb_packetid on each copy, and
 * a comment on each later one ("+0.412 ms after web1/eth0 out") and on the last one when it
 * was lost after it. The packets are copied into chunks of its own, so that holding them
 * does not hold the inputs' memory: the window bounds what it holds, not --memory (a
 * packet passed on with options of the journey's is copied once more, with them). Side
 * blocks wait in the same line, so that the order stays. */
#pragma once

#include "dd-journey.h"
#include "dd-sink.h"

G_BEGIN_DECLS

/* Passes everything on to @next (not owned), @window_ns later in the merge's time. */
DdSink    *dd_journey_sink_new         (DdSink  *next,
                                        guint64  window_ns);
DdJourney *dd_journey_sink_get_journey (DdSink  *sink);
/* Packets and side blocks held now (tests). */
guint      dd_journey_sink_get_held    (DdSink  *sink);

G_END_DECLS
