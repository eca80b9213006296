/* blip.h — libblip, the BLIP Studio engine: everything a front-end needs. */
#pragma once

#include "blip-config.h"
#include "blip-rng.h"
#include "blip-layers.h"
#include "blip-quant.h"
#include "blip-network.h"
#include "blip-optim.h"
#include "blip-trainer.h"
#include "blip-snapshot.h"
#include "blip-results.h"
#include "blip-json.h"
#include "blip-safetensors.h"
#include "blip-checkpoint.h"
#include "blip-strategy.h"
#include "blip-experiment.h"
#include "blip-datadir.h"
#include "blip-idx.h"
