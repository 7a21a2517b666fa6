// Regression: Huber loss over float targets (torch.nn.functional.huber_loss, threshold delta).
import { regressionMetrics } from './regression';
import type { ObjectiveKind } from './types';

export const HUBER: ObjectiveKind = {
  name: 'huber',
  help: 'regression: Huber loss (setting delta=D, default 1); reports MAE, RMSE and R^2',
  target: 'float',
  settings: { delta: { type: 'number', default: 1, min: 0, minExclusive: true, help: 'where the loss turns from squared to linear' } },
  metrics: regressionMetrics,
};
