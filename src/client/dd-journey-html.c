#include "config.h"

#include <inttypes.h>

#include "dd-journey-html.h"

/* The distribution of a hop's delays: its quantiles, every percent. */
#define PLOT_W 440
#define PLOT_H 150
#define PLOT_MARGIN 40
/* The ladder: a column per point, a row per packet. */
#define COLUMN_W 170
#define ROW_H 26
#define LADDER_TOP 60

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append (out, escaped);
}

static void
append_ms (GString *out,
           gint64   ns)
{
  g_string_append_printf (out, "%.3f", ns / 1e6);
}

static void
hops_table (GString   *out,
            DdJourney *journey)
{
  DdJourneyHops *hops = dd_journey_get_hops (journey);

  g_string_append (out, "<table id=\"hops\">\n<tr><th>from</th><th>to</th><th>matched</th><th>lost</th>"
                        "<th>not captured</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>max ms</th>"
                        "<th>± ms</th><th>translation</th></tr>\n");
  for (guint i = 0; i < dd_journey_hops_count (hops); i++)
    {
      const DdJourneyHop *hop = dd_journey_hops_nth (hops, i);

      g_string_append (out, "<tr class=\"hop\"><td>");
      append_escaped (out, dd_journey_point_name (journey, hop->from));
      g_string_append (out, "</td><td>");
      append_escaped (out, dd_journey_point_name (journey, hop->to));
      g_string_append_printf (out, "</td><td>%" PRIu64 "</td><td class=\"%s\">%" PRIu64 "</td><td>%" PRIu64 "</td>",
                              hop->matched, hop->lost > 0 ? "lost" : "", hop->lost, hop->not_captured);
      if (hop->matched > 0)
        {
          const gdouble qs[] = { 0.5, 0.9, 0.99 };

          for (guint q = 0; q < G_N_ELEMENTS (qs); q++)
            {
              g_string_append (out, "<td>");
              append_ms (out, dd_journey_hops_quantile (hops, hop, qs[q]));
              g_string_append (out, "</td>");
            }
          g_string_append (out, "<td>");
          append_ms (out, hop->max_ns);
          g_string_append (out, "</td><td>");
          append_ms (out, (gint64) hop->error_ns);
          g_string_append (out, "</td>");
        }
      else
        g_string_append (out, "<td></td><td></td><td></td><td></td><td></td>");
      g_string_append (out, "<td>");
      if (hop->translation != NULL)
        append_escaped (out, hop->translation);
      g_string_append (out, "</td></tr>\n");
    }
  g_string_append (out, "</table>\n");
}

/* One hop's delays: the share of packets (up) that took at most a delay (across). */
static void
delay_plot (GString            *out,
            DdJourney          *journey,
            const DdJourneyHop *hop)
{
  DdJourneyHops *hops = dd_journey_get_hops (journey);
  gint64 lo = hop->min_ns, hi = MAX (hop->max_ns, hop->min_ns + 1);

  g_string_append (out, "<figure class=\"delay\"><figcaption>");
  append_escaped (out, dd_journey_point_name (journey, hop->from));
  g_string_append (out, " → ");
  append_escaped (out, dd_journey_point_name (journey, hop->to));
  g_string_append_printf (out, " (%" PRIu64 " packets)</figcaption>\n<svg width=\"%d\" height=\"%d\" role=\"img\">",
                          hop->matched, PLOT_W + 2 * PLOT_MARGIN, PLOT_H + 2 * PLOT_MARGIN);
  g_string_append_printf (out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"frame\"/>", PLOT_MARGIN,
                          PLOT_MARGIN, PLOT_W, PLOT_H);
  g_string_append (out, "<polyline class=\"cdf\" points=\"");
  for (guint i = 0; i <= 100; i++)
    {
      gint64 v = dd_journey_hops_quantile (hops, hop, i / 100.0);
      double x = PLOT_MARGIN + (double) (v - lo) / (double) (hi - lo) * PLOT_W;
      double y = PLOT_MARGIN + PLOT_H - i / 100.0 * PLOT_H;

      g_string_append_printf (out, "%.1f,%.1f ", x, y);
    }
  g_string_append (out, "\"/>");
  /* The axes: the smallest and largest delays, none and all of the packets. */
  g_string_append_printf (out, "<text x=\"%d\" y=\"%d\" class=\"axis\">", PLOT_MARGIN, PLOT_MARGIN + PLOT_H + 16);
  append_ms (out, lo);
  g_string_append_printf (out, " ms</text><text x=\"%d\" y=\"%d\" class=\"axis end\">", PLOT_MARGIN + PLOT_W,
                          PLOT_MARGIN + PLOT_H + 16);
  append_ms (out, hi);
  g_string_append_printf (out, " ms</text><text x=\"%d\" y=\"%d\" class=\"axis end\">100%%</text>"
                               "<text x=\"%d\" y=\"%d\" class=\"axis end\">0%%</text>",
                          PLOT_MARGIN - 4, PLOT_MARGIN + 4, PLOT_MARGIN - 4, PLOT_MARGIN + PLOT_H);
  g_string_append (out, "</svg></figure>\n");
}

