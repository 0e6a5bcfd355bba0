/* Savefile formats shared by the worker and the client. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  DD_FORMAT_PCAP,
  DD_FORMAT_PCAPNG,
} DdFormat;

#define DD_MIME_PCAP   "application/vnd.tcpdump.pcap"
#define DD_MIME_PCAPNG "application/x-pcapng"

/* Link types (www.tcpdump.org/linktypes.html). */
#define DD_LINKTYPE_LINUX_SLL  113
#define DD_LINKTYPE_LINUX_SLL2 276

#define DD_SLL2_HEADER_LEN 20

/* The largest snapshot length we produce or accept, as libpcap's MAXIMUM_SNAPLEN. */
#define DD_MAX_SNAPLEN 262144u

/* A pcap timestamp, seconds and fraction, in nanoseconds: @tick_ns is how long one unit
 * of the fraction is, 1 for nanosecond precision and 1000 for microseconds (a savefile's
 * magic says which; a live capture, pcap_get_tstamp_precision ()). */
static inline guint64
dd_pcap_time_ns (guint64 sec,
                 guint64 frac,
                 guint32 tick_ns)
{
  return sec * G_GUINT64_CONSTANT (1000000000) + frac * tick_ns;
}

const char *dd_format_to_string (DdFormat format);
const char *dd_format_to_mime (DdFormat format);
gboolean    dd_format_from_string (const char *str,
                                   DdFormat   *out_format);

/* "276 (LINUX_SLL2)": the number and, for the link types captures usually have, the name
 * tcpdump.org's list gives it. */
char       *dd_linktype_describe (guint32 linktype);

G_END_DECLS
