import { z } from 'zod';
import { CERTIFICATE_SET_NAMES } from '../../pki/sets.js';
import { DEFAULT_DNS_NAME } from '../../pki/subject-names.js';
import { parseExpectationRule } from '../expect.js';
import { EXECUTION_MODES, RESET_MODES, TLS_APIS } from '../types.js';
import { powerConfigSchema } from '../power/config.js';
import { parseRtcModeText, RTC_MODE_FORMS } from './rtc-syntax.js';
import { DURATION_FORMS, parseByteSize, parseDuration, SIZE_FORMS } from './units.js';

/**
 * The campaign config (`picow-harness run --config FILE`): which board, which access points, and
 * the matrix of conditions to probe again and again. Every object is strict: an unknown key is an
 * error, so a typo never silently does nothing. The descriptions here are the reference: they go
 * into `schema/campaign.schema.json` for editors (scripts/campaign-schema.mjs writes it).
 * Cross-field rules (an AP a Wi-Fi variant names exists, power-cycle has a power driver, …) are in
 * `checks.ts`.
 */

/** Names that become part of cell ids: no `/` (the axis separator) and no glob characters. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const itemName = z.string().regex(NAME_PATTERN, "must be letters, digits, '.', '_' or '-' (it becomes part of cell ids)");

const argv = z
  .array(z.string().min(1))
  .min(1)
  .describe('A command as an argument list, run without a shell, e.g. ["sudo", "hostapd_cli", "-i", "wlan0", "reload"]');

const country = z.string().regex(/^[A-Z]{2}$/, 'must be two capital letters (ISO 3166 alpha-2, or XX for worldwide)');

/** A secret is named, never written: the config says where to find it. */
export const secretRefSchema = z
  .union([
    z
      .strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name').describe('Read the secret from this environment variable') })
      .describe('A secret from the environment'),
    z
      .strictObject({ file: z.string().min(1).describe('Read the secret from this file (relative to the config file; one trailing newline is dropped); keep it chmod 600') })
      .describe('A secret from a file'),
  ])
  .describe('Where the harness finds a secret. Secrets are never written in the config nor given on the command line.');

export type SecretRef = z.output<typeof secretRefSchema>;

const boardSchema = z
  .strictObject({
    port: z
      .string()
      .min(1)
      .describe('The board: sim, sim:PROFILE, a device path (/dev/ttyACM0, /dev/serial/by-id/…), id:SERIAL (USB serial number), tcp://host:port, rfc2217://host:port (ser2net, labgrid), or auto. --port overrides it.'),
    profile: z.string().min(1).optional().describe('Simulated board only: the firmware profile (e.g. v1.24.1, v1.20.0)'),
    world: z.string().min(1).optional().describe('Simulated board only: the world file (relative to the config file); the built-in default world when absent'),
    power: powerConfigSchema.optional(),
    inventory: z.string().min(1).optional().describe('A rack inventory file (relative to the config file): the boards `run --boards` selects from; --inventory overrides it'),
  })
  .describe('The board under test');

export const accessPointSchema = z
  .strictObject({
    name: itemName.describe('How Wi-Fi variants refer to this access point'),
    ssid: z
      .string()
      .refine((ssid) => Buffer.byteLength(ssid) >= 1 && Buffer.byteLength(ssid) <= 32, { message: 'must be 1 to 32 bytes' })
      .describe('The network name'),
    password: secretRefSchema
      .optional()
      .describe('The WPA passphrase: {env: NAME} or {file: PATH}. For a simulated board it may be left out: the world file has it.'),
    open: z.boolean().default(false).describe('An open network (no password)'),
    hidden: z.boolean().default(false).describe('The AP hides its SSID (scan shows it as b"" with its BSSID)'),
    channel: z.number().int().min(1).max(14).optional().describe('The channel the AP is on; the preflight scan confirms it'),
    country: country.optional().describe("The AP's regulatory domain"),
    bssid: z
      .string()
      .regex(/^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/, 'must be a MAC address like 02:50:43:57:06:01')
      .optional()
      .describe('The AP’s MAC address; needed to pin a join to it on a hidden AP the scan cannot name'),
    apCommand: z
      .strictObject({
        up: argv.describe('Bring the AP into this configuration (e.g. a hostapd reload); run before the cells that use it'),
        down: argv.optional().describe('Undo it; run after those cells'),
        settleMs: z.number().int().min(0).max(600_000).default(5000).describe('Wait after `up` before the first attempt'),
      })
      .optional()
      .describe('Hooks that reconfigure a real AP you control (e.g. hostapd)'),
  })
  .describe('An access point the board can join');

