// The package's version (package.json), for `layerout --version` and the files it writes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** package.json's version; this file is dist/version.js (or src/version.ts under tests). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
