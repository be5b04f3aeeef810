import { STAT_IDLE } from '../../results/taxonomy-table.js';
import { utf8 } from '../../util/bytes.js';
import type { CampaignBoard } from '../board/campaign-board.js';
import { QueryAnswerError, queryBoard } from '../board/query.js';
import type { ResetOutcome } from '../types.js';
import { resetOutcome, type ResolvedResetOptions } from './options.js';


const TAKE_DOWN = `
import network
w = network.WLAN(network.STA_IF)
errors = []
try:
    w.disconnect()
except Exception as e:
    errors.append('disconnect(): ' + repr(e))
try:
    w.active(False)
except Exception as e:
    errors.append('active(False): ' + repr(e))
deinit = hasattr(w, 'deinit')
if deinit:
    try:
        w.deinit()
    except Exception as e:
        errors.append('deinit(): ' + repr(e))
`;

const LOOK = 'import network\nw = network.WLAN(network.STA_IF)';

/**
 * Take Wi-Fi down without resetting the board: `disconnect()`, `active(False)` and `deinit()`
 * (cyw43_deinit, the only call that resets the chip, facts §3). Proven by a fresh WLAN object
 * reporting isconnected() False and status() STAT_IDLE.
 */
export async function wlanDeinitReset(board: CampaignBoard, options: ResolvedResetOptions): Promise<ResetOutcome> {
  const started = performance.now();
  const exec = { timeoutMs: options.queryTimeoutMs, signal: options.signal };
  const down = await queryBoard(board, { setup: TAKE_DOWN, value: '[deinit, errors]' }, exec);
  const after = await queryBoard(board, { setup: LOOK, value: '[w.isconnected(), w.status(), w.active()]' }, exec);
  if (!Array.isArray(down) || !Array.isArray(after) || after.length !== 3) {
    throw new QueryAnswerError(board.port, 'the wlan-deinit queries gave unexpected values', utf8(JSON.stringify([down, after])));
  }
  const [deinitCalled, errors] = down as [boolean, string[]];
  const [isconnected, status, active] = after as [boolean, number, boolean];
  const failures: string[] = [];
  if (isconnected !== false) failures.push('isconnected() is still True after disconnect/active(False)/deinit');
  if (status !== STAT_IDLE) failures.push(`status() is ${status}, expected ${STAT_IDLE} (STAT_IDLE)`);
  const evidence = { deinitCalled, ...(errors.length === 0 ? {} : { errors }), isconnected, status, active };
  return resetOutcome('wlan-deinit', started, evidence, failures);
}
