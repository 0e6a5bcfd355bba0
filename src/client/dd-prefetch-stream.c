#include "config.h"

#include <string.h>

#include "dd-prefetch-stream.h"

/* What the two threads share. The ring and its state are under the lock; the base stream
 * and the read in flight belong to the receiver's thread. */
typedef struct {
  gatomicrefcount refs;
  GMutex          lock;
  guint8         *ring;
  gsize           size;
  gsize           head;
  gsize           len;
  gboolean        eof;
  GError         *error;
  gboolean        starved;   /* the receiver waits for room */
  gboolean        released;  /* the receiver has let the base stream go */
  gint            readable;  /* atomic: bytes, the end or an error wait for the reader */
  GMainContext   *reader;    /* the reader's context, woken when readable */
  GMainContext   *context;   /* the receiver's */
  GCancellable   *cancellable;

  /* The receiver's thread only. */
  DdReceiver     *receiver;  /* NULL once the base stream is let go */
  GInputStream   *base;
  GSource        *cancelled_source;
  gboolean        reading;
} Feed;

struct _DdPrefetchStream {
  GInputStream parent_instance;
  Feed        *feed;
};

static void dd_prefetch_stream_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DdPrefetchStream, dd_prefetch_stream, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      dd_prefetch_stream_pollable_iface_init))

static Feed *
feed_ref (Feed *feed)
{
  g_atomic_ref_count_inc (&feed->refs);
  return feed;
}

static void
feed_unref (Feed *feed)
{
  if (!g_atomic_ref_count_dec (&feed->refs))
    return;
  g_clear_error (&feed->error);
  g_free (feed->ring);
  g_main_context_unref (feed->reader);
  g_main_context_unref (feed->context);
  g_object_unref (feed->cancellable);
  g_mutex_clear (&feed->lock);
  g_free (feed);
}

/* Under the lock: the reader may take something now. It is woken only when it found
 * nothing the last time it looked (otherwise it comes back by itself). */
static void
set_readable (Feed *feed)
{
  if (g_atomic_int_compare_and_exchange (&feed->readable, 0, 1))
    g_main_context_wakeup (feed->reader);
}

/* ---- the receiver's side ------------------------------------------------------------- */

/* Nothing more to read: the base stream goes, in its own thread. */
static void
let_go (Feed *feed)
{
  if (feed->receiver == NULL)
    return;
  g_mutex_lock (&feed->lock);
  feed->released = TRUE;
  /* Cancelled: a reader still there finds an error, not a stream that never ends. */
  if (!feed->eof && feed->error == NULL)
    {
      feed->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "the receiver stopped reading");
      set_readable (feed);
    }
  g_mutex_unlock (&feed->lock);
  g_source_destroy (feed->cancelled_source);
  g_clear_pointer (&feed->cancelled_source, g_source_unref);
  g_clear_object (&feed->base);
  dd_receiver_release (feed->receiver, feed->cancellable);
  feed->receiver = NULL;
  feed_unref (feed);
}

static void read_more (Feed *feed);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Feed *feed = user_data;
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  feed->reading = FALSE;
  if (g_cancellable_is_cancelled (feed->cancellable))
    {
      g_clear_error (&error);
      let_go (feed);
      return;
    }
  g_mutex_lock (&feed->lock);
  if (n > 0)
    feed->len += (gsize) n;
  else if (n == 0)
    feed->eof = TRUE;
  else
    feed->error = error;
  set_readable (feed);
  g_mutex_unlock (&feed->lock);
  if (n > 0)
    read_more (feed);
  else
    let_go (feed);
}

static void
read_more (Feed *feed)
{
  gsize tail, room;

  if (feed->reading || feed->receiver == NULL)
    return;
  g_mutex_lock (&feed->lock);
  if (feed->len == 0)
    feed->head = 0;  /* all the room in one piece */
  tail = (feed->head + feed->len) % feed->size;
  room = feed->len == feed->size ? 0 : tail >= feed->head ? feed->size - tail : feed->head - tail;
  feed->starved = room == 0;
  g_mutex_unlock (&feed->lock);
  if (room == 0)
    return;
  feed->reading = TRUE;
  g_input_stream_read_async (feed->base, feed->ring + tail, room, G_PRIORITY_DEFAULT,
                             feed->cancellable, read_cb, feed);
}

static gboolean
resume_cb (gpointer user_data)
{
  read_more (user_data);
  return G_SOURCE_REMOVE;
}

static gboolean
cancel_cb (gpointer user_data)
{
  Feed *feed = user_data;

  g_cancellable_cancel (feed->cancellable);
  return G_SOURCE_REMOVE;
}

/* From the reader's thread: runs @func in the receiver's, unless it is done with the
 * feed. Cancelling goes this way too: GLib 2.74 can leak a cancellable's sources when it
 * is cancelled in one thread while another disposes of them. */
static void
post (Feed        *feed,
      GSourceFunc  func)
{
  g_mutex_lock (&feed->lock);
  if (!feed->released)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, func, feed_ref (feed), (GDestroyNotify) feed_unref);
      g_source_set_static_name (source, "[ddump] prefetch");
      g_source_attach (source, feed->context);
      g_source_unref (source);
    }
  g_mutex_unlock (&feed->lock);
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  Feed *feed = user_data;

  /* A read in flight lets go when it comes back. */
  if (!feed->reading)
    let_go (feed);
  return G_SOURCE_REMOVE;
}

