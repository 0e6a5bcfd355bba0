#include "config.h"

#include <glib/gi18n.h>

#include "dd-format.h"
#include "dd-http-source.h"
#include "dd-names.h"
#include "dd-output-map.h"
#include "dd-prefetch-stream.h"

struct _DdHttpSource {
  DdSource      parent_instance;

  /* Measuring the worker's clock again during its capture. */
  guint         clock_id;
  GCancellable *clock_cancellable;  /* of the measure in flight */
  gboolean      named;              /* its addresses' names were asked for */
};

G_DEFINE_FINAL_TYPE (DdHttpSource, dd_http_source, DD_TYPE_SOURCE)

/* Exchanges with GET /clock for one offset estimate: NTP keeps the best of 8. */
#define CLOCK_EXCHANGES 8

static void
open_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GInputStream *stream = dd_http_open_finish (result, &error);

  if (stream == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

static void
interfaces_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DdSource *source = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  DdTarget *target = dd_source_get_target (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) json = dd_http_get_finish (result, &headers, &error);
  g_autoptr(GByteArray) records = g_byte_array_new ();
  const char *host = headers != NULL ? soup_message_headers_get_one (headers, "X-Ddump-Host") : NULL;
  const char *name = target->name != NULL ? target->name : host != NULL ? host : target->host;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (json != NULL && dd_names_add_interfaces (records, json, name, &error) > 0)
    {
      g_autoptr(GBytes) block = dd_names_block (records);

      dd_source_push_block (source, DD_PCAPNG_BT_NRB, block);
    }
  else if (error != NULL)
    /* An older worker, or a proxy that passes only captures: the addresses stay numbers. */
    g_debug ("%s: no names for its addresses: %s", target->label, error->message);
  dd_http_open_async (dd_source_get_context (source)->http, target, dd_source_get_read_ahead (source),
                      cancellable, open_cb, g_steal_pointer (&task));
}

/* Whether to ask for the worker's addresses (GET /interfaces), to name them in the output:
 * once, before the first capture opens (not beside it: a worker behind a proxy would
 * capture the request), and for pcapng only. */
static gboolean
names_first (DdHttpSource *self)
{
  const DdSourceContext *context = dd_source_get_context (DD_SOURCE (self));

  if (self->named || dd_output_map_get_format (context->map) != DD_FORMAT_PCAPNG)
    return FALSE;
  self->named = TRUE;
  return TRUE;
}

/* The clock is read before the capture opens, and during it only when the worker says the
 * capture came straight to it (DD_HTTP_DIRECT): behind a proxy, the worker's capture would
 * hold the exchanges' connections, which only the stream's own is excluded from. */
static void
clock_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DdSource *source = g_task_get_source_object (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GError) error = NULL;
  DdClockEstimate estimate;

  if (dd_http_clock_finish (result, &estimate, &error))
    dd_source_set_clock (source, &estimate, NULL);
  else if (g_task_return_error_if_cancelled (task))
    return;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      /* The capture would wait as long again. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  else
    /* A worker whose clock cannot be read still captures; its offset is unknown. The
     * capture's own request says better what else is wrong (certificates, refusals). */
    dd_source_set_clock (source, NULL, error);
  if (names_first (DD_HTTP_SOURCE (source)))
    dd_http_get_async (dd_source_get_context (source)->http, dd_source_get_target (source), "interfaces",
                       cancellable, interfaces_cb, g_steal_pointer (&task));
  else
    dd_http_open_async (dd_source_get_context (source)->http, dd_source_get_target (source),
                        dd_source_get_read_ahead (source), cancellable, open_cb, g_steal_pointer (&task));
}

