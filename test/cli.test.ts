import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const CLI = join(__dirname, '..', 'dist', 'cli.js');

function layerout(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SMALL = ['--model', 'mnist-net', '--data', 'synthetic:10:128:1x28x28', '--threads', '1', '--batch', '32'];

describe('layerout train', () => {
  it('prints one JSON record per epoch, then the summary', () => {
    const r = layerout('train', ...SMALL, '--policy', 'efreeze', '--epochs', '3', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((l) => l.epoch)).toEqual([1, 2, 3]);
    expect(lines[3].summary).toMatchObject({ model: 'mnist-net', epochs: 3, epochsDone: 3, policy: 'efreeze(v=fixed)' });
  });

  it('leaves a unit that the policy freezes bit-identical (--epochs 0 vs --epochs 1)', () => {
    const runs = ['0', '1'].map((epochs) => {
      const out = tempDir();
      // v: unit 0 always frozen, the others never.
      const r = layerout('train', ...SMALL, '--policy', 'layerout:v=1,0,0,0,0,0,0', '--epochs', epochs, '--seed', '5', '--out', out, '--quiet');
      expect(r.code, r.stderr).toBe(0);
      const inspect = layerout('inspect', join(out, 'checkpoint.pt'), '--json');
      expect(inspect.code, inspect.stderr).toBe(0);
      return JSON.parse(inspect.stdout);
    });
    expect(runs[0].epoch).toBe(0);
    expect(runs[1].epoch).toBe(1);
    expect(runs[1].units[0].digest).toBe(runs[0].units[0].digest);
    for (let i = 1; i < 7; i++) expect(runs[1].units[i].digest).not.toBe(runs[0].units[i].digest);
  });

  it('resumes a run folder and refuses to overwrite one', () => {
    const out = tempDir();
    expect(layerout('train', ...SMALL, '--policy', 'layerout', '--epochs', '1', '--out', out, '--quiet').code).toBe(0);
    const again = layerout('train', ...SMALL, '--epochs', '1', '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run; continue it with --resume/);
    const resumed = layerout('train', '--resume', out, '--epochs', '2', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch ?? 'summary')).toEqual([2, 'summary']);
    expect(layerout('train', '--resume', out, '--policy', 'none').stderr).toMatch(/only --epochs, --threads, --device, --json, --quiet may be given \(not --policy\)/);
  });

  it.each([
    [['--model', 'mnist-net', '--data', 'synthetic:10:64:1x28x28', '--epochs', '1', '--bogus', '1'], /unknown option --bogus; allowed: --model/],
    [['--model', 'alexnet', '--data', 'mnist-digits', '--epochs', '1'], /--model must be one of mnist-net, vgg16/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', 'two'], /--epochs must be a number/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1.5'], /--epochs must be a whole number/],
    [['--model', 'mnist-net', '--data', 'mnist-digits'], /--epochs is required/],
    [['--model', 'mnist-net', '--data', 'imagenet', '--epochs', '1'], /--data: unknown dataset 'imagenet'; allowed: fashion-mnist/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--policy', 'layerout:warmup=-2'], /warmup must be a whole number/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--bn', 'eval'], /--bn must be one of train, freeze-affine, freeze/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--lr'], /--lr needs a value/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--schedule', 'exp'], /--schedule: cannot read 'exp'/],
  ])('rejects bad arguments: %j', (args, message) => {
    const r = layerout('train', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('rejects unknown commands and reports missing checkpoints', () => {
    expect(layerout('fly').stderr).toMatch(/unknown command 'fly'/);
    expect(layerout('inspect', '/nonexistent.pt').stderr).toMatch(/no such checkpoint/);
    expect(layerout('info', '--model', 'mnist-net', '--classes', '1').stderr).toMatch(/--classes must be at least 2/);
  });
});

describe('Ctrl-C during layerout train', () => {
  it('stops within a batch, keeps the last checkpoint and says how to resume', async () => {
    const { spawn } = await import('node:child_process');
    const out = tempDir();
    const child = spawn(process.execPath, [CLI, 'train', ...SMALL, '--data', 'synthetic:10:2000:1x28x28', '--epochs', '3', '--out', out, '--json']);
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (!interrupted && stdout.includes('"epoch":1')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      });
      child.on('exit', resolve);
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupt: stopping within one batch/);
    expect(stderr).toMatch(new RegExp(`continue with: layerout train --resume ${out}`));
    const inspect = layerout('inspect', join(out, 'checkpoint.pt'), '--json');
    expect(JSON.parse(inspect.stdout).epoch).toBeGreaterThanOrEqual(1);
    expect(layerout('train', '--resume', out, '--quiet').code).toBe(0);
  });
});
