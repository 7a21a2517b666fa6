// A multilayer perceptron over the flattened input: linear layers of the hidden widths with ReLU
// between them, then one to the classes; Xavier initialisation.
import type { LayerSpec, NetworkSpec } from '../spec/types';

export function mlpSpec(inputShape: [number, number, number], hidden: readonly number[]): NetworkSpec {
  const layers: LayerSpec[] = [{ type: 'flatten' }];
  hidden.forEach((out, i) => layers.push({ type: 'linear', out, name: `fc${i + 1}`, export: `layers.${i}` }, { type: 'relu' }));
  layers.push({ type: 'linear', out: 'classes', name: `fc${hidden.length + 1}`, export: `layers.${hidden.length}` });
  return { name: 'mlp', input: [...inputShape], layers, init: { linear: 'xavier' } };
}
