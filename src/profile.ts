// libtorch operator names (CPU, 1.13) -> the phases of a training step that docs/cpu-profile.md
// reports. The PyTorch peer groups its own profile with the same table (scripts/peer/peer.py PHASES).
import type { OperatorTime, StepProfile } from './types';

// Matched in this order, first match wins: the update's operators ('Optimizer.step > aten::add_')
// before their own names, and 'aten::mkldnn_convolution_backward' before its forward's prefix.
export const STEP_PHASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['optimizer', ['_foreach', 'optimizer']],
  ['convolution backward (input + weight gradients)', ['aten::convolution_backward', 'mkldnnconvolutionbackward',
    'aten::mkldnn_convolution_backward', 'aten::_slow_conv2d_backward']],
  ['convolution forward', ['aten::mkldnn_convolution', 'aten::_slow_conv2d_forward', 'aten::thnn_conv2d']],
  ['BatchNorm', ['batch_norm', 'batchnorm']],
  ['ReLU', ['relu', 'threshold', 'clamp_min']],
  ['pooling', ['pool']],
  ['linear', ['aten::addmm', 'aten::mm', 'aten::linear']],
  ['loss', ['log_softmax', 'nll_loss', 'cross_entropy']],
];

/** The phase an operator belongs to ('other' when none matches). */
export function phaseOf(operator: string): string {
  const key = operator.toLowerCase();
  for (const [phase, needles] of STEP_PHASES) {
    if (needles.some((n) => key.includes(n.toLowerCase()))) return phase;
  }
  return 'other';
}

/** Per-step profile from operator totals summed over `steps` steps. */
export function stepProfile(totals: OperatorTime[], steps: number): StepProfile {
  const operators = totals.map((op) => ({ name: op.name, selfMs: op.selfMs / steps, calls: op.calls / steps }));
  const stepMs = operators.reduce((sum, op) => sum + op.selfMs, 0);
  const byPhase = new Map<string, number>([...STEP_PHASES.map(([p]) => [p, 0] as [string, number]), ['other', 0]]);
  for (const op of operators) {
    const phase = phaseOf(op.name);
    byPhase.set(phase, (byPhase.get(phase) ?? 0) + op.selfMs);
  }
  const phases = [...byPhase].map(([phase, ms]) => ({ phase, ms, share: stepMs > 0 ? ms / stepMs : 0 }));
  return { steps, stepMs, phases, operators };
}
