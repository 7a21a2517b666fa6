// SGD with momentum and weight decay, PyTorch's rule (dampening 0, no Nesterov): native/optim/sgd.*.
import type { OptimizerKind } from './types';

export const SGD: OptimizerKind = {
  name: 'sgd',
  help: "SGD with momentum and weight decay (PyTorch's rule)",
  reads: ['lr', 'momentum', 'weightDecay'],
  state: ['momentum_buffer'],
};
