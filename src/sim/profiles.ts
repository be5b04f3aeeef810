import { UsageError } from '../errors.js';

/**
 * What a simulated board says about its firmware. Version tags, commit hashes and the sys/os
 * identity shapes come from the MicroPython source tree (git describe of the named commits,
 * py/modsys.c, py/persistentcode.h, extmod/modos.c at each tag). Build dates of releases are the
 * dates of the micropython.org release images. The compiler string in os.uname().version is a
 * model: the real one depends on the build machine.
 */
export interface FirmwareProfile {
  /** Name used on the command line (`--profile`), e.g. `v1.24.1`. */
  readonly name: string;
  /** MICROPY_GIT_TAG as printed in the banner. */
  readonly gitTag: string;
  /** MICROPY_BUILD_DATE. */
  readonly buildDate: string;
  readonly version: readonly [number, number, number];
  /** sys.implementation.version gained a 4th (prerelease) element in v1.22. */
  readonly versionHasPrerelease: boolean;
  /** The prerelease string (`preview` for nightlies of the v1.22+ scheme), else ''. */
  readonly prerelease: string;
  /** sys.implementation._mpy: MPY_VERSION | (sub-version | ARMV6M<<2) << 8. */
  readonly mpy: number;
  /** Model: compiler and build type in os.uname().version. */
  readonly buildType: string;
  readonly board: string;
  readonly mcu: string;
  /** The cyw43 driver and radio firmware built into the image (see `Cyw43Build`); absent: the modelled defaults. */
  readonly cyw43?: Cyw43Build;
}

/**
 * What the simulated radio reads from the firmware image about its cyw43 driver and radio firmware
 * (src/sim/radio/firmware.ts `radioFirmwareOf`). Every release profile below leaves these unset:
 * unset fields are the modelled facts. A profile that sets one is a test injection (an "other
 * build" for `bisect` tests, registered with `registerTestProfile`), never a claim about a release.
 */
export interface Cyw43Build {
  /**
   * CYW43_DEFAULT_PM: the PM value cyw43_wifi_set_up applies when the first interface comes up.
   * Modelled fact when unset: 0xa11142 (PM_PERFORMANCE, power saving) in every release here
   * (cyw43-driver cyw43.h; facts §10). Setting it models a build with another driver default.
   */
  readonly defaultPm?: number;
  /**
   * Test injection: the firmware's join retry behaviour. Unset fields take the world's
   * `join.maxAttempts`, `join.refindSweeps` and `join.probesPerChannel`, which model the real
   * firmware (its join procedure is not public).
   */
  readonly joinRetry?: {
    /** Association attempts per connect() before the join is reported failed. */
    readonly maxAttempts?: number;
    /** Sweeps to find a hidden AP again after a lost association. */
    readonly refindSweeps?: number;
    /** Directed probe requests per channel per sweep when looking for a hidden SSID again. */
    readonly probesPerChannel?: number;
  };
}

const BOARD = 'Raspberry Pi Pico W';
const MCU = 'RP2040';

function release(major: number, minor: number, micro: number, buildDate: string, mpySub: number, buildType: string): FirmwareProfile {
  const tag = `v${major}.${minor}.${micro}`;
  return {
    name: tag,
    gitTag: tag,
    buildDate,
    version: [major, minor, micro],
    versionHasPrerelease: minor >= 22,
    prerelease: '',
    mpy: mpyHeader(mpySub),
    buildType,
    board: BOARD,
    mcu: MCU,
  };
}

function mpyHeader(subVersion: number): number {
  const MPY_VERSION = 6;
  const ARMV6M = 4;
  return MPY_VERSION | ((subVersion | (ARMV6M << 2)) << 8);
}

