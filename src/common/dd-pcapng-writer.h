/* Serialise pcapng blocks (draft-ietf-opsawg-pcapng) into a buffer, in host byte order. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DD_PCAPNG_BT_SHB 0x0A0D0D0Au
#define DD_PCAPNG_BT_IDB 0x00000001u
#define DD_PCAPNG_BT_SPB 0x00000003u
#define DD_PCAPNG_BT_ISB 0x00000005u
#define DD_PCAPNG_BT_EPB 0x00000006u
#define DD_PCAPNG_BT_NRB 0x00000004u
#define DD_PCAPNG_BT_DSB 0x0000000Au
#define DD_PCAPNG_BT_CB 0x00000BADu            /* a custom block a merge may copy */
#define DD_PCAPNG_BT_CB_NO_COPY 0x40000BADu    /* ...and one it must not */
#define DD_PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
/* A DSB's secrets type: a TLS key log (NSS's SSLKEYLOGFILE lines). */
#define DD_PCAPNG_SECRETS_TLS 0x544c534bu

/* epb_flags bits 0-1 (direction) and 2-4 (reception type). */
#define DD_EPB_FLAG_INBOUND    0x1u
#define DD_EPB_FLAG_OUTBOUND   0x2u
#define DD_EPB_FLAG_UNICAST    (1u << 2)
#define DD_EPB_FLAG_MULTICAST  (2u << 2)
#define DD_EPB_FLAG_BROADCAST  (3u << 2)
#define DD_EPB_FLAG_PROMISC    (4u << 2)

typedef struct {
  guint16     linktype;
  guint32     snaplen;
  const char *name;         /* if_name, or NULL */
  const char *description;  /* if_description, or NULL */
  const char *filter;       /* if_filter as a libpcap expression, or NULL */
  const char *os;           /* if_os, or NULL */
  guint8      tsresol;      /* if_tsresol; 0 leaves the default (microseconds) */
  const char *comment;      /* opt_comment, or NULL */
  const char * const *comments;  /* more opt_comments (NULL-terminated), or NULL */
} DdPcapngInterface;

typedef enum {
  DD_PCAPNG_STAT_STARTTIME    = 1 << 0,
  DD_PCAPNG_STAT_ENDTIME      = 1 << 1,
  DD_PCAPNG_STAT_IFRECV       = 1 << 2,
  DD_PCAPNG_STAT_IFDROP       = 1 << 3,
  DD_PCAPNG_STAT_FILTERACCEPT = 1 << 4,
  DD_PCAPNG_STAT_OSDROP       = 1 << 5,
  DD_PCAPNG_STAT_USRDELIV     = 1 << 6,
} DdPcapngStatFields;

/* Interface statistics; times are in the interface's timestamp units. */
typedef struct {
  DdPcapngStatFields present;
  guint64 starttime;
  guint64 endtime;
  guint64 ifrecv;
  guint64 ifdrop;
  guint64 filteraccept;
  guint64 osdrop;
  guint64 usrdeliv;
  /* opt_comment, or NULL. A ddump worker ends every clean stream with an ISB whose
   * comment starts with DD_PCAPNG_END_COMMENT, so a client can tell a capture that
   * ended from a worker that went away. */
  const char *comment;
} DdPcapngStats;

#define DD_PCAPNG_END_COMMENT "ddump: end of capture"
/* The reason in that comment when the worker itself stops (SIGTERM): an interruption for
 * a client that reconnects, not the end of what it asked for. */
#define DD_PCAPNG_END_SHUTDOWN "worker shutting down"

void dd_pcapng_write_shb (GByteArray *buf,
                          const char *hardware,
                          const char *os,
                          const char *userappl,
                          const char * const *comments);  /* nullable */

void dd_pcapng_write_idb (GByteArray              *buf,
                          const DdPcapngInterface *iface);

void dd_pcapng_write_epb (GByteArray   *buf,
                          guint32       interface_id,
                          guint64       ts,
                          guint32       caplen,
                          guint32       origlen,
                          const guint8 *data,
                          guint32       flags);

