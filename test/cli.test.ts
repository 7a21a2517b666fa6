import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
    const first = layerout('train', ...SMALL, '--policy', 'layerout', '--epochs', '1', '--out', out, '--quiet');
    expect(first.code, first.stderr).toBe(0);
    const again = layerout('train', ...SMALL, '--epochs', '1', '--out', out);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds a run; continue it with --resume/);
    expect(again.stderr).toMatch(/replace it with --force/);
    const resumed = layerout('train', '--resume', out, '--epochs', '2', '--json');
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch ?? 'summary')).toEqual([2, 'summary']);
    const changed = layerout('train', '--resume', out, '--policy', 'none');
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/only --on-nonfinite, --epochs, --early-stop, --threads, --device, --json, --quiet and the data-parallel options .* may be given \(not --policy\)/);
    // The run folder is also what inspect takes.
    expect(layerout('inspect', out).stdout).toMatch(/after epoch 2, policy layerout/);
    // In words: what the state means, not the RNG's table (that stays in --json).
    const inspect = layerout('inspect', join(out, 'checkpoint.pt'));
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(inspect.stdout).toMatch(/^policy state: a new v is drawn every epoch, the last = \((0\.\d\d, ){6}0\.\d\d\); random stream at state [0-9a-f]{8}$/m);
    expect(inspect.stdout).not.toMatch(/"S"/);
    expect(JSON.parse(layerout('inspect', join(out, 'checkpoint.pt'), '--json').stdout).policyState.rng.S).toHaveLength(256);
  });

  it.each([
    [['--model', 'mnist-net', '--data', 'synthetic:10:64:1x28x28', '--epochs', '1', '--bogus', '1'], /unknown option --bogus; allowed: --model/],
    [['--model', 'alexnet', '--data', 'mnist-digits', '--epochs', '1'], /--model must be one of mnist-net, vgg16/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', 'two'], /--epochs must be a whole number in decimal digits; got 'two'/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '0x10'], /--epochs must be a whole number in decimal digits; got '0x10'/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--lr', 'Infinity'], /--lr must be a number in decimal notation/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1.5'], /--epochs must be a whole number/],
    [['--model', 'mnist-net', '--data', 'mnist-digits'], /--epochs N is required unless --resume is given/],
    [['--model', 'mnist-net', '--data', 'imagenet', '--epochs', '1'], /--data: unknown dataset 'imagenet'; allowed: fashion-mnist/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--policy', 'layerout:warmup=-2'], /warmup must be a whole number/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--bn', 'eval'], /--bn must be one of train, freeze-affine, freeze/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--lr'], /--lr X needs a value/],
    [['--model', 'mnist-net', '--data', 'mnist-digits', '--epochs', '1', '--schedule', 'exp'], /--schedule: cannot read 'exp'/],
  ])('rejects bad arguments: %j', (args, message) => {
    const r = layerout('train', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('reports every problem of a command line in one message', () => {
    const r = layerout('train', '--epochs', 'x', '--batch', '0', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      'layerout train: 5 problems:',
      "  --epochs must be a whole number in decimal digits; got 'x'",
      "  --batch must be at least 1; got '0'",
      expect.stringMatching(/^ {2}unknown option --bogus; allowed: --model --data --epochs /),
      expect.stringMatching(/^ {2}--model NAME\|PATH.json is required unless --resume is given \(a built-in model/),
      expect.stringMatching(/^ {2}--data SPEC is required unless --resume is given/),
      '(layerout train --help lists every option)',
      '',
    ]);
  });

  it('rejects unknown commands and reports missing checkpoints', () => {
    const fly = layerout('fly');
    expect(fly.code).toBe(2);
    expect(fly.stderr).toMatch(/unknown command 'fly'[^]*\n {2}train +Train a model/);
    const missing = layerout('inspect', '/nonexistent.pt');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such run folder or checkpoint: \/nonexistent.pt/);
    const classes = layerout('info', '--model', 'mnist-net', '--classes', '1');
    expect(classes.code).toBe(2);
    expect(classes.stderr).toMatch(/--classes must be at least 2/);
  });
});

describe('layerout help and --version', () => {
  it('prints the package version', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) expect(layerout(flag)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints the overall help on request (exit 0), and to stderr without a command (exit 2)', () => {
    const help = layerout('help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: layerout COMMAND/);
    expect(layerout('--help')).toEqual(help);
    expect(layerout()).toEqual({ code: 2, stdout: '', stderr: help.stdout });
    for (const line of help.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it.each(['info', 'train', 'inspect', 'bench'])('help %s, and %s -h, print the command\'s options', (command) => {
    const help = layerout('help', command);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: layerout ${command} `));
    expect(help.stdout).toMatch(/^ {2}-h, --help +print this help$/m);
    for (const line of help.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    // -h wins over anything else on the line, even a bad option.
    expect(layerout(command, '--bogus', '-h')).toEqual(help);
  });

  it('train --help shows the required options first, with defaults', () => {
    const r = layerout('train', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/required unless --resume is given:\n {2}--model NAME[^]*\noptions:\n[^]*--batch N +batch size \(default 128\)/);
    const unknown = layerout('help', 'fly');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'fly'/);
  });
});

describe('Ctrl-C during layerout train', () => {
  it('stops within a batch, keeps the last checkpoint and says how to resume', async () => {
    const { spawn } = await import('node:child_process');
    const out = tempDir();
    const args = SMALL.map((a) => (a === 'synthetic:10:128:1x28x28' ? 'synthetic:10:2000:1x28x28' : a)); // more data: time to interrupt
    const child = spawn(process.execPath, [CLI, 'train', ...args, '--epochs', '3', '--out', out, '--json']);
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
    expect(inspect.code, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout).epoch).toBeGreaterThanOrEqual(1);
    const resumed = layerout('train', '--resume', out, '--quiet');
    expect(resumed.code, resumed.stderr).toBe(0);
  });
});
