/* blip-bench.h — `blip bench`: speed of the training step against its GEMMs. */
#pragma once

int blip_bench_main (int argc, char **argv);
/* `blip bench conv`: AlexNet --mul 2, batch 32; reference_ms ≤ 0 when unknown. */
int blip_bench_conv_main (int batches, double reference_ms);
