import { z } from 'zod';
import { ExecError, ProtocolError } from '../errors.js';
import type { ExecOptions, RawRepl } from '../transport/raw-repl.js';
import { utf8 } from '../util/bytes.js';
import { singleResult } from './script-output.js';
import { loadDeviceScript } from './scripts.js';

export const INFO_SCRIPT = 'info.py';

const NamedConstant = z.strictObject({ value: z.number().int(), name: z.string().nullable() });

/** What `device-scripts/info.py` reports. Keys are the script's (MicroPython's own names). */
const DeviceInfoSchema = z.strictObject({
  /** sys.version, e.g. `3.4.0; MicroPython v1.24.1 on 2024-11-29`. */
  version: z.string().nullable(),
  /** sys.implementation name and version (4 elements since v1.22). */
  implementation: z.strictObject({ name: z.string(), version: z.array(z.union([z.number(), z.string()])) }).nullable(),
  /** sys.implementation._machine: `Raspberry Pi Pico W with RP2040`. */
  machine: z.string().nullable(),
  /** sys.implementation._mpy: the .mpy version and architecture the firmware accepts. */
  mpy: z.number().int().nullable(),
  platform: z.string().nullable(),
  uname: z.strictObject({ sysname: z.string(), nodename: z.string(), release: z.string(), version: z.string(), machine: z.string() }).nullable(),
  /** machine.unique_id() as lowercase hex (the USB serial number of a MicroPython board). */
  unique_id: z.string().regex(/^[0-9a-f]*$/).nullable(),
  /** gc.mem_free() after gc.collect(), and gc.mem_alloc(). */
  mem_free: z.number().int().nullable(),
  mem_alloc: z.number().int().nullable(),
  /** machine.RTC().datetime(): (year, month, day, weekday, hours, minutes, seconds, subseconds). */
  rtc: z.array(z.number().int()).length(8).nullable(),
  /** machine.reset_cause() and the machine.*_RESET constant it equals. */
  reset_cause: NamedConstant.nullable(),
  /** network.WLAN(network.STA_IF).status() and the network.STAT_* constant it equals. */
  wifi_status: NamedConstant.nullable(),
  /** For each field that is null: the error the board raised reading it. */
  errors: z.record(z.string(), z.string()),
});

export type DeviceInfo = z.output<typeof DeviceInfoSchema>;

/** Validate the object info.py printed; a mismatch is a `ProtocolError` naming the field. */
export function parseDeviceInfo(value: unknown, port: string): DeviceInfo {
  const result = DeviceInfoSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined ? '?' : issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(top level)');
  throw new ProtocolError(port, `${INFO_SCRIPT} reported an unexpected value for ${field}: ${issue?.message ?? 'invalid'}`, utf8(JSON.stringify(value).slice(0, 200)));
}

/** Run info.py on the board and return what it found. Fields the board cannot read are null, with the error. */
export async function readDeviceInfo(repl: RawRepl, options: ExecOptions = {}): Promise<DeviceInfo> {
  const script = await loadDeviceScript(INFO_SCRIPT);
  const result = await repl.exec(script, options);
  if (result.exception !== undefined) throw new ExecError(repl.port, result.exception, result.stdout);
  return parseDeviceInfo(singleResult(result.stdout, { port: repl.port, script: INFO_SCRIPT }), repl.port);
}
