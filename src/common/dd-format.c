#include "config.h"

#include "dd-format.h"

const char *
dd_format_to_string (DdFormat format)
{
  return format == DD_FORMAT_PCAPNG ? "pcapng" : "pcap";
}

const char *
dd_format_to_mime (DdFormat format)
{
  return format == DD_FORMAT_PCAPNG ? DD_MIME_PCAPNG : DD_MIME_PCAP;
}

gboolean
dd_format_from_string (const char *str,
                       DdFormat   *out_format)
{
  if (g_strcmp0 (str, "pcap") == 0)
    *out_format = DD_FORMAT_PCAP;
  else if (g_strcmp0 (str, "pcapng") == 0)
    *out_format = DD_FORMAT_PCAPNG;
  else
    return FALSE;
  return TRUE;
}
