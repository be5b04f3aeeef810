/**
 * cyw43 power-management values: `li_assoc<<20 | li_dtim<<16 | li_beacon<<12 |
 * (sleep_ret_ms/10)<<4 | mode` (network_cyw43.c CYW43_PM_VALUE; cyw43_wifi_pm decodes 24 bits).
 * The low nibble is the mode: 0 = no power saving, 1 = PM1, 2 = PM2 (facts §10).
 */
export const PM_NONE = 0x10;
export const PM_PERFORMANCE = 0xa11142;
export const PM_POWERSAVE = 0x11;
/** CYW43_DEFAULT_PM: applied whenever the first interface comes up (cyw43_wifi_set_up). */
export const CYW43_DEFAULT_PM = PM_PERFORMANCE;

/** What cyw43_wifi_pm keeps of a value (the five fields; higher bits are dropped). */
export function storedPm(value: number): number {
  return (value >>> 0) & 0xffffff;
}

export function pmMode(pm: number): number {
  return pm & 0xf;
}

export function isPowerSave(pm: number): boolean {
  return pmMode(pm) !== 0;
}

export function describePm(pm: number): string {
  const mode = pmMode(pm);
  const named = pm === PM_NONE ? 'PM_NONE' : pm === PM_PERFORMANCE ? 'PM_PERFORMANCE' : pm === PM_POWERSAVE ? 'PM_POWERSAVE' : undefined;
  const hex = `0x${pm.toString(16)}`;
  const kind = mode === 0 ? 'no power saving' : `power saving (mode ${mode})`;
  return named === undefined ? `${hex}, ${kind}` : `${hex} ${named}, ${kind}`;
}
