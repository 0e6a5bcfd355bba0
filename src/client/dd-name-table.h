/* The names a merged pcapng file carries (Name Resolution Block records), each once: the
 * records of the inputs' NRBs, merged, and next ddump's own (the workers' addresses).
 *
 * The output asks the table, for each NRB it is to write, which of its records are new;
 * only those are written, in a block of their own, so that a name several inputs carry
 * appears once, where it first came. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DdNameTable DdNameTable;

DdNameTable *dd_name_table_new  (void);
void         dd_name_table_free (DdNameTable *self);

/* The records of the NRB @block (@len bytes, in the other byte order if @swapped) that the
 * table did not hold, appended to @records in our byte order (dd_pcapng_write_nrb) and
 * remembered; where the block's options begin, in *@options. Returns how many. */
guint        dd_name_table_take_nrb (DdNameTable   *self,
                                     const guint8  *block,
                                     gsize          len,
                                     gboolean       swapped,
                                     GByteArray    *records,
                                     const guint8 **options,
                                     gsize         *options_len);

/* One record (@type, @value of @len bytes, in our byte order): TRUE, appended to
 * @records, when the table did not hold it. */
gboolean     dd_name_table_add      (DdNameTable   *self,
                                     guint16        type,
                                     const guint8  *value,
                                     guint16        len,
                                     GByteArray    *records);

guint        dd_name_table_get_size (DdNameTable *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdNameTable, dd_name_table_free)

G_END_DECLS
