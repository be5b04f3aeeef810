import { expect } from 'chai';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Redactor, REDACTED } from '../../../src/campaign/redact.js';
import { createRun, openRunForResume, type RunStore } from '../../../src/campaign/records/run-store.js';
import { TranscriptCapture } from '../../../src/campaign/records/transcript-capture.js';
import { cellSlug, readTranscript, transcriptRelativePath } from '../../../src/campaign/records/transcripts.js';
import { failure } from '../../support/failure.js';
import { makeRecord, PASSWORD, SECRETS, temporaryDirectory } from './support.js';

const RUN_ID = '20260101-000000-0001';
const redactor = new Redactor([...SECRETS]);
const MARKER = /\n«transcript truncated: (\d+) bytes dropped»\n/;

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

describe('transcripts', () => {
  describe('capture', () => {
    it('keeps a short transcript whole, redacting a password split across writes', () => {
      const capture = new TranscriptCapture(redactor, 64 * 1024);
      capture.write('>>> connect("picow-lab", "');
      capture.write(PASSWORD.slice(0, 5));
      capture.write(Buffer.from(PASSWORD.slice(5)));
      capture.write('")\r\n');
      expect(text(capture.render())).to.equal(`>>> connect("picow-lab", "${REDACTED}")\r\n`);
    });

    it('marks each change of direction on a tapped transport', () => {
      const capture = new TranscriptCapture(redactor, 64 * 1024);
      capture.tap('host-to-board', Buffer.from('\x01'));
      capture.tap('host-to-board', Buffer.from("print('hi')\x04"));
      capture.tap('board-to-host', Buffer.from('OKhi\r\n\x04\x04>'));
      expect(text(capture.render())).to.equal("«host»\n\x01print('hi')\x04\n«board»\nOKhi\r\n\x04\x04>");
    });

    it('writes at most the cap for a board printing 50 MB, keeping head and tail and counting what it dropped', () => {
      const cap = 64 * 1024;
      const capture = new TranscriptCapture(redactor, cap);
      const line = Buffer.from(`tick ${'x'.repeat(90)} ${PASSWORD}\r\n`);
      const chunk = Buffer.concat(Array.from({ length: 700 }, () => line));
      let total = 0;
      capture.write('BEGIN\r\n');
      total += 7;
      while (total < 50 * 1024 * 1024) {
        capture.write(chunk);
        total += chunk.length;
      }
      capture.write('END\r\n');
      total += 5;
      const out = capture.render();
      expect(out.length).to.be.at.most(cap);
      expect(out.length).to.be.above(cap / 2);
      const rendered = text(out);
      expect(rendered.startsWith('BEGIN\r\ntick ')).to.be.true;
      expect(rendered.endsWith(`${REDACTED}\r\nEND\r\n`)).to.be.true;
      expect(rendered).to.not.include('wörd');
      const dropped = Number(MARKER.exec(rendered)?.[1]);
      // Every raw byte was either dropped or written (written ones possibly as a marker).
      const [head, tail] = rendered.split(MARKER.exec(rendered)?.[0] ?? '') as [string, string];
      const keptRaw = [head, tail].reduce((sum, part) => sum + Buffer.byteLength(part) + (part.split(REDACTED).length - 1) * (Buffer.byteLength(PASSWORD) - Buffer.byteLength(REDACTED)), 0);
      expect(dropped + keptRaw).to.equal(total);
    });

    it('never leaves part of a secret where the head or the tail is cut', () => {
      const cap = 4096;
      const headBudget = Math.floor((cap - 128) / 2);
      const tailBudget = cap - 128 - headBudget;
      const length = Buffer.byteLength(PASSWORD);
      // Slide both secrets across the head cut and the tail cut, one byte at a time.
      for (let shift = -2; shift <= length + 2; shift += 1) {
        const capture = new TranscriptCapture(redactor, cap);
        capture.write(Buffer.alloc(headBudget - length + shift, '.'));
        capture.write(PASSWORD);
        capture.write(Buffer.alloc(100_000, '-'));
        capture.write(PASSWORD);
        capture.write(Buffer.alloc(tailBudget - shift, '_'));
        const out = text(capture.render());
        expect(out.length).to.be.at.most(cap);
        expect(out, `shift ${shift}`).to.match(MARKER);
        for (let piece = 0; piece + 4 <= PASSWORD.length; piece += 1) expect(out, `shift ${shift}`).to.not.include(PASSWORD.slice(piece, piece + 4));
      }
    });
  });

  describe('in a run', () => {
    let base: { path: string; cleanup: () => Promise<void> };
    let store: RunStore | undefined;

    beforeEach(async () => {
      base = await temporaryDirectory();
    });

    afterEach(async () => {
      await store?.close('stopped').catch(() => undefined);
      store = undefined;
      await base.cleanup();
    });

    async function attempt(run: RunStore, seq: number, cell: string, iteration: number, body: string, klass = 'tls.ok'): Promise<string | null> {
      const transcript = run.openTranscript({ seq, cell, iteration });
      transcript.write(body);
      const path = await transcript.finish();
      await run.append(makeRecord(RUN_ID, seq, cell, iteration, { transcript: path, class: klass }));
      return path;
    }

    it('names transcript files by seq, cell slug and iteration', () => {
      expect(transcriptRelativePath(42, 'Hard / visible ▸ valid', 3)).to.equal('transcripts/000042-hard-visible-valid-3.log');
      expect(cellSlug('///')).to.equal('cell');
    });

    it('writes each attempt transcript redacted and returns its path; nothing captured gives null', async () => {
      store = await createRun({ baseDir: base.path, runId: RUN_ID, redactor, total: 3 });
      const path = await attempt(store, 0, 'soft', 1, `password=${PASSWORD}\n`);
      expect(path).to.equal('transcripts/000000-soft-1.log');
      expect(text((await readTranscript(store.dir, path ?? '')) ?? new Uint8Array())).to.equal(`password=${REDACTED}\n`);
      expect(await store.openTranscript({ seq: 1, cell: 'soft', iteration: 2 }).finish()).to.equal(null);
    });

    it('keeps at most K files, deleting the oldest; the record keeps its path and reading it gives null', async () => {
      store = await createRun({ baseDir: base.path, runId: RUN_ID, redactor, total: 10, transcripts: { maxFiles: 3 } });
      const paths: (string | null)[] = [];
      for (let seq = 0; seq < 5; seq += 1) paths.push(await attempt(store, seq, 'c', seq + 1, `attempt ${seq}\n`));
      expect((await readdir(join(store.dir, 'transcripts'))).sort()).to.deep.equal(['000002-c-3.log', '000003-c-4.log', '000004-c-5.log']);
      const records = (await readFile(join(store.dir, 'attempts.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { transcript: string });
      expect(records[0]?.transcript).to.equal(paths[0]);
      expect(await readTranscript(store.dir, records[0]?.transcript ?? '')).to.equal(null);
      expect(text((await readTranscript(store.dir, records[4]?.transcript ?? '')) ?? new Uint8Array())).to.equal('attempt 4\n');
    });

    it('keeps at most M bytes in total', async () => {
      store = await createRun({ baseDir: base.path, runId: RUN_ID, redactor, total: 10, transcripts: { perAttemptBytes: 2048, maxTotalBytes: 5000 } });
      for (let seq = 0; seq < 6; seq += 1) await attempt(store, seq, 'c', seq + 1, 'x'.repeat(1500));
      const names = await readdir(join(store.dir, 'transcripts'));
      const sizes = await Promise.all(names.map(async (name) => (await stat(join(store?.dir ?? '', 'transcripts', name))).size));
      expect(sizes.reduce((a, b) => a + b, 0)).to.be.at.most(5000);
      expect(names.sort()).to.deep.equal(['000003-c-4.log', '000004-c-5.log', '000005-c-6.log']);
    });

    it('rotates out passing attempts before the ones the caller asks to keep, also after a resume', async () => {
      const keepTranscript = (record: { class: string }): boolean => record.class !== 'tls.ok';
      store = await createRun({ baseDir: base.path, runId: RUN_ID, redactor, total: 10, transcripts: { maxFiles: 2 }, keepTranscript });
      await attempt(store, 0, 'c', 1, 'fail 0', 'tls.verify.future');
      await attempt(store, 1, 'c', 2, 'ok 1');
      await attempt(store, 2, 'c', 3, 'ok 2');
      expect((await readdir(join(store.dir, 'transcripts'))).sort()).to.deep.equal(['000000-c-1.log', '000002-c-3.log']);
      await store.close('interrupted');
      const resumed = await openRunForResume(store.dir, { redactor, total: 10, transcripts: { maxFiles: 2 }, keepTranscript });
      store = resumed.store;
      await attempt(store, 3, 'c', 4, 'ok 3');
      expect((await readdir(join(store.dir, 'transcripts'))).sort()).to.deep.equal(['000000-c-1.log', '000003-c-4.log']);
    });

    it('refuses transcript limits that cannot work and transcript paths outside the run', async () => {
      expect((await failure(createRun({ baseDir: base.path, redactor, total: 1, transcripts: { perAttemptBytes: 10 } }))).code).to.equal('USAGE');
      expect((await failure(readTranscript(base.path, '../etc/passwd'))).message).to.include('outside the run directory');
    });
  });
});
