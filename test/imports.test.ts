// No import cycles under src/: every relative import (type-only ones too: they tie the modules'
// designs together even when they vanish from the JavaScript) must form a directed acyclic graph.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(__dirname, '..', 'src');

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Relative module specifiers of `import`, `import type`, `export ... from`, `import x = require()`
 * and `import()` (a lazy import hides a cycle, it does not remove it). The TypeScript scanner
 * skips comments and strings, which a regular expression would not.
 */
export function relativeImports(text: string): string[] {
  return ts
    .preProcessFile(text, true, false)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name.startsWith('./') || name.startsWith('../'));
}

function resolveImport(from: string, spec: string, files: Set<string>): string | undefined {
  const base = resolve(dirname(from), spec).replace(/\.js$/, '');
  return [base, `${base}.ts`, join(base, 'index.ts')].find((p) => files.has(p));
}

function importGraph(dir: string): Graph {
  const files = sourceFiles(dir);
  const known = new Set(files);
  const rel = (p: string) => relative(dir, p);
  return new Map(
    files.map((f) => [
      rel(f),
      relativeImports(readFileSync(f, 'utf8'))
        .map((spec) => resolveImport(f, spec, known))
        .filter((p): p is string => p !== undefined)
        .map(rel),
    ]),
  );
}

/** One cycle per back edge of a depth-first search, each as a path that returns to its start. */
export function findCycles(graph: Graph): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles = new Map<string, string[]>();
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const cycle = stack.slice(stack.indexOf(next));
        // The same cycle can be entered at any of its modules: key it by its smallest rotation.
        const start = cycle.indexOf([...cycle].sort()[0]);
        const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
        cycles.set(rotated.join(' '), [...rotated, rotated[0]]);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  // Shortest first: the most direct offender leads the list.
  return [...cycles.values()].sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()));
}

describe('import cycles', () => {
  it('reads every kind of relative import, and none from comments or strings', () => {
    const text = [
      "// import { x } from './commented';",
      "import type { A } from './a';",
      "import {\n  B,\n  type C,\n} from '../b';",
      "export * from './c';",
      "export type { D } from './d/index';",
      "import './side-effect';",
      "import { readFileSync } from 'node:fs';",
      "const s = \"import z from './in-string'\";",
      "type T = import('./type-position').T;",
    ].join('\n');
    expect(relativeImports(text)).toEqual(['./a', '../b', './c', './d/index', './side-effect', './type-position']);
  });

  it('finds each cycle once, whichever module the search enters it by', () => {
    const graph: Graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
      ['f', ['b']],
    ]);
    expect(findCycles(graph)).toEqual([
      ['e', 'e'],
      ['a', 'b', 'c', 'a'],
    ]);
    expect(findCycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('src/ has none', () => {
    const graph = importGraph(SRC);
    expect(graph.get('cli.ts')?.length).toBeGreaterThan(0);
    const cycles = findCycles(graph).map((c) => c.join(' → '));
    expect(cycles, `import cycles under src/:\n  ${cycles.join('\n  ')}`).toEqual([]);
  });

  it('keeps the command line on top: only the programs (cli.ts, cli/, demo.ts) import from cli/', () => {
    const programs = (f: string) => f === 'cli.ts' || f === 'demo.ts' || f.startsWith('cli/');
    const upwards = [...importGraph(SRC)].flatMap(([from, to]) => (programs(from) ? [] : to.filter(programs).map((t) => `${from} → ${t}`)));
    expect(upwards).toEqual([]);
  });
});
