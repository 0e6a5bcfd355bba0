/* What happened to one target of a run, as a plain record: its state, its counters, its
 * worker's clock and capture window, and how its failures ended. The JSON of a run's
 * results (ddump-trigger's, the tests') is written from it. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dd-clock.h"

G_BEGIN_DECLS

typedef enum {
  DD_TARGET_STATE_WAITING,
  DD_TARGET_STATE_CONNECTING,
  DD_TARGET_STATE_LIVE,
  DD_TARGET_STATE_RETRYING,
  DD_TARGET_STATE_ENDED,
  DD_TARGET_STATE_FAILED,
} DdTargetState;

/* One target's counters, valid until the client changes (runs, or is freed). */
typedef struct {
  const char   *label;        /* as in messages; never a password */
  const char   *host;         /* names its interfaces */
  DdTargetState state;
  guint64       packets;      /* received */
  guint64       bytes;
  guint64       drops;        /* reported by the worker */
  gboolean      drops_reported;
  guint64       late;         /* written after a newer packet of another target */
  guint         failures;
  gboolean      failed;       /* its stream failed at least once, and the run went on */
  gboolean      recovered;    /* and it ran again after its last failure */
  gboolean      departed;     /* its name no longer names it: it ended, and is no failure */
  const GError *error;        /* why its stream last failed, or NULL */
  gboolean      clock_known;  /* @clock holds the worker's offset, measured as its stream opened */
  DdClockEstimate clock;
  const char   *clock_why;    /* why the offset is unknown, when a measure failed */
  guint         clock_measures;  /* during the capture; the last one: */
  DdClockEstimate clock_latest;
  guint64       clock_latest_ns; /* when it was taken, in ns of our clock */
  gint64        shift_ns;     /* how far its timestamps were moved (--clock-sync) */
  gboolean      window_known; /* when its capture began and ended, in ns of our clock */
  guint64       start_ns;
  guint64       end_ns;
} DdTargetResult;

/* A target whose capture is missing a part: it failed and never ran again (and did not
 * leave the fleet). */
gboolean dd_target_result_is_lost     (const DdTargetResult *result);
/* A target whose capture has gaps, marked in it: it failed and was reconnected. */
gboolean dd_target_result_has_gaps    (const DdTargetResult *result);

/* Adds @result's members to the JSON object @builder is in: target, packets, bytes, drops
 * (when reported), error (when it failed), and the worker's clock: clock_offset_ns and
 * clock_error_ns (the bound) when measured, clock_unknown (why) when a measure failed,
 * clock_measures, clock_latest_offset_ns, clock_latest_error_ns and clock_latest_at_ns
 * when it was measured again during the capture, shift_ns when its timestamps were
 * shifted, capture_start_ns and capture_end_ns when its window is known. */
void     dd_target_result_add_json    (const DdTargetResult *result,
                                       JsonBuilder          *builder);

G_END_DECLS
