import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// The packed artifact, installed the way a user installs it, run on plain node. This catches what
// tests against the TypeScript sources cannot: a missing .wasm or .py asset, a worker bootstrap
// path that only exists under tsx, a bin pointing at .ts, an exports map without types.

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const PACK_TIMEOUT_MS = 5 * 60_000;
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const RUN_TIMEOUT_MS = 60_000;

/**
 * The environment for a child that must run without tsx: mocha loads tsx with `--import=tsx`, and
 * it must not reach the child through NODE_OPTIONS. npm's per-script variables are dropped too, so
 * the child npm works on the folder it is given, not on this project.
 */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_OPTIONS' || key === 'INIT_CWD') continue;
    if (/^npm_(package|lifecycle|config_local_prefix|command)/i.test(key)) continue;
    env[key] = value;
  }
  return env;
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: plainEnv(), encoding: 'utf8', timeout: timeoutMs });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  return result;
}

function runOk(command: string, args: readonly string[], cwd: string, timeoutMs: number): string {
  const result = run(command, args, cwd, timeoutMs);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

describe('the packed npm package', function () {
  this.timeout(RUN_TIMEOUT_MS);

  let workDir: string;
  let tarball: string;
  let entries: string[];
  let installDir: string;
  let packageDir: string;
  let bin: string;

  before(function () {
    this.timeout(PACK_TIMEOUT_MS + INSTALL_TIMEOUT_MS);
    // Outside the project, so module resolution cannot fall back to the project's node_modules.
    workDir = mkdtempSync(join(tmpdir(), 'picow-harness-pack-'));
    runOk('npm', ['pack', '--pack-destination', workDir, '--silent'], projectRoot, PACK_TIMEOUT_MS);
    const tarballs = readdirSync(workDir).filter((name) => name.endsWith('.tgz'));
    expect(tarballs, 'npm pack should write one tarball').to.have.length(1);
    tarball = join(workDir, tarballs[0] ?? '');
    entries = runOk('tar', ['-tzf', tarball], workDir, RUN_TIMEOUT_MS).split('\n').filter((line) => line !== '');

    installDir = join(workDir, 'consumer');
    mkdirSync(installDir);
    writeFileSync(join(installDir, 'package.json'), JSON.stringify({ name: 'pack-consumer', private: true, type: 'module' }));
    runOk(
      'npm',
      ['install', tarball, '--prefix', installDir, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      installDir,
      INSTALL_TIMEOUT_MS,
    );
    packageDir = join(installDir, 'node_modules', 'picow-harness');
    bin = join(installDir, 'node_modules', '.bin', 'picow-harness');
  });

  after(function () {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  });

  it('ships the compiled library, its types, the worker entry and the simulator assets', function () {
    for (const required of [
      'package/package.json',
      'package/README.md',
      'package/bin/picow-harness.js',
      'package/dist/index.js',
      'package/dist/index.d.ts',
      'package/dist/sim/board.js',
      'package/dist/sim/worker/main.js',
      'package/dist/sim/python/picoboot.py',
    ]) {
      expect(entries, `tarball entry ${required}`).to.include(required);
    }
  });

  it('leaves TypeScript sources, certificates and reports out of the tarball', function () {
    const tsSources = entries.filter((entry) => /\.(c|m)?ts$/.test(entry) && !/\.d\.(c|m)?ts$/.test(entry));
    expect(tsSources, 'TypeScript sources in the tarball').to.deep.equal([]);
    const secretsOrRuns = entries.filter((entry) => /^package\/(certs|reports)\/[^/]+\//.test(entry));
    expect(secretsOrRuns, 'certs/*/ or reports/*/ content in the tarball').to.deep.equal([]);
  });

  it('declares a bin that is plain JavaScript', function () {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
    const target = manifest.bin?.['picow-harness'];
    expect(target, 'bin.picow-harness').to.be.a('string');
    expect(target).to.match(/\.(c|m)?js$/);
    expect(existsSync(bin), 'node_modules/.bin/picow-harness').to.equal(true);
  });

  it('resolves "picow-harness" through its exports map to a module with type declarations', function () {
    const probe = [
      "const url = import.meta.resolve('picow-harness');",
      "const api = await import('picow-harness');",
      'console.log(JSON.stringify({ url, names: Object.keys(api) }));',
    ].join('\n');
    const out = runOk(process.execPath, ['--input-type=module', '-e', probe], installDir, RUN_TIMEOUT_MS);
    const { url, names } = JSON.parse(out) as { url: string; names: string[] };
    expect(fileURLToPath(url)).to.equal(join(packageDir, 'dist', 'index.js'));
    expect(names, 'exported names').to.not.be.empty;
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      exports: Record<string, { types?: string }>;
    };
    const types = manifest.exports['.']?.types;
    expect(types, 'exports["."].types').to.be.a('string');
    expect(existsSync(join(packageDir, types ?? '')), `${types} in the installed package`).to.equal(true);
  });

  it('prints help from the installed bin on plain node', function () {
    const result = run(bin, ['--help'], installDir, RUN_TIMEOUT_MS);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout).to.include('picow-harness');
    expect(result.stdout).to.include('exec');
  });

  it('runs print(1) on the simulated board from the installed bin on plain node', function () {
    const result = run(bin, ['exec', '--port', 'sim', 'print(1)'], installDir, RUN_TIMEOUT_MS);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout.trim()).to.equal('1');
  });
});