/* The sampled flow's packets: a column per point they were seen at (in the order of
 * their first packet's path), a row per packet, an arrow per hop sloped by its delay. */
static void
ladder (GString   *out,
        DdJourney *journey)
{
  guint n, n_columns = 0;
  const DdJourneySample *samples = dd_journey_get_samples (journey, &n);
  g_autofree gint *column = g_new (gint, dd_journey_get_n_points (journey) + 1);
  g_autofree guint32 *points = g_new (guint32, dd_journey_get_n_points (journey) + 1);
  gint64 longest = 1;
  int width, height;

  if (n == 0)
    {
      g_string_append (out, "<p>No packet was seen at two points.</p>\n");
      return;
    }
  for (guint i = 0; i < dd_journey_get_n_points (journey); i++)
    column[i] = -1;
  for (guint i = 0; i < n; i++)
    for (guint c = 0; c < samples[i].copies + (samples[i].verdict == DD_JOURNEY_LOST ||
                                               samples[i].verdict == DD_JOURNEY_NOT_CAPTURED); c++)
      {
        guint32 p = c < samples[i].copies ? samples[i].point[c] : samples[i].next;

        if (column[p] < 0)
          {
            column[p] = (gint) n_columns;
            points[n_columns++] = p;
          }
        if (c > 0 && c < samples[i].copies)
          longest = MAX (longest, samples[i].ts[c] - samples[i].ts[0]);
      }
  width = (int) n_columns * COLUMN_W;
  height = LADDER_TOP + (int) n * ROW_H + 20;
  g_string_append_printf (out, "<svg id=\"ladder\" width=\"%d\" height=\"%d\" role=\"img\">\n", width, height);
  for (guint c = 0; c < n_columns; c++)
    {
      int x = (int) c * COLUMN_W + COLUMN_W / 2;

      g_string_append_printf (out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"point\"/>"
                                   "<text x=\"%d\" y=\"%d\" class=\"point\">", x, LADDER_TOP - 10, x, height - 10, x,
                              LADDER_TOP - 20);
      append_escaped (out, dd_journey_point_name (journey, points[c]));
      g_string_append (out, "</text>\n");
    }
  for (guint i = 0; i < n; i++)
    {
      const DdJourneySample *s = &samples[i];
      int y0 = LADDER_TOP + (int) i * ROW_H;
      gboolean lost = s->verdict == DD_JOURNEY_LOST, uncaught = s->verdict == DD_JOURNEY_NOT_CAPTURED;

      g_string_append_printf (out, "<g class=\"packet%s\" data-id=\"%" G_GUINT64_FORMAT "\">",
                              lost ? " lost" : uncaught ? " uncaught" : "", s->packet_id);
      for (guint c = 1; c < s->copies; c++)
        {
          int x1 = column[s->point[c - 1]] * COLUMN_W + COLUMN_W / 2, x2 = column[s->point[c]] * COLUMN_W + COLUMN_W / 2;
          double y1 = y0 + (double) (s->ts[c - 1] - s->ts[0]) / (double) longest * (ROW_H - 8);
          double y2 = y0 + (double) (s->ts[c] - s->ts[0]) / (double) longest * (ROW_H - 8);

          g_string_append_printf (out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"hop\">"
                                       "<title>packet %" G_GUINT64_FORMAT ": %+.3f ms</title></line>",
                                  x1, y1, x2, y2, s->packet_id, (s->ts[c] - s->ts[c - 1]) / 1e6);
        }
      if (lost || uncaught)
        {
          /* Half way to where it did not arrive, and a cross there. */
          int x1 = column[s->point[s->copies - 1]] * COLUMN_W + COLUMN_W / 2;
          int x2 = column[s->next] * COLUMN_W + COLUMN_W / 2;
          int xm = (x1 + x2) / 2;
          double y = y0 + (double) (s->ts[s->copies - 1] - s->ts[0]) / (double) longest * (ROW_H - 8);

          g_string_append_printf (out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"%s\"/>"
                                       "<text x=\"%d\" y=\"%.1f\" class=\"%s\">✗<title>packet %" G_GUINT64_FORMAT
                                       ": %s</title></text>",
                                  x1, y, xm, y, lost ? "lost" : "uncaught", xm, y + 5, lost ? "mark lost" : "mark uncaught",
                                  s->packet_id, lost ? "lost here" : "not captured further");
        }
      g_string_append_printf (out, "<text x=\"4\" y=\"%d\" class=\"id\">%" G_GUINT64_FORMAT "</text></g>\n",
                              y0 + 4, s->packet_id);
    }
  g_string_append (out, "</svg>\n");
}

