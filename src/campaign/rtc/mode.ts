import { ConfigError } from '../../errors.js';
import { parseRtcModeText } from '../config/rtc-syntax.js';
import { formatDuration } from '../config/units.js';
import type { RtcMode } from '../types.js';

/**
 * `cold | host:local | host:utc | ntp[:HOST] | skew:<±duration>` → RtcMode. The syntax lives with
 * the campaign config (`config/rtc-syntax.ts`); this adds the error the rest of the harness throws.
 */
export function parseRtcMode(text: string, where: { file?: string; path?: string } = {}): RtcMode {
  const parsed = parseRtcModeText(text);
  if (!parsed.ok) throw new ConfigError(`rtc mode ${JSON.stringify(text)}: ${parsed.problem}`, where);
  return parsed.mode;
}

/** The canonical text of a mode: `cold`, `host:local`, `ntp:pool.ntp.org`, `skew:-2h`, `skew:+1h30m`. */
export function formatRtcMode(mode: RtcMode): string {
  switch (mode.kind) {
    case 'cold':
      return 'cold';
    case 'host':
      return `host:${mode.zone}`;
    case 'ntp':
      return mode.host === undefined ? 'ntp' : `ntp:${mode.host}`;
    case 'skew':
      return `skew:${mode.offsetMs < 0 ? '' : '+'}${formatDuration(mode.offsetMs)}`;
  }
}
