/* What the worker allows each capture, whoever asks: worker-wide caps (the longest
 * duration, the largest snaplen, the most bytes, the most captures at once per identity)
 * and a filter clause ANDed into every capture. A request over a size cap is clamped, and
 * the clamps are said in the response (X-Ddump-Clamped) and the audit log; one identity
 * over its number of captures is refused. */
#pragma once

#include <glib.h>

#include "dd-capture-request.h"

G_BEGIN_DECLS

#define DD_POLICY_ERROR (dd_policy_error_quark ())
GQuark dd_policy_error_quark (void);

typedef enum {
  DD_POLICY_ERROR_TOO_MANY,  /* the identity runs its most captures: 429 */
} DdPolicyError;

typedef struct {
  guint64     max_duration_ms;   /* 0: none */
  guint32     max_snaplen;       /* 0: none */
  guint64     max_bytes;         /* 0: none */
  guint       max_per_identity;  /* 0: none */
  const char *required_filter;   /* NULL: none */
  const char * const *no_secrets_for;  /* identities never sent TLS secrets (NULL-terminated), or NULL */
} DdPolicyOptions;

typedef struct _DdPolicy DdPolicy;

DdPolicy   *dd_policy_new      (const DdPolicyOptions *options);
void        dd_policy_free     (DdPolicy              *self);
/* Clamps @request to the caps (and ANDs the required filter into its filter); the clamps
 * as "duration=60s, snaplen=1500", or NULL. FALSE when @identity, which runs @running
 * captures now (as the server counts them: departed clients not counted), may not
 * capture more. */
gboolean    dd_policy_apply    (DdPolicy              *self,
                                DdCaptureRequest      *request,
                                const char            *identity,
                                guint                  running,
                                char                 **clamped,
                                GError               **error);
/* Whether @identity may be sent the TLS secrets of --tls-keylog. */
gboolean    dd_policy_allows_secrets (DdPolicy        *self,
                                      const char      *identity);
/* For the log: the caps in force, or NULL when there are none. */
char       *dd_policy_describe (DdPolicy              *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdPolicy, dd_policy_free)

G_END_DECLS
