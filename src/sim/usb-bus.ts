import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '@serialport/bindings-interface';
import type { SimBoard } from './board.js';
import type { HostEndpoint } from './usb-cdc.js';

/** USB identity of a Pico running MicroPython (ports/rp2/mpconfigport.h, shared/tinyusb). */
export const PICO_VENDOR_ID = '2e8a';
export const MICROPYTHON_PRODUCT_ID = '0005';
const MANUFACTURER = 'MicroPython';
const PRODUCT = 'Board in FS mode';
const PATH_PREFIX = '/sim/ttyACM';

class BindingError extends Error {
  constructor(message: string, readonly canceled = false) {
    super(message);
  }
}

/**
 * A simulated USB bus: boards appear as `/sim/ttyACM<n>` while enumerated. Like Linux's cdc-acm
 * driver, a device takes the lowest free number, and a number stays taken while a program still
 * holds the port of a device that went away, so a reset board may come back on another path.
 */
export class SimUsbBus {
  private readonly boardList: SimBoard[] = [];
  private readonly paths = new Map<SimBoard, string>();
  private readonly handles = new Map<string, SimPortHandle>();

  add(board: SimBoard): void {
    if (this.boardList.includes(board)) return;
    this.boardList.push(board);
    board.on('usb-attach', () => this.enumerate(board));
    board.on('usb-detach', () => this.paths.delete(board));
    if (board.isUsbPresent) this.enumerate(board);
  }

  remove(board: SimBoard): void {
    const index = this.boardList.indexOf(board);
    if (index >= 0) this.boardList.splice(index, 1);
    this.paths.delete(board);
  }

  get boards(): readonly SimBoard[] {
    return this.boardList;
  }

  pathOf(board: SimBoard): string | undefined {
    return this.paths.get(board);
  }

  list(): PortInfo[] {
    return [...this.paths].map(([board, path]) => ({
      path,
      manufacturer: MANUFACTURER,
      serialNumber: board.serialNumber,
      pnpId: `usb-${MANUFACTURER}_${PRODUCT.replace(/ /g, '_')}_${board.serialNumber}-if00`,
      locationId: undefined,
      vendorId: PICO_VENDOR_ID,
      productId: MICROPYTHON_PRODUCT_ID,
    }));
  }

  open(options: OpenOptions): SimPortHandle {
    const board = [...this.paths].find(([, path]) => path === options.path)?.[0];
    if (board === undefined) throw new BindingError(`Error: No such file or directory, cannot open ${options.path}`);
    if (this.handles.has(options.path) && options.lock !== false) {
      throw new BindingError('Error Resource temporarily unavailable Cannot lock port');
    }
    const handle = new SimPortHandle(this, board, options);
    this.handles.set(options.path, handle);
    board.cdc.attach(handle);
    return handle;
  }

  /** The program closed the port: its number is free again. */
  release(handle: SimPortHandle): void {
    if (this.handles.get(handle.openOptions.path) === handle) this.handles.delete(handle.openOptions.path);
  }

  private enumerate(board: SimBoard): void {
    const taken = new Set([...this.paths.values(), ...this.handles.keys()]);
    let index = 0;
    while (taken.has(`${PATH_PREFIX}${index}`)) index += 1;
    this.paths.set(board, `${PATH_PREFIX}${index}`);
  }
}

/** node-serialport's binding interface over a simulated bus, so the same stream code drives it. */
export class SimBinding implements BindingInterface<SimPortHandle> {
  constructor(readonly bus: SimUsbBus) {}

  async list(): Promise<PortInfo[]> {
    return this.bus.list();
  }

  async open(options: OpenOptions): Promise<SimPortHandle> {
    return this.bus.open(options);
  }
}

/** One open port on a simulated board (BindingPortInterface), and the host end of its CDC link. */
export class SimPortHandle implements BindingPortInterface, HostEndpoint {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private queue: Uint8Array[] = [];
  private lost: string | undefined;
  private reader: { resolve(): void; reject(error: Error): void } | undefined;
  private baudRate: number;

  constructor(
    private readonly bus: SimUsbBus,
    private readonly board: SimBoard,
    options: OpenOptions,
  ) {
    this.openOptions = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    };
    this.baudRate = options.baudRate;
  }

  // HostEndpoint
  deliver(data: Uint8Array): void {
    this.queue.push(data);
    this.wakeReader();
  }

  disconnect(reason: string): void {
    this.lost = reason;
    const reader = this.reader;
    this.reader = undefined;
    reader?.reject(new BindingError(`device disconnected (${reason})`));
  }

  private wakeReader(): void {
    const reader = this.reader;
    this.reader = undefined;
    reader?.resolve();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    while (this.queue.length === 0) {
      if (!this.isOpen) throw new BindingError('Read canceled', true);
      if (this.lost !== undefined) throw new BindingError(`device disconnected (${this.lost})`);
      await new Promise<void>((resolve, reject) => {
        this.reader = { resolve, reject };
      });
    }
    // One USB transfer per read, as each completed bulk-in URB reaches the tty on its own.
    const chunk = this.queue[0] as Uint8Array;
    const bytesRead = Math.min(length, chunk.length);
    buffer.set(chunk.subarray(0, bytesRead), offset);
    if (bytesRead === chunk.length) this.queue.shift();
    else this.queue[0] = chunk.subarray(bytesRead);
    this.board.cdc.hostConsumed(bytesRead);
    return { buffer, bytesRead };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new BindingError('Write canceled', true);
    if (this.lost !== undefined) throw new BindingError(`device disconnected (${this.lost})`);
    await this.board.cdc.hostWrite(Uint8Array.from(buffer));
  }

  async update(options: UpdateOptions): Promise<void> {
    this.baudRate = options.baudRate;
  }

  async set(options: SetOptions): Promise<void> {
    if (options.dtr !== undefined && this.lost === undefined) this.board.cdc.setDtr(options.dtr);
  }

  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.baudRate };
  }

  async flush(): Promise<void> {
    let dropped = 0;
    for (const chunk of this.queue) dropped += chunk.length;
    this.queue = [];
    this.board.cdc.hostConsumed(dropped);
  }

  async drain(): Promise<void> {}

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    if (this.lost === undefined) this.board.cdc.detach(this);
    this.bus.release(this);
    const reader = this.reader;
    this.reader = undefined;
    reader?.reject(new BindingError('Read canceled', true));
  }
}
