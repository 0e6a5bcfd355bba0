#include "config.h"

#include "dd-target-result.h"

gboolean
dd_target_result_is_lost (const DdTargetResult *result)
{
  return result->failed && !result->departed && !result->recovered;
}

gboolean
dd_target_result_has_gaps (const DdTargetResult *result)
{
  return result->failed && !result->departed && result->recovered;
}

static void
add_int_member (JsonBuilder *builder,
                const char  *name,
                gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

void
dd_target_result_add_json (const DdTargetResult *result,
                           JsonBuilder          *builder)
{
  json_builder_set_member_name (builder, "target");
  json_builder_add_string_value (builder, result->label);
  add_int_member (builder, "packets", (gint64) result->packets);
  add_int_member (builder, "bytes", (gint64) result->bytes);
  if (result->drops_reported)
    add_int_member (builder, "drops", (gint64) result->drops);
  if (result->error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, result->error->message);
    }
  if (result->clock_known)
    {
      add_int_member (builder, "clock_offset_ns", result->clock.offset_ns);
      add_int_member (builder, "clock_error_ns", result->clock.error_ns);
    }
  else if (result->clock_why != NULL)
    {
      json_builder_set_member_name (builder, "clock_unknown");
      json_builder_add_string_value (builder, result->clock_why);
    }
  if (result->clock_measures > 0)
    {
      add_int_member (builder, "clock_measures", result->clock_measures);
      add_int_member (builder, "clock_latest_offset_ns", result->clock_latest.offset_ns);
      add_int_member (builder, "clock_latest_error_ns", result->clock_latest.error_ns);
      add_int_member (builder, "clock_latest_at_ns", (gint64) result->clock_latest_ns);
    }
  if (result->shift_ns != 0)
    add_int_member (builder, "shift_ns", result->shift_ns);
  if (result->window_known)
    {
      add_int_member (builder, "capture_start_ns", (gint64) result->start_ns);
      add_int_member (builder, "capture_end_ns", (gint64) result->end_ns);
    }
}