static void
remeasured_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(DdHttpSource) self = user_data;
  g_autoptr(GError) error = NULL;
  DdClockEstimate estimate;

  if (dd_http_clock_finish (result, &estimate, &error))
    {
      if (!g_cancellable_is_cancelled (self->clock_cancellable))
        dd_source_update_clock (DD_SOURCE (self), &estimate);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* The last measure stands; the stream itself says whether the worker is gone. */
    g_debug ("%s: the clock could not be measured again: %s", dd_source_get_target (DD_SOURCE (self))->label,
             error->message);
  g_clear_object (&self->clock_cancellable);
}

static gboolean
remeasure_cb (gpointer user_data)
{
  DdHttpSource *self = user_data;
  DdSource *source = DD_SOURCE (self);

  if (self->clock_cancellable != NULL)
    return G_SOURCE_CONTINUE;  /* the last one is still going */
  self->clock_cancellable = g_cancellable_new ();
  dd_http_clock_async (dd_source_get_context (source)->http, dd_source_get_target (source), CLOCK_EXCHANGES,
                       self->clock_cancellable, remeasured_cb, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

static void
stop_measuring (DdHttpSource *self)
{
  g_clear_handle_id (&self->clock_id, g_source_remove);
  /* The callback still runs, and clears it. */
  if (self->clock_cancellable != NULL)
    g_cancellable_cancel (self->clock_cancellable);
}

static void
dd_http_source_open_async (DdSource            *source,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task = g_task_new (source, cancellable, callback, user_data);

  g_task_set_source_tag (task, dd_http_source_open_async);
  dd_http_clock_async (dd_source_get_context (source)->http, dd_source_get_target (source), CLOCK_EXCHANGES,
                       cancellable, clock_cb, task);
}

static GInputStream *
dd_http_source_open_finish (DdSource      *source,
                            GAsyncResult  *result,
                            GError       **error)
{
  GInputStream *stream = g_task_propagate_pointer (G_TASK (result), error);
  const char *clamped = stream != NULL ? g_object_get_data (G_OBJECT (stream), DD_HTTP_CLAMPED) : NULL;
  g_autofree char *notice = clamped != NULL ? g_strdup_printf (_("the worker's policy clamped %s"), clamped) : NULL;
  guint interval_s = dd_source_get_context (source)->clock_interval_s;
  const guint64 *ready;

  /* The ring it is read ahead into. */
  if (stream != NULL)
    dd_source_reserve (source, dd_prefetch_stream_get_size (DD_PREFETCH_STREAM (stream)));
  dd_source_set_notice (source, notice);
  dd_source_set_remote_id (source, stream != NULL ? g_object_get_data (G_OBJECT (stream), DD_HTTP_CAPTURE) : NULL);
  ready = stream != NULL ? g_object_get_data (G_OBJECT (stream), DD_HTTP_READY) : NULL;
  dd_source_set_ready (source, ready != NULL ? *ready : 0);
  if (stream != NULL && interval_s > 0 && g_object_get_data (G_OBJECT (stream), DD_HTTP_DIRECT) != NULL)
    DD_HTTP_SOURCE (source)->clock_id = g_timeout_add_seconds (interval_s, remeasure_cb, source);
  return stream;
}

static void
dd_http_source_close (DdSource *source)
{
  stop_measuring (DD_HTTP_SOURCE (source));
}

/* Workers capture Linux "any", cooked. */
static guint32
dd_http_source_expected_linktype (DdSource *source)
{
  return DD_LINKTYPE_LINUX_SLL2;
}

static void
dd_http_source_dispose (GObject *object)
{
  stop_measuring (DD_HTTP_SOURCE (object));
  G_OBJECT_CLASS (dd_http_source_parent_class)->dispose (object);
}

static void
dd_http_source_init (DdHttpSource *self)
{
}

static void
dd_http_source_class_init (DdHttpSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  DdSourceClass *source_class = DD_SOURCE_CLASS (klass);

  object_class->dispose = dd_http_source_dispose;

  source_class->open_async = dd_http_source_open_async;
  source_class->open_finish = dd_http_source_open_finish;
  source_class->close = dd_http_source_close;
  source_class->expected_linktype = dd_http_source_expected_linktype;
}
