import { expect } from 'chai';
import { parseScriptOutput, singleResult } from '../../src/device/script-output.js';

const source = { port: '/sim/ttyACM0', script: 'test.py' };

function protocolError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect((error as { code?: string }).code).to.equal('RAW_REPL_PROTOCOL');
    return error as Error;
  }
  throw new Error('the output was accepted');
}

describe('device script output', () => {
  it('separates @@picow result lines from ordinary output', () => {
    const output = 'hello\r\n@@picow {"a": 1}\r\nworld\r\n@@picow {"b": [1, null]}\r\n';
    const parsed = parseScriptOutput(output, source);
    expect(parsed.results).to.deep.equal([{ a: 1 }, { b: [1, null] }]);
    expect(parsed.text).to.equal('hello\r\nworld\r\n');
  });

  it('treats the marker only at the start of a line', () => {
    expect(parseScriptOutput('say @@picow {"a": 1}\r\n', source).results).to.deep.equal([]);
  });

  it('names the byte offset of invalid JSON in the output, counting UTF-8 bytes', () => {
    // "é\r\n" is 4 bytes and "@@picow " 8, so the JSON starts at byte 12; the stray "]" is 6 bytes in.
    const error = protocolError(() => parseScriptOutput('é\r\n@@picow {"a": ]}\r\n', source));
    expect(error.message).to.include('test.py');
    expect(error.message).to.include('at byte 18 of its output');
    expect(protocolError(() => parseScriptOutput('@@picow {"s": "ü", x}', source)).message).to.include('at byte 20 of its output');
  });

  it('rejects a result line that is valid JSON but not one object', () => {
    expect(protocolError(() => parseScriptOutput('@@picow [1, 2]\n', source)).message).to.include('at byte 8 of its output that is not a JSON object');
    expect(protocolError(() => parseScriptOutput('@@picow null\n', source)).message).to.include('not a JSON object');
  });

  it('rejects a truncated result line, naming where it ends', () => {
    expect(protocolError(() => parseScriptOutput('@@picow {"version": "3.4', source)).message).to.include('not valid JSON at byte 24');
  });

  it('fuzz: every strict prefix of a result line is rejected with an offset inside the line', () => {
    const line = '@@picow {"a": [1, -2.5e3, true, false, null], "b": {"c": "\\u00e9\\n"}}';
    expect(parseScriptOutput(line, source).results).to.have.length(1);
    for (let end = 9; end < line.length; end += 1) {
      const message = protocolError(() => parseScriptOutput(line.slice(0, end), source)).message;
      const byte = Number(/at byte (\d+)/.exec(message)?.[1]);
      expect(byte, line.slice(0, end)).to.be.within(8, end);
    }
  });

  it('demands exactly one result when one is expected', () => {
    expect(singleResult('@@picow {"ok": true}\r\n', source)).to.deep.equal({ ok: true });
    expect(protocolError(() => singleResult('nothing\r\n', source)).message).to.include('printed 0 result lines, expected 1');
    expect(protocolError(() => singleResult('@@picow {}\n@@picow {}\n', source)).message).to.include('printed 2 result lines');
  });
});
