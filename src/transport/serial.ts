import { stat } from 'node:fs/promises';
import type { BindingInterface } from '@serialport/bindings-interface';
import { SerialPortStream } from '@serialport/stream';
import { PortBusyError, TransportLostError, TransportOpenError } from '../errors.js';
import { findPortHolder } from './port-holder.js';
import { ReceiveQueue } from './receive-queue.js';
import type { Transport, TransportInfo } from './transport.js';

export interface SerialOpenOptions {
  readonly path: string;
  readonly binding: BindingInterface;
  readonly kind: 'serial' | 'sim';
  readonly serialNumber?: string | undefined;
  readonly baudRate?: number;
  /**
   * Poll the device node and declare the port lost when it disappears or is replaced. A PTY peer or
   * a yanked USB device can vanish without the OS closing our descriptor.
   */
  readonly watchPath?: boolean;
  readonly watchIntervalMs?: number;
}

const DEFAULT_BAUD = 115200; // mpremote's setting; USB CDC ignores it

function describeOpenFailure(path: string, error: Error): Error {
  const message = error.message;
  if (/lock|Resource temporarily unavailable|EBUSY/i.test(message)) return new PortBusyError(path, findPortHolder(path), error);
  if (/ENOENT|No such file/i.test(message)) return new TransportOpenError(path, 'no such port (unplugged, or a different path?)', error);
  if (/EACCES|Permission denied/i.test(message)) {
    return new TransportOpenError(path, 'permission denied (add yourself to the dialout group or install the udev rule in the README)', error);
  }
  return new TransportOpenError(path, message, error);
}

/** A serial port through node-serialport's stream, over the native binding or the simulator's. */
export class SerialTransport implements Transport {
  readonly info: TransportInfo;
  private readonly queue: ReceiveQueue;
  private open = true;
  private watchTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly stream: SerialPortStream, options: SerialOpenOptions, private readonly rdev: number | undefined) {
    this.info = { kind: options.kind, port: options.path, serialNumber: options.serialNumber };
    this.queue = new ReceiveQueue(options.path);
    stream.on('data', (chunk: Buffer) => this.queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
    stream.on('close', (error?: Error & { disconnected?: boolean }) => {
      this.stopWatch();
      this.open = false;
      this.queue.fail(new TransportLostError(options.path, error?.disconnected === true ? error.message : 'port closed', error));
    });
    stream.on('error', (error: Error) => this.lose(`I/O error: ${error.message}`, error));
    if (options.watchPath === true) this.startWatch(options.watchIntervalMs ?? 250);
  }

  static async open(options: SerialOpenOptions): Promise<SerialTransport> {
    const stream = new SerialPortStream({
      binding: options.binding,
      path: options.path,
      baudRate: options.baudRate ?? DEFAULT_BAUD,
      autoOpen: false,
    });
    try {
      await new Promise<void>((resolve, reject) => stream.open((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      throw describeOpenFailure(options.path, error as Error);
    }
    let rdev: number | undefined;
    if (options.watchPath === true) {
      try {
        rdev = (await stat(options.path)).rdev;
      } catch {
        rdev = undefined;
      }
    }
    return new SerialTransport(stream, options, rdev);
  }

  get isOpen(): boolean {
    return this.open;
  }

  async write(data: Uint8Array): Promise<void> {
    if (!this.open) throw new TransportLostError(this.info.port, 'port is closed');
    await new Promise<void>((resolve, reject) => {
      this.stream.write(Buffer.from(data), (error) => {
        if (error) {
          this.lose(`write failed: ${error.message}`, error);
          reject(new TransportLostError(this.info.port, `write failed: ${error.message}`, error));
        } else {
          resolve();
        }
      });
    });
  }

  read(signal?: AbortSignal): Promise<Uint8Array> {
    return this.queue.read(signal);
  }

  drain(): Uint8Array {
    return this.queue.drain();
  }

  async close(): Promise<void> {
    this.stopWatch();
    if (!this.open) return;
    this.open = false;
    this.queue.fail(new TransportLostError(this.info.port, 'closed'));
    await new Promise<void>((resolve) => {
      if (!this.stream.isOpen) {
        resolve();
        return;
      }
      this.stream.close(() => resolve());
    });
  }

  private lose(reason: string, cause: unknown): void {
    if (!this.open) return;
    this.open = false;
    this.stopWatch();
    this.queue.fail(new TransportLostError(this.info.port, reason, cause));
    if (this.stream.isOpen) this.stream.close(() => undefined);
  }

  private startWatch(intervalMs: number): void {
    this.watchTimer = setInterval(() => {
      stat(this.info.port).then(
        (info) => {
          if (this.rdev !== undefined && info.rdev !== this.rdev) this.lose('the device node was replaced (board re-enumerated)', undefined);
        },
        () => this.lose('the device node disappeared', undefined),
      );
    }, intervalMs);
    this.watchTimer.unref();
  }

  private stopWatch(): void {
    if (this.watchTimer !== undefined) clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }
}
