// Regression: mean absolute error over float targets (torch.nn.functional.l1_loss).
import { regressionMetrics } from './regression';
import type { ObjectiveKind } from './types';

export const L1: ObjectiveKind = { name: 'l1', help: 'regression: mean absolute error; reports MAE, RMSE and R^2', target: 'float', settings: {}, metrics: regressionMetrics };
