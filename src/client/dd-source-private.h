/* What only the code that creates sources uses (dd-source-factory.c). */
#pragma once

#include "dd-source.h"

G_BEGIN_DECLS

/* Gives a new source its @target (taken), the run's @context and the @callbacks, once. */
void dd_source_bind (DdSource                *self,
                     DdTarget                *target,
                     const DdSourceContext   *context,
                     const DdSourceCallbacks *callbacks,
                     gpointer                 user_data);

G_END_DECLS
