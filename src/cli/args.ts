// A small strict parser for `--name value` / `--flag` options: unknown options and malformed
// values are errors that name the option and what it accepts.

export type OptionType = 'string' | 'int' | 'number' | 'flag';

export interface OptionDef {
  type: OptionType;
  help: string;
  /** For strings: the allowed values. */
  choices?: readonly string[];
  min?: number;
}

export type OptionDefs = Record<string, OptionDef>;
export type ParsedOptions = Record<string, string | number | boolean | undefined>;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(argv: string[], defs: OptionDefs): { options: ParsedOptions; positional: string[] } {
  const options: ParsedOptions = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const def = defs[name];
    if (!def) {
      throw new UsageError(`unknown option --${name}; allowed: ${Object.keys(defs).map((k) => `--${k}`).join(' ')}`);
    }
    if (def.type === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`--${name} needs a value: ${def.help}`);
    options[name] = convert(name, raw, def);
  }
  return { options, positional };
}

function convert(name: string, raw: string, def: OptionDef): string | number {
  if (def.type === 'string') {
    if (def.choices && !def.choices.includes(raw)) {
      throw new UsageError(`--${name} must be one of ${def.choices.join(', ')}; got '${raw}'`);
    }
    return raw;
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number (${def.help}); got '${raw}'`);
  if (def.type === 'int' && !Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number (${def.help}); got '${raw}'`);
  if (def.min !== undefined && n < def.min) throw new UsageError(`--${name} must be at least ${def.min}; got '${raw}'`);
  return n;
}

export function usage(command: string, defs: OptionDefs): string {
  const lines = Object.entries(defs).map(([k, d]) => `  --${k}${d.type === 'flag' ? '' : ' VALUE'}`.padEnd(26) + d.help);
  return `usage: layerout ${command} [options]\n${lines.join('\n')}`;
}
