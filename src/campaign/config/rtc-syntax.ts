import type { RtcMode } from '../types.js';
import { parseDuration } from './units.js';

/**
 * The RTC modes a campaign names, as written in the config: `cold` (leave the clock as the reset
 * left it), `host:local` / `host:utc` (set it from the host clock, as IDEs do), `ntp` / `ntp:HOST`
 * (the board runs ntptime), `skew:<duration>` (host UTC plus a signed offset, e.g. `skew:-2h`).
 */
export const RTC_MODE_FORMS = 'cold, host:local, host:utc, ntp, ntp:HOST or skew:<±duration> (e.g. skew:-2h)';

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function parseRtcModeText(text: string): { ok: true; mode: RtcMode } | { ok: false; problem: string } {
  const value = text.trim();
  if (value === 'cold') return { ok: true, mode: { kind: 'cold' } };
  if (value === 'host:local') return { ok: true, mode: { kind: 'host', zone: 'local' } };
  if (value === 'host:utc') return { ok: true, mode: { kind: 'host', zone: 'utc' } };
  if (value === 'ntp') return { ok: true, mode: { kind: 'ntp', host: undefined } };
  if (value.startsWith('ntp:')) {
    const host = value.slice('ntp:'.length);
    if (!HOST_NAME.test(host)) return { ok: false, problem: `ntp:HOST needs a host name or IPv4 address after the colon, e.g. ntp:pool.ntp.org` };
    return { ok: true, mode: { kind: 'ntp', host: host.toLowerCase() } };
  }
  if (value.startsWith('skew:')) {
    const parsed = parseDuration(value.slice('skew:'.length), { signed: true });
    if (!parsed.ok) return { ok: false, problem: `skew:<duration> ${parsed.problem.replace(/^must be /, 'needs ')}, signed, e.g. skew:-2h` };
    return { ok: true, mode: { kind: 'skew', offsetMs: parsed.ms } };
  }
  if (value === 'host') return { ok: false, problem: 'host needs a zone: host:local or host:utc' };
  return { ok: false, problem: `must be one of ${RTC_MODE_FORMS}` };
}
