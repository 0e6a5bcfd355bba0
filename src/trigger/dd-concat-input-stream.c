#include "config.h"

#include "dd-concat-input-stream.h"

struct _DdConcatInputStream {
  GInputStream  parent_instance;
  GPtrArray    *streams;
  guint         current;
};

G_DEFINE_FINAL_TYPE (DdConcatInputStream, dd_concat_input_stream, G_TYPE_INPUT_STREAM)

static gssize
dd_concat_input_stream_read (GInputStream  *stream,
                             void          *buffer,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  DdConcatInputStream *self = DD_CONCAT_INPUT_STREAM (stream);

  while (self->current < self->streams->len)
    {
      gssize n = g_input_stream_read (self->streams->pdata[self->current], buffer, count, cancellable, error);

      if (n != 0)
        return n;  /* data, or an error */
      self->current++;
    }
  return 0;
}

static gboolean
dd_concat_input_stream_close (GInputStream  *stream,
                              GCancellable  *cancellable,
                              GError       **error)
{
  DdConcatInputStream *self = DD_CONCAT_INPUT_STREAM (stream);
  gboolean ok = TRUE;

  for (guint i = 0; i < self->streams->len; i++)
    ok &= g_input_stream_close (self->streams->pdata[i], cancellable, ok ? error : NULL);
  return ok;
}

static void
dd_concat_input_stream_finalize (GObject *object)
{
  g_ptr_array_unref (DD_CONCAT_INPUT_STREAM (object)->streams);
  G_OBJECT_CLASS (dd_concat_input_stream_parent_class)->finalize (object);
}

static void
dd_concat_input_stream_class_init (DdConcatInputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dd_concat_input_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = dd_concat_input_stream_read;
  G_INPUT_STREAM_CLASS (klass)->close_fn = dd_concat_input_stream_close;
}

static void
dd_concat_input_stream_init (DdConcatInputStream *self)
{
  self->streams = g_ptr_array_new_with_free_func (g_object_unref);
}

GInputStream *
dd_concat_input_stream_new (GInputStream * const *streams,
                            guint                 n)
{
  DdConcatInputStream *self = g_object_new (DD_TYPE_CONCAT_INPUT_STREAM, NULL);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (self->streams, g_object_ref (streams[i]));
  return G_INPUT_STREAM (self);
}
