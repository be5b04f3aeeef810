import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { STATUS_FILE, writeStatus, type RunStatus } from '../../../src/campaign/records/status-file.js';
import { temporaryDirectory } from './support.js';

function statusWith(done: number): RunStatus {
  // Large enough (~150 kB) that a non-atomic rewrite would be seen half-written.
  const counts: Record<string, number> = {};
  for (let index = 0; index < 4000; index += 1) counts[`class.${index}`] = done;
  return {
    v: 1,
    runId: 'r',
    state: 'running',
    done,
    total: 1000,
    lastSeq: done - 1,
    current: { seq: done, cell: 'c', iteration: 1 },
    counts,
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    pid: process.pid,
    resumes: 0,
  };
}

/** A reader on another thread: reads the file in a tight loop until told to stop, reporting what it saw. */
const READER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
let reads = 0, broken = 0, last = -1, backwards = 0, stop = false;
parentPort.on('message', () => { stop = true; });
function loop() {
  for (let i = 0; i < 50 && !stop; i += 1) {
    let text;
    try { text = readFileSync(workerData.path, 'utf8'); } catch { continue; }
    reads += 1;
    try {
      const status = JSON.parse(text);
      if (Object.keys(status.counts).length !== 4000 || status.counts['class.3999'] !== status.done) broken += 1;
      if (status.done < last) backwards += 1;
      last = status.done;
    } catch { broken += 1; }
  }
  if (stop) parentPort.postMessage({ reads, broken, backwards });
  else setImmediate(loop);
}
loop();
`;

describe('status.json', () => {
  it('is never seen half-written by a reader while it is rewritten rapidly', async () => {
    const dir = await temporaryDirectory();
    try {
      await writeStatus(dir.path, statusWith(0));
      const path = join(dir.path, STATUS_FILE);
      const readers = [0].map(() => new Worker(READER, { eval: true, workerData: { path } }));
      const results = readers.map(
        (worker) =>
          new Promise<{ reads: number; broken: number; backwards: number }>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
          }),
      );
      for (let done = 1; done <= 60; done += 1) await writeStatus(dir.path, statusWith(done));
      for (const worker of readers) worker.postMessage('stop');
      const seen = await Promise.all(results);
      await Promise.all(readers.map((worker) => worker.terminate()));
      for (const result of seen) {
        expect(result.reads).to.be.above(0);
        expect(result).to.include({ broken: 0, backwards: 0 });
      }
      expect((JSON.parse(await readFile(path, 'utf8')) as RunStatus).done).to.equal(60);
    } finally {
      await dir.cleanup();
    }
  });
});