GInputStream *
dd_prefetch_stream_new (DdReceiver   *receiver,
                        GInputStream *base,
                        gsize         size,
                        GMainContext *context)
{
  DdPrefetchStream *self = g_object_new (DD_TYPE_PREFETCH_STREAM, NULL);
  Feed *feed = g_new0 (Feed, 1);

  g_atomic_ref_count_init (&feed->refs);
  g_mutex_init (&feed->lock);
  feed->size = MAX (size, 4096);
  feed->ring = g_malloc (feed->size);
  feed->reader = g_main_context_ref (context);
  feed->context = g_main_context_ref (dd_receiver_get_context (receiver));
  feed->cancellable = g_cancellable_new ();
  feed->receiver = receiver;
  feed->base = g_object_ref (base);
  self->feed = feed;

  /* The receiver's own reference, given back by let_go (). */
  feed_ref (feed);
  dd_receiver_hold (receiver, feed->cancellable);
  feed->cancelled_source = g_cancellable_source_new (feed->cancellable);
  g_source_set_callback (feed->cancelled_source, G_SOURCE_FUNC (cancelled_cb), feed, NULL);
  g_source_attach (feed->cancelled_source, feed->context);
  read_more (feed);
  return G_INPUT_STREAM (self);
}

/* ---- the reader's side --------------------------------------------------------------- */

gsize
dd_prefetch_stream_get_size (DdPrefetchStream *self)
{
  return self->feed->size;
}

static gssize
dd_prefetch_stream_read_nonblocking (GPollableInputStream *stream,
                                     void                 *buffer,
                                     gsize                 count,
                                     GError              **error)
{
  Feed *feed = DD_PREFETCH_STREAM (stream)->feed;
  gboolean resume;
  gsize n, first;

  g_mutex_lock (&feed->lock);
  if (feed->len == 0)
    {
      gssize result = -1;

      if (feed->error != NULL)
        g_propagate_error (error, g_error_copy (feed->error));
      else if (feed->eof)
        result = 0;
      else
        {
          g_atomic_int_set (&feed->readable, 0);
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "");
        }
      g_mutex_unlock (&feed->lock);
      return result;
    }
  n = MIN (count, feed->len);
  first = MIN (n, feed->size - feed->head);
  memcpy (buffer, feed->ring + feed->head, first);
  memcpy ((guint8 *) buffer + first, feed->ring, n - first);
  feed->head = (feed->head + n) % feed->size;
  feed->len -= n;
  resume = feed->starved;
  feed->starved = FALSE;
  g_mutex_unlock (&feed->lock);
  if (resume)
    post (feed, resume_cb);
  return (gssize) n;
}

static gboolean
dd_prefetch_stream_is_readable (GPollableInputStream *stream)
{
  Feed *feed = DD_PREFETCH_STREAM (stream)->feed;
  gboolean readable;

  g_mutex_lock (&feed->lock);
  readable = feed->len > 0 || feed->eof || feed->error != NULL;
  g_mutex_unlock (&feed->lock);
  return readable;
}

typedef struct {
  GSource source;
  Feed   *feed;
} ReadableSource;

static gboolean
readable_prepare (GSource *source,
                  gint    *timeout)
{
  *timeout = -1;
  return g_atomic_int_get (&((ReadableSource *) source)->feed->readable) != 0;
}

static gboolean
readable_check (GSource *source)
{
  return g_atomic_int_get (&((ReadableSource *) source)->feed->readable) != 0;
}

/* A child of the pollable source, which calls the reader back. */
static gboolean
readable_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  return G_SOURCE_CONTINUE;
}

static void
readable_finalize (GSource *source)
{
  feed_unref (((ReadableSource *) source)->feed);
}

/* g_pollable_source_new_full () gives its child a dummy callback, which needs this. */
static gboolean
readable_closure_callback (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs readable_funcs = {
  .prepare = readable_prepare,
  .check = readable_check,
  .dispatch = readable_dispatch,
  .finalize = readable_finalize,
  .closure_callback = readable_closure_callback,
};

static GSource *
dd_prefetch_stream_create_source (GPollableInputStream *stream,
                                  GCancellable         *cancellable)
{
  GSource *readable = g_source_new (&readable_funcs, sizeof (ReadableSource));
  GSource *source;

  ((ReadableSource *) readable)->feed = feed_ref (DD_PREFETCH_STREAM (stream)->feed);
  g_source_set_static_name (readable, "[ddump] prefetch readable");
  source = g_pollable_source_new_full (stream, readable, cancellable);
  g_source_unref (readable);
  return source;
}

static gssize
dd_prefetch_stream_read (GInputStream  *stream,
                         void          *buffer,
                         gsize          count,
                         GCancellable  *cancellable,
                         GError       **error)
{
  /* Blocking reads are not for the merging thread. */
  return dd_prefetch_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream), buffer, count, error);
}

static gboolean
dd_prefetch_stream_close (GInputStream  *stream,
                          GCancellable  *cancellable,
                          GError       **error)
{
  post (DD_PREFETCH_STREAM (stream)->feed, cancel_cb);
  return TRUE;
}

static void
dd_prefetch_stream_finalize (GObject *object)
{
  Feed *feed = DD_PREFETCH_STREAM (object)->feed;

  post (feed, cancel_cb);
  feed_unref (feed);
  G_OBJECT_CLASS (dd_prefetch_stream_parent_class)->finalize (object);
}

static gboolean
dd_prefetch_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static void
dd_prefetch_stream_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = dd_prefetch_stream_can_poll;
  iface->is_readable = dd_prefetch_stream_is_readable;
  iface->create_source = dd_prefetch_stream_create_source;
  iface->read_nonblocking = dd_prefetch_stream_read_nonblocking;
}

static void
dd_prefetch_stream_init (DdPrefetchStream *self)
{
}

static void
dd_prefetch_stream_class_init (DdPrefetchStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = dd_prefetch_stream_finalize;
  stream_class->read_fn = dd_prefetch_stream_read;
  stream_class->close_fn = dd_prefetch_stream_close;
}
