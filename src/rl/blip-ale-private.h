/* blip-ale-private.h — the ROM table behind blip-ale.c's md5 check, exposed
 * so tests/test-ale.c can run the check against files it makes itself (real
 * ROMs cannot ship with the tests). */
#pragma once

#include "blip-ale.h"

G_BEGIN_DECLS

typedef struct {
  const char *game;        /* ALE's ROM name: the file is <game>.bin */
  const char *md5;         /* 32 lower-case hex digits */
} BlipAleRom;

/* The check blip_ale_check_roms() runs, against any table: FALSE with one
 * BLIP_ALE_ERROR_ROM naming every missing file and every file whose md5 is
 * not the table's (with the md5 found and the one expected). */
gboolean blip_ale_check_rom_table (const char *rom_dir, const BlipAleRom *roms, gsize n_roms,
                                   GError **error);

G_END_DECLS
