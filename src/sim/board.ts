import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { SimError } from '../errors.js';
import {
  ChannelViews,
  ClockSlot,
  RX_RING_SIZE,
  Slot,
  boardRtcMs,
  createChannelBuffers,
  hostNowMs,
  type ChannelBuffers,
  type CpuMessage,
  type CpuPhase,
  type CpuStart,
  type ReplMode,
} from './channel.js';
import { apiSurface } from './api-surface.js';
import { SimBootselDrive } from './bootsel-drive.js';
import { micropythonTagOf } from '../firmware/binary-info.js';
import { parseUf2 } from '../firmware/uf2.js';
import { Flash, FlashError } from './flash.js';
import { BoardHardware } from './hw/board-hardware.js';
import type { BoardContext } from './hw/context.js';
import { randomStream } from './random.js';
import { PROFILES, RP2_BOOT_EPOCH_MS, findProfile, type FirmwareProfile } from './profiles.js';
import { UsbCdc } from './usb-cdc.js';
import { UsbInEndpoint } from './usb-in-endpoint.js';
import type { CpuData, CpuHardware } from './worker/main.js';
import { DEFAULT_WORLD, type World } from './world.js';

/** The RTC value main() sets at every hard boot on rp2: 2021-01-01 00:00:00 (facts §3). */
export const BOOT_EPOCH_MS = RP2_BOOT_EPOCH_MS;

export type ResetCause = 'power-on' | 'watchdog';

export interface SimBoardOptions {
  /** A label for logs and the bus; also seeds the unique ID when no serial number is given. */
  readonly name?: string;
  /** USB serial number: the flash unique ID as 16 lowercase hex digits. */
  readonly serialNumber?: string;
  readonly seed?: number;
  readonly profile?: string | FirmwareProfile;
  /** Board milliseconds per host millisecond (applies to ticks, RTC, sleeps, enumeration). */
  readonly timeScale?: number;
  /** From USB start-up on the board to the port appearing on the host, in board ms. */
  readonly enumerationDelayMs?: number;
  /** Host ms a Ctrl-C may stay untaken by running code before the VM is restarted. */
  readonly interruptWatchdogMs?: number;
  /** The world the board's radio and network live in (access points, DNS, NTP, faults). */
  readonly world?: World;
  /** Model of the MicroPython GC heap (bytes): what gc.mem_free() and mbedTLS's allocations see. */
  readonly heapBytes?: number;
  /** The host folder that is the RPI-RP2 drive while in BOOTSEL (empty or absent); default `<temp dir>/RPI-RP2`. */
  readonly bootselFolder?: string;
}

/** Model: a Pico W's GC heap (RP2040 RAM minus firmware data, cyw43/lwIP buffers and stack) and what boot uses of it. */
export const PICO_W_HEAP_BYTES = 188_416;
const BOOT_ALLOC_BYTES = 6_400;

export interface SimBoardEvents {
  'usb-attach': [];
  'usb-detach': [{ reason: string }];
  'vm-restart': [{ interrupted: string }];
  'cpu-fatal': [{ message: string }];
  phase: [CpuPhase];
  /** The board left for its USB bootloader (machine.bootloader()): no serial port until a reset. */
  bootloader: [];
  /** The BOOTSEL mass-storage drive is mounted on the host at `path` (see `bootselDrive`). */
  'bootsel-drive': [{ path: string }];
  /** What the boot ROM did with a file written to the drive (taken, ignored, not runnable here). */
  'bootsel-log': [{ message: string }];
  /** A UF2 was taken: the board now holds this firmware and reboots into it. */
  'firmware-flashed': [{ profile: string; file: string }];
}

const DEFAULT_ENUMERATION_DELAY_MS = 800;
const DEFAULT_INTERRUPT_WATCHDOG_MS = 300;

function cpuEntry(): URL {
  // From TypeScript sources (tests, tsx) the worker needs a bootstrap that loads tsx into it.
  return import.meta.url.endsWith('.ts')
    ? new URL('./worker/bootstrap-tsx.mjs', import.meta.url)
    : new URL('./worker/main.js', import.meta.url);
}

function uniqueIdFor(seed: number, name: string): Uint8Array {
  const digest = createHash('sha256').update(`picow-harness:${seed}:${name}`).digest();
  const id = Uint8Array.from(digest.subarray(0, 8));
  id[0] = 0xe6; // Pico flash unique IDs commonly start with 0xe6 (model, cosmetic)
  return id;
}

