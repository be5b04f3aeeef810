/** Volume labels of the boot ROMs' USB mass-storage drives. */
export const BOOTSEL_LABELS = ['RPI-RP2', 'RP2350'] as const;
export type BootselLabel = (typeof BOOTSEL_LABELS)[number];

/** INFO_UF2.TXT as the boot ROM writes it (`UF2 Bootloader v3.0`, `Model: …`, `Board-ID: RPI-RP2`). */
export interface BootselInfo {
  readonly bootloader: string | undefined;
  readonly model: string | undefined;
  readonly boardId: string;
  readonly text: string;
}

/** A mounted BOOTSEL drive, checked by its INFO_UF2.TXT. */
export interface BootselDrive {
  readonly mountPoint: string;
  readonly info: BootselInfo;
  /** How it was found, for people: `--mount-point`, `/proc/self/mounts (LABEL=RPI-RP2 /dev/sda1)`, … */
  readonly foundBy: string;
}

/**
 * One way of finding the drive. `locate` looks once and never waits: `waitForBootselDrive` polls
 * it. `describe` says where it looks, for the message when nothing turns up.
 */
export interface BootselLocator {
  describe(): string;
  locate(signal?: AbortSignal): Promise<BootselDrive | undefined>;
}
