/* One target through a run: it owns the target's source, opens it again after a failure
 * with a doubling backoff (--reconnect), marks in the capture the gap that leaves, warns
 * when the worker's clock is further off than --max-skew, and lets it leave and come back
 * as discovery says. The client hears only what it acts on: the target answered, there is
 * something to merge, a target that never answered makes the run fail. */
#pragma once

#include <glib.h>

#include "dd-client.h"
#include "dd-source.h"
#include "dd-target-result.h"

G_BEGIN_DECLS

typedef struct _DdSupervisor DdSupervisor;

typedef struct {
  guint    max_skew_ms;  /* > 0 */
  gboolean clock_sync;   /* for the message: are its timestamps corrected */
  gboolean reconnect;    /* a failed stream is opened again */
  gboolean keep_going;   /* a target that never answered is not the run's failure */
} DdSupervisorPolicy;

typedef struct {
  /* It answered: its stream opened (again), or failed. */
  void (*answered) (DdSupervisor *supervisor, gpointer user_data);
  /* Packets or watermarks were pushed, or the stream ended: time to merge. */
  void (*data)    (DdSupervisor *supervisor, gpointer user_data);
  /* It failed before its stream ever opened and keep_going is off: the run fails. */
  void (*give_up) (DdSupervisor *supervisor, const GError *error, gpointer user_data);
  /* Its source's clock was measured: as its stream opened, or again during the capture
   * (nullable). */
  void (*clock)   (DdSupervisor *supervisor, gpointer user_data);
} DdSupervisorCallbacks;

/* Takes @target; @policy and @callbacks must outlive it. What the user should know goes
 * to @message_func (nullable). */
DdSupervisor *dd_supervisor_new        (DdTarget                    *target,
                                        const DdSupervisorPolicy    *policy,
                                        const DdSupervisorCallbacks *callbacks,
                                        gpointer                     user_data,
                                        DdClientMessageFunc          message_func,
                                        gpointer                     message_data);
/* Cancels what its source has in flight: nothing of it runs after this. */
void          dd_supervisor_free       (DdSupervisor *self);

/* Its target: until dd_supervisor_open (), its own; then its source's. */
DdTarget     *dd_supervisor_get_target (DdSupervisor *self);
/* Makes its source, in the run's @context; once. */
DdSource     *dd_supervisor_open       (DdSupervisor          *self,
                                        const DdSourceContext *context);
DdSource     *dd_supervisor_get_source (DdSupervisor *self);

void          dd_supervisor_start      (DdSupervisor *self);
/* The run is over: no retry, the source stopped, nothing more is said. */
void          dd_supervisor_stop       (DdSupervisor *self);
/* Ended or failed, and not to be opened again. */
gboolean      dd_supervisor_is_done    (DdSupervisor *self);

/* Discovery no longer names it: @note goes into the capture, and its stream ends as no
 * failure. */
void          dd_supervisor_depart     (DdSupervisor *self,
                                        const char   *note);
gboolean      dd_supervisor_has_departed (DdSupervisor *self);
/* Named again after it departed: opened again. */
void          dd_supervisor_come_back  (DdSupervisor *self);

/* ddump --follow: its worker captures with @clause ANDed to the target's filter. Before
 * dd_supervisor_open (), the source opens with it; after, a second capture opens with it
 * and, once it runs, the first hands over to it at the time the worker says the second
 * holds every packet from (X-Ddump-Capture-Ready): the packets before it from the first,
 * those after from the second, none in neither or both. @note (nullable) goes into the
 * capture, on the worker's interfaces, when the handover is done. A clause asked for
 * again, or while a handover runs, waits for it. */
void          dd_supervisor_follow     (DdSupervisor *self,
                                        const char   *clause,
                                        const char   *note);
void          dd_supervisor_get_result (DdSupervisor   *self,
                                        DdTargetResult *result);

G_END_DECLS
