#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "dd-name-table.h"
#include "dd-output.h"
#include "dd-pcap-writer.h"
#include "dd-poip-server.h"

/* Flushed when it holds this much even in the middle of a merge. */
#define FLUSH_THRESHOLD (512 * 1024)
/* Workers send statistics ten times a second; a live output gets them once a second. */
#define STATS_INTERVAL_US G_USEC_PER_SEC

typedef struct {
  DdPcapngStats stats;
  guint64       stats_ts;
  gboolean      have_stats;
  gint64        stats_written;  /* when statistics last went out live (monotonic µs) */
  guint64       written;
  guint64       first_ts;  /* of its packets */
  guint64       last_ts;
  char         *final_comment;  /* of its last ISB, or NULL */
} InterfaceState;

static void
interface_state_clear (gpointer data)
{
  g_free (((InterfaceState *) data)->final_comment);
}

struct _DdOutput {
  DdSink      parent;
  int         fd;
  gboolean    close_fd;
  DdFormat    format;
  GByteArray *buf;
  guint       buf_packets;
  gboolean    buf_essential;  /* holds a header or an interface */
  GByteArray *preamble;       /* every header and interface so far, for new PCAP-over-IP clients */
  DdPoipServer *server;
  GArray     *interfaces;  /* of InterfaceState */
  gboolean    live_stats;  /* statistics written as they come, not only at the end */
  gboolean    failed;
  GError     *error;
  gboolean    pending;  /* its fd is still to come */
  DdOutputLosses losses;
  DdNameTable *names;       /* the names written (pcapng), each once */

  /* A non-blocking fd (a named pipe, or one handed over so): what the reader has not taken
   * yet stays in buf from @sent on, and a watch writes it when the fd takes more. */
  guint64     compacted;     /* bytes that have left buf */
  gsize       sent;          /* bytes of buf written to fd */
  gsize       served;        /* bytes of buf given to PCAP-over-IP clients */
  guint       watch_id;
  GSourceFunc writable;
  gpointer    writable_data;
};

static const DdSinkFuncs output_pcapng_funcs, output_pcap_funcs;

DdOutput *
dd_output_new (int      fd,
               gboolean close_fd,
               DdFormat format)
{
  DdOutput *self = g_new0 (DdOutput, 1);

  self->parent.funcs = format == DD_FORMAT_PCAPNG ? &output_pcapng_funcs : &output_pcap_funcs;
  self->fd = fd;
  self->close_fd = close_fd;
  self->format = format;
  self->buf = g_byte_array_sized_new (FLUSH_THRESHOLD + DD_MAX_SNAPLEN + 1024);
  self->preamble = g_byte_array_new ();
  self->interfaces = g_array_new (FALSE, TRUE, sizeof (InterfaceState));
  g_array_set_clear_func (self->interfaces, interface_state_clear);
  return self;
}

void
dd_output_free (DdOutput *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->watch_id, g_source_remove);
  if (self->close_fd && self->fd >= 0)
    close (self->fd);
  g_byte_array_unref (self->buf);
  g_byte_array_unref (self->preamble);
  g_array_unref (self->interfaces);
  dd_name_table_free (self->names);
  g_clear_error (&self->error);
  g_free (self);
}

DdFormat
dd_output_get_format (DdOutput *self)
{
  return self->format;
}

void
dd_output_set_server (DdOutput     *self,
                      DdPoipServer *server)
{
  self->server = server;
}

GBytes *
dd_output_get_preamble (DdOutput *self)
{
  return g_bytes_new (self->preamble->data, self->preamble->len);
}

/* What was just written at @from of the buffer is a header or an interface: every
 * PCAP-over-IP client gets it, those that join later too. */
static void
keep_in_preamble (DdOutput *self,
                  guint     from)
{
  g_byte_array_append (self->preamble, self->buf->data + from, self->buf->len - from);
  self->buf_essential = TRUE;
}

/* ---- the sink: the merged capture as pcap or pcapng ---------------------------------- */

static void
output_header (DdSink             *sink,
               guint32             linktype,
               const char * const *comments)
{
  DdOutput *self = (DdOutput *) sink;
  guint from = self->buf->len;

  if (self->format == DD_FORMAT_PCAPNG)
    {
      g_autofree char *appl = g_strdup_printf ("ddump %s", PACKAGE_VERSION);

      dd_pcapng_write_shb (self->buf, NULL, NULL, appl, comments);
    }
  else
    {
      dd_pcap_write_header (self->buf, DD_MAX_SNAPLEN, linktype);
    }
  keep_in_preamble (self, from);
}