char *
dd_journey_html_render (DdJourney *journey)
{
  DdJourneyHops *hops = dd_journey_get_hops (journey);
  GString *out = g_string_new (NULL);
  guint n;

  dd_journey_get_samples (journey, &n);
  g_string_append (out,
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>ddump: the packet journey</title>\n<style>\n"
    "body { font: 14px sans-serif; margin: 2em; color: #222; }\n"
    "table { border-collapse: collapse; }\n"
    "th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }\n"
    "td:nth-child(1), td:nth-child(2), td:last-child { text-align: left; }\n"
    "td.lost { color: #c00; font-weight: bold; }\n"
    "figure.delay { display: inline-block; margin: 1em; }\n"
    "rect.frame { fill: #fafafa; stroke: #999; }\n"
    "polyline.cdf { fill: none; stroke: #1565c0; stroke-width: 2; }\n"
    "text.axis { font-size: 11px; fill: #555; } text.end { text-anchor: end; }\n"
    "line.point { stroke: #bbb; stroke-dasharray: 3 3; }\n"
    "text.point { font-size: 12px; text-anchor: middle; font-weight: bold; }\n"
    "line.hop { stroke: #2e7d32; stroke-width: 1.5; }\n"
    "line.lost { stroke: #c00; stroke-width: 1.5; stroke-dasharray: 4 2; }\n"
    "line.uncaught { stroke: #999; stroke-width: 1.5; stroke-dasharray: 4 2; }\n"
    "text.mark { font-size: 14px; text-anchor: middle; } text.lost { fill: #c00; } text.uncaught { fill: #999; }\n"
    "text.id { font-size: 10px; fill: #777; }\n"
    "</style>\n</head>\n<body>\n<h1>The packet journey</h1>\n");
  g_string_append_printf (out, "<p class=\"summary\">%" PRIu64 " packets followed, %" PRIu64 " of them seen at one point "
                               "only; their copies awaited %.3f s after the first.</p>\n",
                          dd_journey_get_followed (journey), dd_journey_get_seen_once (journey),
                          dd_journey_get_window_ns (journey) / 1e9);
  g_string_append (out, "<h2>Hops</h2>\n");
  hops_table (out, journey);
  g_string_append (out, "<h2>Delays</h2>\n<p>Each hop's packets (up) that took at most a delay (across).</p>\n");
  for (guint i = 0; i < dd_journey_hops_count (hops); i++)
    if (dd_journey_hops_nth (hops, i)->matched > 0)
      delay_plot (out, journey, dd_journey_hops_nth (hops, i));
  g_string_append_printf (out, "<h2>A flow</h2>\n<p>The first %u packets of the first flow seen at two points, "
                               "each from its first point to its last; ✗ where one was lost "
                               "(red) or not captured further (grey).</p>\n", n);
  ladder (out, journey);
  g_string_append (out, "</body>\n</html>\n");
  return g_string_free (out, FALSE);
}

gboolean
dd_journey_html_write (DdJourney   *journey,
                       const char  *path,
                       GError     **error)
{
  g_autofree char *page = dd_journey_html_render (journey);

  return g_file_set_contents (path, page, -1, error);
}
