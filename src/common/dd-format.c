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

static const char *
linktype_name (guint32 linktype)
{
  switch (linktype)
    {
    case 0: return "NULL";
    case 1: return "ETHERNET";
    case 101: return "RAW";
    case 105: return "IEEE802_11";
    case DD_LINKTYPE_LINUX_SLL: return "LINUX_SLL";
    case 127: return "IEEE802_11_RADIOTAP";
    case DD_LINKTYPE_LINUX_SLL2: return "LINUX_SLL2";
    default: return NULL;
    }
}

char *
dd_linktype_describe (guint32 linktype)
{
  const char *name = linktype_name (linktype);

  return name != NULL ? g_strdup_printf ("%u (%s)", linktype, name) : g_strdup_printf ("%u", linktype);
}