static void
output_interface (DdSink                  *sink,
                  guint32                  id,
                  const DdPcapngInterface *iface)
{
  DdOutput *self = (DdOutput *) sink;
  guint from = self->buf->len;

  if (self->format != DD_FORMAT_PCAPNG)
    return;
  g_return_if_fail (id == self->interfaces->len);
  g_array_set_size (self->interfaces, self->interfaces->len + 1);
  dd_pcapng_write_idb (self->buf, iface);
  keep_in_preamble (self, from);
}

/* Records @block's statistics as the interface's, for the end. */
static void
keep_stats (InterfaceState    *state,
            const DdSideBlock *block)
{
  state->stats = block->stats;
  /* The comment said something of that moment only. */
  state->stats.comment = NULL;
  state->stats_ts = block->ts;
  state->have_stats = TRUE;
}

/* A block of an input that a merge copies, in our byte order; of name resolution records,
 * only those not written yet. */
static void
write_copied_block (DdOutput          *self,
                    const DdSideBlock *block)
{
  gsize len;
  const guint8 *data;

  if (block->bytes == NULL)
    {
      self->losses.too_large++;
      return;
    }
  data = g_bytes_get_data (block->bytes, &len);
  if (block->block_type == DD_PCAPNG_BT_NRB)
    {
      g_autoptr(GByteArray) records = g_byte_array_new ();
      const guint8 *options;
      gsize options_len;

      if (self->names == NULL)
        self->names = dd_name_table_new ();
      if (dd_name_table_take_nrb (self->names, data, len, block->swapped, records, &options, &options_len) > 0)
        dd_pcapng_write_nrb (self->buf, records->data, records->len, options, options_len, block->swapped,
                             &self->losses.left_out);
      return;
    }
  dd_pcapng_write_copied_block (self->buf, data, (guint32) len, block->swapped, &self->losses.left_out);
}

static void
output_block (DdSink            *sink,
              const DdSideBlock *block)
{
  DdOutput *self = (DdOutput *) sink;
  InterfaceState *state;

  if (self->format != DD_FORMAT_PCAPNG)
    {
      /* pcap has no place for any block: what it could not keep is counted. */
      if (block->kind == DD_SIDE_BLOCK_COPY && block->block_type != DD_PCAPNG_BT_CB_NO_COPY)
        self->losses.blocks++;
      return;
    }
  if (block->kind == DD_SIDE_BLOCK_COPY)
    {
      write_copied_block (self, block);
      return;
    }
  g_return_if_fail (block->interface_id < self->interfaces->len);
  state = &g_array_index (self->interfaces, InterfaceState, block->interface_id);
  switch (block->kind)
    {
    case DD_SIDE_BLOCK_STATS:
      if (block->stats.present == 0)
        break;
      keep_stats (state, block);
      if (self->live_stats && block->arrival - state->stats_written >= STATS_INTERVAL_US)
        {
          state->stats_written = block->arrival;
          dd_pcapng_write_isb (self->buf, block->interface_id, block->ts, &block->stats);
        }
      break;
    case DD_SIDE_BLOCK_MARK:
      keep_stats (state, block);
      dd_pcapng_write_isb (self->buf, block->interface_id, block->ts, &block->stats);
      break;
    case DD_SIDE_BLOCK_COMMENT:
      {
        DdPcapngStats stats = { .comment = block->stats.comment };

        dd_pcapng_write_isb (self->buf, block->interface_id, block->ts, &stats);
      }
      break;
    case DD_SIDE_BLOCK_FINAL_COMMENT:
      g_free (state->final_comment);
      state->final_comment = g_strdup (block->stats.comment);
      break;
    case DD_SIDE_BLOCK_COPY:
      g_assert_not_reached ();
    }
}

/* pcapng: one last ISB per interface: the statistics recorded, the packets written, and
 * when its capture began and ended (as recorded; else its first and last packet; else
 * the end of the run), with the comment set for it. */