/**
 * A simulated Pico W: the hardware (power, USB CDC, flash, clocks) on the main thread and a CPU
 * running the real MicroPython interpreter in a worker thread. Power and reset are controlled from
 * outside, like a switched hub port or the RUN pin.
 */
export class SimBoard extends EventEmitter<SimBoardEvents> {
  readonly name: string;
  readonly uniqueId: Uint8Array;
  readonly serialNumber: string;
  private firmware: FirmwareProfile;
  readonly flash: Flash;
  readonly cdc: UsbCdc;
  readonly timeScale: number;
  private readonly enumerationDelayMs: number;
  private readonly interruptWatchdogMs: number;
  private buffers: ChannelBuffers;
  private views: ChannelViews;
  private cpu: Worker | undefined;
  private generation = 0;
  private replMode: ReplMode = 'friendly';
  private phaseValue: CpuPhase = { kind: 'boot' };
  private powered = false;
  private usbPresent = false;
  private causeValue: ResetCause = 'power-on';
  private enumerationTimer: NodeJS.Timeout | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private hardBoots = 0;
  private bootsel = false;
  private vmRestarts = 0;
  /** The firmware has started USB (mp_usbd_init, after boot.py) since the last hard boot. */
  private usbStarted = false;
  private readonly usbIn: UsbInEndpoint;
  private readonly seed: number;
  private attemptValue = 0;
  private readonly streamDraws = new Map<string, number>();
  private cpuHardware: CpuHardware;
  private readonly drive: SimBootselDrive;
  private driveTimer: NodeJS.Timeout | undefined;
  private readonly bootromLog: string[] = [];
  /** The radio, network stack, TLS and machine peripherals (main thread). */
  readonly hardware: BoardHardware;

  constructor(options: SimBoardOptions = {}) {
    super();
    this.name = options.name ?? 'pico';
    this.firmware = typeof options.profile === 'object' ? options.profile : findProfile(options.profile);
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new SimError(`time scale must be positive, got ${this.timeScale}`);
    if (options.serialNumber !== undefined) {
      if (!/^[0-9a-f]{16}$/.test(options.serialNumber)) throw new SimError(`serial number must be 16 lowercase hex digits, got "${options.serialNumber}"`);
      this.uniqueId = Uint8Array.from(Buffer.from(options.serialNumber, 'hex'));
    } else {
      this.uniqueId = uniqueIdFor(options.seed ?? 0, this.name);
    }
    this.serialNumber = Buffer.from(this.uniqueId).toString('hex');
    this.enumerationDelayMs = options.enumerationDelayMs ?? DEFAULT_ENUMERATION_DELAY_MS;
    this.interruptWatchdogMs = options.interruptWatchdogMs ?? DEFAULT_INTERRUPT_WATCHDOG_MS;
    this.buffers = createChannelBuffers();
    this.views = new ChannelViews(this.buffers);
    this.flash = new Flash(() => Math.floor(boardRtcMs(this.views.clock) / 1000));
    this.cdc = new UsbCdc(this.views);
    this.cdc.onInterrupt = () => this.armInterruptWatchdog();
    this.usbIn = new UsbInEndpoint(this.views, this.cdc, this.timeScale);
    this.cdc.onHostProgress = () => this.usbIn.pump();
    const world = options.world ?? DEFAULT_WORLD;
    this.seed = options.seed ?? world.seed;
    this.cpuHardware = {
      uniqueIdHex: this.serialNumber,
      features: apiSurface(this.profile),
      heapBytes: options.heapBytes ?? PICO_W_HEAP_BYTES,
      bootAllocBytes: BOOT_ALLOC_BYTES,
    };
    this.hardware = new BoardHardware(this.context(), world, {
      timeScale: this.timeScale,
      reboot: (cause) => void this.hardReset(cause).catch(() => undefined),
      bootloader: () => void this.enterBootloader(),
      setRtcMs: (epochMs) => {
        const clock = this.views.clock;
        clock[ClockSlot.RTC_OFFSET_MS] = epochMs - (hostNowMs() - (clock[ClockSlot.BOOT_HOST_MS] ?? 0)) * this.timeScale;
      },
      resetCause: () => (this.causeValue === 'power-on' ? 1 : 3),
    });
    this.drive = new SimBootselDrive({
      folder: options.bootselFolder,
      onComplete: (file, bytes) => this.bootromTakes(file, bytes),
      onLog: (message) => this.bootromSays(message),
    });
  }

  /** The firmware in flash now: set at construction, replaced by a UF2 copied to the BOOTSEL drive. */
  get profile(): FirmwareProfile {
    return this.firmware;
  }

