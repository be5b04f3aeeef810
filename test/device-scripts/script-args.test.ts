import { expect } from 'chai';
import { pythonStringLiteral, scriptWithArgs } from '../../src/device/script-args.js';
import { parseScriptOutput } from '../../src/device/script-output.js';
import { loadDeviceScript } from '../../src/device/scripts.js';
import type { SimRig } from '../support/sim-board.js';
import { startBoard, testWorld } from '../sim/hardware/support.js';
import { NEWEST_PROFILE, OLDEST_PROFILE } from './support.js';

/** A program that prints ARGS back as the harness's result line. */
const ECHO_ARGS = "print('@@picow', json.dumps({'args': ARGS}))";

const AWKWARD_ARGS = {
  quotes: `it's "quoted" ''' """`,
  backslashes: 'C:\\path\\n is not a newline \\u0041 \\x41 \\',
  controls: 'line1\nline2\r\ttab \u0000 nul \u0003 ctrl-c \u0004 ctrl-d \u001b esc \u007f del',
  nonAscii: 'Grüße, naïve café — 日本語 ✓',
  astral: 'emoji 😀 and 𝄞 outside the BMP',
  'ключ ✓': 'a non-ASCII key',
  nested: { list: [1, -2, 3.5, true, false, null, ''], empty: {} },
  long: 'x'.repeat(3000) + 'ü'.repeat(500) + '😀'.repeat(100),
} as const;

describe('device script arguments (ARGS)', function () {
  this.timeout(60_000);
  let rig: SimRig | undefined;

  afterEach(async () => {
    await rig?.dispose();
    rig = undefined;
  });

  it('binds ARGS in one line before the script and leaves the script unchanged', () => {
    const program = scriptWithArgs('print(ARGS)\n', { a: 1 });
    const [first, ...rest] = program.split('\n');
    expect(first).to.equal(`import json; ARGS = json.loads('{"a":1}')`);
    expect(rest.join('\n')).to.equal('print(ARGS)\n');
  });

  it('writes the JSON as a printable-ASCII Python literal, so no byte can act as Ctrl-C or Ctrl-D on the line', () => {
    const literal = pythonStringLiteral(JSON.stringify(AWKWARD_ARGS));
    expect(literal).to.match(/^'[\x20-\x7e]*'$/);
    expect(pythonStringLiteral("a'b\\c\u0003é😀")).to.equal("'a\\'b\\\\c\\x03\\u00e9\\U0001f600'");
  });

  it('refuses arguments that are not a JSON object or hold a lone surrogate', () => {
    expect(() => scriptWithArgs('', { bad: 'half \ud800 a pair' })).to.throw(/lone UTF-16 surrogate/);
    expect(() => scriptWithArgs('', { big: 1n } as never)).to.throw(/cannot be sent as JSON/);
    expect(() => scriptWithArgs('', [] as never)).to.throw(/must be a JSON object/);
  });

  for (const profile of [OLDEST_PROFILE, NEWEST_PROFILE]) {
    it(`every string survives the trip to a ${profile} board and back exactly: quotes, backslashes, control and non-ASCII characters`, async () => {
      rig = await startBoard({ profile, world: testWorld({ timeScale: 50 }) });
      const executed = await rig.repl.exec(scriptWithArgs(ECHO_ARGS, AWKWARD_ARGS));
      expect(executed.exception?.text).to.equal(undefined);
      const { results } = parseScriptOutput(executed.stdout, { port: 'sim', script: 'echo' });
      expect(results).to.deep.equal([{ args: AWKWARD_ARGS }]);
    });
  }

  it('a script run by hand (no ARGS bound) uses its defaults', async () => {
    rig = await startBoard({ world: testWorld({ timeScale: 50 }) });
    const executed = await rig.repl.exec(await loadDeviceScript('diag.py'));
    expect(executed.exception?.text).to.equal(undefined);
    const { results } = parseScriptOutput(executed.stdout, { port: 'sim', script: 'diag.py' });
    expect(results[0]).to.include({ kind: 'result', script: 'diag' });
  });

  it('a script refuses an argument it does not know (a harness bug, not a device result), and leaves no ARGS behind', async () => {
    rig = await startBoard({ world: testWorld({ timeScale: 50 }) });
    const executed = await rig.repl.exec(scriptWithArgs(await loadDeviceScript('wifi_scan.py'), { pasive: true }));
    expect(executed.exception?.type).to.equal('TypeError');
    expect(executed.exception?.message).to.equal('wifi_scan: unknown ARGS pasive');
    const after = await rig.repl.exec('print(ARGS)');
    expect(after.exception?.type).to.equal('NameError');
  });
});
