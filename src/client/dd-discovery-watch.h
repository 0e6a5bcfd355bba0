/* A dns:// or dns+srv:// target looked up again during the run (--reconnect): a worker
 * it names for the first time joins the capture, one it no longer names leaves it (a note
 * in the capture; no failure), one named again comes back. A name that names nothing for
 * a while is not a fleet that left: what it had is kept. */
#pragma once

#include <gio/gio.h>

#include "dd-supervisor.h"

G_BEGIN_DECLS

typedef struct _DdDiscoveryWatch DdDiscoveryWatch;

typedef struct {
  /* A worker at @url, named for the first time: the client's supervisor for it, its
   * source made and not started, or NULL (said why) when @url cannot be used. */
  DdSupervisor *(*join)    (const char *url, guint number, gpointer user_data);
  /* Workers left or came back: time to merge. */
  void          (*changed) (gpointer user_data);
} DdDiscoveryWatchCallbacks;

/* @number is the target's place on the command line, for messages, which go to
 * @message_func (nullable). */
DdDiscoveryWatch *dd_discovery_watch_new   (GResolver                       *resolver,
                                            const char                      *spec,
                                            guint                            number,
                                            const DdDiscoveryWatchCallbacks *callbacks,
                                            gpointer                         user_data,
                                            DdClientMessageFunc              message_func,
                                            gpointer                         message_data);
void              dd_discovery_watch_free  (DdDiscoveryWatch *self);

/* @supervisor (not owned) is the worker @url that the first lookup found. */
void              dd_discovery_watch_add   (DdDiscoveryWatch *self,
                                            const char       *url,
                                            DdSupervisor     *supervisor);
/* Looks again every @interval_s until dd_discovery_watch_stop (). */
void              dd_discovery_watch_start (DdDiscoveryWatch *self,
                                            guint             interval_s);
/* Nothing of it runs after this, not even a lookup in flight. */
void              dd_discovery_watch_stop  (DdDiscoveryWatch *self);

G_END_DECLS