  private context(): BoardContext {
    const firmware = (): FirmwareProfile => this.firmware;
    return {
      // A getter: models built at a later hard boot see the firmware flashed since.
      get profile(): FirmwareProfile {
        return firmware();
      },
      serialNumber: this.serialNumber,
      uniqueId: this.uniqueId,
      timeScale: this.timeScale,
      uptimeMs: () => this.clocks().uptimeMs,
      rtcMs: () => this.clocks().rtcMs,
      random: (stream) => {
        const draw = this.streamDraws.get(stream) ?? 0;
        this.streamDraws.set(stream, draw + 1);
        return randomStream(this.seed, this.serialNumber, this.attemptValue, `${stream}#${draw}`);
      },
      wake: () => this.views.wake(),
    };
  }

  /**
   * Start attempt `n` of a campaign: the board's random draws (joins, losses) from here on depend
   * only on (seed, serial number, n), so a resumed run replays the same conditions.
   */
  beginAttempt(n: number): void {
    this.attemptValue = n;
    this.streamDraws.clear();
  }

  get attempt(): number {
    return this.attemptValue;
  }

  get isPowered(): boolean {
    return this.powered;
  }

  /** True while the board's USB device is enumerated on the host. */
  get isUsbPresent(): boolean {
    return this.usbPresent;
  }

  get resetCause(): ResetCause {
    return this.causeValue;
  }

  get phase(): CpuPhase {
    return this.phaseValue;
  }

  get counters(): { hardBoots: number; vmRestarts: number } {
    return { hardBoots: this.hardBoots, vmRestarts: this.vmRestarts };
  }

  /** Board uptime (ticks_ms before wrapping) and RTC, as the CPU sees them. */
  clocks(): { uptimeMs: number; rtcMs: number } {
    const clock = this.views.clock;
    return { uptimeMs: (hostNowMs() - (clock[ClockSlot.BOOT_HOST_MS] ?? 0)) * this.timeScale, rtcMs: boardRtcMs(clock) };
  }

  async powerOn(): Promise<void> {
    if (this.powered) return;
    this.powered = true;
    this.hardBoot('power-on');
  }

  async powerOff(): Promise<void> {
    if (!this.powered) return;
    this.powered = false;
    this.cdc.beginPhase('power-off');
    this.leaveBootsel();
    this.usbGone('power off');
    await this.stopCpu();
    this.hardware.dispose();
  }

  /** True while the board sits in its USB bootloader (BOOTSEL) after machine.bootloader(). */
  get inBootloader(): boolean {
    return this.bootsel;
  }

  /** Where the BOOTSEL drive is mounted on the host while the board is in BOOTSEL (after it enumerates). */
  get bootselDrive(): string | undefined {
    return this.drive.path;
  }

  /**
   * Make `folder` (empty or absent) the drive from the next BOOTSEL on, as when the host mounts
   * the volume at a chosen mount point; undefined goes back to a temp folder.
   */
  useBootselFolder(folder: string | undefined): void {
    this.drive.setFolder(folder);
  }

  /** What the boot ROM reported about files written to the drive, oldest first. */
  get bootselLog(): readonly string[] {
    return this.bootromLog;
  }

  /**
   * machine.bootloader(): reset_usb_boot — the CPU stops, the serial port goes away and, one
   * enumeration later, the RPI-RP2 drive appears (`bootsel-drive`).
   */
  private async enterBootloader(): Promise<void> {
    if (!this.powered) return;
    this.usbGone('bootloader');
    await this.stopCpu();
    this.hardware.dispose();
    this.bootsel = true;
    this.emit('bootloader');
    this.driveTimer = setTimeout(() => {
      this.driveTimer = undefined;
      if (!this.bootsel || !this.powered) return;
      try {
        const path = this.drive.mount();
        this.emit('bootsel-drive', { path });
      } catch (error) {
        this.bootromSays(`the drive could not be mounted: ${(error as Error).message}`);
      }
    }, this.enumerationDelayMs / this.timeScale);
  }

  /** Leaving BOOTSEL (reboot, reset, power off): the drive disappears. */
  private leaveBootsel(): void {
    this.bootsel = false;
    if (this.driveTimer !== undefined) clearTimeout(this.driveTimer);
    this.driveTimer = undefined;
    this.drive.unmount();
  }

  private bootromSays(message: string): void {
    this.bootromLog.push(message);
    this.emit('bootsel-log', { message });
  }

