#!/usr/bin/env node
// `install`: use a prebuilt binary when one loads against this machine's libtorch; otherwise (or
// with LAYEROUT_BUILD_FROM_SOURCE=1) build from source with cmake-js.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const log = (m) => console.error(`[layerout] ${m}`);
// Loading reads this to tell "the install script never ran" (npm's install-script approval,
// --ignore-scripts) from "it ran and failed", and says what to run in each case.
const MARKER = join(root, '.install-script-ran');

// A development checkout builds through scripts/setup (npm start / npm test), not at npm ci.
if (existsSync(join(root, 'src')) && existsSync(join(root, 'tsconfig.json'))) process.exit(0);
try {
  writeFileSync(MARKER, `${new Date().toISOString()}\n`);
} catch {
  // A read-only install folder: loading then only misses the hint.
}

function loads(binary) {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(binary)}).runtimeInfo()`], { encoding: 'utf8' });
  return { ok: r.status === 0, why: (r.stderr || '').split('\n').find((l) => /Error/.test(l)) || `exit ${r.status}` };
}

if (process.env.LAYEROUT_BUILD_FROM_SOURCE !== '1') {
  const { prebuiltCandidates } = require(join(root, 'dist', 'prebuilt.js'));
  const candidates = prebuiltCandidates(root);
  for (const binary of candidates) {
    const r = loads(binary);
    if (r.ok) {
      log(`using the prebuilt binary ${binary.slice(root.length + 1)}`);
      process.exit(0);
    }
    log(`prebuilt ${binary.slice(root.length + 1)} does not load here (${r.why.trim()})`);
  }
  if (!candidates.length) log(`no prebuilt binary for ${process.platform}-${process.arch}`);
}

log('building from source with cmake-js (needs libtorch with its CMake config, CMake and a C++17 compiler)');
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
const r = spawnSync(process.execPath, [cmakeJs, 'compile', '--CDCMAKE_BUILD_TYPE=Release', '--log-level', 'warn'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  log('the source build failed. On Debian/Ubuntu: sudo apt-get install libtorch-dev libopenblas0-openmp cmake g++;');
  log('elsewhere set Torch_DIR to the folder with TorchConfig.cmake (or install PyTorch for python3), then npm rebuild layerout.');
  process.exit(1);
}
