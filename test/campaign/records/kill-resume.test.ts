import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ATTEMPTS_FILE, parseAttempts } from '../../../src/campaign/records/attempts-file.js';
import { createRun, openRunForResume } from '../../../src/campaign/records/run-store.js';
import { readStatus } from '../../../src/campaign/records/status-file.js';
import { scanForSecrets } from '../../../src/campaign/records/secret-scan.js';
import type { AttemptRecord } from '../../../src/campaign/types.js';
import { compileForPlainNode } from './compile-child.js';
import { plan, redactor, runRemaining, storeOptions, type ChildOrders, type DiePhase } from './store-child.js';
import { seededRandom } from '../../support/seeded-random.js';
import { makeRecord, SECRETS, temporaryDirectory } from './support.js';

const CHILD_SOURCE = fileURLToPath(new URL('./store-child.ts', import.meta.url));
const RUN_ID = '20260101-000000-beef';
const SEEDS = 20;
const CONCURRENCY = 4;
const CHILD_TIMEOUT_MS = 60_000;
const PHASES: DiePhase[] = ['begin', 'transcript', 'before-append', 'after-append'];

interface ChildEnd {
  readonly appended: number[];
  readonly killed: boolean;
  readonly completed: boolean;
}

/**
 * Runs the child; with `killAfterAppends` the parent SIGKILLs it as soon as it has reported that
 * many appends (0: as soon as it is ready), wherever in the next attempt it then is.
 */
function runChild(script: string, orders: ChildOrders, killAfterAppends?: number): Promise<ChildEnd> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(orders)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const appended: number[] = [];
    let stdout = '';
    let stderr = '';
    let completed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      stdout += data;
      let newline: number;
      while ((newline = stdout.indexOf('\n')) !== -1) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        if (line.startsWith('appended ')) appended.push(Number(line.slice(9)));
        if (line === 'completed') completed = true;
        const reported = line === 'ready' || line.startsWith('appended ');
        if (reported && killAfterAppends !== undefined && appended.length >= killAfterAppends) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve({ appended, killed: true, completed });
      else if (code === 0) resolve({ appended, killed: false, completed });
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

function keysOf(records: readonly AttemptRecord[]): string[] {
  return records.map((record) => `${record.cell}#${record.iteration}`);
}

async function readRecords(dir: string): Promise<AttemptRecord[]> {
  const file = join(dir, ATTEMPTS_FILE);
  return parseAttempts(await readFile(file), file).attempts.map((stored) => stored.record);
}

async function transcriptFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await readdir(join(dir, 'transcripts'))).sort()) files[name] = await readFile(join(dir, 'transcripts', name), 'latin1');
  return files;
}

/** Appends what a write cut short leaves: part of the next record, with or without a newline. */
async function tearLastLine(dir: string, random: () => number): Promise<void> {
  const line = JSON.stringify(makeRecord(RUN_ID, 99, 'torn', 1));
  const cut = 1 + Math.floor(random() * (line.length - 2));
  await appendFile(join(dir, ATTEMPTS_FILE), random() < 0.5 ? line.slice(0, cut) : `${line.slice(0, cut)}\n`);
}

describe('run store under SIGKILL', function () {
  this.timeout(240_000);

  it(`a run killed at random points (${SEEDS} seeds) and resumed has every planned attempt exactly once, as an uninterrupted run has`, async () => {
    const reference = await temporaryDirectory();
    const cleanups = [reference.cleanup];
    try {
      // Plain node starts children several times faster than tsx; the sources are the same.
      const child = await compileForPlainNode(CHILD_SOURCE, join(reference.path, 'child'));
      const uninterrupted = await createRun({ ...storeOptions(), baseDir: reference.path, runId: RUN_ID });
      await runRemaining(uninterrupted);
      await uninterrupted.close('completed');
      const expectedRecords = await readRecords(uninterrupted.dir);
      const expectedTranscripts = await transcriptFiles(uninterrupted.dir);
      expect(keysOf(expectedRecords)).to.deep.equal(plan().map((key) => `${key.cell}#${key.iteration}`));

      const runSeed = async (seed: number): Promise<string[]> => {
        const random = seededRandom(seed);
        const base = await temporaryDirectory();
        cleanups.push(base.cleanup);
        const dir = join(base.path, RUN_ID);
        const story: string[] = [];
        let tore = false;
        const invocations = random() < 0.4 ? 2 : 1;
        for (let invocation = 0; invocation < invocations; invocation += 1) {
          tore = false; // a resumed child cuts off a torn line itself
          const orders: ChildOrders = { baseDir: base.path, runId: RUN_ID, mode: invocation === 0 ? 'create' : 'resume' };
          const planned = plan().length;
          if (random() < 0.5) {
            const die = { seq: Math.floor(random() * planned), phase: PHASES[Math.floor(random() * PHASES.length)] as DiePhase };
            const end = await runChild(child, { ...orders, die });
            story.push(`child ${invocation}: die at seq ${die.seq} ${die.phase} → ${end.killed ? 'killed' : 'completed'} after ${end.appended.length} appends`);
          } else {
            const after = Math.floor(random() * planned);
            const end = await runChild(child, orders, after);
            story.push(`child ${invocation}: kill after ${after} appends → ${end.killed ? 'killed' : 'completed'} after ${end.appended.length}`);
          }
          if (random() < 0.4) {
            await tearLastLine(dir, random);
            tore = true;
            story.push('torn last line added');
          }
        }
        const { store, resume } = await openRunForResume(dir, storeOptions());
        try {
          if (tore) expect(resume.torn, story.join('; ')).to.not.equal(null);
          // Attempts run in plan order, so what survived is exactly a prefix of the plan.
          expect(keysOf(resume.records), story.join('; ')).to.deep.equal(plan().slice(0, resume.records.length).map((key) => `${key.cell}#${key.iteration}`));
          await runRemaining(store);
        } finally {
          await store.close('completed');
        }

        const records = await readRecords(dir);
        expect(records, `seed ${seed}: ${story.join('; ')}`).to.deep.equal(expectedRecords);
        expect(await transcriptFiles(dir), `seed ${seed}: ${story.join('; ')}`).to.deep.equal(expectedTranscripts);
        expect(await readStatus(dir)).to.include({ state: 'completed', done: plan().length, lastSeq: plan().length - 1 });
        expect(await scanForSecrets(base.path, [...SECRETS])).to.deep.equal([]);
        return story;
      };

      const stories: string[][] = [];
      for (let first = 1; first <= SEEDS; first += CONCURRENCY) {
        const batch = Array.from({ length: Math.min(CONCURRENCY, SEEDS - first + 1) }, (_, index) => runSeed(first + index));
        stories.push(...(await Promise.all(batch)));
      }
      const all = stories.flat().join('\n');
      // The seeds cover the kinds of interruption the test exists for.
      expect(all).to.match(/kill after \d+ appends → killed/);
      for (const phase of PHASES) expect(all).to.match(new RegExp(`die at seq \\d+ ${phase} → killed`));
      expect(all).to.include('torn last line added');
      expect(redactor.secretCount).to.equal(2);
    } finally {
      for (const cleanup of cleanups) await cleanup();
    }
  });
});