static void
output_end (DdSink *sink)
{
  DdOutput *self = (DdOutput *) sink;
  guint64 now = (guint64) g_get_real_time () * 1000u;

  if (self->format != DD_FORMAT_PCAPNG)
    return;
  for (guint i = 0; i < self->interfaces->len; i++)
    {
      InterfaceState *state = &g_array_index (self->interfaces, InterfaceState, i);
      DdPcapngStats stats = state->stats;

      /* The source's own counters when it sent some; what we wrote in any case. */
      if (!(stats.present & DD_PCAPNG_STAT_STARTTIME) && state->written > 0)
        {
          stats.present |= DD_PCAPNG_STAT_STARTTIME;
          stats.starttime = state->first_ts;
        }
      if (!(stats.present & DD_PCAPNG_STAT_ENDTIME))
        stats.endtime = state->written > 0 ? state->last_ts : now;
      else if (state->written > 0)
        stats.endtime = MAX (stats.endtime, state->last_ts);
      stats.present |= DD_PCAPNG_STAT_ENDTIME | DD_PCAPNG_STAT_USRDELIV;
      stats.usrdeliv = state->written;
      stats.comment = state->final_comment;
      dd_pcapng_write_isb (self->buf, i, MAX (now, stats.endtime), &stats);
    }
}

/* What every packet ends with: the buffer goes out once it is large enough. */
static inline gboolean
packet_written (DdOutput *self)
{
  self->buf_packets++;
  if (self->buf->len >= FLUSH_THRESHOLD)
    return dd_output_flush (self, NULL);
  return TRUE;
}

/* A packet read with options (a comment, …), rare: apart, so that the common path keeps
 * no registers for it. */
static G_NO_INLINE void
write_epb_with_options (DdOutput       *self,
                        const DdPacket *packet)
{
  dd_pcapng_write_epb_options (self->buf, packet->interface_id, packet->ts, packet->caplen,
                               packet->origlen, packet->data, packet->flags, dd_packet_get_options (packet),
                               dd_packet_get_options_len (packet), dd_packet_get_options_swapped (packet),
                               &self->losses.left_out);
}

/* One packet function per format, chosen once: no test of the format per packet. */
static gboolean
output_pcapng_packet (DdSink         *sink,
                      const DdPacket *packet,
                      gboolean        late)
{
  DdOutput *self = (DdOutput *) sink;

  if (self->failed)
    return FALSE;
  if (G_LIKELY (packet->interface_id < self->interfaces->len))
    {
      InterfaceState *state = &g_array_index (self->interfaces, InterfaceState, packet->interface_id);

      if (state->written++ == 0)
        state->first_ts = packet->ts;
      state->last_ts = packet->ts;
    }
  if (G_LIKELY (packet->options_len == 0))
    dd_pcapng_write_epb (self->buf, packet->interface_id, packet->ts, packet->caplen,
                         packet->origlen, packet->data, packet->flags);
  else
    write_epb_with_options (self, packet);
  return packet_written (self);
}

static gboolean
output_pcap_packet (DdSink         *sink,
                    const DdPacket *packet,
                    gboolean        late)
{
  DdOutput *self = (DdOutput *) sink;

  if (self->failed)
    return FALSE;
  /* pcap has no place for a packet's comments and other options: counted, for the summary. */
  self->losses.packet_options += packet->options_len != 0;
  dd_pcap_write_record (self->buf, packet->ts, packet->caplen, packet->origlen, packet->data);
  return packet_written (self);
}

static void
output_finalize (DdSink *sink)
{
  dd_output_free ((DdOutput *) sink);
}

static const DdSinkFuncs output_pcapng_funcs = {
  .header = output_header,
  .interface = output_interface,
  .packet = output_pcapng_packet,
  .block = output_block,
  .end = output_end,
  .finalize = output_finalize,
};

static const DdSinkFuncs output_pcap_funcs = {
  .header = output_header,
  .interface = output_interface,
  .packet = output_pcap_packet,
  .block = output_block,
  .end = output_end,
  .finalize = output_finalize,
};

DdSink *
dd_output_get_sink (DdOutput *self)
{
  return &self->parent;
}

void
dd_output_set_live_stats (DdOutput *self,
                          gboolean  live)
{
  self->live_stats = live;
}