export type AccessPointConfig = z.output<typeof accessPointSchema>;

export const PM_NAMES = ['default', 'none', 'performance', 'powersave'] as const;
export type PmName = (typeof PM_NAMES)[number];

export const wifiVariantSchema = z
  .strictObject({
    name: itemName
      .optional()
      .describe('The variant’s part of the cell id; derived from ap, pm and the options when absent (e.g. hidden-pm-default)'),
    ap: z.string().min(1).describe('The access point (its name in accessPoints)'),
    pm: z
      .union([z.enum(PM_NAMES), z.number().int().min(0).max(0xffff_ffff)])
      .default('default')
      .describe(
        'Power management set with config(pm=…) before connect(): default (leave the firmware default), none (PM_NONE 0x10), performance (PM_PERFORMANCE 0xa11142), powersave (PM_POWERSAVE 0x11), or a raw value such as 0xa11140',
      ),
    country: country.optional().describe('network.country(…) set before the interface first comes up'),
    pinBssid: z.boolean().default(false).describe('connect(…, bssid=…) with the AP’s BSSID'),
    pinChannel: z.boolean().default(false).describe('connect(…, channel=…) with the AP’s channel'),
    connect: z.enum(['fresh', 'as-is']).default('fresh').describe('fresh: disconnect and deinit first; as-is: connect on whatever state the board is in'),
  })
  .describe('One way of joining Wi-Fi');

export type WifiVariantConfig = z.output<typeof wifiVariantSchema>;

const rtcModeSchema = z
  .string()
  .transform((text, ctx) => {
    const parsed = parseRtcModeText(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return { text: text.trim(), mode: parsed.mode };
  })
  .describe(`How the RTC is set before the TLS step: ${RTC_MODE_FORMS}`);

const matrixSchema = z
  .strictObject({
    resets: z
      .array(z.enum(RESET_MODES))
      .min(1)
      .optional()
      .describe('Reset before each attempt: none, soft, hard (machine.reset), power-cycle (needs board.power), wlan-deinit'),
    wifi: z.array(wifiVariantSchema).min(1).optional().describe('Wi-Fi variants; without this axis there is no Wi-Fi step (and no TLS step)'),
    certs: z
      .array(z.enum(CERTIFICATE_SET_NAMES))
      .optional()
      .describe(`Certificate sets the echo server presents (${CERTIFICATE_SET_NAMES.join(', ')}); absent or empty: no TLS step`),
    tlsApi: z.array(z.enum(TLS_APIS)).min(1).optional().describe('The TLS API the probe uses; SSLContext when absent'),
    rtc: z.array(rtcModeSchema).min(1).optional().describe('RTC modes; cold (the clock is not touched) when absent'),
    modes: z
      .array(z.enum(EXECUTION_MODES))
      .min(1)
      .optional()
      .describe(
        'Execution modes: interactive (the harness drives every step over the raw REPL) and/or standalone (a boot runner deployed as main.py runs the probe after a power cycle while the host stays silent; its cells are standalone/…, power-cycle, rtc cold or ntp only); [interactive] when absent',
      ),
  })
  .describe('The axes of the campaign; cells are every combination of the axes given (an axis left out is not part of the cell ids)');

const timeoutsSchema = z
  .strictObject({
    connectMs: z.number().int().min(1000).max(600_000).default(20_000).describe('Wi-Fi: from connect() until GOT_IP'),
    tlsMs: z.number().int().min(1000).max(600_000).default(20_000).describe('TLS: resolve, connect, handshake and echo'),
    resetMs: z.number().int().min(1000).max(600_000).default(20_000).describe('A reset until the board is back and verified'),
    attemptMs: z.number().int().min(1000).max(3_600_000).default(120_000).describe('A whole attempt'),
  })
  .describe('Timeouts in milliseconds');

const byteSize = z
  .union([z.number().int().min(0), z.string()])
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const parsed = parseByteSize(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.bytes;
  })
  .describe(SIZE_FORMS);

