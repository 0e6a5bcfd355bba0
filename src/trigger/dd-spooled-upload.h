/* A capture file in the spool, saved in its store: tried again when the store fails
 * (@attempts in all, the delay doubling from @retry_delay), then kept in SPOOL/kept/NAME
 * so that it is never lost. The file is the upload's from here on: moved (a local store),
 * removed once a remote store has it, or kept. */
#pragma once

#include <gio/gio.h>

#include "dd-store.h"
#include "dd-trigger-message.h"

G_BEGIN_DECLS

#define DD_TYPE_SPOOLED_UPLOAD (dd_spooled_upload_get_type ())
G_DECLARE_FINAL_TYPE (DdSpooledUpload, dd_spooled_upload, DD, SPOOLED_UPLOAD, GObject)

/* @path is in @spool; @name is where the store puts it; @message (not owned) must outlive
 * the upload; @label names it in the log. */
DdSpooledUpload *dd_spooled_upload_new         (DdStore                *store,
                                                const char             *spool,
                                                const char             *path,
                                                const char             *name,
                                                const DdTriggerMessage *message,
                                                guint                   attempts,
                                                gdouble                 retry_delay,
                                                const char             *label);

void             dd_spooled_upload_run_async   (DdSpooledUpload     *self,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
/* FALSE (DD_TRIGGER_EVENT_ERROR_STORE) only when the store kept failing and the file
 * could not even be kept. */
gboolean         dd_spooled_upload_run_finish  (DdSpooledUpload  *self,
                                                GAsyncResult     *result,
                                                GError          **error);
/* No more waiting for the store: a retry that is due keeps the file at once; an attempt
 * in flight that fails keeps it. */
void             dd_spooled_upload_stop        (DdSpooledUpload *self);

/* Where the file is: the store's path or URL, or the kept path; NULL before the end. */
const char      *dd_spooled_upload_get_location (DdSpooledUpload *self);
gboolean         dd_spooled_upload_is_kept     (DdSpooledUpload *self);
guint            dd_spooled_upload_get_attempts (DdSpooledUpload *self);
/* The store's last error, or NULL. */
const char      *dd_spooled_upload_get_error   (DdSpooledUpload *self);

G_END_DECLS
