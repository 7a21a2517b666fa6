// Help text rendered from the CommandSpec tables, wrapped to fit an 80-column terminal.
import { optionText, placeholder, type CommandSpec, type OptionDef } from './args';

export const HELP_WIDTH = 80;
/** Where option descriptions start. */
const COLUMN = 24;

/**
 * Greedy word wrap. A word longer than the width (a comma-separated list) breaks after its
 * commas, and is cut only where it has none.
 */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  const place = (piece: string, glue: string) => {
    if (line && line.length + glue.length + piece.length <= width) line += glue + piece;
    else {
      if (line) lines.push(line);
      line = piece;
    }
  };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (word.length <= width) {
      place(word, ' ');
      continue;
    }
    word.split(/(?<=,)/).forEach((chunk, i) => {
      for (let start = 0; start < chunk.length; start += width) place(chunk.slice(start, start + width), i === 0 && start === 0 ? ' ' : '');
    });
  }
  if (line || !lines.length) lines.push(line);
  return lines;
}

/** `label` in the left column, `text` wrapped in the right one (below the label if it is long). */
function entry(label: string, text: string, width: number): string[] {
  const body = wrap(text, width - COLUMN);
  const pad = ' '.repeat(COLUMN);
  if (label.length > COLUMN - 2) return [label, ...body.map((l) => pad + l)];
  return body.map((l, i) => (i === 0 ? label.padEnd(COLUMN) : pad) + l);
}

function paragraph(text: string, width: number, indent = ''): string[] {
  return wrap(text, width - indent.length).map((l) => indent + l);
}

function optionLabel(name: string, def: OptionDef): string {
  const short = def.short ? `-${def.short}, ` : '';
  return `  ${short}--${name}${def.type === 'flag' ? '' : ' ' + placeholder(def)}`;
}

function optionHelp(def: OptionDef): string {
  return def.default === undefined ? optionText(def) : `${optionText(def)} (default ${def.default})`;
}

/** The generated argument pattern: positionals, then the required options. */
function usagePattern(spec: CommandSpec): string {
  const parts = (spec.positionals ?? []).map((p) => (p.required ? p.name : `[${p.name}${p.variadic ? "..." : ""}]`));
  for (const [name, def] of Object.entries(spec.options)) if (def.required || def.requiredUnless) parts.push(`--${name} ${placeholder(def)}`);
  parts.push('[options]');
  return parts.join(' ');
}

export function commandHelp(spec: CommandSpec, width = HELP_WIDTH): string {
  const lines: string[] = [];
  (spec.usage ?? [usagePattern(spec)]).forEach((pattern, i) => {
    const lead = `${i === 0 ? 'usage:' : '   or:'} layerout ${spec.name} `;
    paragraph(pattern, width - lead.length).forEach((l, j) => lines.push((j === 0 ? lead : ' '.repeat(lead.length)) + l));
  });
  lines.push('', ...paragraph(spec.summary, width));
  if (spec.positionals?.length) {
    lines.push('', 'arguments:');
    for (const p of spec.positionals) lines.push(...entry(`  ${p.name}`, p.help, width));
  }
  // Required options first, grouped by their condition, then the rest.
  const groups = new Map<string, string[]>();
  const add = (title: string, more: string[]) => groups.set(title, [...(groups.get(title) ?? []), ...more]);
  for (const [name, def] of Object.entries(spec.options)) {
    const title = def.required ? 'required:' : def.requiredUnless ? `required unless --${def.requiredUnless} is given:` : 'options:';
    if (title !== 'options:') add(title, entry(optionLabel(name, def), optionHelp(def), width));
  }
  for (const [name, def] of Object.entries(spec.options)) {
    if (!def.required && !def.requiredUnless) add('options:', entry(optionLabel(name, def), optionHelp(def), width));
  }
  add('options:', entry('  -h, --help', 'print this help', width));
  for (const [title, entries] of groups) lines.push('', title, ...entries);
  for (const note of spec.notes ?? []) lines.push('', ...paragraph(note, width));
  return lines.join('\n');
}

export function mainHelp(specs: readonly CommandSpec[], width = HELP_WIDTH): string {
  const nameWidth = Math.max(...specs.map((s) => s.name.length)) + 4;
  const lines = ['usage: layerout COMMAND [options]', '', 'commands:'];
  for (const s of specs) {
    paragraph(s.summary, width - 2 - nameWidth).forEach((l, i) => lines.push(`  ${(i === 0 ? s.name : '').padEnd(nameWidth)}${l}`));
  }
  lines.push(
    '',
    ...paragraph('layerout help COMMAND or layerout COMMAND --help lists a command\'s options; layerout --version prints the version.', width),
  );
  return lines.join('\n');
}
