export { applyRtcMode, setRtcCode, type ApplyRtcOptions } from './apply.js';
export { asRtcTuple, formatRtcTuple, hostTimeZone, micropythonWeekday, tupleEpochMs, utcTuple, wallClockTuple } from './clock-tuple.js';
export { formatRtcMode, parseRtcMode } from './mode.js';
export { readRtc } from './read.js';
