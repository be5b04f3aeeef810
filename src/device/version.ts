import { z } from 'zod';
import { ExecError, ProtocolError } from '../errors.js';
import type { ExecOptions, RawRepl } from '../transport/raw-repl.js';
import { utf8 } from '../util/bytes.js';
import { singleResult } from './script-output.js';
import { loadDeviceScript } from './scripts.js';

export const VERSION_SCRIPT = 'version.py';

const FirmwareVersionSchema = z.strictObject({
  /** sys.version, e.g. `3.4.0; MicroPython v1.24.1 on 2024-11-29`. */
  version: z.string(),
  /** sys.implementation._machine (absent on old firmware). */
  machine: z.string().nullable(),
});

export type FirmwareVersion = z.output<typeof FirmwareVersionSchema>;

/** Which firmware the board runs (`devices --probe`). */
export async function readFirmwareVersion(repl: RawRepl, options: ExecOptions = {}): Promise<FirmwareVersion> {
  const result = await repl.exec(await loadDeviceScript(VERSION_SCRIPT), options);
  if (result.exception !== undefined) throw new ExecError(repl.port, result.exception, result.stdout);
  const value = singleResult(result.stdout, { port: repl.port, script: VERSION_SCRIPT });
  const parsed = FirmwareVersionSchema.safeParse(value);
  if (!parsed.success) {
    throw new ProtocolError(repl.port, `${VERSION_SCRIPT} reported ${parsed.error.issues[0]?.path.join('.') ?? 'a value'} in an unexpected form`, utf8(JSON.stringify(value)));
  }
  return parsed.data;
}
