import type { DeviceInfo } from '../device/info.js';

/** Two aligned columns: `label   value`. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (value: number | undefined, width = 2): string => String(value ?? 0).padStart(width, '0');

/** machine.RTC().datetime() → `2021-01-01 00:00:05 Fri` (field 7 is subseconds, ignored on rp2). */
export function formatRtc(rtc: readonly number[]): string {
  const [year, month, day, weekday, hours, minutes, seconds] = rtc;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(hours)}:${pad(minutes)}:${pad(seconds)} ${WEEKDAYS[weekday ?? -1] ?? '?'}`;
}

/** py/persistentcode.h MP_NATIVE_ARCH_* in order. */
const NATIVE_ARCHES = ['none', 'x86', 'x64', 'armv6', 'armv6m', 'armv7m', 'armv7em', 'armv7emsp', 'armv7emdp', 'xtensa', 'xtensawin', 'rv32imc', 'rv64imc'];

/** sys.implementation._mpy = version | (sub-version | arch << 2) << 8 → `4870 (.mpy v6.3, armv6m)`. */
export function formatMpy(mpy: number): string {
  const flags = mpy >> 8;
  return `${mpy} (.mpy v${mpy & 0xff}.${flags & 3}, ${NATIVE_ARCHES[flags >> 2] ?? `arch ${flags >> 2}`})`;
}

/** The human summary `picow-harness info` prints. */
export function formatDeviceInfo(info: DeviceInfo, port: string): string {
  const field = (key: keyof DeviceInfo, render: () => string): string => {
    const value = info[key];
    if (value !== null) return render();
    const error = info.errors[key];
    return error === undefined ? 'unknown' : `unavailable (${error})`;
  };
  const named = (value: { value: number; name: string | null } | null): string =>
    value === null ? '' : value.name === null ? String(value.value) : `${value.value} (${value.name})`;
  const rows: string[][] = [
    ['port', port],
    ['firmware', field('version', () => info.version ?? '')],
    ['board', field('machine', () => info.machine ?? '')],
    ['platform', field('platform', () => info.platform ?? '')],
    ['release', field('uname', () => `${info.uname?.release ?? ''} (${info.uname?.version ?? ''})`)],
    ['mpy', field('mpy', () => formatMpy(info.mpy ?? 0))],
    ['unique id', field('unique_id', () => info.unique_id ?? '')],
    ['memory', field('mem_free', () => `${info.mem_free ?? 0} bytes free, ${info.mem_alloc ?? '?'} allocated`)],
    ['rtc', field('rtc', () => formatRtc(info.rtc ?? []))],
    ['reset cause', field('reset_cause', () => named(info.reset_cause))],
    ['wi-fi status', field('wifi_status', () => named(info.wifi_status))],
  ];
  return table(rows);
}
