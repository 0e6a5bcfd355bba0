/* A directory: the file is linked into place under its name (never replacing one: -2,
 * -3… when it is taken), so that a reader never sees half a file. The capture is written
 * in the same directory first, under a hidden temporary name. */
#pragma once

#include "dd-store.h"

G_BEGIN_DECLS

#define DD_TYPE_LOCAL_STORE (dd_local_store_get_type ())
G_DECLARE_FINAL_TYPE (DdLocalStore, dd_local_store, DD, LOCAL_STORE, DdStore)

/* Creates @directory when missing; fails when it cannot be written. */
DdStore *dd_local_store_new  (const char  *directory,
                              GError     **error);

/* Links @path into @directory as @name (a relative path: its folders are created). */
char    *dd_local_store_link (const char  *directory,
                              const char  *path,
                              const char  *name,
                              GError     **error);

G_END_DECLS
