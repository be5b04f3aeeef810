import { expect } from 'chai';
import { HarnessError, type ErrorCode } from '../../src/errors.js';
import { RawRepl, type RawPasteMode } from '../../src/transport/raw-repl.js';
import { parseTraceback } from '../../src/transport/traceback.js';
import { utf8 } from '../../src/util/bytes.js';
import { FakeFirmware, FRIENDLY_BANNER, RAW_BANNER, ScriptedTransport, type Responder } from '../support/scripted-transport.js';
import { seededRandom } from '../support/seeded-random.js';

const ERROR_CODES: readonly ErrorCode[] = [
  'USAGE',
  'CONFIG_INVALID',
  'TOOL_MISSING',
  'DEVICE_NOT_FOUND',
  'DEVICE_AMBIGUOUS',
  'TRANSPORT_OPEN_FAILED',
  'PORT_BUSY',
  'TRANSPORT_LOST',
  'RAW_REPL_ENTER_FAILED',
  'RAW_REPL_PROTOCOL',
  'TIMEOUT',
  'EXEC_ERROR',
  'ABORTED',
  'SIM_FAILURE',
];

const TINY = { enterMs: 60, settleMs: 2, protocolMs: 20, execIdleMs: 30, execTotalMs: 80, softResetMs: 40 };
/** Far beyond the sum of every timeout a case can run into: reaching it means the client hung. */
const HARD_LIMIT_MS = 5000;
const CASES = 300;
const BATCH = 30;

type Random = () => number;

const FRAGMENTS = [
  RAW_BANNER,
  RAW_BANNER + '>',
  '\r\n' + RAW_BANNER + '>',
  '>',
  '>>> ',
  FRIENDLY_BANNER,
  'R\x01',
  'R\x00',
  'R\x01\x80\x00\x01',
  '\x80\x00',
  '\x01',
  '\x04',
  '\x04\x04>',
  'OK',
  'OK\r\n',
  'MPY: soft reboot\r\n',
  'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nValueError: (1, \'x\r\n',
  'KeyboardInterrupt: \r\n',
  'paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ',
];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomBytes(random: Random, max: number): Uint8Array {
  const out = new Uint8Array(Math.floor(random() * max));
  for (let i = 0; i < out.length; i += 1) out[i] = random() < 0.5 ? Math.floor(random() * 6) : Math.floor(random() * 256);
  return out;
}

/** A fragment, maybe cut short at either end. */
function fragment(random: Random): Uint8Array {
  const bytes = utf8(pick(random, FRAGMENTS));
  if (random() < 0.3) {
    const from = Math.floor(random() * bytes.length);
    return bytes.subarray(from, from + 1 + Math.floor(random() * (bytes.length - from)));
  }
  return bytes;
}

/** A device that answers each write with random protocol fragments and garbage. */
function babbler(random: Random): Responder {
  return (_written, link) => {
    const replies = Math.floor(random() * 4);
    for (let i = 0; i < replies; i += 1) link.send(random() < 0.7 ? fragment(random) : randomBytes(random, 24));
  };
}

/** Real firmware behaviour with its output garbled: flipped, dropped, cut short, padded, or going silent. */
function garbled(random: Random): { responder: Responder; mutate: (chunk: Uint8Array) => Uint8Array } {
  const fw = new FakeFirmware({
    rawPaste: pick(random, ['supported', 'supported', 'refused', 'absent'] as const),
    window: pick(random, [1, 16, 128]),
    startIn: pick(random, ['friendly', 'raw', 'running'] as const),
    catchesCtrlC: Math.floor(random() * 3),
    abortPasteAfter: random() < 0.2 ? Math.floor(random() * 200) : undefined,
    bootOutput: random() < 0.5 ? 'boot\r\n' : '',
    run: () => pick(random, [{ stdout: 'out\r\n' }, { stderr: 'OSError: [Errno 110] ETIMEDOUT\r\n' }, 'hang', 'exit', {}] as const),
  });
  let budget = random() < 0.3 ? Math.floor(random() * 120) : Number.POSITIVE_INFINITY;
  const rate = random() < 0.5 ? 0 : random() * 0.15;
  const mutate = (chunk: Uint8Array): Uint8Array => {
    let out = Array.from(chunk);
    if (random() < rate) out = out.slice(0, Math.floor(random() * out.length));
    if (random() < rate) out = out.map((byte) => (random() < 0.1 ? Math.floor(random() * 256) : byte));
    if (random() < rate) out.splice(Math.floor(random() * (out.length + 1)), 0, ...randomBytes(random, 8));
    if (random() < rate * 0.5) out = [];
    const allowed = Math.max(0, Math.min(out.length, budget));
    budget -= allowed;
    return Uint8Array.from(out.slice(0, allowed));
  };
  return { responder: fw.respond, mutate };
}

