import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Redactor, REDACTED } from '../../../src/campaign/redact.js';
import { ATTEMPTS_FILE, parseAttempts } from '../../../src/campaign/records/attempts-file.js';
import { buildManifest, hashCanonical } from '../../../src/campaign/records/manifest.js';
import { newRunId, RUN_ID_PATTERN } from '../../../src/campaign/records/run-id.js';
import { LOCK_FILE } from '../../../src/campaign/records/run-lock.js';
import { createRun, openRunForResume, type RunStore } from '../../../src/campaign/records/run-store.js';
import { readStatus } from '../../../src/campaign/records/status-file.js';
import { failure } from '../../support/failure.js';
import { makeRecord, PASSWORD, SECRETS, temporaryDirectory } from './support.js';

const RUN_ID = '20260101-000000-abcd';

describe('run store', () => {
  let base: { path: string; cleanup: () => Promise<void> };
  const open: RunStore[] = [];
  const redactor = new Redactor([...SECRETS]);

  beforeEach(async () => {
    base = await temporaryDirectory();
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close('stopped').catch(() => undefined);
    await base.cleanup();
  });

  async function newRun(total = 10): Promise<RunStore> {
    const store = await createRun({ baseDir: base.path, runId: RUN_ID, redactor, total });
    open.push(store);
    return store;
  }

  async function resume(dir: string, total = 10): ReturnType<typeof openRunForResume> {
    const resumed = await openRunForResume(dir, { redactor, total });
    open.push(resumed.store);
    return resumed;
  }

  async function attemptsText(dir: string): Promise<string> {
    return readFile(join(dir, ATTEMPTS_FILE), 'utf8');
  }

  describe('creating a run', () => {
    it('names runs by UTC time and a short random suffix', () => {
      expect(newRunId(new Date(Date.UTC(2026, 10, 21, 14, 22, 33)), Uint8Array.from([0xa1, 0xb2]))).to.equal('20261121-142233-a1b2');
      expect(newRunId()).to.match(RUN_ID_PATTERN);
    });

    it('creates <base>/<run-id>/ with an empty attempts file, a status and a lock', async () => {
      const store = await createRun({ baseDir: join(base.path, 'reports'), redactor, total: 4 });
      open.push(store);
      expect(store.runId).to.match(RUN_ID_PATTERN);
      expect(store.dir).to.equal(join(base.path, 'reports', store.runId));
      expect((await readdir(store.dir)).sort()).to.deep.equal([ATTEMPTS_FILE, LOCK_FILE, 'status.json', 'transcripts']);
      expect(await attemptsText(store.dir)).to.equal('');
    });

    it('refuses a run id that already exists', async () => {
      await newRun();
      const error = await failure(createRun({ baseDir: base.path, runId: RUN_ID, redactor, total: 1 }));
      expect(error.code).to.equal('USAGE');
      expect(error.message).to.include('already exists');
    });
  });

  describe('appending', () => {
    it('has each record on disk, one redacted JSON line, when append resolves', async () => {
      const store = await newRun();
      const records = [1, 2, 3].map((iteration) => makeRecord(RUN_ID, iteration - 1, 'soft/visible', iteration, { detail: `psk ${PASSWORD}` }));
      for (const record of records) {
        await store.append(record);
        const lines = (await attemptsText(store.dir)).split('\n');
        expect(lines.at(-1), 'every write ends with a newline').to.equal('');
        expect(JSON.parse(lines.at(-2) ?? '')).to.deep.equal({ ...record, detail: `psk ${REDACTED}` });
      }
      const text = await attemptsText(store.dir);
      expect(text.split('\n')).to.have.length(4);
      expect(text).to.not.include('wörd');
    });

    it('refuses an attempt already recorded, a seq not after the last, and another run\'s record, leaving the file as it was', async () => {
      const store = await newRun();
      await store.append(makeRecord(RUN_ID, 5, 'a', 1));
      const before = await attemptsText(store.dir);
      const duplicate = await failure(store.append(makeRecord(RUN_ID, 6, 'a', 1)));
      expect(duplicate.message).to.include('"a" iteration 1 is already recorded');
      expect((await failure(store.append(makeRecord(RUN_ID, 5, 'a', 2)))).message).to.include('seq 5 is not after the last recorded seq 5');
      expect((await failure(store.append(makeRecord('other', 7, 'a', 2)))).message).to.include('record of run other');
      expect(await attemptsText(store.dir)).to.equal(before);
      await store.append(makeRecord(RUN_ID, 6, 'a', 2));
    });

    it('keeps status.json up to date: counts per class, current attempt, state at the end', async () => {
      const store = await newRun(6);
      await store.beginAttempt({ seq: 0, cell: 'a', iteration: 1 });
      let status = await readStatus(store.dir);
      expect(status).to.include({ runId: RUN_ID, state: 'running', done: 0, total: 6, lastSeq: -1, pid: process.pid, resumes: 0 });
      expect(status?.current).to.deep.equal({ seq: 0, cell: 'a', iteration: 1 });
      await store.append(makeRecord(RUN_ID, 0, 'a', 1));
      await store.append(makeRecord(RUN_ID, 1, 'a', 3));
      await store.append(makeRecord(RUN_ID, 2, 'b', 1));
      status = await readStatus(store.dir);
      expect(status).to.include({ done: 3, lastSeq: 2, current: null });
      expect(status?.counts).to.deep.equal({ 'tls.ok': 2, 'tls.verify.future': 1 });
      await store.close('interrupted');
      expect(await readStatus(store.dir)).to.include({ state: 'interrupted', done: 3 });
    });

    it('writes the manifest redacted', async () => {
      const store = await newRun();
      await store.writeManifest({ runId: RUN_ID, config: { wifi: { password: PASSWORD } } });
      const text = await readFile(join(store.dir, 'manifest.json'), 'utf8');
      expect(JSON.parse(text)).to.deep.equal({ runId: RUN_ID, config: { wifi: { password: REDACTED } } });
    });
  });

  describe('resuming', () => {
    async function runWith(records: number): Promise<RunStore> {
      const store = await newRun();
      for (let seq = 0; seq < records; seq += 1) await store.append(makeRecord(RUN_ID, seq, `cell-${seq % 2}`, Math.floor(seq / 2) + 1));
      await store.close('interrupted');
      return store;
    }

    it('returns the recorded keys, the records and the last seq, and continues the same file', async () => {
      const first = await runWith(4);
      const { store, resume: state } = await resume(first.dir);
      expect(state.runId).to.equal(RUN_ID);
      expect([...state.done]).to.deep.equal(['cell-0#1', 'cell-1#1', 'cell-0#2', 'cell-1#2']);
      expect(state.lastSeq).to.equal(3);
      expect(state.records.map((record) => record.seq)).to.deep.equal([0, 1, 2, 3]);
      expect(state.torn).to.equal(null);
      expect(state.previousStatus?.state).to.equal('interrupted');
      expect(store.isDone('cell-0', 2)).to.be.true;
      await store.append(makeRecord(RUN_ID, 4, 'cell-0', 3));
      expect(parseAttempts(await readFile(join(store.dir, ATTEMPTS_FILE)), 'f').attempts).to.have.length(5);
      expect(await readStatus(store.dir)).to.include({ done: 5, resumes: 1, startedAt: (await readStatus(first.dir))?.startedAt });
    });

    it('cuts off a torn last line (half a record, no newline), reports it, and the attempt is run again', async () => {
      const first = await runWith(3);
      const file = join(first.dir, ATTEMPTS_FILE);
      const good = await readFile(file);
      const half = JSON.stringify(makeRecord(RUN_ID, 3, 'cell-1', 2)).slice(0, 57);
      await appendFile(file, half);
      const { store, resume: state } = await resume(first.dir);
      expect(state.torn).to.deep.equal({ offset: good.length, length: half.length, reason: 'no-newline' });
      expect(state.done.has('cell-1#2')).to.be.false;
      expect((await readFile(file)).equals(good), 'the torn bytes are gone').to.be.true;
      await store.append(makeRecord(RUN_ID, 3, 'cell-1', 2));
      const parsed = parseAttempts(await readFile(file), file);
      expect(parsed.torn).to.equal(null);
      expect(parsed.attempts.map((stored) => `${stored.record.cell}#${stored.record.iteration}`)).to.deep.equal(['cell-0#1', 'cell-1#1', 'cell-0#2', 'cell-1#2']);
    });

    it('cuts off a last line that ends in a newline but is not JSON (a write garbled by a crash)', async () => {
      const first = await runWith(2);
      const file = join(first.dir, ATTEMPTS_FILE);
      const good = await readFile(file);
      await appendFile(file, Buffer.from('{"v":1,"runId":"\0\0\0\0\n'));
      const { resume: state } = await resume(first.dir);
      expect(state.torn).to.include({ offset: good.length, reason: 'invalid-json' });
      expect(state.done.size).to.equal(2);
    });

    it('refuses a file damaged before its last line, naming the file and the byte offset', async () => {
      const first = await runWith(3);
      const file = join(first.dir, ATTEMPTS_FILE);
      const lines = (await readFile(file, 'utf8')).split('\n');
      const offset = Buffer.byteLength(`${lines[0]}\n`);
      lines[1] = (lines[1] ?? '').slice(0, 30);
      await writeFile(file, lines.join('\n'));
      const error = await failure(openRunForResume(first.dir, { redactor, total: 10 }));
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.include(file).and.include(`line 2 at byte ${offset} is not valid JSON`);
      expect(error.context).to.include({ file, offset });
      expect(await readFile(file, 'utf8'), 'nothing is repaired').to.equal(lines.join('\n'));
    });

    it('refuses a file that records the same attempt twice, naming both offsets', async () => {
      const first = await runWith(2);
      const file = join(first.dir, ATTEMPTS_FILE);
      const text = await readFile(file, 'utf8');
      const firstLine = text.split('\n')[0] ?? '';
      await appendFile(file, `${JSON.stringify({ ...JSON.parse(firstLine), seq: 9 })}\n`);
      const error = await failure(openRunForResume(first.dir, { redactor, total: 10 }));
      expect(error.code).to.equal('CONFIG_INVALID');
      expect(error.message).to.include(`"cell-0" iteration 1 is recorded twice, at byte 0 and at byte ${Buffer.byteLength(text)}`);
    });

    it('refuses a directory that is not a run', async () => {
      expect((await failure(openRunForResume(base.path, { redactor, total: 1 }))).message).to.include('is not a run directory');
      expect((await failure(openRunForResume(join(base.path, 'nope'), { redactor, total: 1 }))).message).to.include('no run directory');
    });
  });

  describe('lock', () => {
    it('keeps a second runner off a run that is open, naming the holder', async () => {
      const store = await newRun();
      const error = await failure(openRunForResume(store.dir, { redactor, total: 10 }));
      expect(error.code).to.equal('USAGE');
      expect(error.message).to.include(`in use by pid ${process.pid}`).and.include(LOCK_FILE);
      await store.close('stopped');
      const { store: again } = await resume(store.dir);
      expect(again.runId).to.equal(RUN_ID);
    });

    it('takes over the lock of a runner that died', async () => {
      const store = await newRun();
      await store.close('interrupted');
      const dead = spawnSync(process.execPath, ['-e', ''], { timeout: 10_000 }).pid as number;
      await writeFile(join(store.dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), token: 'old', acquiredAt: '2026-01-01T00:00:00Z' }));
      const { store: again } = await resume(store.dir);
      expect(JSON.parse(await readFile(join(again.dir, LOCK_FILE), 'utf8'))).to.include({ pid: process.pid });
      await again.close('completed');
      expect(await readdir(again.dir)).to.not.include(LOCK_FILE);
    });

    it('never assumes a lock from another host is stale', async () => {
      const store = await newRun();
      await store.close('interrupted');
      await writeFile(join(store.dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', token: 't', acquiredAt: '2026-01-01T00:00:00Z' }));
      expect((await failure(openRunForResume(store.dir, { redactor, total: 1 }))).message).to.include('pid 1 on host elsewhere');
    });
  });

  describe('manifest', () => {
    it('collects harness, host, serialport and board facts and hashes the redacted config', async () => {
      const config = { wifi: [{ ssid: 'picow-lab', password: PASSWORD }], iterations: 3 };
      const manifest = await buildManifest(
        {
          runId: RUN_ID,
          board: { kind: 'sim', identity: { serial: 'e6614103e7452d2f' }, firmware: { version: 'v1.24.1' }, sim: { worldHash: 'sha256:00', seed: 7, timeScale: 10 } },
          config,
          certificates: { valid: 'sha256:ab' },
          uhubctlVersion: null,
          serialBinding: 'native',
        },
        redactor,
      );
      const packageJson = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
      expect(manifest.harness).to.deep.equal({ name: 'picow-harness', version: packageJson.version });
      expect(manifest.host.node).to.equal(process.version);
      expect(manifest.host.kernel).to.be.a('string').and.not.equal('');
      expect(manifest.serialport).to.deep.equal({ binding: '@serialport/bindings-cpp', version: '13.0.0' });
      expect(manifest.board.sim).to.deep.equal({ worldHash: 'sha256:00', seed: 7, timeScale: 10 });
      expect(manifest.config.redacted).to.deep.equal({ wifi: [{ ssid: 'picow-lab', password: REDACTED }], iterations: 3 });
      expect(manifest.config.hash).to.equal(hashCanonical({ iterations: 3, wifi: [{ password: REDACTED, ssid: 'picow-lab' }] }));
      expect(JSON.stringify(manifest)).to.not.include('wörd');
    });
  });
});
