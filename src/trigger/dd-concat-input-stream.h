/* Streams read one after the other, as one: a multipart body made of its text and a
 * file, sent without reading the file into memory. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DD_TYPE_CONCAT_INPUT_STREAM (dd_concat_input_stream_get_type ())
G_DECLARE_FINAL_TYPE (DdConcatInputStream, dd_concat_input_stream, DD, CONCAT_INPUT_STREAM, GInputStream)

/* Takes a reference to each of the @n @streams. */
GInputStream *dd_concat_input_stream_new (GInputStream * const *streams,
                                          guint                 n);

G_END_DECLS
