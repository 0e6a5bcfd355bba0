/* Small helpers to append fixed-width fields to a GByteArray in host byte order. */
#pragma once

#include <string.h>
#include <glib.h>

G_BEGIN_DECLS

/* Grows @buf by @n bytes (uninitialised) and returns a pointer to them. */
static inline guint8 *
dd_buffer_grow (GByteArray *buf,
                gsize       n)
{
  guint old = buf->len;

  g_byte_array_set_size (buf, old + n);
  return buf->data + old;
}

static inline guint8 *
dd_put_u16 (guint8 *p, guint16 v)
{
  memcpy (p, &v, sizeof v);
  return p + sizeof v;
}

static inline guint8 *
dd_put_u32 (guint8 *p, guint32 v)
{
  memcpy (p, &v, sizeof v);
  return p + sizeof v;
}

static inline guint8 *
dd_put_u64 (guint8 *p, guint64 v)
{
  memcpy (p, &v, sizeof v);
  return p + sizeof v;
}

static inline gsize
dd_pad4 (gsize n)
{
  return (n + 3) & ~(gsize) 3;
}

G_END_DECLS
