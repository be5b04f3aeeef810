/**
 * UF2 family IDs used by Raspberry Pi boot ROMs and picotool (pico-sdk
 * src/common/boot_uf2_headers/include/boot/uf2.h). The CYW43 Wi-Fi firmware family is the one the
 * issue names for the radio blob stream.
 */
export const FAMILY = {
  CYW43_FIRMWARE: 0xe48bff55,
  RP2040: 0xe48bff56,
  ABSOLUTE: 0xe48bff57,
  DATA: 0xe48bff58,
  RP2350_ARM_S: 0xe48bff59,
  RP2350_RISCV: 0xe48bff5a,
  RP2350_ARM_NS: 0xe48bff5b,
} as const;

const FAMILY_NAMES: ReadonlyMap<number, string> = new Map([
  [FAMILY.CYW43_FIRMWARE, 'cyw43-firmware'],
  [FAMILY.RP2040, 'rp2040'],
  [FAMILY.ABSOLUTE, 'absolute'],
  [FAMILY.DATA, 'data'],
  [FAMILY.RP2350_ARM_S, 'rp2350-arm-s'],
  [FAMILY.RP2350_RISCV, 'rp2350-riscv'],
  [FAMILY.RP2350_ARM_NS, 'rp2350-arm-ns'],
]);

/** `0x` + 8 lowercase hex digits. */
export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** The picotool-style name of a family ID, or its hex value when unknown. */
export function familyName(id: number): string {
  return FAMILY_NAMES.get(id >>> 0) ?? hex32(id);
}

/** Accepts a family name (`rp2040`, `RP2350-ARM-S`, `data`…) or a number/hex string. */
export function familyIdOf(nameOrId: string | number): number | undefined {
  if (typeof nameOrId === 'number') return nameOrId >>> 0;
  const wanted = nameOrId.trim().toLowerCase().replace(/_/g, '-');
  for (const [id, name] of FAMILY_NAMES) if (name === wanted) return id;
  if (/^0x[0-9a-f]{1,8}$/.test(wanted)) return Number.parseInt(wanted.slice(2), 16) >>> 0;
  return undefined;
}

/** Families whose blocks are a program the boot ROM runs (as opposed to data or radio blobs). */
export function isProgramFamily(id: number): boolean {
  return id === FAMILY.RP2040 || id === FAMILY.RP2350_ARM_S || id === FAMILY.RP2350_RISCV || id === FAMILY.RP2350_ARM_NS || id === FAMILY.ABSOLUTE;
}
