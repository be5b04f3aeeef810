import type { BoardContext } from '../../../src/sim/hw/context.js';
import type { LinkInfo, NetConfig } from '../../../src/sim/hw/link.js';
import { PyRaise } from '../../../src/sim/hw/py-raise.js';
import { NetStack } from '../../../src/sim/net/index.js';
import { findProfile, type FirmwareProfile } from '../../../src/sim/profiles.js';

/** Every bound wait in these tests. Generous: a loaded CI machine must not make a test flaky. */
export const WAIT_MS = 10_000;

export const BOARD_RTC_COLD = Date.UTC(2021, 0, 1);

export const WORLD: NetConfig = {
  harness: { name: 'picow-harness.local', address: '192.168.4.2' },
  names: { 'api.example.com': '192.168.4.2', 'blackhole.example.com': '10.99.0.1' },
  ntp: { names: ['pool.ntp.org', 'time.example.com'], address: '192.168.4.3', offsetMs: 0, replyDelayMs: 40 },
  dnsDelayMs: 30,
  tcpConnectTimeoutMs: 21_000,
};

export const LINK: LinkInfo = { address: '192.168.4.50', netmask: '255.255.255.0', gateway: '192.168.4.1', dns: '192.168.4.1', lossProbability: 0 };

/** A deterministic source per stream name (a small LCG), as the world's seeded streams are. */
function seeded(stream: string): () => number {
  let state = 2166136261;
  for (const char of stream) state = Math.imul(state ^ char.charCodeAt(0), 16777619) >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A BoardContext whose clocks the test sets, counting wakes. */
export class FakeBoard implements BoardContext {
  readonly profile: FirmwareProfile;
  readonly serialNumber = 'e6614103e7123456';
  readonly uniqueId = new Uint8Array([0xe6, 0x61, 0x41, 0x03, 0xe7, 0x12, 0x34, 0x56]);
  uptime = 0;
  rtc = BOARD_RTC_COLD;
  wakes = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    profile = 'v1.24.1',
    readonly timeScale = 1,
  ) {
    this.profile = findProfile(profile);
  }

  uptimeMs(): number {
    return this.uptime;
  }

  rtcMs(): number {
    return this.rtc;
  }

  random(stream: string): () => number {
    return seeded(stream);
  }

  wake(): void {
    this.wakes++;
    for (const listener of [...this.listeners]) listener();
  }

  /** Resolves when `condition` holds, re-checking on every wake and every few ms; throws after `timeoutMs`. */
  async until<T>(condition: () => T | undefined | null | false, what: string, timeoutMs = WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = condition();
      if (value !== undefined && value !== null && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          this.listeners.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 20));
        this.listeners.add(done);
      });
    }
  }
}

/** The radio as the stack sees it: a link the test switches, and a traffic counter. */
export class FakeRadio {
  current: LinkInfo | undefined = LINK;
  traffic = 0;
  dnsServer: boolean | undefined = undefined;

  link(): LinkInfo | undefined {
    return this.current;
  }

  noteTraffic(): void {
    this.traffic++;
  }

  dnsServerSet(): boolean {
    return this.dnsServer ?? true;
  }
}

/** Runs `action` and returns the PyRaise it throws (fails the test when it throws nothing or something else). */
export function raised(action: () => unknown): PyRaise {
  try {
    action();
  } catch (error) {
    if (error instanceof PyRaise) return error;
    throw error;
  }
  throw new Error('expected a PyRaise, nothing was thrown');
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

/** Connects socket `id` to the harness port and waits for the outcome. */
export async function connectHarness(board: FakeBoard, net: NetStack, port: number): Promise<number> {
  const id = net.socket('tcp');
  net.connect(id, WORLD.harness.address, port);
  await board.until(() => {
    const state = net.poll(id);
    if (state.error !== undefined) throw new Error(`connect failed with errno ${state.error}`);
    return state.connected;
  }, `connect to harness port ${port}`);
  return id;
}

/** Reads from a TCP socket until `count` bytes (or EOF) arrived; returns them and the sizes of each recv. */
export async function recvAtLeast(board: FakeBoard, net: NetStack, id: number, count: number): Promise<{ data: Uint8Array; sizes: number[]; eof: boolean }> {
  const chunks: Uint8Array[] = [];
  const sizes: number[] = [];
  let total = 0;
  let eof = false;
  await board.until(() => {
    for (;;) {
      const chunk = net.recv(id, 4096);
      if (chunk === null) break;
      if (chunk.length === 0) {
        eof = true;
        break;
      }
      chunks.push(chunk);
      sizes.push(chunk.length);
      total += chunk.length;
    }
    return total >= count || eof;
  }, `${count} bytes from socket ${id}`);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.length;
  }
  return { data, sizes, eof };
}
