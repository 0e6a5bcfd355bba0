/* What the packet journey found, said: a table a person reads (one line per hop: packets
 * matched, lost, not captured, delay quantiles with the error bound, the translation seen),
 * and the same as JSON for a program (ddump --journey=FILE). */
#pragma once

#include <json-glib/json-glib.h>

#include "dd-journey.h"

G_BEGIN_DECLS

/* The table's lines, each ending in a newline. */
char      *dd_journey_report_text (DdJourney *journey);
/* {"window_ns", "packets", "seen_once", "hops": [{"from", "to", "matched", "lost",
 * "not_captured", "delay_ns": {"p50", "p90", "p99", "min", "max"}, "error_ns",
 * "translated", "translation"}]}. */
JsonNode  *dd_journey_report_json (DdJourney *journey);
gboolean   dd_journey_report_write_json (DdJourney   *journey,
                                         const char  *path,
                                         GError     **error);

G_END_DECLS
