import { utf8 } from '../../util/bytes.js';
import type { BoardExecOptions, CampaignBoard } from '../board/campaign-board.js';
import { QueryAnswerError, queryBoard } from '../board/query.js';
import type { RtcTuple } from '../types.js';
import { asRtcTuple } from './clock-tuple.js';

/** Python expression for the board's RTC as a JSON-able list. */
export const RTC_VALUE = 'list(machine.RTC().datetime())';

/** The board's `machine.RTC().datetime()`. Reads only: the clock is never touched. */
export async function readRtc(board: CampaignBoard, options: BoardExecOptions = {}): Promise<RtcTuple> {
  const value = await queryBoard(board, { setup: 'import machine', value: RTC_VALUE }, options);
  const tuple = asRtcTuple(value);
  if (tuple === undefined) throw new QueryAnswerError(board.port, 'machine.RTC().datetime() did not give 8 integers', utf8(JSON.stringify(value)));
  return tuple;
}
