#include "config.h"

#include "dd-receiver.h"

struct _DdReceiver {
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  /* Thread side only. */
  GPtrArray    *held;      /* of GCancellable */
  gboolean      quitting;
  GDestroyNotify on_exit;
  gpointer      on_exit_data;
};

static gpointer
thread_func (gpointer user_data)
{
  DdReceiver *self = user_data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  if (self->on_exit != NULL)
    self->on_exit (self->on_exit_data);
  /* What the cancelled work left behind (closing connections) finishes now. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

DdReceiver *
dd_receiver_new (const char *name)
{
  DdReceiver *self = g_new0 (DdReceiver, 1);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  self->thread = g_thread_new (name, thread_func, self);
  return self;
}

static void
maybe_quit (DdReceiver *self)
{
  if (self->quitting && self->held->len == 0)
    g_main_loop_quit (self->loop);
}

static gboolean
shutdown_cb (gpointer user_data)
{
  DdReceiver *self = user_data;
  g_autoptr(GPtrArray) held = g_ptr_array_copy (self->held, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  self->quitting = TRUE;
  g_ptr_array_set_free_func (held, g_object_unref);
  for (guint i = 0; i < held->len; i++)
    g_cancellable_cancel (held->pdata[i]);
  maybe_quit (self);
  return G_SOURCE_REMOVE;
}

void
dd_receiver_free (DdReceiver     *self,
                  GDestroyNotify  on_exit,
                  gpointer        data)
{
  if (self == NULL)
    return;
  self->on_exit = on_exit;
  self->on_exit_data = data;
  dd_receiver_invoke (self, shutdown_cb, self, NULL);
  g_thread_join (self->thread);
  g_ptr_array_unref (self->held);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_free (self);
}

GMainContext *
dd_receiver_get_context (DdReceiver *self)
{
  return self->context;
}

void
dd_receiver_invoke (DdReceiver     *self,
                    GSourceFunc     func,
                    gpointer        data,
                    GDestroyNotify  notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[ddump] receiver invoke");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

void
dd_receiver_hold (DdReceiver   *self,
                  GCancellable *cancellable)
{
  g_assert (g_main_context_is_owner (self->context));
  g_ptr_array_add (self->held, g_object_ref (cancellable));
  if (self->quitting)
    g_cancellable_cancel (cancellable);
}

void
dd_receiver_release (DdReceiver   *self,
                     GCancellable *cancellable)
{
  g_assert (g_main_context_is_owner (self->context));
  g_ptr_array_remove (self->held, cancellable);
  maybe_quit (self);
}
