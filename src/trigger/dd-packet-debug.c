#include "config.h"

#include "dd-packet-debug.h"
#include "dd-packet-summary.h"

typedef struct {
  DdSink  parent;
  char   *event_id;
  guint   logged;
} PacketDebug;

static gboolean
packet_debug_packet (DdSink         *sink,
                     const DdPacket *packet,
                     gboolean        late)
{
  PacketDebug *self = (PacketDebug *) sink;
  DdPacketSummary summary;
  guint64 seconds = packet->ts / G_GUINT64_CONSTANT (1000000000);

  if (self->logged >= DD_PACKET_DEBUG_MAX)
    return TRUE;
  self->logged++;
  dd_packet_summary_from_sll2 (packet->data, packet->caplen, &summary);
  g_message ("%s: packet %" G_GUINT64_FORMAT ".%09u interface %u: %s > %s %s, %u bytes (%u captured)%s",
             self->event_id, seconds, (guint) (packet->ts % G_GUINT64_CONSTANT (1000000000)),
             packet->interface_id, summary.from, summary.to, summary.protocol, packet->origlen,
             packet->caplen,
             self->logged == DD_PACKET_DEBUG_MAX ? "; packetdebug: no more lines for this event" : "");
  return TRUE;
}

static void
packet_debug_finalize (DdSink *sink)
{
  PacketDebug *self = (PacketDebug *) sink;

  g_free (self->event_id);
  g_free (self);
}

static const DdSinkFuncs packet_debug_funcs = {
  .packet = packet_debug_packet,
  .finalize = packet_debug_finalize,
};

DdSink *
dd_packet_debug_new (const char *event_id)
{
  PacketDebug *self = g_new0 (PacketDebug, 1);

  self->parent.funcs = &packet_debug_funcs;
  self->event_id = g_strdup (event_id);
  return &self->parent;
}
