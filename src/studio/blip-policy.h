/* blip-policy.h — agents for the app's game views: something that picks an
 * action from an observation, on the UI thread.
 *
 * A policy is a BlipPolicyFunc and its data. Two kinds exist:
 *   - a random agent (uniform over the game's actions, from a seeded BlipRng),
 *     what the class sees before anything is learned;
 *   - a network agent: one head of a BlipPolicyNet, a private copy of the
 *     network's parameters rebuilt from a snapshot taken with
 *     BLIP_SNAPSHOT_VALUES | BLIP_SNAPSHOT_HEADS. It never touches the
 *     trainer's arena, so the UI can run it while the worker trains; one
 *     forward of the MinAtar network (conv 16 3×3, fc 128, a head) is about
 *     0.1 ms, cheap enough for the frame clock.
 * The network agent acts greedily (the argmax of the head's first n_actions
 * outputs: an actor-critic head may carry a value after them).
 */
#pragma once

#include <glib.h>

#include "blip.h"

G_BEGIN_DECLS

#define BLIP_POLICY_ERROR (blip_policy_error_quark ())
GQuark blip_policy_error_quark (void);

typedef enum {
  BLIP_POLICY_ERROR_NETWORK,   /* the snapshot does not describe a network the app can rebuild */
} BlipPolicyError;

/* The action in [0, n_actions) of the game's minimal set for obs[C, H, W]. */
typedef int (*BlipPolicyFunc) (gpointer data, const float *obs);

/* ---- Random agent ---- */

typedef struct _BlipRandomPolicy BlipRandomPolicy;

BlipRandomPolicy *blip_random_policy_new  (int n_actions, guint64 seed);
void              blip_random_policy_free (BlipRandomPolicy *policy);
/* A BlipPolicyFunc; data is a BlipRandomPolicy. */
int               blip_random_policy_act  (gpointer data, const float *obs);

/* ---- Network agent ---- */

typedef struct _BlipPolicyNet BlipPolicyNet;

/* The network of snapshot s (its feature layers as a chain of convolutions
 * and linear layers, each followed by a ReLU, then its heads), with s's
 * parameter values. NULL with BLIP_POLICY_ERROR_NETWORK when s lacks values
 * or heads, or its layers do not chain. */
BlipPolicyNet *blip_policy_net_new    (const BlipSnapshot *s, GError **error);
BlipPolicyNet *blip_policy_net_ref    (BlipPolicyNet *net);
void           blip_policy_net_unref  (BlipPolicyNet *net);
int            blip_policy_net_n_heads (const BlipPolicyNet *net);
/* Network input channels: a game with fewer leaves the rest zero. */
int            blip_policy_net_in_channels (const BlipPolicyNet *net);

/* Greedy action of head `head` for obs[obs_channels, H, W] (H, W those of the
 * network's input): argmax over the first n_actions outputs. */
int            blip_policy_net_act    (BlipPolicyNet *net, int head, const float *obs, int obs_channels,
                                       int n_actions);
/* The outputs of the last blip_policy_net_act (network-owned, n_outputs). */
const float   *blip_policy_net_last_outputs (BlipPolicyNet *net, int *n_outputs);

/* One head of a network bound to one game: the data of blip_policy_head_act. */
typedef struct _BlipPolicyHead BlipPolicyHead;

BlipPolicyHead *blip_policy_head_new  (BlipPolicyNet *net, int head, int obs_channels, int n_actions);
void            blip_policy_head_free (BlipPolicyHead *head);
/* A BlipPolicyFunc; data is a BlipPolicyHead. */
int             blip_policy_head_act  (gpointer data, const float *obs);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BlipPolicyNet, blip_policy_net_unref)

G_END_DECLS
