/* What a trigger message asks for, decided before anything runs: the configured workers
 * it selects (by node or node regex, with the interfaces it names or aliases), its
 * limits clamped by the configuration, the folder it may be stored in, the file's name,
 * the section header's comments and the options of the client that captures it. Pure:
 * no network, no files, no clock but the times it is given; a unit test drives it. */
#pragma once

#include <glib.h>

#include "dd-client.h"
#include "dd-trigger-config.h"
#include "dd-trigger-message.h"

G_BEGIN_DECLS

typedef struct {
  GPtrArray       *names;        /* the workers selected, as configured */
  GPtrArray       *specs;        /* their targets, NULL-terminated: with the interfaces asked */
  GPtrArray       *clamps;       /* what the configuration clamped, for the result */
  GPtrArray       *warnings;     /* what of the message is ignored, and why */
  DdTriggerLimits  limits;
  char            *folder;       /* "" or the message's, made safe */
  char            *description;  /* "event ID (alertid A) on web1, web2", for the log */
  gboolean         packetdebug;  /* asked and allowed: a log line per packet */
} DdTriggerPlan;

/* Fails (DD_TRIGGER_EVENT_ERROR: NO_WORKER, FILTER, STORE) naming what of the message
 * cannot be captured. @s3_store: the store is S3 (its fields are not ignored). */
DdTriggerPlan *dd_trigger_plan_new     (const DdTriggerConfig  *config,
                                        const DdTriggerMessage *message,
                                        const char             *id,
                                        gboolean                s3_store,
                                        GError                **error);
void           dd_trigger_plan_free    (DdTriggerPlan *self);

/* [FOLDER/]ALERTID-UTCTIME.pcapng, only the alertid's harmless characters kept (a
 * random UUID without one), for a capture started at @started. */
char          *dd_trigger_plan_file_name (const DdTriggerPlan    *self,
                                          const DdTriggerMessage *message,
                                          GDateTime              *started);
/* The section header's comments: the event, each worker's URL (never a password), the
 * clamps, the message. */
GStrv          dd_trigger_plan_comments  (const DdTriggerPlan    *self,
                                          const DdTriggerMessage *message,
                                          const char             *id,
                                          GDateTime              *started);
/* The capture's client options; their strings point into @self, @config, @message and
 * @comments, which must outlive them. */
void           dd_trigger_plan_client_options (const DdTriggerPlan    *self,
                                               const DdTriggerConfig  *config,
                                               const DdTriggerMessage *message,
                                               char                  **comments,
                                               DdClientOptions        *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdTriggerPlan, dd_trigger_plan_free)

G_END_DECLS
