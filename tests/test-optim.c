/* test-optim.c — the optimisers and schedules (blip-optim.h) against values
 * computed by hand and by torch.optim (PyTorch 2.x, printed to 9 digits):
 * SGD with momentum and weight decay, Adam with its bias corrections and L2
 * decay, range-wise updates equal to one whole-arena update, the linear and
 * exponential schedules, and gradient-norm clipping. */
#include "blip-optim.h"

#include <math.h>
#include <string.h>

#define N 3

static const float w0[N] = { 0.5f, -1.0f, 2.0f };
static const float grads[3][N] = {
  { 1.0f, -2.0f, 0.5f },
  { 2.0f, 0.25f, -3.0f },
  { -1.0f, 1.0f, 0.0f },
};

/* torch.optim.Adam([w], lr=0.01, eps=1e-5, weight_decay=0.1) after each of
 * the three gradients above. */
static const float adam_expected[3][N] = {
  { 0.490000099f, -0.990000069f, 1.99000013f },
  { 0.480322391f, -0.983850777f, 1.99559581f },
  { 0.475851893f, -0.981998682f, 1.99947023f },
};

static void
test_adam_torch (void)
{
  BlipAdam *adam = blip_adam_new (N, 0.01, 0.9, 0.999, 1e-5, 0.1);
  float w[N];
  memcpy (w, w0, sizeof w);
  for (int s = 0; s < 3; s++)
    {
      blip_adam_begin_step (adam);
      blip_adam_step_range (adam, w, grads[s], 0, N);
      for (int i = 0; i < N; i++)
        g_assert_cmpfloat_with_epsilon (w[i], adam_expected[s][i], 2e-6);
    }
  g_assert_cmpint (adam->t, ==, 3);
  /* After a reset it starts over: the first step again moves each weight by
   * lr·sign(g) (m̂ / sqrt(v̂) = g / |g| at t = 1). */
  blip_adam_reset (adam, 0.01);
  memcpy (w, w0, sizeof w);
  blip_adam_begin_step (adam);
  blip_adam_step_range (adam, w, grads[0], 0, N);
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat_with_epsilon (w[i], adam_expected[0][i], 2e-6);
  blip_adam_free (adam);
}

/* Updating [0, 1) and [1, N) within one step is the same as [0, N). */
static void
test_adam_ranges (void)
{
  BlipAdam *a = blip_adam_new (N, 0.05, 0.9, 0.999, 1e-8, 0.0);
  BlipAdam *b = blip_adam_new (N, 0.05, 0.9, 0.999, 1e-8, 0.0);
  float wa[N], wb[N];
  memcpy (wa, w0, sizeof wa);
  memcpy (wb, w0, sizeof wb);
  for (int s = 0; s < 3; s++)
    {
      blip_adam_begin_step (a);
      blip_adam_step_range (a, wa, grads[s], 0, N);
      blip_adam_begin_step (b);
      blip_adam_step_range (b, wb, grads[s], 1, N);
      blip_adam_step_range (b, wb, grads[s], 0, 1);
    }
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat (wa[i], ==, wb[i]);
  blip_adam_free (a);
  blip_adam_free (b);
}

/* SGD, momentum 0.9, weight decay 0.1, lr 0.1, by hand:
 *   d = g + 0.1·w;  v = 0.9·v + d;  w −= 0.1·v. */
static void
test_sgd_momentum (void)
{
  BlipSgd *sgd = blip_sgd_new (N, 0.1, 0.9, 0.1);
  float w[N], v[N] = { 0 };
  double ref[N];
  memcpy (w, w0, sizeof w);
  for (int i = 0; i < N; i++)
    ref[i] = w0[i];
  for (int s = 0; s < 3; s++)
    {
      blip_sgd_step_range (sgd, w, grads[s], 0, N);
      for (int i = 0; i < N; i++)
        {
          double d = grads[s][i] + 0.1 * ref[i];
          v[i] = 0.9f * v[i] + d;
          ref[i] -= 0.1 * v[i];
          g_assert_cmpfloat_with_epsilon (w[i], ref[i], 1e-6);
        }
    }
  /* A reset drops the velocity: the next step is plain SGD with decay. */
  blip_sgd_reset (sgd, 0.1);
  float before = w[0];
  blip_sgd_step_range (sgd, w, grads[0], 0, 1);
  g_assert_cmpfloat_with_epsilon (w[0], before - 0.1 * (grads[0][0] + 0.1 * before), 1e-6);
  blip_sgd_free (sgd);
}

typedef struct {
  double lr0;
  gint64 step, total;
  double expected;
} LinearCase;

static void
test_schedules (void)
{
  static const LinearCase linear[] = {
    { 2.5e-4, 0, 100, 2.5e-4 },
    { 2.5e-4, 50, 100, 1.25e-4 },
    { 2.5e-4, 99, 100, 2.5e-6 },
    { 1.0, 3, 0, 1.0 },           /* no total: constant */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (linear); i++)
    g_assert_cmpfloat_with_epsilon (blip_lr_linear (linear[i].lr0, linear[i].step, linear[i].total),
                                    linear[i].expected, 1e-15);
  g_assert_cmpfloat_with_epsilon (blip_lr_exponential (0.01, 0.5, 0), 0.01, 1e-15);
  g_assert_cmpfloat_with_epsilon (blip_lr_exponential (0.01, 0.5, 3), 0.00125, 1e-15);
  g_assert_cmpfloat_with_epsilon (blip_lr_exponential (0.1, 0.999, 1000), 0.1 * 0.36769542477, 1e-9);
}

static void
test_clip_grad_norm (void)
{
  /* torch.nn.utils.clip_grad_norm_ on [3, 4] with max 0.5: norm 5, grads
   * scaled by 0.5 / (5 + 1e-6). */
  float g[2] = { 3.0f, 4.0f };
  g_assert_cmpfloat_with_epsilon (blip_clip_grad_norm (g, 2, 0.5), 5.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g[0], 0.29999995f, 1e-7);
  g_assert_cmpfloat_with_epsilon (g[1], 0.39999992f, 1e-7);
  /* Below the bound nothing changes. */
  float h[2] = { 0.3f, 0.0f };
  g_assert_cmpfloat_with_epsilon (blip_clip_grad_norm (h, 2, 0.5), 0.3, 1e-7);
  g_assert_cmpfloat (h[0], ==, 0.3f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/optim/adam/torch", test_adam_torch);
  g_test_add_func ("/optim/adam/ranges", test_adam_ranges);
  g_test_add_func ("/optim/sgd/momentum-decay", test_sgd_momentum);
  g_test_add_func ("/optim/schedules", test_schedules);
  g_test_add_func ("/optim/clip-grad-norm", test_clip_grad_norm);
  return g_test_run ();
}
