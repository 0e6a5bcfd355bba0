#include "config.h"

#include <glib/gi18n.h>

#include "dd-format.h"
#include "dd-http-source.h"
#include "dd-prefetch-stream.h"

struct _DdHttpSource {
  DdSource parent_instance;
};

G_DEFINE_FINAL_TYPE (DdHttpSource, dd_http_source, DD_TYPE_SOURCE)

static void
dd_http_source_open_async (DdSource            *source,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  dd_http_open_async (dd_source_get_context (source)->http, dd_source_get_target (source),
                      dd_source_get_read_ahead (source), cancellable, callback, user_data);
}

static GInputStream *
dd_http_source_open_finish (DdSource      *source,
                            GAsyncResult  *result,
                            GError       **error)
{
  GInputStream *stream = dd_http_open_finish (result, error);

  const char *clamped = stream != NULL ? g_object_get_data (G_OBJECT (stream), DD_HTTP_CLAMPED) : NULL;
  g_autofree char *notice = clamped != NULL ? g_strdup_printf (_("the worker's policy clamped %s"), clamped) : NULL;

  /* The ring it is read ahead into. */
  if (stream != NULL)
    dd_source_reserve (source, dd_prefetch_stream_get_size (DD_PREFETCH_STREAM (stream)));
  dd_source_set_notice (source, notice);
  return stream;
}

/* Workers capture Linux "any", cooked. */
static guint32
dd_http_source_expected_linktype (DdSource *source)
{
  return DD_LINKTYPE_LINUX_SLL2;
}

static void
dd_http_source_init (DdHttpSource *self)
{
}

static void
dd_http_source_class_init (DdHttpSourceClass *klass)
{
  DdSourceClass *source_class = DD_SOURCE_CLASS (klass);

  source_class->open_async = dd_http_source_open_async;
  source_class->open_finish = dd_http_source_open_finish;
  source_class->expected_linktype = dd_http_source_expected_linktype;
}
