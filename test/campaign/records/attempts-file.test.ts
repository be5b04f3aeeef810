import { expect } from 'chai';
import { attemptLine, parseAttempts } from '../../../src/campaign/records/attempts-file.js';
import { makeRecord } from './support.js';

const FILE = 'reports/r/attempts.jsonl';

function configError(run: () => unknown): { message: string; context: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    expect((error as { code?: string }).code).to.equal('CONFIG_INVALID');
    return error as { message: string; context: Record<string, unknown> };
  }
  throw new Error('the file was accepted');
}

const lines = [makeRecord('r', 0, 'a', 1), makeRecord('r', 1, 'b', 1), makeRecord('r', 2, 'a', 2)].map(attemptLine);
const whole = Buffer.from(lines.join(''));

describe('attempts.jsonl parsing', () => {
  it('returns each record with the byte offset of its line', () => {
    const parsed = parseAttempts(whole, FILE, 'r');
    expect(parsed.attempts.map((stored) => stored.offset)).to.deep.equal([0, Buffer.byteLength(lines[0] ?? ''), Buffer.byteLength(`${lines[0]}${lines[1]}`)]);
    expect(parsed).to.include({ validLength: whole.length, torn: null });
  });

  it('treats every strict prefix of the last line as torn, never as an error or a record', () => {
    const before = Buffer.byteLength(`${lines[0]}${lines[1]}`);
    for (let end = before + 1; end < whole.length; end += 1) {
      const parsed = parseAttempts(whole.subarray(0, end), FILE, 'r');
      expect(parsed.attempts, `cut at ${end}`).to.have.length(2);
      expect(parsed.torn, `cut at ${end}`).to.deep.equal({ offset: before, length: end - before, reason: 'no-newline' });
      expect(parsed.validLength).to.equal(before);
    }
  });

  it('names file, line and byte offset for a damaged line that is not the last, including a blank one', () => {
    const blank = Buffer.from(`${lines[0]}\n${lines[1]}`);
    const error = configError(() => parseAttempts(blank, FILE, 'r'));
    expect(error.message).to.equal(`${FILE}: line 2 at byte ${Buffer.byteLength(lines[0] ?? '')} is not valid JSON (only a torn last line can be repaired)`);
    expect(error.context).to.deep.equal({ file: FILE, offset: Buffer.byteLength(lines[0] ?? '') });
  });

  it('rejects records without their key fields or from another run, naming the offset', () => {
    const noSeq = `${lines[0]}${JSON.stringify({ ...makeRecord('r', 1, 'b', 1), seq: 'x' })}\n`;
    expect(configError(() => parseAttempts(Buffer.from(noSeq), FILE, 'r')).message).to.include(`line 2 at byte ${Buffer.byteLength(lines[0] ?? '')} has no valid seq`);
    expect(configError(() => parseAttempts(whole, FILE, 'other')).message).to.include('belongs to run "r", not "other"');
    expect(configError(() => parseAttempts(Buffer.from('[1]\n{}\n'), FILE)).message).to.include('line 1 at byte 0 is not a JSON object');
  });
});
