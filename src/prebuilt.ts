// Where prebuilt binaries live inside the package: prebuilds/<platform>-<arch>-torch<M.m>[-cuda]/.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const packageRoot = join(__dirname, '..');

export function prebuildTag(torchVersion: string, cuda: boolean): string {
  const [major, minor] = torchVersion.split('.');
  return `${process.platform}-${process.arch}-torch${major}.${minor}${cuda ? '-cuda' : ''}`;
}

/** Prebuilt binaries for this platform and architecture, CUDA builds first. */
export function prebuiltCandidates(root: string = packageRoot): string[] {
  const dir = join(root, 'prebuilds');
  if (!existsSync(dir)) return [];
  const prefix = `${process.platform}-${process.arch}-torch`;
  return readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => Number(b.endsWith('-cuda')) - Number(a.endsWith('-cuda')))
    .map((name) => join(dir, name, 'layerout.node'))
    .filter((file) => existsSync(file));
}
