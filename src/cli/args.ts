// Command-line options: declared per command as a table (OptionDefs), tokenised by node:util
// parseArgs, then converted and checked here so that every problem is reported in one message.
import { nearest } from '../validate';
import { parseArgs as tokenizeArgs } from 'node:util';

export type OptionType = 'string' | 'int' | 'number' | 'flag';

export interface OptionDef {
  type: OptionType;
  /** One phrase; help output wraps it and appends the choices and the default. */
  help: string;
  /** Placeholder in help and usage lines (`--model NAME`); defaults to N, X or VALUE by type. */
  arg?: string;
  /** Single-letter alias (`-o`). `-h` is taken by --help. */
  short?: string;
  required?: boolean;
  /** Required unless this other option is given (train: model, data, epochs unless --resume). */
  requiredUnless?: string;
  /** Shown in help as "(default X)"; applied only through applyDefaults(). */
  default?: string | number | boolean;
  /** For strings: the allowed values; a function when they come from the addon (model names). */
  choices?: readonly string[] | (() => readonly string[]);
  /** For numbers: inclusive bounds (min exclusive with minExclusive). */
  min?: number;
  max?: number;
  minExclusive?: boolean;
  /** Extra check of the converted value (policy and schedule specs); throw to reject it. */
  check?: (value: string | number) => void;
}

export type OptionDefs = Record<string, OptionDef>;
export type ParsedOptions = Record<string, string | number | boolean | undefined>;

export interface PositionalDef {
  /** Shown in usage and help, e.g. CHECKPOINT. */
  name: string;
  help: string;
  required?: boolean;
  /** The last positional only: takes every argument left (shown as NAME...). */
  variadic?: boolean;
}

/** What a command accepts; help.ts renders it, parseCommand() enforces it. */
export interface CommandSpec {
  name: string;
  /** One line for `layerout help`. */
  summary: string;
  options: OptionDefs;
  positionals?: PositionalDef[];
  /** Argument patterns after `layerout NAME`, when the generated one does not say enough. */
  usage?: string[];
  /** Paragraphs printed after the options. */
  notes?: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
  /** Set when the error lists option problems: the CLI then points at the command's help. */
  readonly problems?: string[];
  constructor(message: string, problems?: string[]) {
    super(message);
    this.problems = problems;
  }
}

export interface Parsed {
  options: ParsedOptions;
  positional: string[];
  /** -h or --help was given: the caller prints help and ignores every other problem. */
  help: boolean;
}

/** Decimal notation only: Number() would also take 0x10, 0b1, '', ' 5' and Infinity. */
const INT_RE = /^-?\d+$/;
const NUMBER_RE = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Parses and checks `argv` against `spec`; throws one UsageError listing every problem. */
export function parseCommand(argv: string[], spec: Pick<CommandSpec, 'options' | 'positionals'>): Parsed {
  const parsed = collect(argv, spec.options, spec.positionals ?? []);
  if (parsed.problems.length && !parsed.help) throw usageError(parsed.problems);
  return { options: parsed.options, positional: parsed.positional, help: parsed.help };
}

/** Options only, any positionals (for scripts that declare no CommandSpec). */
export function parseArgs(argv: string[], defs: OptionDefs): { options: ParsedOptions; positional: string[] } {
  const parsed = collect(argv, defs, null);
  if (parsed.problems.length) throw usageError(parsed.problems);
  return parsed;
}

/** Whether argv asks for help (-h/--help as an option, not as another option's value). */
export function wantsHelp(argv: string[], defs: OptionDefs): boolean {
  return tokenize(argv, defs).some((t) => t.kind === 'option' && isHelp(t.name, defs));
}

/** `options` with each declared default filled in where the option was not given. */
export function applyDefaults(options: ParsedOptions, defs: OptionDefs): ParsedOptions {
  const out = { ...options };
  for (const [name, def] of Object.entries(defs)) if (out[name] === undefined && def.default !== undefined) out[name] = def.default;
  return out;
}

