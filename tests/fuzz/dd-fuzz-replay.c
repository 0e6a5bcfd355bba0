/* main() of a fuzz target built without libFuzzer: every file of the corpus folder given
 * on the command line, each followed by deterministic mutations of it (bit flips, random
 * bytes, 0xff runs, truncations, insertions), through LLVMFuzzerTestOneInput(). */
#include "config.h"

#include <string.h>

#include "dd-fuzz.h"

#define MUTATIONS 500

static void
mutate (GRand      *rand,
        GByteArray *m)
{
  guint edits = g_rand_int_range (rand, 1, 8);

  for (guint e = 0; e < edits && m->len > 0; e++)
    {
      guint at = g_rand_int_range (rand, 0, (gint32) m->len);

      switch (g_rand_int_range (rand, 0, 5))
        {
        case 0:
          m->data[at] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
          break;
        case 1:
          m->data[at] = (guint8) g_rand_int_range (rand, 0, 256);
          break;
        case 2:
          memset (m->data + at, 0xff, MIN (4u, m->len - at));
          break;
        case 3:
          g_byte_array_set_size (m, at);
          break;
        default:
          g_byte_array_set_size (m, m->len + 1);
          memmove (m->data + at + 1, m->data + at, m->len - at - 1);
          m->data[at] = (guint8) g_rand_int_range (rand, 0, 256);
          break;
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (8475);
  const char *name;

  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS-DIR [--tap]\n", argv[0]);
      return 1;
    }
  dir = g_dir_open (argv[1], 0, &error);
  if (dir == NULL)
    {
      g_print ("1..1\nnot ok 1 - %s\n", error->message);
      return 1;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  if (names->len == 0)
    {
      g_print ("1..1\nnot ok 1 - the corpus %s is empty\n", argv[1]);
      return 1;
    }

  LLVMFuzzerTestOneInput ((const guint8 *) "", 0);
  g_print ("1..%u\n", names->len);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (argv[1], g_ptr_array_index (names, i), NULL);
      g_autofree char *contents = NULL;
      gsize size;

      if (!g_file_get_contents (path, &contents, &size, &error))
        {
          g_print ("not ok %u - %s\n", i + 1, error->message);
          return 1;
        }
      LLVMFuzzerTestOneInput ((const guint8 *) contents, size);
      for (guint k = 0; k < MUTATIONS; k++)
        {
          g_autoptr(GByteArray) m = g_byte_array_sized_new ((guint) size + 8);

          g_byte_array_append (m, (const guint8 *) contents, (guint) size);
          mutate (rand, m);
          LLVMFuzzerTestOneInput (m->data, m->len);
        }
      g_print ("ok %u - %s and %u mutations of it\n", i + 1, (char *) g_ptr_array_index (names, i),
               MUTATIONS);
    }
  return 0;
}