  /**
   * A file on the drive holds every block of a UF2: the boot ROM has written it to flash and
   * reboots. The sim runs it when its binary-info version names a firmware profile; anything else
   * is logged and the board stays in BOOTSEL with its previous firmware (a model: the sim cannot
   * run arbitrary programs).
   */
  private bootromTakes(file: string, bytes: Uint8Array): void {
    if (!this.bootsel || !this.powered) return;
    let tag: string | null;
    try {
      tag = micropythonTagOf(parseUf2(bytes, { file }).binaryInfo);
    } catch (error) {
      this.bootromSays(`${file}: flashed, but it is not a program the simulator can run (${(error as Error).message}); staying in BOOTSEL`);
      return;
    }
    const profile = tag === null ? undefined : PROFILES.find((candidate) => candidate.gitTag === tag);
    if (profile === undefined) {
      const known = PROFILES.map((candidate) => candidate.gitTag).join(', ');
      this.bootromSays(`${file}: flashed, but its program version ${tag === null ? '(none)' : tag} names no simulated firmware (known: ${known}); staying in BOOTSEL`);
      return;
    }
    this.firmware = profile;
    this.bootromSays(`${file}: flashed MicroPython ${profile.gitTag}; rebooting`);
    this.emit('firmware-flashed', { profile: profile.name, file });
    this.hardBoot('watchdog');
  }

  /** A reset that reruns main(): `machine.reset()` (watchdog) or the RUN pin / power glitch. */
  async hardReset(cause: ResetCause = 'watchdog'): Promise<void> {
    if (!this.powered) throw new SimError(`${this.name} is powered off`);
    this.usbGone('reset');
    await this.stopCpu();
    this.hardBoot(cause);
  }

