#include "config.h"

#include "dd-sink.h"

DdSideBlock *
dd_side_block_new (DdSideBlockKind      kind,
                   guint32              interface_id,
                   guint64              ts,
                   gint64               arrival,
                   const DdPcapngStats *stats,
                   const char          *comment)
{
  DdSideBlock *block = g_new0 (DdSideBlock, 1);

  block->kind = kind;
  block->interface_id = interface_id;
  block->ts = ts;
  block->arrival = arrival;
  if (stats != NULL)
    block->stats = *stats;
  block->stats.comment = g_strdup (comment != NULL ? comment : block->stats.comment);
  return block;
}

DdSideBlock *
dd_side_block_new_copy (guint64       ts,
                        gint64        arrival,
                        guint32       block_type,
                        const guint8 *data,
                        guint32       len,
                        gboolean      swapped)
{
  DdSideBlock *block = dd_side_block_new (DD_SIDE_BLOCK_COPY, G_MAXUINT32, ts, arrival, NULL, NULL);

  block->block_type = block_type;
  block->bytes = data != NULL ? g_bytes_new (data, len) : NULL;
  block->swapped = swapped;
  return block;
}

DdSideBlock *
dd_side_block_copy (const DdSideBlock *block)
{
  DdSideBlock *copy = dd_side_block_new (block->kind, block->interface_id, block->ts, block->arrival,
                                         &block->stats, NULL);

  copy->bytes = block->bytes != NULL ? g_bytes_ref (block->bytes) : NULL;
  copy->block_type = block->block_type;
  copy->swapped = block->swapped;
  return copy;
}

void
dd_side_block_free (DdSideBlock *block)
{
  if (block == NULL)
    return;
  g_free ((char *) block->stats.comment);
  g_clear_pointer (&block->bytes, g_bytes_unref);
  g_free (block);
}

void
dd_sink_free (DdSink *sink)
{
  if (sink != NULL)
    sink->funcs->finalize (sink);
}

/* ---- the tee ------------------------------------------------------------------------- */

typedef struct {
  DdSink     parent;
  GPtrArray *sinks;  /* not owned */
} Tee;

static void
tee_header (DdSink             *sink,
            guint32             linktype,
            const char * const *comments)
{
  Tee *self = (Tee *) sink;

  for (guint i = 0; i < self->sinks->len; i++)
    dd_sink_header (self->sinks->pdata[i], linktype, comments);
}

static void
tee_interface (DdSink                  *sink,
               guint32                  id,
               const DdPcapngInterface *iface)
{
  Tee *self = (Tee *) sink;

  for (guint i = 0; i < self->sinks->len; i++)
    dd_sink_interface (self->sinks->pdata[i], id, iface);
}

static gboolean
tee_packet (DdSink         *sink,
            const DdPacket *packet,
            gboolean        late)
{
  Tee *self = (Tee *) sink;
  gboolean go_on = TRUE;

  for (guint i = 0; i < self->sinks->len; i++)
    go_on &= dd_sink_packet (self->sinks->pdata[i], packet, late);
  return go_on;
}

static void
tee_block (DdSink            *sink,
           const DdSideBlock *block)
{
  Tee *self = (Tee *) sink;

  for (guint i = 0; i < self->sinks->len; i++)
    dd_sink_block (self->sinks->pdata[i], block);
}

static void
tee_end (DdSink *sink)
{
  Tee *self = (Tee *) sink;

  for (guint i = 0; i < self->sinks->len; i++)
    dd_sink_end (self->sinks->pdata[i]);
}

static void
tee_finalize (DdSink *sink)
{
  Tee *self = (Tee *) sink;

  g_ptr_array_unref (self->sinks);
  g_free (self);
}

static const DdSinkFuncs tee_funcs = {
  .header = tee_header,
  .interface = tee_interface,
  .packet = tee_packet,
  .block = tee_block,
  .end = tee_end,
  .finalize = tee_finalize,
};

DdSink *
dd_sink_tee_new (void)
{
  Tee *self = g_new0 (Tee, 1);

  self->parent.funcs = &tee_funcs;
  self->sinks = g_ptr_array_new ();
  return &self->parent;
}

void
dd_sink_tee_add (DdSink *tee,
                 DdSink *sink)
{
  g_return_if_fail (tee->funcs == &tee_funcs);
  g_ptr_array_add (((Tee *) tee)->sinks, sink);
}
