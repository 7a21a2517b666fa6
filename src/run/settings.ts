// run.json's `training` section, built from the run-configuration table: every field the table
// saves there gets its key, so an option cannot be added without being saved.
import { fieldDef } from '../config/fields';
import { trainingFields } from '../config/options';
import type { RunSettings } from './folder';

/**
 * The `training` section from each saved option's value (in its saved form: a parsed schedule,
 * the policy string or null). `undefined` leaves a key out (threads not given, one process).
 */
export function runSettings(values: Partial<Record<string, unknown>>, policyName: string): RunSettings {
  const out: Record<string, unknown> = { policyName };
  for (const { name, key } of trainingFields()) {
    if (!(name in values)) throw new TypeError(`run.json: no value for the saved option ${name} (${fieldDef(name).saved})`);
    if (values[name] !== undefined) out[key] = values[name];
  }
  return out as unknown as RunSettings;
}