/** The release profiles, oldest first, then any test profiles registered with `registerTestProfile`. */
const CATALOGUE: FirmwareProfile[] = [
  {
    // rp2/boards/PICO_W: "Add new Pico W board" — the first nightly with Pico W support.
    name: 'v1.19.1-88',
    gitTag: 'v1.19.1-88-g99c258977',
    buildDate: '2022-06-30',
    version: [1, 19, 1],
    versionHasPrerelease: false,
    prerelease: '',
    mpy: mpyHeader(0),
    buildType: 'GNU 10.3.1 MinSizeRel',
    board: BOARD,
    mcu: MCU,
  },
  {
    // rp2/mbedtls: "Enable certificate validity time validation" (b560b9fe71).
    name: 'v1.19.1-236',
    gitTag: 'v1.19.1-236-gb560b9fe7',
    buildDate: '2022-08-06',
    version: [1, 19, 1],
    versionHasPrerelease: false,
    prerelease: '',
    mpy: mpyHeader(0),
    buildType: 'GNU 10.3.1 MinSizeRel',
    board: BOARD,
    mcu: MCU,
  },
  release(1, 20, 0, '2023-04-26', 1, 'GNU 12.2.1 MinSizeRel'),
  release(1, 21, 0, '2023-10-06', 1, 'GNU 12.2.1 MinSizeRel'),
  release(1, 22, 2, '2024-02-22', 2, 'GNU 13.2.1 MinSizeRel'),
  release(1, 23, 0, '2024-06-02', 3, 'GNU 13.2.1 MinSizeRel'),
  release(1, 24, 1, '2024-11-29', 3, 'GNU 14.2.0 MinSizeRel'),
  {
    // A nightly of the v1.25 cycle, in the "vX.Y.Z-preview.N.gHASH" scheme of py/makeversionhdr.py.
    name: 'v1.25.0-preview.300',
    gitTag: 'v1.25.0-preview.300.g321b30ca5',
    buildDate: '2025-02-14',
    version: [1, 25, 0],
    versionHasPrerelease: true,
    prerelease: 'preview',
    mpy: mpyHeader(3),
    buildType: 'GNU 14.2.0 MinSizeRel',
    board: BOARD,
    mcu: MCU,
  },
];

export const PROFILES: readonly FirmwareProfile[] = CATALOGUE;

/**
 * Test injection: make `profile` a known firmware until the returned function is called: a
 * simulated board whose BOOTSEL drive receives a UF2 naming its gitTag runs it, and `findProfile`
 * finds it by gitTag. It is a build of a release: its `name` must be that release's, so every fact
 * kept per release name (TLS verification, ClientHello, API surface) is the release's, and its
 * gitTag must be new (e.g. `v1.24.1-3-g0000003`, three commits past v1.24.1). Used by tests to build
 * firmware that differs from a release only in a documented property (`Cyw43Build`).
 */
export function registerTestProfile(profile: FirmwareProfile): () => void {
  if (!CATALOGUE.some((known) => known.name === profile.name)) throw new UsageError(`test firmware ${profile.gitTag}: its name must be the release it is built from, one of ${CATALOGUE.map((p) => p.name).join(', ')}; got ${profile.name}`);
  const clash = CATALOGUE.find((known) => known.gitTag === profile.gitTag);
  if (clash !== undefined) throw new UsageError(`test firmware ${profile.gitTag}: the gitTag is already the profile ${clash.name}'s`);
  CATALOGUE.push(profile);
  return () => {
    const index = CATALOGUE.indexOf(profile);
    if (index >= 0) CATALOGUE.splice(index, 1);
  };
}

/**
 * The RTC value rp2 firmware sets at every hard boot (ports/rp2/main.c: 2021-01-01 00:00:00 UTC),
 * whatever the profile: the clock a cold board judges certificate dates by.
 */
export const RP2_BOOT_EPOCH_MS = Date.UTC(2021, 0, 1);

/** The newest release profile: what `--profile` defaults to. */
export const DEFAULT_PROFILE_NAME = 'v1.24.1';

export function findProfile(name: string | undefined): FirmwareProfile {
  const wanted = name ?? DEFAULT_PROFILE_NAME;
  const profile = PROFILES.find((candidate) => candidate.name === wanted || candidate.gitTag === wanted);
  if (profile === undefined) {
    throw new UsageError(`unknown firmware profile "${wanted}"; known: ${PROFILES.map((p) => p.name).join(', ')}`);
  }
  return profile;
}

/** `MicroPython v1.24.1 on 2024-11-29; Raspberry Pi Pico W with RP2040` (no line end). */
export function bannerLine(profile: FirmwareProfile): string {
  return `MicroPython ${profile.gitTag} on ${profile.buildDate}; ${profile.board} with ${profile.mcu}`;
}

/** MICROPY_VERSION_STRING: `1.24.1`, or `1.25.0-preview` for a preview build. */
export function versionString(profile: FirmwareProfile): string {
  const base = profile.version.join('.');
  return profile.prerelease === '' ? base : `${base}-${profile.prerelease}`;
}
