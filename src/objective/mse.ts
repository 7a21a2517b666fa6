// Regression: mean squared error over float targets (torch.nn.functional.mse_loss).
import { regressionMetrics } from './regression';
import type { ObjectiveKind } from './types';

export const MSE: ObjectiveKind = { name: 'mse', help: 'regression: mean squared error; reports MAE, RMSE and R^2', target: 'float', settings: {}, metrics: regressionMetrics };
