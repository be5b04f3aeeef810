import { parentPort, workerData } from 'node:worker_threads';
import { ChannelViews, type ChannelBuffers, type CpuMessage, type CpuStart, type ReplMode } from '../channel.js';
import type { ApiSurface } from '../api-surface.js';
import type { FirmwareProfile } from '../profiles.js';
import { DeviceIo } from './device-io.js';
import { Firmware } from './firmware.js';

/** What the board hands its CPU when it starts it. */
export interface CpuData {
  readonly buffers: ChannelBuffers;
  readonly profile: FirmwareProfile;
  readonly mode: ReplMode;
  readonly start: CpuStart;
  readonly hardware: CpuHardware;
}

/** What the firmware's Python modules need to know about the board at start-up. */
export interface CpuHardware {
  readonly uniqueIdHex: string;
  readonly features: ApiSurface;
  /** Model of the Pico W's MicroPython heap: total GC heap and what the firmware uses at boot. */
  readonly heapBytes: number;
  readonly bootAllocBytes: number;
}

const port = parentPort;
if (port === null) throw new Error('the simulated CPU must run in a worker thread');
const data = workerData as CpuData;
const post = (message: CpuMessage): void => port.postMessage(message);
const io = new DeviceIo(new ChannelViews(data.buffers), post);
const firmware = new Firmware(io, data.profile, data.hardware, data.mode, post);
firmware.main(data.start).catch((error: unknown) => {
  post({ t: 'fatal', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
});
