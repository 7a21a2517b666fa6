// Every type a user meets through the package root is exported from it: the compiler walks the
// published .d.ts files from dist/index.d.ts and lists each named type of ours (interface, type
// alias, class, enum) that a public declaration mentions but the root does not export.
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const DIST = join(__dirname, '..', 'dist');

function unexportedTypes(): string[] {
  const index = join(DIST, 'index.d.ts');
  const program = ts.createProgram([index], { strict: true, types: ['node'], noEmit: true });
  const checker = program.getTypeChecker();
  const root = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exported = new Set(checker.getExportsOfModule(root).map(resolve));
  const ours = (d: ts.Declaration) => d.getSourceFile().fileName.startsWith(DIST);
  const missing = new Map<string, string>();
  const seen = new Set<ts.Symbol>();
  const visitSymbol = (symbol: ts.Symbol, from: string) => {
    const target = resolve(symbol);
    if (seen.has(target)) return;
    const decls = (target.declarations ?? []).filter(ours);
    if (decls.length === 0) return;
    const named = target.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Class | ts.SymbolFlags.Enum);
    if (!named) return;
    seen.add(target);
    if (!exported.has(target)) missing.set(target.getName(), `${from} -> ${decls[0].getSourceFile().fileName.slice(DIST.length + 1)}`);
    for (const d of decls) walk(d, target.getName());
  };
  // Types named in a declaration, skipping private members (the .d.ts leaves their types out) and bodies.
  const walk = (node: ts.Node, from: string) => {
    if ((ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword))) return;
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node) || ts.isTypeQueryNode(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : ts.isTypeQueryNode(node) ? node.exprName : node.expression;
      const symbol = checker.getSymbolAtLocation(ts.isQualifiedName(name) ? name.right : name);
      if (symbol) visitSymbol(symbol, from);
    }
    if (ts.isImportTypeNode(node)) {
      const t = checker.getTypeFromTypeNode(node);
      const s = t.aliasSymbol ?? t.getSymbol();
      if (s) visitSymbol(s, from);
    }
    ts.forEachChild(node, (child) => walk(child, from));
  };
  for (const symbol of checker.getExportsOfModule(root)) {
    const target = resolve(symbol);
    seen.add(target);
    for (const d of (target.declarations ?? []).filter(ours)) walk(d, symbol.getName());
  }
  return [...missing].map(([name, where]) => `${name} (${where})`).sort();
}

describe('the public types', () => {
  it('every type reachable from a root export is exported from the root', () => {
    expect(unexportedTypes()).toEqual([]);
  });
});
