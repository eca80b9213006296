#!/usr/bin/env python3
"""One PPO minibatch update of the reference's Atari policy in PyTorch (CPU),
for bench-ppo.c to compare against: ms per minibatch.

The network is the reference's CNNBase (ppo_model.py): conv 32 8x8/4, 64
4x4/2, 128 3x3/1 (ReLU each), Linear 128*7*7 -> 1024 (ReLU), an 18-action
Categorical head and a value head. One update is what ppo.py does per
minibatch: forward of a batch of 4x84x84 observations, the clipped surrogate,
clipped value and entropy losses, zero_grad, backward, clip_grad_norm_(0.5),
Adam.step (lr 2.5e-4, eps 1e-5).

Usage: OMP_NUM_THREADS=2 /usr/bin/python3 bench/bench-ppo.py [--batch 250] [--iters 10]
Prints one line: "torch_ms_per_minibatch <median ms>".
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--actions", type=int, default=18)
    args = ap.parse_args()
    torch.manual_seed(0)
    features = nn.Sequential(
        nn.Conv2d(4, 32, 8, stride=4), nn.ReLU(),
        nn.Conv2d(32, 64, 4, stride=2), nn.ReLU(),
        nn.Conv2d(64, 128, 3, stride=1), nn.ReLU(), nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1024), nn.ReLU())
    actor = nn.Linear(1024, args.actions)
    critic = nn.Linear(1024, 1)
    params = list(features.parameters()) + list(actor.parameters()) + list(critic.parameters())
    opt = torch.optim.Adam(params, lr=2.5e-4, eps=1e-5)
    B = args.batch
    obs = torch.rand(B, 4, 84, 84)
    actions = torch.randint(0, args.actions, (B,))
    old_logp = torch.full((B,), -2.9)
    adv = torch.randn(B)
    old_v = torch.randn(B)
    ret = torch.randn(B)
    clip = 0.1

    def update():
        x = features(obs)
        logits = actor(x)
        v = critic(x).squeeze(1)
        logp_all = F.log_softmax(logits, dim=1)
        logp = logp_all.gather(1, actions[:, None]).squeeze(1)
        entropy = -(logp_all.exp() * logp_all).sum(1).mean()
        ratio = torch.exp(logp - old_logp)
        s1 = ratio * adv
        s2 = torch.clamp(ratio, 1 - clip, 1 + clip) * adv
        action_loss = -torch.min(s1, s2).mean()
        v_clip = old_v + (v - old_v).clamp(-clip, clip)
        value_loss = 0.5 * torch.max((v - ret) ** 2, (v_clip - ret) ** 2).mean()
        opt.zero_grad()
        (0.5 * value_loss + action_loss - 0.01 * entropy).backward()
        nn.utils.clip_grad_norm_(params, 0.5)
        opt.step()

    update()  # warm-up
    times = []
    for _ in range(args.iters):
        t0 = time.perf_counter()
        update()
        times.append((time.perf_counter() - t0) * 1e3)
    print("torch_ms_per_minibatch %.3f" % statistics.median(times))
    print("torch_threads %d" % torch.get_num_threads())


if __name__ == "__main__":
    main()
