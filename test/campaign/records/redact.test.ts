import { expect } from 'chai';
import { inspect } from 'node:util';
import { HarnessError } from '../../../src/errors.js';
import { REDACTED, Redactor, type IgnoredSecret } from '../../../src/campaign/redact.js';
import { scriptWithArgs } from '../../../src/device/script-args.js';
import { escapeBytes, describeBytes } from '../../../src/util/bytes.js';
import { KEY_BYTES, PASSWORD } from './support.js';

const redactor = new Redactor([PASSWORD, KEY_BYTES]);

/** True when `text` still holds the password or key in any form the tests know how to write. */
function leaks(text: string): boolean {
  const keyHex = Buffer.from(KEY_BYTES).toString('hex');
  return text.includes(PASSWORD) || text.includes(keyHex) || text.includes(Buffer.from(KEY_BYTES).toString('base64').slice(0, 20));
}

describe('Redactor', () => {
  describe('passwords in text', () => {
    it('replaces the password as typed, every time it occurs', () => {
      expect(redactor.redactText(`psk=${PASSWORD}; again ${PASSWORD}!`)).to.equal(`psk=${REDACTED}; again ${REDACTED}!`);
    });

    it('replaces the password JSON-escaped, with and without ASCII-only escapes', () => {
      const json = JSON.stringify({ password: PASSWORD });
      expect(json).to.not.include(PASSWORD); // the quote and backslash in it are escaped
      expect(redactor.redactText(json)).to.equal(`{"password":"${REDACTED}"}`);
      const pythonJson = JSON.stringify({ password: PASSWORD }).replace(/[^\x00-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      expect(redactor.redactText(pythonJson)).to.equal(`{"password":"${REDACTED}"}`);
    });

    it('replaces the password in the ARGS line the harness sends to the board (JSON inside a Python literal)', () => {
      const program = scriptWithArgs('print(ARGS)\n', { ssid: 'picow-lab', password: PASSWORD });
      const redacted = redactor.redactText(program);
      expect(redacted).to.include(REDACTED);
      expect(redacted).to.include('picow-lab');
      expect(redactor.contains(redacted)).to.be.false;
    });

    it('replaces the password in a Python repr and in a Python bytes repr', () => {
      // repr('pa"ss\\wörd') as CPython/MicroPython print it, and repr(password.encode())
      const strRepr = `'${PASSWORD.replace(/\\/g, '\\\\')}'`;
      const bytesRepr = `b'${escapeBytes(Buffer.from(PASSWORD))}'`;
      expect(redactor.redactText(`(${strRepr}, 1)`)).to.equal(`('${REDACTED}', 1)`);
      expect(redactor.redactText(bytesRepr)).to.equal(`b'${REDACTED}'`);
    });

    it('replaces the password hex-encoded (either case, spaced) and base64-encoded, also inside a larger base64 blob', () => {
      const hex = Buffer.from(PASSWORD).toString('hex');
      expect(redactor.redactText(`x ${hex} ${hex.toUpperCase()} ${Buffer.from(PASSWORD).toString('hex').match(/../g)?.join(' ')}`)).to.equal(
        `x ${REDACTED} ${REDACTED} ${REDACTED}`,
      );
      expect(redactor.redactText(`Authorization: Basic ${Buffer.from(PASSWORD).toString('base64')}`)).to.equal(`Authorization: Basic ${REDACTED}`);
      for (const user of ['u:', 'us:', 'use:']) {
        const basic = Buffer.from(`${user}${PASSWORD}`).toString('base64');
        const redacted = redactor.redactText(basic);
        expect(redacted, user).to.include(REDACTED);
        // Left: the characters carrying the user name, the last partial group and padding (the password's 24 are gone).
        expect(redacted.replace(REDACTED, '').length, user).to.be.at.most(10);
      }
    });

    it('replaces the password in the harness own error texts (escaped bytes)', () => {
      const error = new HarnessError('TIMEOUT', `enter timeout; last bytes seen: ${describeBytes(Buffer.from(`>>> ${PASSWORD}\r\n`))}`);
      expect(redactor.redactText(error.message)).to.equal(`enter timeout; last bytes seen: ">>> ${REDACTED}\\r\\n"`);
    });

    it('leaves text without secrets untouched (same string) and does not redact near misses', () => {
      const text = 'pa"ss\\wör — almost, but not the password; 7061';
      expect(redactor.redactText(text)).to.equal(text);
    });
  });

  describe('key material (bytes)', () => {
    it('replaces the key bytes inside a byte buffer, byte for byte around them', () => {
      const buffer = Buffer.concat([Buffer.from([0xff, 0x00]), KEY_BYTES, Buffer.from('tail')]);
      const redacted = redactor.redactBytes(buffer);
      expect(Buffer.from(redacted).equals(Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(REDACTED), Buffer.from('tail')]))).to.be.true;
    });

    it('replaces the key as hex, Python bytes repr, decimal list and base64 at every alignment', () => {
      const key = Buffer.from(KEY_BYTES);
      const forms = [
        key.toString('hex'),
        key.toString('hex').toUpperCase(),
        `b'${escapeBytes(key)}'`,
        inspect(key), // <Buffer 30 82 …>
        JSON.stringify(key), // {"type":"Buffer","data":[48,130,…]}
        JSON.stringify([...key]),
      ];
      for (const form of forms) {
        const redacted = redactor.redactText(form);
        expect(redacted, form).to.include(REDACTED);
        expect(leaks(redacted), form).to.be.false;
      }
      for (let prefix = 0; prefix < 3; prefix += 1) {
        const blob = Buffer.concat([Buffer.alloc(prefix + 5, 7), key, Buffer.alloc(9, 1)]).toString('base64');
        const redacted = redactor.redactText(blob);
        expect(redacted, `prefix ${prefix}`).to.include(REDACTED);
        // The key's ~43 characters are gone; what is left carries the filler bytes around it.
        expect(redacted.replace(REDACTED, '').length, `prefix ${prefix}`).to.be.below(blob.length - (key.length * 4) / 3 + 4);
      }
    });

    it('finds the key in a PEM body wrapped over lines and in a JSON string with \\n escapes', () => {
      const der = Buffer.concat([Buffer.from([0x30, 0x81, 0x90, 0x02, 0x01, 0x00]), KEY_BYTES, Buffer.alloc(40, 3)]);
      const body = der.toString('base64').match(/.{1,16}/g)?.join('\n') ?? '';
      const pem = `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
      for (const text of [pem, JSON.stringify({ pem })]) {
        const redacted = redactor.redactText(text);
        expect(redacted).to.include(REDACTED);
        expect(redacted).to.include('-----BEGIN PRIVATE KEY-----');
        const leftover = redacted.replace(/-----[A-Z ]+-----/g, '').replace(/\\n|\n|[{}":]|pem/g, '').split(REDACTED);
        for (const piece of leftover) expect(Buffer.from(piece, 'base64').includes(Buffer.from(KEY_BYTES).subarray(4, 12))).to.be.false;
      }
    });
  });

  describe('deep values', () => {
    it('redacts strings, object keys, byte arrays and error texts at any depth, keeping the shape', () => {
      const value = {
        ok: 1,
        nested: [{ detail: `joined with ${PASSWORD}`, [PASSWORD]: true, raw: Buffer.concat([Buffer.from('k='), KEY_BYTES]) }],
        error: new HarnessError('EXEC_ERROR', `OSError: ${PASSWORD}`),
        plain: new Error(`boom ${PASSWORD}`),
        none: null,
      };
      const redacted = redactor.redact(value);
      const text = JSON.stringify(redacted);
      expect(leaks(text)).to.be.false;
      expect(redactor.contains(text)).to.be.false;
      expect(redacted.ok).to.equal(1);
      expect(redacted.none).to.equal(null);
      expect(redacted.nested[0]?.detail).to.equal(`joined with ${REDACTED}`);
      expect(Object.keys(redacted.nested[0] ?? {})).to.include(REDACTED);
      expect(Buffer.from(redacted.nested[0]?.raw ?? []).toString()).to.equal(`k=${REDACTED}`);
      expect(text).to.include(`OSError: ${REDACTED}`).and.include(`boom ${REDACTED}`);
      expect(value.nested[0]?.detail, 'the input is not modified').to.include(PASSWORD);
    });

    it('survives cycles', () => {
      const value: Record<string, unknown> = { text: PASSWORD };
      value.self = value;
      expect(redactor.redact(value)).to.deep.equal({ text: REDACTED, self: '[Circular]' });
    });
  });

  describe('configuration', () => {
    it('ignores secrets shorter than 4 characters and reports each through the hook, without its value', () => {
      const ignored: IgnoredSecret[] = [];
      const short = new Redactor(['abc', PASSWORD, Uint8Array.from([1, 2]), ''], { onIgnoredSecret: (info) => ignored.push(info) });
      expect(ignored).to.deep.equal([
        { index: 0, length: 3, reason: 'too-short' },
        { index: 2, length: 2, reason: 'too-short' },
      ]);
      expect(short.secretCount).to.equal(1);
      expect(short.redactText('abc abcd')).to.equal('abc abcd');
      expect(short.redactText(PASSWORD)).to.equal(REDACTED);
    });

    it('counts a 4-character secret as long enough and redacts it', () => {
      expect(new Redactor(['wörd']).redactText('a wörd b')).to.equal(`a ${REDACTED} b`);
    });

    it('never shows its secrets when inspected or serialised', () => {
      expect(leaks(inspect(redactor, { depth: 10, showHidden: true }))).to.be.false;
      expect(leaks(JSON.stringify(redactor))).to.be.false;
    });

    it('with no secrets returns its input unchanged', () => {
      const none = new Redactor([]);
      const bytes = Buffer.from('x');
      expect(none.redactBytes(bytes)).to.equal(bytes);
      expect(none.redactText(PASSWORD)).to.equal(PASSWORD);
    });
  });

  it('redacts a multi-megabyte transcript with secrets scattered through it', () => {
    const lines: string[] = [];
    for (let index = 0; index < 40_000; index += 1) {
      lines.push(index % 997 === 0 ? `line ${index} ${PASSWORD} ${Buffer.from(KEY_BYTES).toString('hex')}` : `line ${index} status=${index % 7} rssi=-${index % 90}`);
    }
    const text = lines.join('\r\n');
    const redacted = redactor.redactBytes(Buffer.from(text));
    const out = Buffer.from(redacted).toString();
    expect(out.split(REDACTED)).to.have.length(1 + 2 * Math.ceil(40_000 / 997));
    expect(leaks(out)).to.be.false;
  });
});
