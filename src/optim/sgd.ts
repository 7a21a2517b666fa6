// SGD with momentum, dampening, Nesterov momentum and weight decay, PyTorch's rule: native/optim/sgd.*.
import type { OptimizerKind } from './types';

export const SGD: OptimizerKind = {
  name: 'sgd',
  help: "SGD with momentum and weight decay (PyTorch's rule); settings dampening=D, nesterov",
  reads: ['lr', 'momentum', 'weightDecay'],
  defaultLr: 0.01,
  settings: {
    dampening: { type: 'number', default: 0, min: 0, max: 1, help: 'momentum dampening' },
    nesterov: { type: 'flag', default: false, help: 'Nesterov momentum' },
  },
  // torch.optim.SGD's own rule.
  conflict: (s, { momentum }) => (s.nesterov && (!(momentum! > 0) || s.dampening !== 0) ? 'nesterov momentum needs momentum > 0 and dampening 0' : null),
  hyper: (s) => ({ dampening: s.dampening as number, nesterov: s.nesterov ? 1 : 0 }),
  state: ['momentum_buffer'],
};
