/* The packet journey's reading of captured frames, which any host on the path may have
 * shaped (dd-journey-key.h), and its matching of them (dd-journey.h). The first byte picks
 * the link type, the rest is the frame. Invariants: a key is found (with an id that is not
 * 0) or not (and its id is 0), within the frame's bytes (ASan checks); the same frame seen
 * at two points is one packet's two copies. */
#include "config.h"

#include "dd-format.h"
#include "dd-fuzz.h"
#include "dd-journey.h"
#include "dd-journey-key.h"
#include "dd-pcapng-writer.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const guint32 linktypes[] = { DD_LINKTYPE_LINUX_SLL2, DD_LINKTYPE_LINUX_SLL, 1, 101, 228, 229 };
  g_autoptr(DdJourney) journey = NULL;
  DdJourneyKey key;
  DdJourneyRef refs[2];
  DdJourneyFate fate;
  guint32 linktype;
  gboolean found;
  guint8 *frame;

  if (size < 1 || size > 65536)
    return 0;
  linktype = linktypes[data[0] % G_N_ELEMENTS (linktypes)];
  /* A copy of its own size: reading past it is caught. */
  frame = g_memdup2 (data + 1, size - 1);
  found = dd_journey_key_from_frame (linktype, frame, (guint32) (size - 1), &key);
  g_assert_true (found == (key.id != 0));

  journey = dd_journey_new (G_GUINT64_CONSTANT (1000000000));
  dd_journey_add_interface (journey, 0, "a/eth0", linktype);
  dd_journey_add_interface (journey, 1, "b/eth0", linktype);
  for (guint i = 0; i < 2; i++)
    {
      DdPacket packet = {
        .ts = G_GUINT64_CONSTANT (1700000000000000000) + i * 1000,
        .data = frame,
        .caplen = (guint32) (size - 1),
        .origlen = (guint32) (size - 1),
        .flags = i == 0 ? DD_EPB_FLAG_OUTBOUND : DD_EPB_FLAG_INBOUND,
        .interface_id = i,
      };

      g_assert_true (dd_journey_see (journey, &packet, &refs[i]) == found);
    }
  dd_journey_finish (journey);
  if (found)
    {
      dd_journey_get_fate (journey, &refs[1], &fate);
      g_assert_cmpuint (fate.copies, ==, 2);
      g_assert_cmpint (fate.delay_ns, ==, 1000);
      dd_journey_release (journey, &refs[0]);
      dd_journey_release (journey, &refs[1]);
    }
  g_free (frame);
  return 0;
}
