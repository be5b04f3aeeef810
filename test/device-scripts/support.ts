import { loadScriptWithArgs, type ScriptArgs } from '../../src/device/script-args.js';
import { deviceScriptFile, parseScriptReport, type DeviceScriptName, type ScriptReport } from '../../src/device/script-results.js';
import type { SimRig } from '../support/sim-board.js';

/** The oldest and the newest release profiles every script must run on. */
export const OLDEST_PROFILE = 'v1.19.1-88';
export const NEWEST_PROFILE = 'v1.24.1';

/**
 * Run a device script on the board with `args` bound, exactly as the harness sends it, and parse
 * its output strictly. A Python exception that escapes the script fails the test with its traceback.
 */
export async function runScript<S extends DeviceScriptName>(rig: SimRig, script: S, args: ScriptArgs = {}): Promise<ScriptReport<S>> {
  const program = await loadScriptWithArgs(deviceScriptFile(script), args);
  const executed = await rig.repl.exec(program);
  if (executed.exception !== undefined) {
    throw new Error(`${script} raised on the board:\n${executed.exception.text}\nstdout:\n${executed.stdout}`);
  }
  return parseScriptReport(script, executed.stdout, { port: rig.transport.info.port });
}
