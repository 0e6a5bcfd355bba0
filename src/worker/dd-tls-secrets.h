/* The TLS secrets one capture sends (ddump-worker --tls-keylog): the lines of the key log
 * files, those already there when the capture starts first, then new ones as they are
 * written. A key line is written after the handshake it is for was captured, and Wireshark
 * decrypts a session only with its secrets before its handshake: so the capture notes each
 * TLS ClientHello it sees and holds its watermark below the oldest one still waiting for
 * its secrets (for a bounded time), and ddump places the secrets there. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DdTlsSecrets DdTlsSecrets;

/* @paths: the key log files (NULL-terminated, copied); a ClientHello waits for its secrets
 * at most @wait_ns; @label (copied) starts what is said of a file that cannot be read. */
DdTlsSecrets *dd_tls_secrets_new         (const char * const *paths,
                                          guint64             wait_ns,
                                          const char         *label);
void          dd_tls_secrets_free        (DdTlsSecrets       *self);

/* A captured LINUX_SLL2 packet: a TLS ClientHello over TCP (IPv4 or IPv6) in it is noted,
 * unless its secrets were read already. */
void          dd_tls_secrets_note_packet (DdTlsSecrets       *self,
                                          guint64             ts,
                                          const guint8       *data,
                                          guint32             caplen);
/* Appends to @lines the key log lines written since the last read, until @lines holds at
 * most @max bytes (the rest waits for the next read); the ClientHellos they are for wait
 * no more. A file that cannot be read is said once (g_warning) until it can again. */
void          dd_tls_secrets_read        (DdTlsSecrets       *self,
                                          GString            *lines,
                                          gsize               max);
/* The newest watermark allowed at @now: just below the oldest ClientHello waiting for its
 * secrets, or G_MAXUINT64 when none waits. Those waiting since @now - wait wait no more. */
guint64       dd_tls_secrets_hold        (DdTlsSecrets       *self,
                                          guint64             now);

guint64       dd_tls_secrets_get_lines   (DdTlsSecrets       *self);  /* read so far */
guint64       dd_tls_secrets_get_hellos  (DdTlsSecrets       *self);  /* noted so far */
guint         dd_tls_secrets_get_waiting (DdTlsSecrets       *self);  /* waiting now (as of the last hold) */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdTlsSecrets, dd_tls_secrets_free)

G_END_DECLS
