/* The packet journey as a page (ddump --journey-html=FILE): one self-contained HTML file,
 * no script, nothing fetched: the hops in a table, each hop's delays as a distribution
 * (SVG), and a ladder diagram of a flow's first packets, a column per capture point and an
 * arrow per hop, lost packets marked where they were lost. */
#pragma once

#include <gio/gio.h>

#include "dd-journey.h"

G_BEGIN_DECLS

char     *dd_journey_html_render (DdJourney   *journey);
gboolean  dd_journey_html_write  (DdJourney   *journey,
                                  const char  *path,
                                  GError     **error);

G_END_DECLS
