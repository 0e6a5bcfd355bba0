/* Shared by the fuzz targets. Each target defines LLVMFuzzerTestOneInput(); built with
 * -Dfuzzing=true (clang) it is a libFuzzer target, otherwise dd-fuzz-replay.c gives it a
 * main() that replays its seed corpus (and deterministic mutations of it) as a unit test.
 * A broken invariant aborts, in both. */
#pragma once

#include <glib.h>
#include <string.h>

G_BEGIN_DECLS

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* Every error a parser of untrusted input returns must say what was wrong. */
#define DD_FUZZ_CHECK_ERROR(err, dom)                                   \
  G_STMT_START {                                                        \
    g_assert_nonnull (err);                                             \
    g_assert_true ((err)->domain == (dom));                             \
    g_assert_nonnull ((err)->message);                                  \
    g_assert_cmpuint (strlen ((err)->message), >, 0);                   \
  } G_STMT_END

/* The input as a NUL-terminated string (what parsers of text see). */
static inline char *
dd_fuzz_strndup (const guint8 *data,
                 size_t        size)
{
  return g_strndup ((const char *) data, size);
}

G_END_DECLS
