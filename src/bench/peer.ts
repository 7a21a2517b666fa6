// The PyTorch peer (scripts/peer/peer.py): finding a Python with torch, and running one command.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../prebuilt';

export function findPython(given?: string): string {
  for (const py of given ? [given] : ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  throw new Error(`no Python with torch found${given ? ` at ${given}` : ''}: on Debian/Ubuntu apt-get install python3-torch (npm run setup does)`);
}

export function peer(python: string, args: string[], env: NodeJS.ProcessEnv = process.env): unknown {
  return JSON.parse(execFileSync(python, [join(packageRoot, 'scripts', 'peer', 'peer.py'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env }));
}
