// The command line's view of the run-configuration table (src/config/fields.ts): each field with
// a flag becomes an option definition, so flags, checks, help and defaults are the table's.
import { fieldDef, FIELD_NAMES, type FieldName } from '../config/fields';
import type { OptionDef, OptionDefs } from './args';
import { modelOption } from './model-arg';

/**
 * The option definitions of the fields `keep` selects: the required ones first, then table order
 * (a negatable flag brings its negation).
 */
export function fieldOptions(keep: (name: FieldName) => boolean, required: 'unless-resume' | 'never'): OptionDefs {
  const defs: OptionDefs = {};
  const ordered = [...FIELD_NAMES.filter((n) => fieldDef(n).required), ...FIELD_NAMES.filter((n) => !fieldDef(n).required)];
  for (const name of ordered) {
    const f = fieldDef(name);
    if (!f.flag || !f.cli || !keep(name)) continue;
    const def: OptionDef = {
      type: f.cli,
      help: f.help,
      ...(f.arg !== undefined ? { arg: f.arg } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.max !== undefined ? { max: f.max } : {}),
      ...(f.minExclusive ? { minExclusive: true } : {}),
      ...(f.choices ? { choices: f.choices } : {}),
      ...(f.check ? { check: f.check } : {}),
      ...(f.required && required === 'unless-resume' ? { requiredUnless: 'resume' } : {}),
    };
    defs[f.flag] = name === 'model' ? { ...def, check: modelOption().check } : def;
    if (f.negation) defs[f.negation.flag] = { type: 'flag', help: f.negation.help };
  }
  return defs;
}