const standaloneSchema = z
  .strictObject({
    windowMs: z
      .number()
      .int()
      .min(5_000)
      .max(3_600_000)
      .default(60_000)
      .describe('Board ms after power-on during which the serial port stays closed and the host writes nothing (the boot runner works alone)'),
    settleMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(1_000)
      .describe('The window ends this many board ms after the runner’s network report arrived (else at windowMs)'),
    collectMs: z.number().int().min(1000).max(600_000).default(20_000).describe('Host ms to find the board again after the window and collect its flash log over the raw REPL'),
    logMaxBytes: byteSize.default(65_536).describe('Cap of the runner’s log on flash (picow_runner.log); a line that does not fit is not written and is flagged in the network report'),
    reportPort: z.number().int().min(0).max(65535).default(0).describe('TCP port of the harness’s report listener (JSON lines from the runner); 0 picks a free port'),
  })
  .describe('Standalone mode (matrix.modes: [standalone]): the boot runner’s collection window, its flash log and its network reports')

const transcriptsSchema = z
  .strictObject({
    maxBytesPerAttempt: byteSize.default(262_144).describe('Raw transcript bytes kept per attempt (the rest is cut, with a note); a size like 256KiB'),
    keep: z.enum(['all', 'failures', 'none']).default('all').describe('Which attempts keep a transcript file'),
    maxTotalBytes: byteSize.default(268_435_456).describe('All transcripts of a run together; the oldest are removed beyond it'),
  })
  .describe('Per-attempt raw transcripts (redacted, size-capped)');

const expectationSchema = z
  .strictObject({
    cell: z.string().min(1).default('**').describe('Glob over cell ids: * within one axis, ** across axes, ? one character; ** (every cell) when absent'),
    rule: z
      .string()
      .transform((text, ctx) => {
        const parsed = parseExpectationRule(text);
        if (!parsed.ok) {
          ctx.addIssue({ code: 'custom', message: parsed.problem });
          return z.NEVER;
        }
        return parsed.rule;
      })
      .describe('fails | ok >= RATE | <class> >= RATE (e.g. tls.ok >= 0.95, wifi.ok >= 90%) | class <class> <op> RATE'),
  })
  .describe('What the cells matched should show; run exits 1 when one does not hold');

const durationSchema = z
  .string()
  .transform((text, ctx) => {
    const parsed = parseDuration(text);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.problem });
      return z.NEVER;
    }
    return parsed.ms;
  })
  .describe(DURATION_FORMS);

const serverSchema = z
  .strictObject({
    host: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'must be a DNS name')
      .default(DEFAULT_DNS_NAME)
      .describe('The name the board connects to (and checks the certificate against); it must resolve to this host on the board’s network'),
    port: z.number().int().min(0).max(65535).default(0).describe('First TCP port for the echo servers (one per certificate set, consecutive); 0 picks free ports'),
    bind: z.string().min(1).optional().describe('Address to listen on; loopback for a simulated board, every interface for a real one when absent'),
    certsDir: z.string().min(1).optional().describe('Folder of the certificate sets (relative to the config file); ./certs of the working directory when absent; missing sets are generated'),
  })
  .describe('The harness’s TLS echo servers');

export const campaignSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema this file follows (for editors)'),
    name: z.string().min(1).max(200).optional().describe('A title for reports'),
    description: z.string().optional().describe('What the campaign is for'),
    board: boardSchema,
    accessPoints: z.array(accessPointSchema).default([]).describe('The access points Wi-Fi variants use'),
    server: serverSchema.prefault({}),
    matrix: matrixSchema,
    iterations: z.number().int().min(1).max(1_000_000).default(10).describe('Attempts per cell'),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Seed for the attempt order (and the simulator); chosen at random and recorded when absent'),
    timeouts: timeoutsSchema.prefault({}),
    maxDuration: durationSchema.optional().describe(`Start no attempt after this long (${DURATION_FORMS}); --max-duration overrides it`),
    transcripts: transcriptsSchema.prefault({}),
    standalone: standaloneSchema.prefault({}),
    expect: z.array(expectationSchema).default([]).describe('Expectations per cell'),
  })
  .describe('A picow-harness campaign: run Wi-Fi and TLS probes on one board across a matrix of conditions');

/** The validated config (defaults filled, durations and sizes in ms and bytes, rules parsed). */
export type CampaignConfig = z.output<typeof campaignSchema>;
export type CampaignDocument = z.input<typeof campaignSchema>;
