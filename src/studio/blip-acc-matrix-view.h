/* blip-acc-matrix-view.h — the accuracy matrix A[i][j] as a heatmap that fills in as tasks finish, with ACC and both BWTs. */
#pragma once

#include "blip-figure-view.h"

G_BEGIN_DECLS

#define BLIP_TYPE_ACC_MATRIX_VIEW (blip_acc_matrix_view_get_type ())
G_DECLARE_FINAL_TYPE (BlipAccMatrixView, blip_acc_matrix_view, BLIP, ACC_MATRIX_VIEW, BlipFigureView)

GtkWidget *blip_acc_matrix_view_new (void);

G_END_DECLS
