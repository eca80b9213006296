/* blip-table.h — `blip table`: every registered method on one experiment with
 * its paper settings, one `blip run` per method into DIR/<approach>/, then one
 * table in the layout of the BLIP paper's (ACC, BWT, memory, time and the
 * paper's figure), printed and written as table.csv and table.json. Complete
 * results already in DIR/<approach>/ are reused; --resume continues
 * interrupted runs from their checkpoints; --jobs N runs N methods at a time;
 * --report prints a folder's table as it stands and runs nothing. */
#pragma once

/* argv[0] is "table". Returns the exit status. */
int blip_table_main (int argc, char **argv);
