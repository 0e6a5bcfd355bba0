#include "config.h"

#include <glib/gi18n.h>

#include "dd-request-head-stream.h"

typedef enum {
  HEAD_READING,
  HEAD_DONE,
  HEAD_REFUSED,
} HeadState;

struct _DdRequestHeadStream {
  GFilterInputStream parent_instance;

  HeadState          state;
  gsize              size;   /* bytes of head so far */
  gsize              line;   /* bytes of the current line, CRs not counted */
  guint              lines;  /* non-empty lines so far */
  DdRequestHeadFunc  func;
  gpointer           user_data;
};

static void dd_request_head_stream_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DdRequestHeadStream, dd_request_head_stream, G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      dd_request_head_stream_pollable_init))

static GInputStream *
base_of (DdRequestHeadStream *self)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
}

static void
set_refused_error (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       _("the request head is too large"));
}

/* A refused head stays refused: every later read fails. */
static gboolean
still_open (DdRequestHeadStream  *self,
            GError              **error)
{
  if (self->state != HEAD_REFUSED)
    return TRUE;
  set_refused_error (error);
  return FALSE;
}

static void
settle (DdRequestHeadStream *self,
        HeadState            state,
        guint                status)
{
  self->state = state;
  if (self->func != NULL)
    self->func (self, status, self->user_data);
}

/* Follows the head through @data, @n bytes just read. Same end of head as libsoup: an
 * empty line after a non-empty one, CRs ignored. FALSE when the head is refused. */
static gboolean
watch (DdRequestHeadStream *self,
       const guint8        *data,
       gssize               n,
       GError             **error)
{
  for (gssize i = 0; i < n && self->state == HEAD_READING; i++)
    {
      self->size++;
      if (data[i] == '\n')
        {
          if (self->line == 0 && self->lines > 0)
            settle (self, HEAD_DONE, 0);
          else if (self->line > 0)
            self->lines++;
          self->line = 0;
        }
      else if (data[i] != '\r')
        self->line++;

      if (self->lines == 0 && self->line > DD_REQUEST_HEAD_MAX_LINE)
        settle (self, HEAD_REFUSED, 414);
      else if (self->state == HEAD_READING && self->size > DD_REQUEST_HEAD_MAX_SIZE)
        settle (self, HEAD_REFUSED, 431);
    }
  return still_open (self, error);
}

/* @n, what a read of the base stream returned, once its bytes are watched. */
static gssize
watched (DdRequestHeadStream  *self,
         const void           *buffer,
         gssize                n,
         GError              **error)
{
  return n > 0 && !watch (self, buffer, n, error) ? -1 : n;
}

static gssize
dd_request_head_stream_read (GInputStream  *stream,
                             void          *buffer,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  DdRequestHeadStream *self = DD_REQUEST_HEAD_STREAM (stream);

  if (!still_open (self, error))
    return -1;
  return watched (self, buffer, g_input_stream_read (base_of (self), buffer, count, cancellable, error),
                  error);
}

/* GFilterInputStream skips on the base stream, which would let a head past unwatched. */
static gssize
dd_request_head_stream_skip (GInputStream  *stream,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  DdRequestHeadStream *self = DD_REQUEST_HEAD_STREAM (stream);
  guint8 scratch[4096];

  if (self->state == HEAD_DONE)
    return g_input_stream_skip (base_of (self), count, cancellable, error);
  return dd_request_head_stream_read (stream, scratch, MIN (count, sizeof scratch), cancellable, error);
}

static gboolean
dd_request_head_stream_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = base_of (DD_REQUEST_HEAD_STREAM (stream));

  return G_IS_POLLABLE_INPUT_STREAM (base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
dd_request_head_stream_is_readable (GPollableInputStream *stream)
{
  DdRequestHeadStream *self = DD_REQUEST_HEAD_STREAM (stream);

  /* A refused stream has its error ready at once. */
  return self->state == HEAD_REFUSED ||
         g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base_of (self)));
}

static GSource *
dd_request_head_stream_create_source (GPollableInputStream *stream,
                                      GCancellable         *cancellable)
{
  DdRequestHeadStream *self = DD_REQUEST_HEAD_STREAM (stream);
  g_autoptr(GSource) base_source =
    g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (base_of (self)), NULL);

  return g_pollable_source_new_full (self, base_source, cancellable);
}

static gssize
dd_request_head_stream_read_nonblocking (GPollableInputStream  *stream,
                                         void                  *buffer,
                                         gsize                  count,
                                         GError               **error)
{
  DdRequestHeadStream *self = DD_REQUEST_HEAD_STREAM (stream);

  if (!still_open (self, error))
    return -1;
  return watched (self, buffer,
                  g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (base_of (self)),
                                                            buffer, count, NULL, error),
                  error);
}

static void
dd_request_head_stream_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = dd_request_head_stream_can_poll;
  iface->is_readable = dd_request_head_stream_is_readable;
  iface->create_source = dd_request_head_stream_create_source;
  iface->read_nonblocking = dd_request_head_stream_read_nonblocking;
}

static void
dd_request_head_stream_class_init (DdRequestHeadStreamClass *klass)
{
  GInputStreamClass *input_class = G_INPUT_STREAM_CLASS (klass);

  input_class->read_fn = dd_request_head_stream_read;
  input_class->skip = dd_request_head_stream_skip;
}

static void
dd_request_head_stream_init (DdRequestHeadStream *self)
{
}

GInputStream *
dd_request_head_stream_new (GInputStream      *base,
                            DdRequestHeadFunc  func,
                            gpointer           user_data)
{
  DdRequestHeadStream *self = g_object_new (DD_TYPE_REQUEST_HEAD_STREAM,
                                            "base-stream", base,
                                            NULL);

  self->func = func;
  self->user_data = user_data;
  return G_INPUT_STREAM (self);
}