  /** Resolves when the port is on the bus; rejects after `timeoutMs` host ms. */
  waitForUsb(timeoutMs = 10_000): Promise<void> {
    if (this.usbPresent) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('usb-attach', onAttach);
        reject(new SimError(`${this.name} did not enumerate on USB within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAttach = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.once('usb-attach', onAttach);
    });
  }

  async dispose(): Promise<void> {
    this.powered = false;
    this.leaveBootsel();
    this.drive.dispose();
    this.usbGone('board removed');
    await this.stopCpu();
    this.hardware.dispose();
    this.removeAllListeners();
  }

  private hardBoot(cause: ResetCause): void {
    this.cdc.beginPhase(cause);
    this.causeValue = cause;
    this.leaveBootsel();
    this.cpuHardware = { ...this.cpuHardware, features: apiSurface(this.firmware) };
    this.hardware.hardReset();
    this.hardBoots += 1;
    this.usbStarted = false;
    this.replMode = 'friendly'; // pyexec_mode_kind is reinitialised by a hard boot
    this.resetChannel();
    const clock = this.views.clock;
    clock[ClockSlot.BOOT_HOST_MS] = hostNowMs();
    clock[ClockSlot.SCALE] = this.timeScale;
    clock[ClockSlot.RTC_OFFSET_MS] = BOOT_EPOCH_MS;
    this.startCpu({ kind: 'hard-boot' });
  }

  /** Fresh shared memory for a new CPU, keeping the clocks; `stdin` starts its RX ring. */
  private resetChannel(stdin: Uint8Array = new Uint8Array(0)): void {
    const previousClock = Float64Array.from(this.views.clock);
    this.buffers = createChannelBuffers();
    this.views = new ChannelViews(this.buffers);
    this.views.clock.set(previousClock);
    this.views.rx.set(stdin);
    this.views.store(Slot.RX_HEAD, stdin.length);
    this.views.store(Slot.INTERRUPT_CHAR, -1);
    this.views.store(Slot.TX_NOTIFY, 1);
    this.cdc.rebind(this.views);
    this.usbIn.rebind(this.views);
  }

  private startCpu(start: CpuStart): void {
    this.generation += 1;
    const generation = this.generation;
    this.phaseValue = { kind: 'boot' };
    const data: CpuData = { buffers: this.buffers, profile: this.profile, mode: this.replMode, start, hardware: this.cpuHardware };
    const cpu = new Worker(cpuEntry(), { workerData: data, stdout: false, stderr: false });
    this.cpu = cpu;
    cpu.on('message', (message: CpuMessage) => {
      if (generation === this.generation) this.onCpuMessage(message);
    });
    cpu.on('error', (error: Error) => {
      if (generation === this.generation) this.emit('cpu-fatal', { message: error.message });
    });
  }

  private async stopCpu(): Promise<void> {
    this.generation += 1;
    this.clearTimers();
    const cpu = this.cpu;
    this.cpu = undefined;
    if (cpu !== undefined) await cpu.terminate();
  }

  private clearTimers(): void {
    this.usbIn.stop();
    if (this.enumerationTimer !== undefined) clearTimeout(this.enumerationTimer);
    if (this.watchdogTimer !== undefined) clearTimeout(this.watchdogTimer);
    this.enumerationTimer = undefined;
    this.watchdogTimer = undefined;
  }

  private usbGone(reason: string): void {
    this.clearTimers();
    const wasPresent = this.usbPresent;
    this.usbPresent = false;
    this.cdc.disconnect(reason);
    if (wasPresent) this.emit('usb-detach', { reason });
  }

  private onCpuMessage(message: CpuMessage): void {
    switch (message.t) {
      case 'tx':
        this.usbIn.pump();
        break;
      case 'rx-consumed':
        this.cdc.pump();
        break;
      case 'rpc':
        this.answerRpc(message.method, message.args);
        break;
      case 'phase':
        this.phaseValue = message.phase;
        this.cdc.beginPhase(message.phase.kind === 'boot' ? 'boot' : message.phase.kind === 'idle' ? `idle:${message.phase.repl}` : `exec:${message.phase.context}`);
        if (message.phase.kind === 'idle') this.replMode = message.phase.repl;
        this.emit('phase', message.phase);
        break;
      case 'usb-up':
        // boot.py ran before USB existed: what it printed is gone.
        this.usbStarted = true;
        this.usbIn.start(message.txFrom);
        this.enumerationTimer = setTimeout(() => {
          this.enumerationTimer = undefined;
          this.usbPresent = true;
          this.emit('usb-attach');
        }, this.enumerationDelayMs / this.timeScale);
        break;
      case 'fatal':
        this.emit('cpu-fatal', { message: message.message });
        break;
    }
  }

  private answerRpc(method: string, args: unknown): void {
    let reply: { value?: unknown; errno?: number; error?: string } | ReturnType<BoardHardware['call']>;
    try {
      if (method.startsWith('fs.')) {
        reply = { value: this.flash.call(method.slice(3), Array.isArray(args) ? args : []) };
      } else {
        reply = this.hardware.call(method, Array.isArray(args) ? args : []);
      }
    } catch (error) {
      reply = error instanceof FlashError ? { errno: error.errno } : { error: String(error) };
    }
    let bytes = Buffer.from(JSON.stringify(reply));
    if (bytes.length > this.views.rpc.length) bytes = Buffer.from(JSON.stringify({ errno: 12 })); // ENOMEM: the answer does not fit
    this.views.rpc.set(bytes);
    this.views.store(Slot.RPC_LENGTH, bytes.length);
    this.views.store(Slot.RPC_STATE, 1);
    Atomics.notify(this.views.control, Slot.RPC_STATE);
  }

  /** A Ctrl-C reached running code: if the code never takes it, restart the VM (a tight loop). */
  private armInterruptWatchdog(): void {
    if (this.watchdogTimer !== undefined) return;
    this.watchdogTimer = setTimeout(() => {
      this.watchdogTimer = undefined;
      const phase = this.phaseValue;
      if (this.views.load(Slot.INTERRUPT_PENDING) === 1 && phase.kind === 'exec') void this.restartVm(phase.context);
    }, this.interruptWatchdogMs);
  }

  private unreadAfterInterrupt(): Uint8Array {
    const head = this.views.load(Slot.RX_HEAD);
    const from = Math.max(this.views.load(Slot.RX_TAIL), this.views.load(Slot.RX_CLEAR_TO));
    const out = new Uint8Array(Math.max(0, head - from));
    for (let i = 0; i < out.length; i += 1) out[i] = this.views.rx[(from + i) % RX_RING_SIZE] ?? 0;
    return out;
  }

  private async restartVm(interrupted: Extract<CpuPhase, { kind: 'exec' }>['context']): Promise<void> {
    this.vmRestarts += 1;
    this.generation += 1;
    const generation = this.generation;
    const cpu = this.cpu;
    this.cpu = undefined;
    if (cpu !== undefined) await cpu.terminate();
    // A reset or power cut while the old CPU was stopping wins.
    if (!this.powered || generation !== this.generation || this.cpu !== undefined) return;
    // Bytes that arrived after the Ctrl-C are still in stdin on a real board; carry them over.
    this.resetChannel(this.unreadAfterInterrupt());
    if (this.usbStarted) this.usbIn.start(0);
    this.emit('vm-restart', { interrupted });
    this.startCpu({ kind: 'vm-restart', interrupted });
  }
}