/* What a copy of blocks and options read elsewhere left out, counted. */
typedef struct {
  guint64 not_to_copy;  /* marked so (custom options 19372/19373, custom blocks 0x40000BAD) */
  guint64 cannot_copy;  /* in the other byte order and not known to us, or malformed */
} DdPcapngLeftOut;

/* As dd_pcapng_write_epb (), with the options of an EPB read from a file or a stream
 * (@options_len bytes, in the other byte order when @swapped): those pcapng lets a merge
 * copy, in our byte order; epb_flags comes from @flags, not from @options. Those left
 * out are counted in @left_out: options marked not to be copied, and options unknown to
 * us that came in the other byte order (their values cannot be turned around). */
void dd_pcapng_write_epb_options (GByteArray      *buf,
                                  guint32          interface_id,
                                  guint64          ts,
                                  guint32          caplen,
                                  guint32          origlen,
                                  const guint8    *data,
                                  guint32          flags,
                                  const guint8    *options,
                                  gsize            options_len,
                                  gboolean         swapped,
                                  DdPcapngLeftOut *left_out);

/* An EPB's options into @buf, for dd_pcapng_write_epb_options (): @packet_id (epb_packetid;
 * 0: none) and @comment (nullable) first, then @options of one read elsewhere (nullable;
 * copied as that function copies them, but an epb_packetid when @packet_id replaces it),
 * and the end of options. */
void dd_pcapng_put_epb_options (GByteArray      *buf,
                                guint64          packet_id,
                                const char      *comment,
                                const guint8    *options,
                                gsize            options_len,
                                gboolean         swapped,
                                DdPcapngLeftOut *left_out);

/* The next record of a Name Resolution Block's list, from *@p (moved past it) to @end (the
 * block's trailing length): its type, value and length, in our byte order. FALSE at the
 * end record (or where the list runs past the block), with *@p at the block's options. */
gboolean dd_pcapng_nrb_next_record (const guint8 **p,
                                    const guint8  *end,
                                    gboolean       swapped,
                                    guint16       *type,
                                    const guint8 **value,
                                    guint16       *len);
/* A record in our byte order, appended to @records (for dd_pcapng_write_nrb). */
void     dd_pcapng_put_nrb_record  (GByteArray    *records,
                                    guint16        type,
                                    const guint8  *value,
                                    guint16        len);
/* A Name Resolution Block of @records (made with dd_pcapng_put_nrb_record) and the options
 * of one read elsewhere (nullable; @swapped: in the other byte order), those left out
 * counted in @left_out. */
void     dd_pcapng_write_nrb       (GByteArray      *buf,
                                    const guint8    *records,
                                    gsize            records_len,
                                    const guint8    *options,
                                    gsize            options_len,
                                    gboolean         swapped,
                                    DdPcapngLeftOut *left_out);
/* A Decryption Secrets Block or a custom block read elsewhere (the whole block, in the
 * other byte order when @swapped), in our byte order, or counted in @left_out: a custom
 * block marked not to be copied, one in the other byte order (where its data ends, only
 * its writer knows), a DSB whose secrets run past it; its options as for an EPB. */
void     dd_pcapng_write_copied_block (GByteArray      *buf,
                                       const guint8    *block,
                                       guint32          len,
                                       gboolean         swapped,
                                       DdPcapngLeftOut *left_out);

/* A Decryption Secrets Block of @len bytes of secrets (a whole key log's lines for
 * DD_PCAPNG_SECRETS_TLS), without options. */
void     dd_pcapng_write_dsb          (GByteArray      *buf,
                                       guint32          secrets_type,
                                       const guint8    *secrets,
                                       guint32          len);

void dd_pcapng_write_isb (GByteArray          *buf,
                          guint32              interface_id,
                          guint64              ts,
                          const DdPcapngStats *stats);

G_END_DECLS