static void
fail_write (DdOutput *self,
            int       saved)
{
  self->failed = TRUE;
  g_set_error (&self->error, G_IO_ERROR, g_io_error_from_errno (saved),
               _("cannot write the capture: %s"), g_strerror (saved));
}

static gboolean writable_cb (gint fd, GIOCondition condition, gpointer user_data);

/* Writes buf from @sent on. A blocking fd takes it all (or fails); a non-blocking one
 * takes what it can, and a watch is set for the rest. */
static void
write_out (DdOutput *self)
{
  while (!self->failed && self->sent < self->buf->len)
    {
      gssize n = write (self->fd, self->buf->data + self->sent, self->buf->len - self->sent);

      if (n >= 0)
        {
          self->sent += (gsize) n;
          continue;
        }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        {
          /* Ours, or one we inherited in non-blocking mode (a shell may leave stdout so):
           * the rest waits, and the main loop goes on. */
          if (self->watch_id == 0)
            self->watch_id = g_unix_fd_add (self->fd, G_IO_OUT | G_IO_ERR | G_IO_HUP, writable_cb, self);
          return;
        }
      fail_write (self, errno);
    }
}

/* What was written (and served) leaves buf. */
static void
compact (DdOutput *self)
{
  gsize done = self->fd >= 0 || self->pending ? MIN (self->sent, self->served) : self->served;

  if (self->failed)
    done = self->served;
  if (done == 0)
    return;
  g_byte_array_remove_range (self->buf, 0, (guint) done);
  self->compacted += done;
  self->sent -= MIN (self->sent, done);
  self->served -= done;
}

static gboolean
writable_cb (gint         fd,
             GIOCondition condition,
             gpointer     user_data)
{
  DdOutput *self = user_data;

  write_out (self);  /* adds no watch: this one is still there */
  compact (self);
  if (!self->failed && self->sent < self->buf->len)
    return G_SOURCE_CONTINUE;
  self->watch_id = 0;
  if (self->writable != NULL)
    self->writable (self->writable_data);
  return G_SOURCE_REMOVE;
}

void
dd_output_set_nonblocking (DdOutput *self)
{
  g_return_if_fail (self->fd >= 0);
  fcntl (self->fd, F_SETFL, fcntl (self->fd, F_GETFL) | O_NONBLOCK);
}

void
dd_output_set_writable_func (DdOutput    *self,
                             GSourceFunc  writable,
                             gpointer     user_data)
{
  self->writable = writable;
  self->writable_data = user_data;
}

gboolean
dd_output_is_blocked (DdOutput *self)
{
  /* The watch exists while the reader has not taken what it was given. */
  return self->watch_id != 0 || self->pending;
}

void
dd_output_set_pending (DdOutput *self)
{
  g_return_if_fail (self->fd < 0);
  self->pending = TRUE;
}

void
dd_output_attach_fd (DdOutput *self,
                     int       fd,
                     gboolean  close_fd)
{
  g_return_if_fail (self->pending);
  self->pending = FALSE;
  self->fd = fd;
  self->close_fd = close_fd;
  dd_output_set_nonblocking (self);
  dd_output_flush (self, NULL);  /* a failure is the next flush's to report */
  if (!dd_output_is_blocked (self) && self->writable != NULL)
    self->writable (self->writable_data);
}

gsize
dd_output_get_backlog (DdOutput *self)
{
  return self->fd >= 0 && !self->failed ? self->buf->len - self->sent : 0;
}

void
dd_output_get_losses (DdOutput       *self,
                      DdOutputLosses *losses)
{
  *losses = self->losses;
}

guint64
dd_output_get_size (DdOutput *self)
{
  return self->compacted + self->buf->len;
}

gboolean
dd_output_flush (DdOutput *self,
                 GError  **error)
{
  if (self->server != NULL && self->served < self->buf->len && !self->failed &&
      dd_poip_server_has_clients (self->server))
    {
      g_autoptr(GBytes) chunk = g_bytes_new (self->buf->data + self->served, self->buf->len - self->served);

      dd_poip_server_send (self->server, chunk, self->buf_packets, self->buf_essential);
    }
  self->served = self->buf->len;
  self->buf_packets = 0;
  self->buf_essential = FALSE;
  if (self->fd >= 0 && self->watch_id == 0)
    write_out (self);
  compact (self);
  if (self->failed)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return FALSE;
    }
  return TRUE;
}
