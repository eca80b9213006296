/* blip-status.h — `blip status DIR…`: where a run (or every run of a
 * `blip table` folder) stands, from the files it writes: its newest
 * checkpoint and its results.json. It reads; it never changes a run. */
#pragma once

/* argv[0] is "status". Returns the exit status. */
int blip_status_main (int argc, char **argv);
