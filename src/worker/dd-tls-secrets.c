#include "config.h"

#include <string.h>

#include "dd-format.h"
#include "dd-keylog-file.h"
#include "dd-tls-secrets.h"

#define RANDOM_LEN 32
/* At most this many ClientHellos wait at once (the oldest gives way), and this many of the
 * client randoms read from key lines are remembered (a line can be read before the
 * packets of its handshake are drained). */
#define MAX_WAITING 256
#define MAX_KNOWN 1024

typedef struct {
  guint8  random[RANDOM_LEN];
  guint64 ts;
} Hello;

struct _DdTlsSecrets {
  GPtrArray *files;                          /* DdKeylogFile */
  char      *label;
  guint64    wait_ns;
  Hello      waiting[MAX_WAITING];           /* in the order they were noted */
  guint      n_waiting;
  guint8     known[MAX_KNOWN][RANDOM_LEN];   /* a ring */
  guint      n_known;
  guint      next_known;
  guint64    lines;
  guint64    hellos;
};

DdTlsSecrets *
dd_tls_secrets_new (const char * const *paths,
                    guint64             wait_ns,
                    const char         *label)
{
  DdTlsSecrets *self = g_new0 (DdTlsSecrets, 1);

  self->files = g_ptr_array_new_with_free_func ((GDestroyNotify) dd_keylog_file_free);
  for (guint i = 0; paths != NULL && paths[i] != NULL; i++)
    g_ptr_array_add (self->files, dd_keylog_file_new (paths[i]));
  self->wait_ns = wait_ns;
  self->label = g_strdup (label);
  return self;
}

void
dd_tls_secrets_free (DdTlsSecrets *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->files);
  g_free (self->label);
  g_free (self);
}

static gboolean
is_known (DdTlsSecrets *self,
          const guint8 *random)
{
  for (guint i = 0; i < self->n_known; i++)
    if (memcmp (self->known[i], random, RANDOM_LEN) == 0)
      return TRUE;
  return FALSE;
}

static void
drop_waiting (DdTlsSecrets *self,
              guint         i)
{
  memmove (&self->waiting[i], &self->waiting[i + 1], (self->n_waiting - i - 1) * sizeof (Hello));
  self->n_waiting--;
}

/* The client random of a TLS ClientHello starting a TCP segment's payload, or NULL. */
static const guint8 *
client_random (const guint8 *p,
               guint32       caplen)
{
  const guint8 *end = p + caplen, *tcp, *payload;
  guint proto;

  /* SLL2 (20 bytes, the protocol type first), then IPv4 (not a later fragment) or IPv6
   * (TCP as its next header). */
  if (caplen >= DD_SLL2_HEADER_LEN + 20 && p[0] == 0x08 && p[1] == 0x00 && (p[20] >> 4) == 4)
    {
      if (((p[26] & 0x1f) | p[27]) != 0)
        return NULL;
      proto = p[29];
      tcp = p + DD_SLL2_HEADER_LEN + (p[20] & 0x0f) * 4;
    }
  else if (caplen >= DD_SLL2_HEADER_LEN + 40 && p[0] == 0x86 && p[1] == 0xdd && (p[20] >> 4) == 6)
    {
      proto = p[26];
      tcp = p + DD_SLL2_HEADER_LEN + 40;
    }
  else
    return NULL;
  if (proto != 6 || tcp + 20 > end)
    return NULL;
  payload = tcp + (tcp[12] >> 4) * 4;
  /* A handshake record (type 22, version 3.x), a ClientHello (type 1) in it, its version
   * (2 bytes), then the random. */
  if (payload + 11 + RANDOM_LEN > end || payload[0] != 22 || payload[1] != 3 || payload[5] != 1)
    return NULL;
  return payload + 11;
}

void
dd_tls_secrets_note_packet (DdTlsSecrets *self,
                            guint64       ts,
                            const guint8 *data,
                            guint32       caplen)
{
  const guint8 *random = client_random (data, caplen);

  if (random == NULL || is_known (self, random))
    return;
  /* On "any" a packet can be seen twice (leaving one interface, entering another). */
  for (guint i = 0; i < self->n_waiting; i++)
    if (memcmp (self->waiting[i].random, random, RANDOM_LEN) == 0)
      {
        self->waiting[i].ts = MIN (self->waiting[i].ts, ts);
        return;
      }
  if (self->n_waiting == MAX_WAITING)
    drop_waiting (self, 0);
  memcpy (self->waiting[self->n_waiting].random, random, RANDOM_LEN);
  self->waiting[self->n_waiting].ts = ts;
  self->n_waiting++;
  self->hellos++;
}

/* A key line's client random ("LABEL <64 hex digits> <secret>"), into @random. */
static gboolean
parse_line (const char *line,
            const char *end,
            guint8     *random)
{
  const char *p = memchr (line, ' ', (gsize) (end - line));

  if (p == NULL || line[0] == '#' || end - (p + 1) < 2 * RANDOM_LEN + 2 || p[1 + 2 * RANDOM_LEN] != ' ')
    return FALSE;
  p++;
  for (guint i = 0; i < RANDOM_LEN; i++)
    {
      int hi = g_ascii_xdigit_value (p[2 * i]), lo = g_ascii_xdigit_value (p[2 * i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      random[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static void
secrets_read (DdTlsSecrets *self,
              const guint8 *random)
{
  self->lines++;
  for (guint i = 0; i < self->n_waiting; i++)
    if (memcmp (self->waiting[i].random, random, RANDOM_LEN) == 0)
      {
        drop_waiting (self, i);
        break;
      }
  if (is_known (self, random))
    return;
  memcpy (self->known[self->next_known], random, RANDOM_LEN);
  self->next_known = (self->next_known + 1) % MAX_KNOWN;
  self->n_known = MIN (self->n_known + 1, MAX_KNOWN);
}

void
dd_tls_secrets_read (DdTlsSecrets *self,
                     GString      *lines,
                     gsize         max)
{
  for (guint i = 0; i < self->files->len && lines->len + DD_KEYLOG_LINE_MAX <= max; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize start = lines->len;

      if (!dd_keylog_file_read (self->files->pdata[i], lines, max - lines->len, &error))
        {
          g_warning ("%s: %s", self->label, error->message);
          continue;
        }
      for (const char *line = lines->str + start, *end; line < lines->str + lines->len; line = end + 1)
        {
          guint8 random[RANDOM_LEN];

          end = memchr (line, '\n', (gsize) (lines->str + lines->len - line));
          if (parse_line (line, end, random))
            secrets_read (self, random);
        }
    }
}

guint64
dd_tls_secrets_hold (DdTlsSecrets *self,
                     guint64       now)
{
  guint64 oldest = G_MAXUINT64;

  for (guint i = 0; i < self->n_waiting;)
    {
      if (self->waiting[i].ts + self->wait_ns <= now)
        {
          drop_waiting (self, i);
          continue;
        }
      oldest = MIN (oldest, self->waiting[i].ts);
      i++;
    }
  return oldest == G_MAXUINT64 ? oldest : oldest - 1;
}

guint64
dd_tls_secrets_get_lines (DdTlsSecrets *self)
{
  return self->lines;
}

guint64
dd_tls_secrets_get_hellos (DdTlsSecrets *self)
{
  return self->hellos;
}

guint
dd_tls_secrets_get_waiting (DdTlsSecrets *self)
{
  return self->n_waiting;
}
