// Files that are not what they seem: a FIFO (a read would block forever), /dev/zero (a read would
// grow until the process aborts) and a folder, in the place of each file the library reads. Every
// one is a clear error, at once.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
const SMALL = ['--model', 'mlp', '--data', 'synthetic:4:40:1x8x8', '--epochs', '1', '--threads', '1', '--quiet'];

function layerout(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, signal: r.signal, stderr: r.stderr };
}

const KINDS = ['a FIFO', 'a device', 'a folder'] as const;

/** Makes `path` a FIFO, a link to /dev/zero, or a folder. */
function makeOdd(kind: (typeof KINDS)[number], path: string): void {
  if (kind === 'a FIFO') expect(spawnSync('mkfifo', [path]).status).toBe(0);
  else if (kind === 'a device') symlinkSync('/dev/zero', path);
  else mkdirSync(path);
}

describe('odd files in the place of the files the library reads', () => {
  it('run.json', () => {
    for (const kind of KINDS) {
      const out = join(tempDir(), 'run');
      expect(layerout(['train', ...SMALL, '--out', out]).code).toBe(0);
      rmSync(join(out, 'run.json'));
      makeOdd(kind, join(out, 'run.json'));
      const r = layerout(['train', '--resume', out, '--epochs', '2']);
      expect(r.signal, kind).toBeNull();
      expect(r.code, `${kind}: ${r.stderr}`).not.toBe(0);
      expect(r.stderr).toContain(`run.json ${join(out, 'run.json')} is ${kind}, not a regular file`);
    }
  });

  it('a network spec, a study config, a data file and a TorchScript file', () => {
    for (const kind of KINDS) {
      const dir = tempDir();
      const odd = join(dir, 'odd.json');
      makeOdd(kind, odd);
      const spec = layerout(['train', '--model', odd, '--data', 'synthetic:4:40:1x8x8', '--epochs', '1']);
      expect(spec.stderr, kind).toContain(`network spec ${odd} is ${kind}, not a regular file`);
      const config = layerout(['study', '--config', odd]);
      expect(config.stderr, kind).toContain(`study config ${odd} is ${kind}, not a regular file`);
      const script = layerout(['train', '--model', `torchscript:${odd}`, '--data', 'synthetic:4:40:1x8x8', '--epochs', '1']);
      expect(script.stderr, kind).toContain(`TorchScript file ${odd} is ${kind}, not a regular file`);
      const idx = join(dir, 'idx');
      mkdirSync(idx);
      for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-labels-idx1-ubyte']) writeFileSync(join(idx, f), '');
      makeOdd(kind, join(idx, 'train-images-idx3-ubyte'));
      const data = layerout(['train', '--model', 'mlp', '--data', `mnist:${idx}`, '--epochs', '1']);
      expect(data.stderr, kind).toContain(`is ${kind}, not a regular file`);
      for (const r of [spec, config, script, data]) {
        expect(r.signal, kind).toBeNull();
        expect(r.code, kind).not.toBe(0);
      }
    }
  });
});
