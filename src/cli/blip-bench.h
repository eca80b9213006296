/* blip-bench.h — `blip bench`: speed of the training step against its GEMMs. */
#pragma once

int blip_bench_main (int argc, char **argv);
