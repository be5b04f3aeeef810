#!/usr/bin/env node
// Builds dist/ from src/: a clean tsc emit, the runtime assets tsc does not copy (the simulator's
// Python prelude, YAML worlds), then a check that the built package runs on plain node, without tsx.
//
//   node scripts/build.mjs               clean, compile, copy assets, verify
//   node scripts/build.mjs --no-verify   skip the dist-only smoke run
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const srcDir = join(root, 'src');
const distDir = join(root, 'dist');
/** Files under src/ that the runtime reads from disk next to the compiled modules. */
const ASSET_EXTENSIONS = ['.py', '.yaml', '.yml'];
const SMOKE_TIMEOUT_MS = 60_000;

function fail(message) {
  process.stderr.write(`build: ${message}\n`);
  process.exit(1);
}

function step(message) {
  process.stdout.write(`build: ${message}\n`);
}

/** Plain node for children: tsx (or any loader) inherited through NODE_OPTIONS would hide a broken dist. */
function plainNodeEnv() {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

function compile() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
    cwd: root,
    stdio: 'inherit',
    env: plainNodeEnv(),
  });
  if (result.error) fail(`could not run tsc: ${result.error.message}`);
  if (result.status !== 0) fail(`tsc failed (exit ${result.status ?? result.signal}); dist/ is incomplete`);
}

function* assetsUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* assetsUnder(path);
    else if (ASSET_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) yield path;
  }
}

function copyAssets() {
  let count = 0;
  for (const source of assetsUnder(srcDir)) {
    const target = join(distDir, relative(srcDir, source));
    mkdirSync(dirname(target), { recursive: true });
    cpSync(source, target);
    count += 1;
  }
  if (!existsSync(join(distDir, 'sim', 'python'))) fail('no Python prelude was copied to dist/sim/python');
  return count;
}

function runPlainNode(args, what) {
  const result = spawnSync(process.execPath, args, {
    cwd: root,
    env: plainNodeEnv(),
    encoding: 'utf8',
    timeout: SMOKE_TIMEOUT_MS,
  });
  if (result.error) fail(`${what}: ${result.error.message}`);
  if (result.status !== 0) {
    fail(`${what} failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

function verify() {
  runPlainNode(['--input-type=module', '-e', "await import('./dist/sim/board.js')"], 'loading dist/sim/board.js');
  const out = runPlainNode([join(root, 'scripts', 'dist-smoke.mjs')], 'dist smoke (board + raw REPL on plain node)');
  if (out.trim() !== '1') fail(`dist smoke printed ${JSON.stringify(out)}, expected "1"`);
  if (existsSync(join(distDir, 'cli', 'bin.js'))) runPlainNode([join(root, 'bin', 'picow-harness.js'), '--help'], 'picow-harness --help');
}

const verifyWanted = !process.argv.includes('--no-verify');
step('cleaning dist/');
rmSync(distDir, { recursive: true, force: true });
step('compiling src/ with tsc -p tsconfig.build.json');
compile();
step(`copied ${copyAssets()} runtime asset(s) (${ASSET_EXTENSIONS.join(', ')})`);
if (verifyWanted) {
  step('verifying dist/ on plain node (no tsx)');
  verify();
}
step('done');
