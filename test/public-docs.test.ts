// Every option a user passes has TSDoc in the published .d.ts, and every option with a default
// says it: read with the compiler from dist/index.d.ts, as an editor shows it.
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { RUN_FIELDS, type FieldDef } from '../src/config/fields';

const DIST = join(__dirname, '..', 'dist');

/** The option types users write, by their root export names. */
const OPTION_TYPES = ['TrainOptions', 'ModelOptions', 'TrainEpochOptions', 'PredictOptions', 'LoadOptions', 'WriteExportOptions', 'LoadDataOptions', 'AugmentOptions', 'WriteImageFolderOptions'];

function optionDocs(): Map<string, Map<string, string>> {
  const index = join(DIST, 'index.d.ts');
  const program = ts.createProgram([index], { strict: true, types: ['node'], noEmit: true });
  const checker = program.getTypeChecker();
  const root = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const exports = new Map(checker.getExportsOfModule(root).map((s) => [s.getName(), s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s]));
  const out = new Map<string, Map<string, string>>();
  for (const name of OPTION_TYPES) {
    const symbol = exports.get(name);
    expect(symbol, `${name} is not exported from the package root`).toBeDefined();
    const type = checker.getDeclaredTypeOfSymbol(symbol!);
    const props = new Map<string, string>();
    for (const p of checker.getPropertiesOfType(type)) props.set(p.getName(), ts.displayPartsToString(p.getDocumentationComment(checker)));
    out.set(name, props);
  }
  return out;
}

/** How a default may be written: 0.0005 or 5e-4, 'cross-entropy', true. */
function spellings(value: unknown): string[] {
  if (typeof value === 'number') return [String(value), value.toExponential().replace('e-', 'e-'), value.toLocaleString('en-US')];
  return [String(value)];
}

describe('TSDoc of the public options', () => {
  const docs = optionDocs();

  it('every property of every option type has a doc comment', () => {
    const missing = [...docs].flatMap(([type, props]) => [...props].filter(([, doc]) => doc.trim() === '').map(([p]) => `${type}.${p}`));
    expect(missing).toEqual([]);
  });

  it("every run option with a default names it (and the value is the table's)", () => {
    const train = docs.get('TrainOptions')!;
    const wrong: string[] = [];
    for (const [name, def] of Object.entries(RUN_FIELDS) as [string, FieldDef][]) {
      if (!def.api || def.default === undefined) continue;
      const doc = train.get(name) ?? '';
      if (!/default/i.test(doc) || !spellings(def.default).some((s) => doc.includes(s))) wrong.push(`${name} (default ${JSON.stringify(def.default)}): "${doc}"`);
    }
    expect(wrong).toEqual([]);
  });
});
