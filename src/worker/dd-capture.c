#include "config.h"

#include <glib/gi18n.h>

#include "dd-capture.h"
#include "dd-clock.h"
#include "dd-format.h"

G_DEFINE_QUARK (dd-capture-error-quark, dd_capture_error)

struct _DdCapture {
  pcap_t  *pcap;
  guint32  snaplen;
  guint32  tick_ns;    /* of a packet header's fraction of a second: 1 or 1000 */
  guint64  start_ns;   /* real time just before activation */
  /* pcap_stats() counters are 32-bit: keep the last reading and add the differences. */
  guint    last_recv;
  guint    last_drop;
  guint64  total_recv;
  guint64  total_drop;
};

void
dd_capture_free (DdCapture *capture)
{
  if (capture == NULL)
    return;
  g_clear_pointer (&capture->pcap, pcap_close);
  g_free (capture);
}

static gboolean
set_activate_error (pcap_t  *pcap,
                    int      status,
                    GError **error)
{
  const char *detail = pcap_geterr (pcap);

  switch (status)
    {
    case PCAP_ERROR_PERM_DENIED:
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_PERMISSION,
                   _("no permission to capture: ddump-worker needs the CAP_NET_RAW capability "
                     "(for example: setcap cap_net_raw=ep ddump-worker, or AmbientCapabilities=CAP_NET_RAW "
                     "in its systemd unit): %s"),
                   detail);
      break;
    case PCAP_ERROR:
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                   _("cannot start the capture: %s"), detail);
      break;
    default:
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                   _("cannot start the capture: %s (%s)"), pcap_statustostr (status), detail);
      break;
    }
  return FALSE;
}

DdCapture *
dd_capture_open (const DdCaptureOptions  *options,
                 GError                 **error)
{
  g_autoptr(DdCapture) capture = g_new0 (DdCapture, 1);
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  int status;

  capture->snaplen = options->snaplen;
  capture->pcap = pcap_create ("any", errbuf);
  if (capture->pcap == NULL)
    {
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                   _("cannot create the capture: %s"), errbuf);
      return NULL;
    }

  pcap_set_snaplen (capture->pcap, (int) options->snaplen);
  pcap_set_timeout (capture->pcap, options->timeout_ms);
  /* Not immediate mode: TPACKET_V3 hands packets over in blocks, which costs a tenth of
   * per-packet wake-ups; the block timeout bounds the delay of a packet on a quiet link. */
  pcap_set_immediate_mode (capture->pcap, 0);
  if (options->buffer_size > 0)
    pcap_set_buffer_size (capture->pcap, options->buffer_size);
  /* Microseconds when nanoseconds are not to be had: dd_capture_get_tick_ns () says. */
  pcap_set_tstamp_precision (capture->pcap, PCAP_TSTAMP_PRECISION_NANO);

  capture->start_ns = (guint64) dd_clock_real_time_ns ();
  status = pcap_activate (capture->pcap);
  if (status < 0)
    {
      set_activate_error (capture->pcap, status, error);
      return NULL;
    }
  if (status > 0)
    g_debug ("pcap_activate: %s (%s)", pcap_statustostr (status), pcap_geterr (capture->pcap));
  capture->tick_ns = pcap_get_tstamp_precision (capture->pcap) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
  if (capture->tick_ns != 1)
    g_debug ("nanosecond timestamps are not available; microseconds are scaled up");

  if (pcap_set_datalink (capture->pcap, DD_LINKTYPE_LINUX_SLL2) < 0)
    {
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                   _("cannot select the LINUX_SLL2 link type (libpcap 1.10 or later is needed): %s"),
                   pcap_geterr (capture->pcap));
      return NULL;
    }
  if (pcap_setnonblock (capture->pcap, 1, errbuf) < 0)
    {
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                   _("cannot make the capture non-blocking: %s"), errbuf);
      return NULL;
    }
  if (pcap_get_selectable_fd (capture->pcap) < 0)
    {
      g_set_error_literal (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                           _("the capture has no selectable file descriptor"));
      return NULL;
    }
  return g_steal_pointer (&capture);
}

gboolean
dd_capture_set_filter (DdCapture   *capture,
                       const char  *filter,
                       GError     **error)
{
  struct bpf_program program;
  int status;

  if (pcap_compile (capture->pcap, &program, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
    {
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FILTER,
                   _("invalid filter “%s”: %s"), filter, pcap_geterr (capture->pcap));
      return FALSE;
    }
  status = pcap_setfilter (capture->pcap, &program);
  pcap_freecode (&program);
  if (status < 0)
    {
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                   _("cannot install the filter: %s"), pcap_geterr (capture->pcap));
      return FALSE;
    }
  return TRUE;
}

int
dd_capture_get_fd (DdCapture *capture)
{
  return pcap_get_selectable_fd (capture->pcap);
}

guint64
dd_capture_get_start_ns (DdCapture *capture)
{
  return capture->start_ns;
}

guint32
dd_capture_get_tick_ns (DdCapture *capture)
{
  return capture->tick_ns;
}

guint32
dd_capture_get_snaplen (DdCapture *capture)
{
  return capture->snaplen;
}

int
dd_capture_dispatch (DdCapture     *capture,
                     int            max_packets,
                     pcap_handler   handler,
                     gpointer       user_data,
                     GError       **error)
{
  int n = pcap_dispatch (capture->pcap, max_packets, handler, user_data);

  if (n == PCAP_ERROR)
    {
      g_set_error (error, DD_CAPTURE_ERROR, DD_CAPTURE_ERROR_FAILED,
                   _("capture failed: %s"), pcap_geterr (capture->pcap));
      return -1;
    }
  if (n == PCAP_ERROR_BREAK)
    return 1;
  return MAX (n, 0);
}

void
dd_capture_break (DdCapture *capture)
{
  pcap_breakloop (capture->pcap);
}

void
dd_capture_get_stats (DdCapture *capture,
                      guint64   *out_received,
                      guint64   *out_dropped)
{
  struct pcap_stat ps;

  if (pcap_stats (capture->pcap, &ps) == 0)
    {
      /* Unsigned subtraction is wrap-safe as long as we read at least once per 2^32. */
      capture->total_recv += (guint) (ps.ps_recv - capture->last_recv);
      capture->total_drop += (guint) (ps.ps_drop - capture->last_drop);
      capture->last_recv = ps.ps_recv;
      capture->last_drop = ps.ps_drop;
    }
  if (out_received != NULL)
    *out_received = capture->total_recv;
  if (out_dropped != NULL)
    *out_dropped = capture->total_drop;
}