function usageError(problems: string[]): UsageError {
  const message = problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`;
  return new UsageError(message, problems);
}

function isHelp(name: string, defs: OptionDefs): boolean {
  return !defs[name] && (name === 'help' || name === 'h');
}

interface Token {
  kind: 'option' | 'positional' | 'option-terminator';
  index: number;
  name: string;
  rawName: string;
  value: string | undefined;
  inlineValue: boolean | undefined;
}

/**
 * parseArgs tokens, run non-strict so that it does not stop at the first problem. Non-strict
 * parseArgs takes `--lr --epochs 3` as lr='--epochs'; an option-like value is therefore left to
 * be read again as an option and its owner reported as missing its value.
 */
function tokenize(argv: string[], defs: OptionDefs): Token[] {
  const config = Object.fromEntries(
    Object.entries(defs).map(([name, d]) => [name, { type: d.type === 'flag' ? ('boolean' as const) : ('string' as const), ...(d.short ? { short: d.short } : {}) }]),
  );
  const out: Token[] = [];
  let start = 0;
  for (;;) {
    const { tokens } = tokenizeArgs({ args: argv.slice(start), options: config, strict: false, allowPositionals: true, tokens: true });
    let restart = -1;
    for (const raw of tokens) {
      const t = raw as Partial<Token> & { kind: Token['kind']; index: number };
      const token: Token = { kind: t.kind, index: t.index + start, name: t.name ?? '', rawName: t.rawName ?? '', value: t.value, inlineValue: t.inlineValue };
      if (token.kind === 'option' && token.inlineValue === false && looksLikeOption(token.value)) {
        out.push({ ...token, value: undefined, inlineValue: undefined });
        restart = token.index + 1;
        break;
      }
      out.push(token);
    }
    if (restart < 0) return out;
    start = restart;
  }
}

function looksLikeOption(value: string | undefined): boolean {
  return value !== undefined && value.length > 1 && value.startsWith('-') && !NUMBER_RE.test(value);
}

function collect(argv: string[], defs: OptionDefs, positionals: PositionalDef[] | null) {
  const options: ParsedOptions = {};
  const problems: string[] = [];
  const reported = new Set<string>();
  const repeated = new Set<string>();
  const positional: string[] = [];
  // A positional right after an unknown option is probably its value; dropped if surplus.
  const maybeValues = new Set<number>();
  let help = false;
  const tokens = tokenize(argv, defs);
  tokens.forEach((t, i) => {
    if (t.kind === 'positional') {
      const prev = tokens[i - 1];
      if (prev?.kind === 'option' && !defs[prev.name] && !isHelp(prev.name, defs) && prev.value === undefined) maybeValues.add(positional.length);
      positional.push(t.value ?? '');
      return;
    }
    if (t.kind !== 'option') return;
    if (isHelp(t.name, defs)) {
      help = true;
      return;
    }
    const def = defs[t.name];
    if (!def) {
      const guess = nearest(t.name, Object.keys(defs));
      problems.push(`unknown option ${t.rawName}${guess ? ` (did you mean --${guess}?)` : ''}; allowed: ${Object.keys(defs).map((k) => `--${k}`).join(' ')}`);
      return;
    }
    const name = `--${t.name}`;
    // The last of two values silently winning hides a mistake (a pasted command, a script's default).
    if (reported.has(t.name)) {
      if (!repeated.has(t.name)) problems.push(`${name} is given more than once; give it once`);
      repeated.add(t.name);
      return;
    }
    reported.add(t.name);
    if (def.type === 'flag') {
      if (t.value !== undefined) problems.push(`${name} takes no value; got '${t.value}'`);
      else options[t.name] = true;
      return;
    }
    if (t.value === undefined) {
      problems.push(`${name} ${placeholder(def)} needs a value (${optionText(def)})`);
      return;
    }
    const result = convert(name, t.value, def);
    if ('problem' in result) problems.push(result.problem);
    else options[t.name] = result.value;
  });
  for (const [name, def] of Object.entries(defs)) {
    if (options[name] !== undefined || reported.has(name)) continue;
    if (def.required || (def.requiredUnless !== undefined && options[def.requiredUnless] === undefined && !reported.has(def.requiredUnless))) {
      const unless = def.requiredUnless ? ` unless --${def.requiredUnless} is given` : '';
      problems.push(`--${name} ${placeholder(def)} is required${unless} (${optionText(def)})`);
    }
  }
  if (positionals) checkPositionals(positional, positionals, maybeValues, problems);
  return { options, positional, problems, help };
}

function checkPositionals(positional: string[], defs: PositionalDef[], maybeValues: Set<number>, problems: string[]): void {
  if (defs[defs.length - 1]?.variadic) {
    for (const def of defs.slice(positional.length)) if (def.required) problems.push(`${def.name} is required (${def.help})`);
    return;
  }
  for (let i = positional.length - 1; i >= 0 && positional.length > defs.length; i--) {
    if (maybeValues.has(i)) positional.splice(i, 1);
  }
  for (const extra of positional.slice(defs.length)) problems.push(`unexpected argument '${extra}'`);
  for (const def of defs.slice(positional.length)) if (def.required) problems.push(`${def.name} is required (${def.help})`);
}

function convert(name: string, raw: string, def: OptionDef): { value: string | number } | { problem: string } {
  const fail = (why: string) => ({ problem: `${name} ${why}; got '${raw}'` });
  let value: string | number = raw;
  if (def.type === 'string') {
    if (raw === '') return fail('must not be empty');
    const choices = choicesOf(def);
    if (choices && !choices.includes(raw)) return fail(`must be one of ${choices.join(', ')}`);
  } else if (def.type === 'int') {
    if (!INT_RE.test(raw)) return fail('must be a whole number in decimal digits');
    value = Number(raw);
    if (!Number.isSafeInteger(value)) return fail('is too large');
  } else {
    if (!NUMBER_RE.test(raw)) return fail('must be a number in decimal notation (like 0.1 or 5e-4)');
    value = Number(raw);
    if (!Number.isFinite(value)) return fail('is too large');
  }
  if (typeof value === 'number') {
    if (def.min !== undefined && (value < def.min || (def.minExclusive && value === def.min))) {
      return fail(def.minExclusive ? `must be greater than ${def.min}` : `must be at least ${def.min}`);
    }
    if (def.max !== undefined && value > def.max) return fail(`must be at most ${def.max}`);
  }
  try {
    def.check?.(value);
  } catch (e) {
    const message = (e as Error).message;
    // Checks speak the API's names ('policy layerout: ...'); on the command line they are flags.
    const bare = name.slice(2);
    const apiName = bare.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const own = [bare, apiName].find((n) => message.startsWith(`${n} `) || message.startsWith(`${n}:`));
    return { problem: message.startsWith(name) ? message : own ? `${name}${message.slice(own.length)}` : `${name}: ${message}` };
  }
  return { value };
}

export function placeholder(def: OptionDef): string {
  return def.arg ?? (def.type === 'int' ? 'N' : def.type === 'number' ? 'X' : 'VALUE');
}

/** The help phrase with the choices, for help output and "is required" messages. */
export function optionText(def: OptionDef): string {
  const choices = choicesOf(def);
  return choices ? `${def.help}: ${choices.join(', ')}` : def.help;
}

function choicesOf(def: OptionDef): readonly string[] | undefined {
  return typeof def.choices === 'function' ? def.choices() : def.choices;
}
