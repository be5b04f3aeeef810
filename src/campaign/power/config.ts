import { z } from 'zod';
import { DEFAULT_OFF_MS, MIN_OFF_MS } from './driver.js';

/** uhubctl prints hub locations as `<bus>` or `<bus>-<port>[.<port>…]`. */
const HUB_LOCATION = /^\d+(-\d+(\.\d+)*)?$/;

const offMs = z
  .number()
  .int()
  .min(MIN_OFF_MS, { message: `must be at least ${MIN_OFF_MS} ms (the board needs ≥ 2 s without power to reset from cold)` })
  .max(600_000)
  .default(DEFAULT_OFF_MS)
  .describe(`How long power stays off in a cycle, in ms (at least ${MIN_OFF_MS})`);

const timeoutMs = (defaultMs: number) =>
  z.number().int().min(100).max(3_600_000).default(defaultMs).describe('How long one invocation may take before it is killed, in ms');

/**
 * A user's power command: an argument list runs directly (no shell); a string runs through
 * `/bin/sh -c`, so it may use pipes, `&&` and variables. Either way it gets PICOW_POWER_ACTION
 * (on|off|cycle) and, when known, PICOW_BOARD_SERIAL in its environment.
 */
export const powerCommandSchema = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .describe('A command: an argument list run without a shell (["ssh", "lab", "relay", "off"]), or a string run with /bin/sh -c');

export const uhubctlPowerSchema = z
  .strictObject({
    driver: z.literal('uhubctl'),
    location: z.string().regex(HUB_LOCATION, { message: 'must be a hub location as uhubctl prints it, e.g. 1-1 or 3-2.4' }).optional()
      .describe('Hub location as uhubctl prints it (e.g. 1-1.4); with `port`. Absent: found from the board’s USB serial number'),
    port: z.number().int().min(1).max(255).optional().describe('Hub port number; with `location`'),
    serialNumber: z.string().min(1).optional().describe('USB serial number of the board to look for (default: the serial of the board the run uses)'),
    offMs,
    timeoutMs: timeoutMs(20_000),
    binary: z.string().min(1).optional().describe('The uhubctl executable (default: uhubctl on PATH, then /usr/sbin/uhubctl)'),
  })
  .refine((value) => (value.location === undefined) === (value.port === undefined), {
    message: 'location and port go together: give both, or neither to find the port by the board’s serial number',
    path: ['port'],
  })
  .describe('Switch the board’s hub port with uhubctl (a hub with per-port power switching)');

export const commandPowerSchema = z
  .strictObject({
    driver: z.literal('command'),
    on: powerCommandSchema,
    off: powerCommandSchema,
    cycle: powerCommandSchema.optional().describe('Optional; without it a cycle is off, offMs, on'),
    offMs,
    timeoutMs: timeoutMs(30_000),
  })
  .describe('Your own on/off[/cycle] commands (a relay, a smart plug, a PDU)');

export const manualPowerSchema = z
  .strictObject({
    driver: z.literal('manual'),
    offMs,
    promptTimeoutMs: z.number().int().min(1000).max(86_400_000).default(600_000).describe('How long to wait for the operator at a prompt, in ms'),
  })
  .describe('Ask the operator at the terminal to unplug and replug the board (interactive runs only)');

export const simPowerSchema = z
  .strictObject({
    driver: z.literal('sim'),
    offMs,
  })
  .describe('The simulated board’s own power switch');

/** The `power:` object of a campaign config; one shape per driver, told apart by `driver`. */
export const powerConfigSchema = z
  .discriminatedUnion('driver', [uhubctlPowerSchema, commandPowerSchema, manualPowerSchema, simPowerSchema])
  .describe('How the harness switches the board’s power (the power-cycle reset and hung-board recovery)');

export type PowerConfig = z.output<typeof powerConfigSchema>;
export type PowerConfigInput = z.input<typeof powerConfigSchema>;
export type UhubctlPowerConfig = z.output<typeof uhubctlPowerSchema>;
export type CommandPowerConfig = z.output<typeof commandPowerSchema>;
export type ManualPowerConfig = z.output<typeof manualPowerSchema>;
export type SimPowerConfig = z.output<typeof simPowerSchema>;
export type PowerCommand = z.output<typeof powerCommandSchema>;
