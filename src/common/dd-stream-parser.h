/* An incremental parser for pcap and pcapng streams from untrusted sources.
 *
 * The caller owns the bytes: it hands the parser what it has buffered, the parser reports
 * every complete packet, interface and statistics block in it through callbacks (packet
 * data points into the caller's buffer) and says how many bytes it consumed. The caller
 * keeps the rest and calls again with more. Every length is checked before the caller is
 * asked to hold more: dd_stream_parser_wanted() never exceeds DD_STREAM_PARSER_MAX_UNIT. */
#pragma once

#include <glib.h>

#include "dd-format.h"
#include "dd-packet.h"
#include "dd-pcapng-writer.h"

G_BEGIN_DECLS

#define DD_PARSE_ERROR (dd_parse_error_quark ())

typedef enum {
  DD_PARSE_ERROR_BAD_MAGIC,
  DD_PARSE_ERROR_BAD_VERSION,
  DD_PARSE_ERROR_TOO_LARGE,
  DD_PARSE_ERROR_BAD_BLOCK,
  DD_PARSE_ERROR_BAD_INTERFACE,
  DD_PARSE_ERROR_TRUNCATED,
  DD_PARSE_ERROR_FAILED,
} DdParseError;

GQuark dd_parse_error_quark (void);

/* The largest unit (pcap record or pcapng block the parser looks into) a caller must be
 * able to hold: a packet of DD_MAX_SNAPLEN bytes plus generous room for block options.
 * Larger blocks that carry nothing we use are skipped without being held. */
#define DD_STREAM_PARSER_MAX_UNIT (DD_MAX_SNAPLEN + 65536u)

/* Blocks longer than this are refused, as libpcap refuses them. */
#define DD_STREAM_PARSER_MAX_BLOCK (16u * 1024u * 1024u)

/* Interfaces per pcapng section. */
#define DD_STREAM_PARSER_MAX_INTERFACES 4096u

typedef struct {
  guint32     linktype;
  guint32     snaplen;
  const char *name;         /* if_name, valid UTF-8, or NULL */
  const char *description;  /* if_description, or NULL */
  const char *filter;       /* if_filter when it is a libpcap expression, or NULL */
  const char * const *comments;  /* its opt_comments (NULL-terminated), or NULL */
} DdParsedInterface;

typedef struct {
  /* A pcap file header or a pcapng SHB: interface ids start again from 0.
   * @userappl is the SHB's shb_userappl (NULL for pcap or when absent), @comments its
   * opt_comments (NULL-terminated; NULL for pcap). */
  void     (*section)   (gpointer            user_data,
                         DdFormat            format,
                         const char         *userappl,
                         const char * const *comments);
  /* For pcap the file header yields interface 0. */
  gboolean (*interface) (gpointer                 user_data,
                         guint32                  id,
                         const DdParsedInterface *iface,
                         GError                 **error);
  /* The caller may change @packet (route it) and keep the record, not its data. For pcap
   * its interface_id is 0. */
  gboolean (*packet)    (gpointer              user_data,
                         DdPacket             *packet,
                         GError              **error);
  /* An ISB; @ts_ns is its timestamp and @stats its counters (starttime/endtime in ns). */
  void     (*stats)     (gpointer             user_data,
                         guint32              id,
                         guint64              ts_ns,
                         const DdPcapngStats *stats);
  /* A block a merge may have to copy (dd_stream_parser_is_copied_block): the whole block,
   * @len bytes, as it is (in the other byte order if @swapped); @block is NULL when it was
   * longer than DD_STREAM_PARSER_MAX_UNIT, and skipped. Nullable: skipped then. */
  void     (*block)     (gpointer      user_data,
                         guint32       type,
                         const guint8 *block,
                         guint32       len,
                         gboolean      swapped);
} DdStreamParserFuncs;

/* Name resolution, decryption secrets, and custom blocks (both kinds: the one pcapng says
 * not to copy is reported too, so that what is left out can be counted). */
gboolean        dd_stream_parser_is_copied_block (guint32 type);

typedef struct _DdStreamParser DdStreamParser;

DdStreamParser *dd_stream_parser_new     (const DdStreamParserFuncs *funcs,
                                          gpointer                   user_data);
void            dd_stream_parser_free    (DdStreamParser *self);

/* Parses the complete units at the start of @data and sets @consumed to their length.
 * On an invalid stream returns FALSE (what was reported before stays reported); the
 * parser must not be fed again. */
gboolean        dd_stream_parser_feed    (DdStreamParser *self,
                                          const guint8   *data,
                                          gsize           len,
                                          gsize          *consumed,
                                          GError        **error);

/* How many contiguous bytes the next unit needs (at least 1, at most
 * DD_STREAM_PARSER_MAX_UNIT): feed() consumes nothing more until the caller holds them. */
gsize           dd_stream_parser_wanted  (DdStreamParser *self);

/* The input ended with @left bytes not consumed: FALSE when it ended inside a unit or
 * before any header. */
gboolean        dd_stream_parser_finish  (DdStreamParser *self,
                                          gsize           left,
                                          GError        **error);

DdFormat        dd_stream_parser_get_format  (DdStreamParser *self);
guint64         dd_stream_parser_get_packets (DdStreamParser *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdStreamParser, dd_stream_parser_free)

G_END_DECLS
