/* blip-lesson-check.h — `blip lesson …` (blip-lesson-check.c). */
#pragma once

/* argv[0] is "lesson"; returns the exit status: 0 all files valid, 1 one is
 * not, 2 a usage error. */
int blip_lesson_main (int argc, char **argv);
