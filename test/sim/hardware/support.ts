import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCertificateSets, loadCertificateSet, type CertificateSet } from '../../../src/pki/index.js';
import type { SimBoardOptions } from '../../../src/sim/board.js';
import { DEFAULT_WORLD, WorldSchema, type World } from '../../../src/sim/world.js';
import type { ExecResult } from '../../../src/transport/raw-repl.js';
import { startSimRig, type SimRig } from '../../support/sim-board.js';

type AccessPoint = (typeof DEFAULT_WORLD.accessPoints)[number];

/** An access point of the default world; throws if the world has none like it. */
export function accessPoint(predicate: (ap: AccessPoint) => boolean): AccessPoint {
  const ap = DEFAULT_WORLD.accessPoints.find(predicate);
  if (ap === undefined) throw new Error('the default world lacks the access point this test needs');
  return ap;
}

/** The default world's visible WPA2 SSID: it joins reliably with power saving off. */
export const visibleAp = accessPoint((ap) => !ap.hidden && ap.security !== 'open');

/** The harness host's name as the board resolves it. */
export const HARNESS_HOST = DEFAULT_WORLD.network.harness.name;

/** Board code: join the visible SSID with power saving off and wait (≤ 30 board s) for an address. */
export const JOIN_VISIBLE = `
import network, time
wlan = network.WLAN(network.STA_IF)
wlan.active(True)
wlan.config(pm=0xa11140)
wlan.connect(${JSON.stringify(visibleAp.ssid)}, ${JSON.stringify(visibleAp.password)})
t = time.ticks_ms()
while wlan.status() != 3 and time.ticks_diff(time.ticks_ms(), t) < 30000:
    time.sleep_ms(50)
assert wlan.status() == 3, wlan.status()
`;

/** The default world, with board time running `timeScale` times faster than the host's. */
export function testWorld(overrides: Partial<World> = {}): World {
  return WorldSchema.parse({ ...DEFAULT_WORLD, timeScale: 20, ...overrides });
}

/** A powered simulated Pico W in `world` (default: testWorld()) with a raw-REPL client. */
export async function startBoard(options: SimBoardOptions = {}): Promise<SimRig> {
  const world = options.world ?? testWorld();
  return startSimRig({ world, timeScale: world.timeScale, ...options });
}

/** Run `code` on the board; the Python exception (if any) is part of the result. */
export async function run(rig: SimRig, code: string): Promise<ExecResult> {
  return rig.repl.exec(code);
}

/** Run `code`; fail with the board's traceback if it raised. Returns stdout with \r\n → \n. */
export async function output(rig: SimRig, code: string): Promise<string> {
  const result = await rig.repl.exec(code);
  if (result.exception !== undefined) throw new Error(`the board raised:\n${result.exception.text}\nstdout:\n${result.stdout}`);
  return result.stdout.replace(/\r\n/g, '\n');
}

/** The last line the board printed, parsed as a Python literal that is also JSON (use json.dumps on the board). */
export async function value<T>(rig: SimRig, code: string): Promise<T> {
  const out = (await output(rig, code)).trimEnd().split('\n');
  return JSON.parse(out[out.length - 1] ?? 'null') as T;
}

let certificates: Promise<{ dir: string; sets: Map<string, CertificateSet> }> | undefined;

/** The harness's certificate sets, generated once per test process into a temp dir. */
export function testCertificates(): Promise<{ dir: string; sets: Map<string, CertificateSet> }> {
  certificates ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'picow-hw-certs-'));
    process.once('exit', () => void rm(dir, { recursive: true, force: true }));
    await generateCertificateSets({ outDir: dir });
    const sets = new Map<string, CertificateSet>();
    for (const name of ['valid', 'issued-now', 'expired', 'wrong-host']) sets.set(name, await loadCertificateSet(dir, name));
    return { dir, sets };
  })();
  return certificates;
}

/** Bytes as a Python bytes literal. */
export function pyBytes(bytes: Uint8Array): string {
  return `bytes.fromhex('${Buffer.from(bytes).toString('hex')}')`;
}
