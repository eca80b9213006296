#!/usr/bin/env python3
"""Time the REFERENCE PyTorch implementation of BLIP (Yujun-Shi/BLIP) on CPU.

This script contains no copy of the reference's code: it puts the reference's
ImageClassification/src on sys.path and imports its own modules
(networks.q_alexnet, networks.q_mlp, networks.quant_layer,
approaches.blip, approaches.blip_utils), then calls them on random data.

Measured:
  1. ms per training batch, AlexNet --mul 2, experiment 'cifar'
     (3x32x32, taskcla 5x2 + 5x20), sbatch 32, lr 0.05, momentum 0,
     weight decay 0 (README / run_cifar_alt.sh): approaches.blip.Appr.train_epoch
     itself (forward, cross-entropy on the task head, zero_grad, backward,
     SGD step, clipping() on every Linear_Q/Conv2d_Q; train_epoch does not
     call sync_weight, so neither does this).
  2. The same for the MNIST-5 MLP (networks.q_mlp, ndim 1200 = run_blip.py
     default, 1x28x28, taskcla 5x2), sbatch 64, lr 0.01 (README command).
  3. approaches.blip_utils.estimate_fisher as run_blip.py calls it (defaults:
     batch_size=100, num_batch=80, i.e. 8,000 samples, one round) on the
     AlexNet mul-2 network with random 3x32x32 input; seconds.

Each figure is measured --reps times (default 3); the median is reported.

Usage:
  OMP_NUM_THREADS=2 python3 bench/reference-timing.py --reference DIR [--json out.json]
  OMP_NUM_THREADS=2 python3 bench/reference-timing.py --mirror GITDIR [--json out.json]
where DIR is a checkout of Yujun-Shi/BLIP and GITDIR a bare clone of it
(exported with `git archive HEAD` into a temporary directory).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--reference", help="checkout of Yujun-Shi/BLIP")
    src.add_argument("--mirror", help="git dir of Yujun-Shi/BLIP; HEAD is exported to a temp dir")
    p.add_argument("--json", help="write the figures to this JSON file")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3, help="repetitions per figure (median reported)")
    p.add_argument("--warmup", type=int, default=5, help="warm-up batches")
    p.add_argument("--batches", type=int, default=40, help="timed training batches per repetition")
    p.add_argument("--fisher-samples", type=int, default=8000,
                   help="samples for estimate_fisher (multiple of 100); below 8000 the time "
                        "is also extrapolated linearly to 8000")
    p.add_argument("--fisher-reps", type=int, default=None, help="repetitions of the Fisher timing (default --reps)")
    p.add_argument("--skip", default="", help="comma list of parts to skip: alexnet,mlp,fisher")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def busy_seconds():
    """System-wide busy CPU seconds (all cores) from /proc/stat, or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal ...
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)
    return busy / float(os.sysconf("SC_CLK_TCK"))


def own_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class Section:
    """Wall time of a block, plus how many cores other processes kept busy meanwhile."""

    def __enter__(self):
        self.b0, self.o0, self.t0 = busy_seconds(), own_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        b1, o1 = busy_seconds(), own_seconds()
        self.own_cores = (o1 - self.o0) / self.wall
        self.other_cores = None
        if self.b0 is not None and b1 is not None:
            self.other_cores = max(0.0, ((b1 - self.b0) - (o1 - self.o0)) / self.wall)
        return False


def export_mirror(gitdir):
    tmp = tempfile.mkdtemp(prefix="blip-ref-")
    archive = subprocess.Popen(["git", "--git-dir", gitdir, "archive", "HEAD"], stdout=subprocess.PIPE)
    subprocess.check_call(["tar", "-x", "-C", tmp], stdin=archive.stdout)
    archive.stdout.close()
    if archive.wait() != 0:
        raise SystemExit("git archive failed")
    return tmp


