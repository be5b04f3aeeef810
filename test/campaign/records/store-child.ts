/**
 * A stand-in for the campaign runner's loop over the run store, used by the SIGKILL test: run as a
 * child process (`node --import tsx store-child.ts '<json>'`) it creates or resumes a run and
 * records every planned attempt not yet done, printing `appended <seq>` after each. It can kill
 * itself at a chosen phase of a chosen attempt; the parent also kills it at random moments.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Redactor } from '../../../src/campaign/redact.js';
import { createRun, openRunForResume, type RunStore } from '../../../src/campaign/records/run-store.js';
import { seededRandom } from '../../support/seeded-random.js';
import { KEY_BYTES, makeRecord, PASSWORD, SECRETS } from './support.js';

export interface PlannedKey {
  readonly seq: number;
  readonly cell: string;
  readonly iteration: number;
}

export type DiePhase = 'begin' | 'transcript' | 'before-append' | 'after-append';

export interface ChildOrders {
  readonly baseDir: string;
  readonly runId: string;
  readonly mode: 'create' | 'resume';
  /** Kill itself when reaching this phase of the attempt with this seq. */
  readonly die?: { readonly seq: number; readonly phase: DiePhase };
}

export const CELLS = ['soft/visible/valid', 'hard/hidden/expired', 'power-cycle/visible/future'];
export const ITERATIONS = 4;
export const TRANSCRIPT_LIMITS = { perAttemptBytes: 4096, maxFiles: 5, maxTotalBytes: 64 * 1024 };

/** The interleaved plan: every (cell, iteration), in a fixed seeded order, seq = position. */
export function plan(): PlannedKey[] {
  const random = seededRandom(20261121);
  const keys: { cell: string; iteration: number }[] = [];
  for (let iteration = 1; iteration <= ITERATIONS; iteration += 1) {
    const round = CELLS.map((cell) => ({ cell, iteration }));
    for (let index = round.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [round[index], round[other]] = [round[other] as (typeof round)[number], round[index] as (typeof round)[number]];
    }
    keys.push(...round);
  }
  return keys.map((key, seq) => ({ seq, ...key }));
}

export const redactor = new Redactor([...SECRETS]);

export function storeOptions(): { redactor: Redactor; total: number; transcripts: typeof TRANSCRIPT_LIMITS } {
  return { redactor, total: plan().length, transcripts: TRANSCRIPT_LIMITS };
}

/** The runner loop: each planned attempt not yet recorded, in order, with a transcript carrying the canaries. */
export async function runRemaining(store: RunStore, hooks: { onPhase?: (seq: number, phase: DiePhase) => void; onAppended?: (seq: number) => void } = {}): Promise<void> {
  for (const key of plan()) {
    if (store.isDone(key.cell, key.iteration)) continue;
    hooks.onPhase?.(key.seq, 'begin');
    await store.beginAttempt(key);
    const transcript = store.openTranscript(key);
    transcript.tap('host-to-board', Buffer.from(`ARGS = {"password": ${JSON.stringify(PASSWORD)}}\n`));
    hooks.onPhase?.(key.seq, 'transcript');
    transcript.tap('board-to-host', Buffer.concat([Buffer.from(`attempt ${key.seq}: key `), KEY_BYTES, Buffer.from('\r\n')]));
    const path = await transcript.finish();
    hooks.onPhase?.(key.seq, 'before-append');
    await store.append(makeRecord(store.runId, key.seq, key.cell, key.iteration, { transcript: path, detail: `attempt ${key.seq} with ${PASSWORD}` }));
    hooks.onAppended?.(key.seq);
    hooks.onPhase?.(key.seq, 'after-append');
  }
}

async function main(orders: ChildOrders): Promise<void> {
  const store =
    orders.mode === 'create'
      ? await createRun({ ...storeOptions(), baseDir: orders.baseDir, runId: orders.runId })
      : (await openRunForResume(join(orders.baseDir, orders.runId), storeOptions())).store;
  process.stdout.write('ready\n');
  await runRemaining(store, {
    onPhase: (seq, phase) => {
      if (orders.die?.seq === seq && orders.die.phase === phase) process.kill(process.pid, 'SIGKILL');
    },
    onAppended: (seq) => process.stdout.write(`appended ${seq}\n`),
  });
  await store.close('completed');
  process.stdout.write('completed\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(JSON.parse(process.argv[2] ?? '{}') as ChildOrders).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
