#include "config.h"

#include "dd-buffer.h"
#include "dd-pcap-writer.h"

/* Every field is written on its own as a 32-bit value: struct pcap_pkthdr has a 64-bit
 * timeval on this platform and must never reach a savefile. */

void
dd_pcap_write_header (GByteArray *buf,
                      guint32     snaplen,
                      guint32     linktype)
{
  guint8 *p = dd_buffer_grow (buf, DD_PCAP_HEADER_LEN);

  p = dd_put_u32 (p, DD_PCAP_MAGIC_NSEC);
  p = dd_put_u16 (p, 2);
  p = dd_put_u16 (p, 4);
  p = dd_put_u32 (p, 0);  /* thiszone */
  p = dd_put_u32 (p, 0);  /* sigfigs */
  p = dd_put_u32 (p, snaplen);
  dd_put_u32 (p, linktype);
}

void
dd_pcap_write_record (GByteArray   *buf,
                      guint64       ts_ns,
                      guint32       caplen,
                      guint32       origlen,
                      const guint8 *data)
{
  guint8 *p = dd_buffer_grow (buf, DD_PCAP_RECORD_HEADER_LEN + caplen);

  p = dd_put_u32 (p, (guint32) (ts_ns / G_GUINT64_CONSTANT (1000000000)));
  p = dd_put_u32 (p, (guint32) (ts_ns % G_GUINT64_CONSTANT (1000000000)));
  p = dd_put_u32 (p, caplen);
  p = dd_put_u32 (p, origlen);
  memcpy (p, data, caplen);
}
