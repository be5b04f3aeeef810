import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redactor } from '../../../src/campaign/redact.js';
import { createRun } from '../../../src/campaign/records/run-store.js';
import { scanForSecrets } from '../../../src/campaign/records/secret-scan.js';
import { KEY_BYTES, makeRecord, PASSWORD, SECRETS, temporaryDirectory } from './support.js';

describe('scanForSecrets', () => {
  let dir: { path: string; cleanup: () => Promise<void> };

  beforeEach(async () => {
    dir = await temporaryDirectory();
  });

  afterEach(async () => {
    await dir.cleanup();
  });

  it('finds the password and the key in any encoding, in any file, by file and byte offset', async () => {
    await mkdir(join(dir.path, 'transcripts'));
    await writeFile(join(dir.path, 'a.txt'), `0123${PASSWORD}`);
    await writeFile(join(dir.path, 'transcripts', 'b.log'), Buffer.concat([Buffer.from('ab'), KEY_BYTES]));
    await writeFile(join(dir.path, 'c.json'), JSON.stringify({ p: PASSWORD, k: Buffer.from(KEY_BYTES).toString('hex') }));
    const findings = await scanForSecrets(dir.path, [...SECRETS]);
    expect(findings.map((f) => `${f.file}@${f.offset}:${f.secret}:${f.encoding}`)).to.deep.equal([
      'a.txt@4:0:raw',
      'c.json@6:0:json',
      'c.json@33:1:hex',
      'transcripts/b.log@2:1:raw',
    ]);
    expect(JSON.stringify(findings)).to.not.include('wörd');
  });

  it('finds a secret that straddles the boundary between two read chunks of a large file', async () => {
    const at = 4 * 1024 * 1024 - 5;
    await writeFile(join(dir.path, 'big.log'), Buffer.concat([Buffer.alloc(at, '.'), Buffer.from(PASSWORD), Buffer.alloc(1000, '.')]));
    expect(await scanForSecrets(dir.path, [...SECRETS])).to.deep.equal([{ file: 'big.log', offset: at, secret: 0, encoding: 'raw' }]);
  });

  it('finds a secret in a file name', async () => {
    await writeFile(join(dir.path, `x-${Buffer.from(PASSWORD).toString('hex')}.log`), 'clean');
    const findings = await scanForSecrets(dir.path, new Redactor([...SECRETS]));
    expect(findings).to.have.length(1);
    expect(findings[0]).to.include({ offset: null, encoding: 'hex' });
  });

  it('finds nothing in a run whose records, transcripts and manifest carried the canaries', async () => {
    const redactor = new Redactor([...SECRETS]);
    const store = await createRun({ baseDir: dir.path, redactor, total: 2 });
    try {
      const transcript = store.openTranscript({ seq: 0, cell: 'c', iteration: 1 });
      transcript.write(`ARGS = {"password": ${JSON.stringify(PASSWORD)}}\n`);
      transcript.write(Buffer.concat([Buffer.from('key: '), KEY_BYTES]));
      const path = await transcript.finish();
      await store.writeManifest({ config: { password: PASSWORD, key: Buffer.from(KEY_BYTES).toString('base64') } });
      await store.append(
        makeRecord(store.runId, 0, 'c', 1, { transcript: path, detail: `bad ${PASSWORD}`, harnessError: { code: 'X', message: Buffer.from(KEY_BYTES).toString('hex') } }),
      );
    } finally {
      await store.close('completed');
    }
    expect(await scanForSecrets(dir.path, [...SECRETS])).to.deep.equal([]);
  });
});
