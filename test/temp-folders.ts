// Global set-up: the suite leaves no temporary folder behind. Folders in the system temp folder
// made during the run (by tests, the CLI they start, or the libraries they use) that are still
// there at the end fail the run by name.
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

let before = new Set<string>();

export function setup(): void {
  before = new Set(readdirSync(tmpdir()));
}

export function teardown(): void {
  const left = readdirSync(tmpdir()).filter((name) => !before.has(name) && /^(layerout|vitest)/.test(name));
  if (left.length === 0) return;
  // vitest only prints a teardown's error; the exit code is what CI reads.
  process.exitCode = 1;
  throw new Error(`the test suite left ${left.length} temporary folder(s) in ${tmpdir()}: ${left.join(', ')}`);
}
