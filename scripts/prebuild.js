#!/usr/bin/env node
// `prepack`: builds the addon and the TypeScript, then copies the binary into
// prebuilds/<platform>-<arch>-torch<M.m>[-cuda]/ with a build-info.json naming its libtorch.
'use strict';
const { execFileSync } = require('node:child_process');
const { copyFileSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
execFileSync('bash', [join(root, 'scripts', 'setup')], { stdio: 'inherit' });
const binary = join(root, 'build', 'Release', 'layerout.node');
// Ask the binary itself which libtorch it links, in a child so a bad build cannot crash us.
const info = JSON.parse(
  execFileSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(binary)}).runtimeInfo()))`], { encoding: 'utf8' }),
);
const { prebuildTag } = require(join(root, 'dist', 'prebuilt.js'));
const tag = prebuildTag(info.torchVersion, info.cudaBuild);
rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
const dir = join(root, 'prebuilds', tag);
mkdirSync(dir, { recursive: true });
copyFileSync(binary, join(dir, 'layerout.node'));
writeFileSync(join(dir, 'build-info.json'), JSON.stringify({ torchVersion: info.torchVersion, cuda: info.cudaBuild, tag }, null, 2) + '\n');
console.error(`[prebuild] prebuilds/${tag}/layerout.node (libtorch ${info.torchVersion}${info.cudaBuild ? ', CUDA' : ''})`);
