#include "config.h"

#include <glib/gi18n.h>
#include <inttypes.h>

#include "dd-journey-report.h"

static void
append_ms (GString *out,
           gint64   ns)
{
  g_string_append_printf (out, " %10.3f", ns / 1e6);
}

char *
dd_journey_report_text (DdJourney *journey)
{
  DdJourneyHops *hops = dd_journey_get_hops (journey);
  GString *out = g_string_new (NULL);
  guint width = 4;

  g_string_append_printf (out, _("journey: %" PRIu64 " packets followed, %" PRIu64 " of them seen at one point "
                                 "only (window %.3f s)\n"),
                          dd_journey_get_followed (journey), dd_journey_get_seen_once (journey),
                          dd_journey_get_window_ns (journey) / 1e9);
  if (dd_journey_hops_count (hops) == 0)
    return g_string_free (out, FALSE);
  for (guint i = 0; i < dd_journey_hops_count (hops); i++)
    {
      const DdJourneyHop *hop = dd_journey_hops_nth (hops, i);

      width = MAX (width, (guint) g_utf8_strlen (dd_journey_point_name (journey, hop->from), -1));
      width = MAX (width, (guint) g_utf8_strlen (dd_journey_point_name (journey, hop->to), -1));
    }
  /* TRANSLATORS: the journey's table: the columns' heads; delays in milliseconds. */
  g_string_append_printf (out, "  %-*s  %-*s %8s %6s %8s %10s %10s %10s %10s %10s\n", width, _("from"), width,
                          _("to"), _("matched"), _("lost"), _("uncaught"), _("p50 ms"), _("p90 ms"), _("p99 ms"),
                          _("max ms"), _("± ms"));
  for (guint i = 0; i < dd_journey_hops_count (hops); i++)
    {
      const DdJourneyHop *hop = dd_journey_hops_nth (hops, i);
      const char *from = dd_journey_point_name (journey, hop->from), *to = dd_journey_point_name (journey, hop->to);

      /* Padded by characters, not bytes: names may be UTF-8. */
      g_string_append_printf (out, "  %s%*s  %s%*s %8" PRIu64 " %6" PRIu64 " %8" PRIu64, from,
                              (int) (width - g_utf8_strlen (from, -1)), "", to, (int) (width - g_utf8_strlen (to, -1)),
                              "", hop->matched, hop->lost, hop->not_captured);
      if (hop->matched > 0)
        {
          append_ms (out, dd_journey_hops_quantile (hops, hop, 0.5));
          append_ms (out, dd_journey_hops_quantile (hops, hop, 0.9));
          append_ms (out, dd_journey_hops_quantile (hops, hop, 0.99));
          append_ms (out, hop->max_ns);
          append_ms (out, (gint64) hop->error_ns);
        }
      g_string_append_c (out, '\n');
    }
  for (guint i = 0; i < dd_journey_hops_count (hops); i++)
    {
      const DdJourneyHop *hop = dd_journey_hops_nth (hops, i);

      if (hop->translation != NULL)
        g_string_append_printf (out, _("journey: %s to %s: addresses translated on %" PRIu64 " packets (%s)\n"),
                                dd_journey_point_name (journey, hop->from), dd_journey_point_name (journey, hop->to),
                                hop->translated, hop->translation);
    }
  return g_string_free (out, FALSE);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

JsonNode *
dd_journey_report_json (DdJourney *journey)
{
  DdJourneyHops *hops = dd_journey_get_hops (journey);
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_int (builder, "window_ns", (gint64) dd_journey_get_window_ns (journey));
  add_int (builder, "packets", (gint64) dd_journey_get_followed (journey));
  add_int (builder, "seen_once", (gint64) dd_journey_get_seen_once (journey));
  json_builder_set_member_name (builder, "hops");
  json_builder_begin_array (builder);
  for (guint i = 0; i < dd_journey_hops_count (hops); i++)
    {
      const DdJourneyHop *hop = dd_journey_hops_nth (hops, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "from");
      json_builder_add_string_value (builder, dd_journey_point_name (journey, hop->from));
      json_builder_set_member_name (builder, "to");
      json_builder_add_string_value (builder, dd_journey_point_name (journey, hop->to));
      add_int (builder, "matched", (gint64) hop->matched);
      add_int (builder, "lost", (gint64) hop->lost);
      add_int (builder, "not_captured", (gint64) hop->not_captured);
      if (hop->matched > 0)
        {
          json_builder_set_member_name (builder, "delay_ns");
          json_builder_begin_object (builder);
          add_int (builder, "p50", dd_journey_hops_quantile (hops, hop, 0.5));
          add_int (builder, "p90", dd_journey_hops_quantile (hops, hop, 0.9));
          add_int (builder, "p99", dd_journey_hops_quantile (hops, hop, 0.99));
          add_int (builder, "min", hop->min_ns);
          add_int (builder, "max", hop->max_ns);
          json_builder_end_object (builder);
        }
      add_int (builder, "error_ns", (gint64) hop->error_ns);
      add_int (builder, "translated", (gint64) hop->translated);
      if (hop->translation != NULL)
        {
          json_builder_set_member_name (builder, "translation");
          json_builder_add_string_value (builder, hop->translation);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

gboolean
dd_journey_report_write_json (DdJourney   *journey,
                              const char  *path,
                              GError     **error)
{
  g_autoptr(JsonNode) root = dd_journey_report_json (journey);
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_file (generator, path, error);
}
