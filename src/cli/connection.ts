import { connectDevice, type DeviceConnection } from '../transport/connect.js';
import { RawRepl } from '../transport/raw-repl.js';
import type { Target } from './options.js';

/** Open the target, run `use`, and always close (which also stops a simulator the connection started). */
export async function withConnection<T>(target: Target, use: (connection: DeviceConnection) => Promise<T>): Promise<T> {
  const connection = await connectDevice(target.spec, target.connect);
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

/** Hand the board back in the friendly REPL, as mpremote does; a board that does not answer is left as is. */
export async function leaveRawRepl(repl: RawRepl): Promise<void> {
  if (repl.state !== 'raw') return;
  try {
    await repl.exitRaw();
  } catch {
    // The command's own result stands; the board is reachable again with the next enter.
  }
}
