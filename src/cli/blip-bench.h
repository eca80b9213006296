/* blip-bench.h — `blip bench`: speed of the training step against its GEMMs. */
#pragma once

#include "blip.h"

int blip_bench_main (int argc, char **argv);
/* Shared by the benchmarks: a trainer observer storing the seconds of the
 * Fisher estimation into the double at data, and a monotonic clock in seconds. */
void   blip_bench_observe_fisher (BlipTrainer *tr, const BlipEvent *ev, gpointer data);
double blip_bench_now (void);
/* `blip bench conv`: AlexNet --mul 2, batch 32; reference_ms ≤ 0 when unknown. */
int blip_bench_conv_main (int batches, double reference_ms);
