/* A thread that receives: its own main context, in which the workers' streams are opened
 * and read, so that the kernel's receive path, TLS and HTTP framing run on another core
 * than the merge. What it reads reaches the merging thread through DdPrefetchStream.
 *
 * Work in the thread registers its GCancellable while it runs (dd_receiver_hold ()):
 * dd_receiver_free () cancels all of it, waits until every piece has let go, runs @on_exit
 * in the thread and joins it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _DdReceiver DdReceiver;

DdReceiver   *dd_receiver_new         (const char     *name);
/* @on_exit (nullable) runs in the thread once nothing holds it, before the thread ends. */
void          dd_receiver_free        (DdReceiver     *self,
                                       GDestroyNotify  on_exit,
                                       gpointer        data);
GMainContext *dd_receiver_get_context (DdReceiver     *self);
/* Runs @func in the thread (once, whatever it returns), then @notify. */
void          dd_receiver_invoke      (DdReceiver     *self,
                                       GSourceFunc     func,
                                       gpointer        data,
                                       GDestroyNotify  notify);
/* In the thread: work that the end must cancel and wait for. */
void          dd_receiver_hold        (DdReceiver     *self,
                                       GCancellable   *cancellable);
void          dd_receiver_release     (DdReceiver     *self,
                                       GCancellable   *cancellable);

G_END_DECLS
