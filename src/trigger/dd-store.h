/* Where a finished capture goes: a local directory, an HTTP(S) PUT target (a WebDAV
 * directory), or an S3 bucket. Each kind is a subclass that saves one file under a name
 * ([FOLDER/]ALERTID-UTCTIME.pcapng); the event retries a remote store that fails, and
 * keeps the file locally when it keeps failing. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "dd-trigger-config.h"
#include "dd-trigger-message.h"

G_BEGIN_DECLS

#define DD_TYPE_STORE (dd_store_get_type ())
G_DECLARE_DERIVABLE_TYPE (DdStore, dd_store, DD, STORE, GObject)

#define DD_STORE_ERROR (dd_store_error_quark ())
GQuark dd_store_error_quark (void);

typedef enum {
  DD_STORE_ERROR_INVALID,   /* a destination or setting that cannot be used */
  DD_STORE_ERROR_REFUSED,   /* the store answered with an error */
  DD_STORE_ERROR_FAILED,
} DdStoreError;

struct _DdStoreClass {
  GObjectClass parent_class;

  /* Saves the file at @path as @name; the message may choose a bucket, ACL... */
  void   (*save_async)  (DdStore                *self,
                         const char             *path,
                         const char             *name,
                         const DdTriggerMessage *message,
                         GCancellable           *cancellable,
                         GAsyncReadyCallback     callback,
                         gpointer                user_data);
  /* Where it went: a path or a URL (never with a password). The default returns the
   * pointer of the GTask that save_async made. */
  char  *(*save_finish) (DdStore       *self,
                         GAsyncResult  *result,
                         GError       **error);
};

/* A directory, http(s)://…/ or s3://BUCKET[/PREFIX]. */
DdStore    *dd_store_new_for_destination (const char             *destination,
                                          const DdTriggerConfig  *config,
                                          GError                **error);
/* Whether the capture is written elsewhere first (the spool) and sent. */
gboolean    dd_store_is_remote           (DdStore *self);
/* For the log: the destination without a password. */
const char *dd_store_describe            (DdStore *self);

void        dd_store_save_async          (DdStore                *self,
                                          const char             *path,
                                          const char             *name,
                                          const DdTriggerMessage *message,
                                          GCancellable           *cancellable,
                                          GAsyncReadyCallback     callback,
                                          gpointer                user_data);
char       *dd_store_save_finish         (DdStore       *self,
                                          GAsyncResult  *result,
                                          GError       **error);

/* For subclasses. */
void        dd_store_set_description     (DdStore    *self,
                                          const char *description,
                                          gboolean    remote);
/* Remote stores: one session for all their requests (uploads may take minutes). */
SoupSession *dd_store_get_session        (DdStore    *self);
/* The capture to send, and its size. */
GFileInputStream *dd_store_open_file     (const char    *path,
                                          goffset       *size,
                                          GCancellable  *cancellable,
                                          GError       **error);

G_END_DECLS
