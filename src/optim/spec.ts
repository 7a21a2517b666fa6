// An optimizer as the run configuration names it: `KIND[:key=value][:flag]` text or an object,
// checked against its kind's settings (src/optim/<kind>.ts) and resolved with every default.
import { kindSpecs, type ResolvedKind } from '../config/kind-spec';
import { OPTIMIZERS, type OptimizerName } from './registry';

/** An optimizer with its settings (those left out take their defaults). */
export type OptimizerSpec =
  | { kind: 'sgd'; dampening?: number; nesterov?: boolean }
  | { kind: 'adam' | 'adamw'; betas?: [number, number]; eps?: number };

/** An optimizer with every setting given: what run.json keeps and the model trains with. */
export type ResolvedOptimizer = ResolvedKind<OptimizerName>;

export const OPTIMIZER_HELP = 'sgd[:nesterov][:dampening=D], adam or adamw[:betas=B1,B2][:eps=E]';

const specs = kindSpecs('optimizer', OPTIMIZERS, OPTIMIZER_HELP);

/** An optimizer given as a name, `KIND:key=value` text or an OptimizerSpec, with every setting resolved. */
export const checkOptimizer: (value: unknown) => ResolvedOptimizer = specs.check;
/** Reads `KIND[:key=value][:flag]` (`adamw:betas=0.9,0.999:eps=1e-8`, `sgd:nesterov`). */
export const parseOptimizer: (text: string) => ResolvedOptimizer = specs.parse;
/** The settings that differ from the defaults, as text (`adamw:betas=0.9,0.99`). */
export const optimizerText: (spec: ResolvedOptimizer) => string = specs.text;

/** The addon's hyper-parameters of a resolved optimizer besides the run options it reads. */
export function optimizerHyper(spec: ResolvedOptimizer): Record<string, number> {
  return OPTIMIZERS[spec.kind].hyper(spec);
}
