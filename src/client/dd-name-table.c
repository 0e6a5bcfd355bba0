#include "config.h"

#include <string.h>

#include "dd-name-table.h"
#include "dd-pcapng-writer.h"

struct _DdNameTable {
  GHashTable *records;  /* of GBytes: a record's type (2 bytes, ours) and its value */
};

DdNameTable *
dd_name_table_new (void)
{
  DdNameTable *self = g_new0 (DdNameTable, 1);

  self->records = g_hash_table_new_full (g_bytes_hash, g_bytes_equal, (GDestroyNotify) g_bytes_unref, NULL);
  return self;
}

void
dd_name_table_free (DdNameTable *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->records);
  g_free (self);
}

gboolean
dd_name_table_add (DdNameTable  *self,
                   guint16       type,
                   const guint8 *value,
                   guint16       len,
                   GByteArray   *records)
{
  guint8 *key = g_malloc (2 + (gsize) len);
  GBytes *bytes;

  memcpy (key, &type, 2);
  memcpy (key + 2, value, len);
  bytes = g_bytes_new_take (key, 2 + (gsize) len);
  if (!g_hash_table_add (self->records, bytes))
    return FALSE;  /* held already (the table keeps one of the two keys) */
  dd_pcapng_put_nrb_record (records, type, value, len);
  return TRUE;
}

guint
dd_name_table_take_nrb (DdNameTable   *self,
                        const guint8  *block,
                        gsize          len,
                        gboolean       swapped,
                        GByteArray    *records,
                        const guint8 **options,
                        gsize         *options_len)
{
  const guint8 *p = block + 8, *end = block + len - 4;
  const guint8 *value;
  guint16 type, vlen;
  guint taken = 0;

  g_return_val_if_fail (len >= 12, 0);
  while (dd_pcapng_nrb_next_record (&p, end, swapped, &type, &value, &vlen))
    taken += dd_name_table_add (self, type, value, vlen, records);
  *options = p;
  *options_len = (gsize) (end - p);
  return taken;
}

guint
dd_name_table_get_size (DdNameTable *self)
{
  return g_hash_table_size (self->records);
}
