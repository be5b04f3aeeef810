import { FlashError } from '../flash-errors.js';
import { runTool, type ToolRunner } from './run-tool.js';

/** What to tell people when picotool is wanted but absent. */
export const PICOTOOL_HINT = 'picotool is not packaged in Debian 12; build it from https://github.com/raspberrypi/picotool or mount the drive and pass --mount-point';

/** `picotool load -v -x FILE`: write, verify and run the UF2 on a board in BOOTSEL, over USB (no drive needed). */
export async function picotoolLoad(picotool: string, file: string, options: { timeoutMs: number; signal?: AbortSignal | undefined; run?: ToolRunner }): Promise<void> {
  const run = options.run ?? runTool;
  let result;
  try {
    result = await run(picotool, ['load', '-v', '-x', file], { timeoutMs: options.timeoutMs, signal: options.signal });
  } catch (error) {
    throw new FlashError('picotool', `${picotool} load -v -x ${file} could not run: ${(error as Error).message}`, { cause: error });
  }
  if (result.code !== 0) {
    const said = (result.stderr || result.stdout).trim().replace(/\s*\n\s*/g, ' ');
    throw new FlashError('picotool', `${picotool} load -v -x ${file} failed (${result.code === null ? `no answer within ${options.timeoutMs} ms` : `exit ${result.code}`}): ${said}`);
  }
}