def git_head(gitdir):
    try:
        return subprocess.check_output(["git", "--git-dir", gitdir, "rev-parse", "HEAD"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    a = parse_args()
    # before torch is imported, so its OpenMP pool gets this size
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    os.environ["MKL_NUM_THREADS"] = str(a.threads)

    tmpdir = None
    commit = None
    if a.mirror:
        tmpdir = export_mirror(a.mirror)
        ref = tmpdir
        commit = git_head(a.mirror)
    else:
        ref = os.path.abspath(a.reference)
        commit = git_head(os.path.join(ref, ".git"))
    src = os.path.join(ref, "ImageClassification", "src")
    if not os.path.isdir(os.path.join(src, "networks")):
        raise SystemExit("no ImageClassification/src/networks under %s" % ref)

    try:
        return run(a, src, commit)
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def run(a, src, commit):
    import numpy as np
    import torch

    torch.set_num_threads(a.threads)
    # The reference's modules do sys.path.insert(0, '../') and import
    # 'networks.quant_layer' as a top-level package, so src must be on sys.path
    # (and be the cwd-independent first entry).
    sys.path.insert(0, src)
    from networks import q_alexnet, q_mlp, quant_layer  # noqa: E402
    from approaches import blip, blip_utils  # noqa: E402
    assert blip.Conv2d_Q is quant_layer.Conv2d_Q and blip_utils.Linear_Q is quant_layer.Linear_Q

    skip = set(s for s in a.skip.split(",") if s)
    dev = "cpu"

    def seed():
        np.random.seed(a.seed)
        torch.manual_seed(a.seed)

    def make_args(**kw):
        ns = argparse.Namespace(
            device=dev, momentum=0.0, weight_decay=0.0, nepochs=1, output="", checkpoint="",
            max_bit=20, mul=1.0, ndim=1200)
        for k, v in kw.items():
            setattr(ns, k, v)
        ns.num_tasks = len(ns.taskcla)
        return ns

    cifar_taskcla = [(t, 2) for t in range(5)] + [(t, 20) for t in range(5, 10)]
    mnist5_taskcla = [(t, 2) for t in range(5)]

    def time_training(net_module, args, task=0):
        """ms per batch of the reference's Appr.train_epoch."""
        seed()
        model = net_module.Net(args).to(dev)
        appr = blip.Appr(model, args=args)
        appr.optimizer = appr._get_optimizer()
        ncla = dict(args.taskcla)[task]
        c, h, w = args.inputsize
        sb = args.sbatch

        def data(nb):
            return (torch.randn(nb * sb, c, h, w), torch.randint(0, ncla, (nb * sb,)))

        xw, yw = data(a.warmup)
        appr.train_epoch(task, xw, yw)  # warm-up batches
        x, y = data(a.batches)
        per, other = [], []
        for _ in range(a.reps):
            with Section() as sec:
                appr.train_epoch(task, x, y)
            per.append(1000.0 * sec.wall / a.batches)
            other.append(sec.other_cores)
        nparams = sum(p.numel() for p in model.parameters())
        return {"ms_per_batch_median": statistics.median(per), "ms_per_batch_reps": per,
                "other_processes_cores_reps": other,
                "batch": sb, "lr": args.lr, "momentum": args.momentum, "timed_batches": a.batches,
                "warmup_batches": a.warmup, "params": nparams}

    results = {}
    alex_args = make_args(experiment="cifar", inputsize=[3, 32, 32], taskcla=cifar_taskcla,
                          mul=2.0, sbatch=32, lr=0.05, F_prior=5e-16)
    if "alexnet" not in skip:
        results["alexnet_mul2_cifar_train"] = time_training(q_alexnet, alex_args)
        print("alexnet: %.1f ms/batch %s" % (results["alexnet_mul2_cifar_train"]["ms_per_batch_median"],
              ["%.1f" % v for v in results["alexnet_mul2_cifar_train"]["ms_per_batch_reps"]]), flush=True)
    if "mlp" not in skip:
        mlp_args = make_args(experiment="mnist5", inputsize=[1, 28, 28], taskcla=mnist5_taskcla,
                             ndim=1200, sbatch=64, lr=0.01, F_prior=1e-15)
        results["mlp1200_mnist5_train"] = time_training(q_mlp, mlp_args)
        print("mlp: %.2f ms/batch %s" % (results["mlp1200_mnist5_train"]["ms_per_batch_median"],
              ["%.2f" % v for v in results["mlp1200_mnist5_train"]["ms_per_batch_reps"]]), flush=True)
    if "fisher" not in skip:
        bs = 100  # estimate_fisher's default batch_size, as run_blip.py uses it
        if a.fisher_samples % bs:
            raise SystemExit("--fisher-samples must be a multiple of %d" % bs)
        nb = a.fisher_samples // bs
        seed()
        model = q_alexnet.Net(alex_args).to(dev)
        x = torch.randn(a.fisher_samples, 3, 32, 32)
        y = torch.randint(0, 2, (a.fisher_samples,))
        reps = a.fisher_reps or a.reps
        secs, other = [], []
        for _ in range(reps):
            with Section() as sec:
                if nb == 80:
                    blip_utils.estimate_fisher(0, dev, model, x, y)  # exactly run_blip.py's call
                else:
                    blip_utils.estimate_fisher(0, dev, model, x, y, batch_size=bs, num_batch=nb)
            secs.append(sec.wall)
            other.append(sec.other_cores)
            print("fisher: %d samples %.1f s" % (a.fisher_samples, secs[-1]), flush=True)
        med = statistics.median(secs)
        results["alexnet_mul2_fisher"] = {
            "samples": a.fisher_samples, "batch_size": bs, "num_batch": nb,
            "seconds_median": med, "seconds_reps": secs, "other_processes_cores_reps": other,
            "seconds_for_8000": med * 8000.0 / a.fisher_samples,
            "extrapolated": a.fisher_samples != 8000}

    info = {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "cpu": cpu_model(), "logical_cpus": os.cpu_count(), "reference_commit": commit,
            "device": dev, "reps": a.reps, "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "loadavg_at_end": os.getloadavg()}

    print()
    print("Reference BLIP (Yujun-Shi/BLIP %s) on CPU" % (commit[:12] if commit else "?"))
    print("torch %s, %d threads, CPU: %s (%d logical)" % (info["torch"], info["threads"], info["cpu"],
                                                           info["logical_cpus"]))
    print("OMP_WAIT_POLICY=%s; load average at end %.2f %.2f %.2f" % ((info["omp_wait_policy"] or "(unset)",)
                                                                      + tuple(info["loadavg_at_end"])))

    def busy(r):
        v = [o for o in r["other_processes_cores_reps"] if o is not None]
        return "  [other processes: %s cores]" % " ".join("%.1f" % o for o in v) if v else ""

    print("%-46s %14s  %s" % ("measurement", "median", "repetitions"))
    r = results.get("alexnet_mul2_cifar_train")
    if r:
        print("%-46s %11.1f ms  %s" % ("AlexNet mul 2 (cifar), batch 32, train step",
              r["ms_per_batch_median"], " ".join("%.1f" % v for v in r["ms_per_batch_reps"])) + busy(r))
    r = results.get("mlp1200_mnist5_train")
    if r:
        print("%-46s %11.2f ms  %s" % ("MLP 784-1200 (mnist5), batch 64, train step",
              r["ms_per_batch_median"], " ".join("%.2f" % v for v in r["ms_per_batch_reps"])) + busy(r))
    r = results.get("alexnet_mul2_fisher")
    if r:
        print("%-46s %12.1f s  %s" % ("Fisher, AlexNet mul 2, %d samples (bs 100)" % r["samples"],
              r["seconds_median"], " ".join("%.1f" % v for v in r["seconds_reps"])) + busy(r))
        if r["extrapolated"]:
            print("%-46s %12.1f s  (linear extrapolation)" % ("Fisher, 8000 samples", r["seconds_for_8000"]))

    if a.json:
        with open(a.json, "w") as f:
            json.dump({"info": info, "results": results}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