async function operations(repl: RawRepl, random: Random): Promise<void> {
  const steps = 1 + Math.floor(random() * 3);
  for (let step = 0; step < steps; step += 1) {
    const choice = random();
    try {
      if (choice < 0.6) {
        const code = pick(random, ["print('hi')", 'x = 1\n'.repeat(1 + Math.floor(random() * 80)), '']);
        await repl.exec(code, random() < 0.2 ? { signal: AbortSignal.timeout(Math.floor(random() * 40)) } : {});
      } else if (choice < 0.75) {
        await repl.enter();
      } else if (choice < 0.85) {
        await repl.softReset();
      } else if (choice < 0.95) {
        await repl.exitRaw();
      } else {
        await repl.interrupt();
      }
    } catch (error) {
      if (!(error instanceof HarnessError) || !ERROR_CODES.includes(error.code)) {
        throw new Error(`untyped error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
    }
  }
}

async function runCase(seed: number): Promise<void> {
  const random = seededRandom(seed);
  const kind = random() < 0.4 ? 'babbler' : 'garbled';
  const device = kind === 'babbler' ? { responder: babbler(random), mutate: undefined } : garbled(random);
  const transport = new ScriptedTransport(device.responder, {
    chunkSize: 1 + Math.floor(random() * 12),
    mutate: device.mutate,
  });
  if (random() < 0.5) transport.device.send(fragment(random));
  const repl = new RawRepl(transport, {
    timeouts: TINY,
    rawPaste: pick(random, ['auto', 'auto', 'never', 'always'] as RawPasteMode[]),
    enterAttempts: 1 + Math.floor(random() * 3),
    classicChunkSize: 1 + Math.floor(random() * 64),
  });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung for ${HARD_LIMIT_MS} ms`)), HARD_LIMIT_MS);
  });
  try {
    await Promise.race([operations(repl, random), hung]);
  } catch (error) {
    throw new Error(`seed ${seed} (${kind}): ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
    await repl.close();
  }
}

describe('RawRepl fuzzing (random, truncated and garbage device streams)', function () {
  this.timeout(HARD_LIMIT_MS * 3);

  for (let first = 1; first <= CASES; first += BATCH) {
    const last = first + BATCH - 1;
    it(`ends every operation with success or a coded error, never a hang (seeds ${first}–${last})`, async function () {
      const seeds = Array.from({ length: BATCH }, (_, i) => first + i);
      const outcomes = await Promise.allSettled(seeds.map(runCase));
      const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as Error).message] : []));
      expect(failures).to.deep.equal([]);
    });
  }

  it('parses any stderr text without throwing', function () {
    const random = seededRandom(4242);
    for (let i = 0; i < 500; i += 1) {
      const parts = Array.from({ length: Math.floor(random() * 6) }, () => (random() < 0.7 ? new TextDecoder().decode(fragment(random)) : new TextDecoder().decode(randomBytes(random, 30))));
      const text = parts.join(random() < 0.5 ? '\r\n' : '');
      expect(() => parseTraceback(text), JSON.stringify(text)).not.to.throw();
    }
  });
});
