/* A capture request as pcapdaemon's senders write it: a JSON object, field for field
 * (node, nodere, interface, alias, tags, bpf, customer, snap, packets, alertid, timeout,
 * duration, bytes, packetdebug, folder, bucket, acl, region, endpoint, encryption), plus
 * `before` (seconds of history before the event) and `follow` (a workload's DNS name, or
 * a list of them: only its addresses are captured, as ddump --follow does). Unknown fields are ignored, as
 * pcapdaemon does; a known field of the wrong type is an error that names it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DD_TRIGGER_MESSAGE_ERROR (dd_trigger_message_error_quark ())
GQuark dd_trigger_message_error_quark (void);

typedef enum {
  DD_TRIGGER_MESSAGE_ERROR_SYNTAX,    /* not JSON, or not an object */
  DD_TRIGGER_MESSAGE_ERROR_TYPE,      /* a field of the wrong type or out of range */
  DD_TRIGGER_MESSAGE_ERROR_CONFLICT,  /* fields that exclude each other, or a missing one */
  DD_TRIGGER_MESSAGE_ERROR_FAILED,
} DdTriggerMessageError;

typedef struct {
  char    *node;        /* an exact worker name, or "any"; NULL when nodere is given */
  GRegex  *nodere;      /* matched anywhere in a worker's name */
  char    *nodere_text;
  char   **interfaces;  /* NULL: every interface */
  char   **aliases;     /* NULL: none; never both with interfaces */
  char    *tags;        /* comma-separated */
  char    *bpf;
  char   **follow;      /* NULL: none */
  char    *customer;
  char    *alertid;     /* a number or a string, as text; NULL when absent */
  /* Limits: -1 when absent (the configuration's default applies). */
  gint64   snap;
  gint64   packets;
  gint64   bytes;
  gdouble  timeout;
  gdouble  duration;
  gdouble  before;      /* 0 when absent */
  gboolean packetdebug;
  char    *folder;
  char    *bucket;
  char    *acl;
  char    *region;
  char    *endpoint;
  gboolean encryption;
  char    *text;        /* the message as received */
} DdTriggerMessage;

DdTriggerMessage *dd_trigger_message_parse (const char  *text,
                                            gsize        length,
                                            GError     **error);
void              dd_trigger_message_free  (DdTriggerMessage *message);
/* The alertid of a message that does not parse, when it has one: so that its sender can
 * find the refusal. */
char             *dd_trigger_message_peek_alertid (const char *text,
                                                   gsize       length);

/* Whether the message selects the worker named @name. */
gboolean          dd_trigger_message_matches_node (const DdTriggerMessage *message,
                                                   const char             *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdTriggerMessage, dd_trigger_message_free)

G_END_DECLS
