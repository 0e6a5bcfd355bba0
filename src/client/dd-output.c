#include "config.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gio.h>

#include "dd-output.h"
#include "dd-pcap-writer.h"
#include "dd-poip-server.h"

/* Flushed when it holds this much even in the middle of a merge. */
#define FLUSH_THRESHOLD (512 * 1024)

typedef struct {
  DdPcapngStats stats;
  guint64       stats_ts;
  gboolean      have_stats;
  guint64       written;
} InterfaceState;

struct _DdOutput {
  int         fd;
  gboolean    close_fd;
  DdFormat    format;
  guint32     linktype;
  GByteArray *buf;
  guint       buf_packets;
  gboolean    buf_essential;  /* holds a header or an interface */
  GByteArray *preamble;       /* every header and interface so far, for new PCAP-over-IP clients */
  DdPoipServer *server;
  GArray     *interfaces;  /* of InterfaceState */
  gboolean    failed;
  GError     *error;
};

DdOutput *
dd_output_new (int      fd,
               gboolean close_fd,
               DdFormat format)
{
  DdOutput *self = g_new0 (DdOutput, 1);

  self->fd = fd;
  self->close_fd = close_fd;
  self->format = format;
  self->buf = g_byte_array_sized_new (FLUSH_THRESHOLD + DD_MAX_SNAPLEN + 1024);
  self->preamble = g_byte_array_new ();
  self->interfaces = g_array_new (FALSE, TRUE, sizeof (InterfaceState));
  self->linktype = DD_OUTPUT_LINKTYPE_PENDING;
  return self;
}

void
dd_output_free (DdOutput *self)
{
  if (self == NULL)
    return;
  if (self->close_fd && self->fd >= 0)
    close (self->fd);
  g_byte_array_unref (self->buf);
  g_byte_array_unref (self->preamble);
  g_array_unref (self->interfaces);
  g_clear_error (&self->error);
  g_free (self);
}

DdFormat
dd_output_get_format (DdOutput *self)
{
  return self->format;
}

guint32
dd_output_get_linktype (DdOutput *self)
{
  return self->linktype;
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

void
dd_output_write_pcap_header (DdOutput *self,
                             guint32   linktype)
{
  guint from = self->buf->len;

  self->linktype = linktype;
  dd_pcap_write_header (self->buf, DD_MAX_SNAPLEN, linktype);
  keep_in_preamble (self, from);
}

void
dd_output_write_shb (DdOutput   *self,
                     const char *comment)
{
  g_autofree char *appl = g_strdup_printf ("ddump %s", PACKAGE_VERSION);
  guint from = self->buf->len;

  dd_pcapng_write_shb (self->buf, NULL, NULL, appl, comment);
  keep_in_preamble (self, from);
}

guint32
dd_output_add_interface (DdOutput                *self,
                         const DdPcapngInterface *iface)
{
  guint from = self->buf->len;

  g_array_set_size (self->interfaces, self->interfaces->len + 1);
  dd_pcapng_write_idb (self->buf, iface);
  keep_in_preamble (self, from);
  return self->interfaces->len - 1;
}

void
dd_output_write_stats (DdOutput            *self,
                       guint32              interface_id,
                       guint64              ts_ns,
                       const DdPcapngStats *stats)
{
  InterfaceState *state;

  g_return_if_fail (interface_id < self->interfaces->len);
  state = &g_array_index (self->interfaces, InterfaceState, interface_id);
  state->stats = *stats;
  state->stats_ts = ts_ns;
  state->have_stats = TRUE;
  dd_pcapng_write_isb (self->buf, interface_id, ts_ns, stats);
}

void
dd_output_write_final_stats (DdOutput *self)
{
  guint64 now = (guint64) g_get_real_time () * 1000u;

  for (guint i = 0; i < self->interfaces->len; i++)
    {
      InterfaceState *state = &g_array_index (self->interfaces, InterfaceState, i);
      DdPcapngStats stats = state->stats;

      /* The source's own counters when it sent some; what we wrote in any case. */
      stats.present |= DD_PCAPNG_STAT_ENDTIME | DD_PCAPNG_STAT_USRDELIV;
      stats.endtime = now;
      stats.usrdeliv = state->written;
      dd_pcapng_write_isb (self->buf, i, now, &stats);
    }
}

gboolean
dd_output_write_packet (DdOutput     *self,
                        guint32       interface_id,
                        guint64       ts_ns,
                        guint32       caplen,
                        guint32       origlen,
                        guint32       flags,
                        const guint8 *data)
{
  if (self->failed)
    return FALSE;
  if (self->format == DD_FORMAT_PCAPNG)
    {
      if (interface_id < self->interfaces->len)
        g_array_index (self->interfaces, InterfaceState, interface_id).written++;
      dd_pcapng_write_epb (self->buf, interface_id, ts_ns, caplen, origlen, data, flags);
    }
  else
    dd_pcap_write_record (self->buf, ts_ns, caplen, origlen, data);
  self->buf_packets++;
  if (self->buf->len >= FLUSH_THRESHOLD)
    return dd_output_flush (self, NULL);
  return TRUE;
}

gboolean
dd_output_flush (DdOutput *self,
                 GError  **error)
{
  gsize done = 0;

  if (self->server != NULL && self->buf->len > 0 && !self->failed &&
      dd_poip_server_has_clients (self->server))
    {
      g_autoptr(GBytes) chunk = g_bytes_new (self->buf->data, self->buf->len);

      dd_poip_server_send (self->server, chunk, self->buf_packets, self->buf_essential);
    }
  self->buf_packets = 0;
  self->buf_essential = FALSE;
  if (self->fd < 0)
    {
      /* Only PCAP-over-IP clients. */
      g_byte_array_set_size (self->buf, 0);
      return TRUE;
    }
  while (!self->failed && done < self->buf->len)
    {
      gssize n = write (self->fd, self->buf->data + done, self->buf->len - done);

      if (n >= 0)
        {
          done += (gsize) n;
          continue;
        }
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        {
          /* An fd we inherited in non-blocking mode: wait until it takes more. */
          struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };

          poll (&pfd, 1, -1);
          continue;
        }
      self->failed = TRUE;
      g_set_error (&self->error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("cannot write the capture: %s"), g_strerror (errno));
    }
  g_byte_array_set_size (self->buf, 0);
  if (self->failed)
    {
      if (error != NULL)
        *error = g_error_copy (self->error);
      return FALSE;
    }
  return TRUE;
}
