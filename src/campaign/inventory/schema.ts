import { z } from 'zod';
import { parsePortSpec } from '../../transport/port-spec.js';
import { powerConfigSchema } from '../power/config.js';

/** Board labels and group names: what `--boards` and report folders use. */
export const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const DEFAULT_QUARANTINE_AFTER = 3;

export const TRANSPORT_FORMS = '/dev/serial/by-id/…, a device path, id:SERIAL, tcp://host:port, rfc2217://host:port, sim or sim:PROFILE';

/** What is wrong with a transport URL, or undefined when it is one an inventory accepts. */
export function transportProblem(text: string): string | undefined {
  if (text.trim() === 'auto') return `auto names no particular board; an inventory entry needs ${TRANSPORT_FORMS}`;
  try {
    parsePortSpec(text, {});
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^--port "[^"]*": /, '');
  }
}

const transportSchema = z
  .string()
  .min(1)
  .superRefine((value, context) => {
    const problem = transportProblem(value);
    if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
  })
  .describe(`How to reach the board: ${TRANSPORT_FORMS}`);

export const inventoryBoardSchema = z
  .strictObject({
    serial: z
      .string()
      .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces (the USB serial number, e.g. e6614c311b7e6a35)' })
      .optional()
      .describe('USB serial number (16 hex digits on a Pico W); a simulated board takes it as its own. Default for port: id:SERIAL'),
    port: transportSchema.optional(),
    uniqueId: z
      .string()
      .regex(/^[0-9a-fA-F]{16}$/, { message: 'must be 16 hex digits (machine.unique_id() as hex)' })
      .optional()
      .describe('machine.unique_id() as hex: how a board without a USB serial number (tcp://, rfc2217://) is verified after a reconnect'),
    power: powerConfigSchema.optional(),
    group: z.string().regex(LABEL_PATTERN, { message: 'must be a name of letters, digits, ".", "_" and "-"' }).optional()
      .describe('Power group: boards whose power is switched together (ganged hub ports, a hub reset). Never power-cycled while another member is mid-attempt'),
    profile: z.string().min(1).optional().describe('Simulated board only: its firmware profile (or use port: sim:PROFILE)'),
  })
  .refine((board) => board.serial !== undefined || board.port !== undefined, { message: 'needs serial (found by USB serial number) or port', path: ['port'] })
  .describe('One board: how to reach it, how to switch its power, and its power group');

export const inventorySchema = z
  .strictObject({
    boards: z
      .record(z.string().regex(LABEL_PATTERN, { message: 'a board label is letters, digits, ".", "_" and "-", starting with a letter or digit' }), inventoryBoardSchema)
      .refine((boards) => Object.keys(boards).length > 0, { message: 'lists no board' })
      .describe('The boards by label (the name --boards, records and reports use)'),
    quarantineAfter: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(DEFAULT_QUARANTINE_AFTER)
      .describe('Stop using a board after this many consecutive infrastructure failures (harness.* classes, device-hung); the others continue'),
  })
  .describe('picow-harness inventory: the boards of a rack');

export type Inventory = z.output<typeof inventorySchema>;
export type InventoryBoard = z.output<typeof inventoryBoardSchema>;
export type InventoryDocument = z.input<typeof inventorySchema>;
