/* Serialise the classic pcap savefile format (nanosecond variant) into a buffer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DD_PCAP_MAGIC_USEC 0xA1B2C3D4u
#define DD_PCAP_MAGIC_NSEC 0xA1B23C4Du
#define DD_PCAP_HEADER_LEN 24
#define DD_PCAP_RECORD_HEADER_LEN 16

void dd_pcap_write_header (GByteArray *buf,
                           guint32     snaplen,
                           guint32     linktype);

void dd_pcap_write_record (GByteArray   *buf,
                           guint64       ts_ns,
                           guint32       caplen,
                           guint32       origlen,
                           const guint8 *data);

G_END_DECLS
