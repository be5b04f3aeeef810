import { readFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { z } from 'zod';
import { describeError, type IssueOptions } from '../config-file/issues.js';
import { documentSource, parseYamlSource, problemAt, type ConfigSource } from '../config-file/yaml-source.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_DNS_NAME } from '../pki/subject-names.js';
import type { NetConfig } from './hw/link.js';
import { PROFILES } from './profiles.js';

/** The longest USB re-enumeration delay a world may ask for (a real Pico takes about 1 s). */
export const MAX_ENUMERATION_DELAY_MS = 5000;

const profileNames = PROFILES.map((profile) => profile.name);

/**
 * The simulated world a session runs in: the board, the access points around it, the network
 * behind them, how long each phase of a Wi-Fi join takes, and the fault rules that make joins and
 * links fail the way they do on real Pico Ws. Every object is strict: an unknown key is an error,
 * so a typo never silently does nothing. `worlds/default.yaml` spells out every default.
 */
const BoardSchema = z.strictObject({
  /** Board ms from USB start-up to the port appearing on the host (after power-on or a hard reset). */
  enumerationDelayMs: z.number().int().min(0).max(MAX_ENUMERATION_DELAY_MS).default(800),
  /** Firmware profile name; `--profile` and `--port sim:PROFILE` override it. */
  profile: z.enum(profileNames as [string, ...string[]]).optional(),
  /** USB serial number (16 hex digits); derived from `--seed` when absent. */
  serialNumber: z
    .string()
    .regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex digits')
    .transform((serial) => serial.toLowerCase())
    .optional(),
});

const ipv4 = z.string().refine((text) => isIPv4(text), { message: 'must be an IPv4 address (a.b.c.d)' });

const DNS_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const dnsName = z
  .string()
  .transform((name) => name.toLowerCase())
  .refine((name) => name.length <= 253 && new RegExp(`^${DNS_LABEL}(?:\\.${DNS_LABEL})*$`).test(name), { message: 'must be a DNS name' });

/** A latency in board ms: a fixed value, uniform between two bounds, or lognormal around a median. */
const DistributionSchema = z
  .strictObject({
    fixed: z.number().min(0).optional(),
    uniform: z.tuple([z.number().min(0), z.number().min(0)]).optional(),
    lognormal: z.strictObject({ medianMs: z.number().positive(), sigma: z.number().min(0).max(3) }).optional(),
  })
  .superRefine((value, ctx) => {
    const given = (['fixed', 'uniform', 'lognormal'] as const).filter((key) => value[key] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', message: 'must have exactly one of fixed, uniform, lognormal' });
    if (value.uniform !== undefined && value.uniform[0] > value.uniform[1]) ctx.addIssue({ code: 'custom', path: ['uniform'], message: 'must be [min, max] with min ≤ max' });
  });

export type Distribution = z.output<typeof DistributionSchema>;

export const SECURITY_KINDS = ['open', 'wpa-wpa2', 'wpa2', 'wpa3', 'wpa2-wpa3'] as const;
export type ApSecurity = (typeof SECURITY_KINDS)[number];

const AccessPointSchema = z.strictObject({
  /** The network name, 1..32 bytes (UTF-8). */
  ssid: z.string().refine((ssid) => Buffer.byteLength(ssid) >= 1 && Buffer.byteLength(ssid) <= 32, { message: 'must be 1 to 32 bytes' }),
  /** The AP's MAC address, `aa:bb:cc:dd:ee:ff`; unique in the world. */
  bssid: z
    .string()
    .regex(/^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/, 'must be a MAC address like 02:50:43:57:06:01')
    .transform((mac) => mac.toLowerCase()),
  channel: z.number().int().min(1).max(14),
  security: z.enum(SECURITY_KINDS),
  /** The WPA passphrase, 8..63 characters; required unless the AP is open. A secret: never printed. */
  password: z
    .string()
    .refine((password) => password.length >= 8 && password.length <= 63, { message: 'must be 8 to 63 characters' })
    .optional(),
  /** A hidden AP sends beacons with an empty SSID and answers only probe requests that name it. */
  hidden: z.boolean().default(false),
  /** Signal strength at the board, dBm. */
  rssi: z.number().int().min(-100).max(-20).default(-55),
  /** The AP's regulatory domain (two capital letters): which channels it may use. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be two capital letters')
    .default('DE'),
});

export type AccessPoint = z.output<typeof AccessPointSchema>;

const portNumber = z.number().int().min(1).max(65535);

/**
 * A host of the world whose ports are mapped to services on the host's loopback (the port map):
 * TCP/UDP to `address:port` reaches 127.0.0.1:`ports[port]`, `names` resolve to `address`, and
 * every other port of `address` is closed. Keys are the virtual ports, values the loopback ports.
 */
const ServiceSchema = z.strictObject({
  /** DNS names that resolve to the address. */
  names: z.array(dnsName).default([]),
  /** The host's virtual IPv4 address. */
  address: ipv4,
  /** Virtual port → host loopback port (`{443: 8443}`); at least one. */
  ports: z
    .record(
      z.string().refine((key) => /^[0-9]+$/.test(key) && Number(key) >= 1 && Number(key) <= 65535, { message: 'must be a port number 1..65535' }),
      portNumber,
    )
    .refine((ports) => Object.keys(ports).length > 0, { message: 'must map at least one port' }),
});

export type WorldService = z.output<typeof ServiceSchema>;
export type WorldServiceInput = z.input<typeof ServiceSchema>;

const NetworkSchema = z.strictObject({
  /** What the AP's DHCP server hands the board (model: every AP bridges to the same LAN and DHCP server). */
  lease: z
    .strictObject({ address: ipv4, netmask: ipv4, gateway: ipv4, dns: ipv4 })
    .default({ address: '192.168.4.23', netmask: '255.255.255.0', gateway: '192.168.4.1', dns: '192.168.4.1' }),
  /** The harness host: TCP/UDP to `address:port` reaches 127.0.0.1:port; `name` resolves to it. */
  harness: z.strictObject({ name: dnsName, address: ipv4 }).default({ name: DEFAULT_DNS_NAME, address: '192.168.4.2' }),
  /** More DNS names → virtual IPv4 addresses. */
  names: z.record(dnsName, ipv4).default({}),
  /** Hosts whose ports lead to loopback services (e.g. example.com:443 → 127.0.0.1:8443). */
  services: z.array(ServiceSchema).default([]),
  /** The NTP service: UDP port 123 at `address` answers with host time + offsetMs after replyDelayMs. */
  ntp: z
    .strictObject({
      names: z.array(dnsName).default(['pool.ntp.org']),
      address: ipv4.default('203.0.113.123'),
      offsetMs: z.number().int().default(0),
      replyDelayMs: z.number().int().min(0).max(60_000).default(25),
    })
    .default({ names: ['pool.ntp.org'], address: '203.0.113.123', offsetMs: 0, replyDelayMs: 25 }),
  /** Board ms a DNS lookup takes. */
  dnsDelayMs: z.number().int().min(0).max(60_000).default(20),
  /** Board ms a TCP connect to an address nobody answers waits before ETIMEDOUT (model of lwIP's SYN retries). */
  tcpConnectTimeoutMs: z.number().int().min(1).max(600_000).default(21_000),
});

const JoinSchema = z.strictObject({
  /** One sweep of the firmware's join scan over channels 1..13 (a channel-pinned sweep takes 1/13 of it). */
  scanMs: DistributionSchema.default({ lognormal: { medianMs: 1200, sigma: 0.15 } }),
  /** 802.11 open-system authentication plus association request/response. */
  authAssocMs: DistributionSchema.default({ lognormal: { medianMs: 40, sigma: 0.4 } }),
  /** The WPA 4-way key handshake (EAPOL-Key M1..M4). */
  keyHandshakeMs: DistributionSchema.default({ lognormal: { medianMs: 60, sigma: 0.4 } }),
  /** lwIP's DHCP client from link up to the lease (DISCOVER..ACK). */
  dhcpMs: DistributionSchema.default({ lognormal: { medianMs: 600, sigma: 0.4 } }),
  /** Firmware: how long it waits for an association response before it restarts with probe requests. */
  assocTimeoutMs: z.number().int().min(1).max(10_000).default(300),
  /** The APs' beacon interval (100 TU). A visible AP is heard again within one. */
  beaconIntervalMs: z.number().int().min(10).max(2000).default(102),
  /** Firmware: directed probe requests it sends on each channel per sweep when it looks for a hidden SSID. */
  probesPerChannel: z.number().int().min(1).max(8).default(1),
  /** Firmware: sweeps it makes to find the AP again after a lost association before it gives up. */
  refindSweeps: z.number().int().min(1).max(20).default(3),
  /** Firmware: association attempts per connect() before it reports the join as failed. */
  maxAttempts: z.number().int().min(1).max(100).default(20),
  /** AP: how it drives the 4-way handshake — first EAPOL-Key retry after firstRetryMs, then every retryMs, deauthentication after `attempts` copies. */
  apEapol: z
    .strictObject({
      attempts: z.number().int().min(1).max(10).default(4),
      firstRetryMs: z.number().int().min(1).max(10_000).default(100),
      retryMs: z.number().int().min(1).max(10_000).default(1000),
    })
    .default({ attempts: 4, firstRetryMs: 100, retryMs: 1000 }),
});

const ScanSchema = z.strictObject({
  /** WLAN.scan() with active probing (the default). */
  activeMs: DistributionSchema.default({ lognormal: { medianMs: 2000, sigma: 0.1 } }),
  /** WLAN.scan(passive=True): listening for beacons only. */
  passiveMs: DistributionSchema.default({ lognormal: { medianMs: 3500, sigma: 0.1 } }),
});

/** Which joins/links a rule applies to; every given field must match. */
const WhenSchema = z.strictObject({
  /** The AP's SSID (must name an access point of this world). */
  ssid: z.string().optional(),
  /** Only hidden (true) or only visible (false) APs. */
  hidden: z.boolean().optional(),
  /** Only while the PM mode bits in effect are power-saving (true) or not (false). */
  powerSave: z.boolean().optional(),
});

export type FaultWhen = z.output<typeof WhenSchema>;

const SOURCE_FORM = /^(model|root-causes\.md §\S.*)$/;
const ruleBase = {
  /** A unique name; reports and snapshots say which rules shaped a join. */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
  /** The condition the rule depends on, in words (what a campaign would vary to show its effect). */
  factor: z.string().min(1),
  /** Where the behaviour comes from: a root-causes.md item ("root-causes.md §1 Bug 1 item 1 (pico-sdk#912)") or "model". */
  source: z.string().regex(SOURCE_FORM, 'must be "model" or start with "root-causes.md §"'),
  when: WhenSchema.default({}),
};
const probability = z.number().min(0).max(1);

const FaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...ruleBase,
    /** While the PM mode bits at join are power-saving, the board misses frames the AP sends it during the join. */
    kind: z.literal('pm-join'),
    /** Chance to miss a probe response or an association response (frames before the AP knows the board sleeps). */
    missProbability: probability,
    /** Chance to miss one copy of an EAPOL-Key message (M1, M3). */
    eapolMissProbability: probability.default(0),
  }),
  z.strictObject({
    ...ruleBase,
    /** Under these applied countries the board may not send probe requests on these channels. */
    kind: z.literal('passive-channels'),
    countries: z.array(z.string().regex(/^[A-Z]{2}$/, 'must be two capital letters')).min(1),
    channels: z.array(z.number().int().min(1).max(14)).min(1),
  }),
  z.strictObject({
    ...ruleBase,
    /** A join with bssid= finds its AP by BSSID from beacons: no SSID probe is needed, even for a hidden AP. */
    kind: z.literal('pinning'),
    /** How much of the pm-join miss probability still applies to a pinned join (0 = none, 1 = all). */
    pmLossFactor: probability.default(1),
  }),
  z.strictObject({
    ...ruleBase,
    /** The AP refuses the first 802.11 authentication of a join; the firmware authenticates again later. */
    kind: z.literal('transient-badauth'),
    probability,
    recoverAfterMs: DistributionSchema,
  }),
  z.strictObject({
    ...ruleBase,
    /** After idleMs without traffic under these PM modes, the AP deauthenticates the board. */
    kind: z.literal('idle-drop'),
    /** PM mode values (the PM value's low nibble: 1 = PM_POWERSAVE, 2 = PM_PERFORMANCE's PM2). */
    pmModes: z.array(z.number().int().min(1).max(15)).min(1),
    idleMs: z.number().int().min(1),
    /** The 802.11 reason code the AP sends (4 = inactivity; 2 makes the driver disassociate). */
    deauthReason: z.number().int().min(1).max(65535).default(4),
  }),
  z.strictObject({
    ...ruleBase,
    /** Each datagram (either direction) is lost on the air with this probability while the rule matches. */
    kind: z.literal('air-loss'),
    lossProbability: probability,
  }),
]);

export type FaultRule = z.output<typeof FaultSchema>;
export type FaultKind = FaultRule['kind'];

const DEFAULT_ACCESS_POINTS: z.input<typeof AccessPointSchema>[] = [
  { ssid: 'picow-lab', bssid: '02:50:43:57:06:01', channel: 6, security: 'wpa2', password: 'lab-visible-pass', hidden: false, rssi: -48, country: 'DE' },
  { ssid: 'picow-lab-hidden', bssid: '02:50:43:57:06:02', channel: 6, security: 'wpa2', password: 'lab-hidden-pass', hidden: true, rssi: -50, country: 'DE' },
  { ssid: 'picow-lab-13', bssid: '02:50:43:57:0d:01', channel: 13, security: 'wpa2', password: 'lab-visible-pass', hidden: false, rssi: -57, country: 'DE' },
  { ssid: 'picow-lab-13-hidden', bssid: '02:50:43:57:0d:02', channel: 13, security: 'wpa2', password: 'lab-hidden-pass', hidden: true, rssi: -58, country: 'DE' },
  { ssid: 'picow-lab-busy', bssid: '02:50:43:57:0b:01', channel: 11, security: 'wpa-wpa2', password: 'lab-busy-pass', hidden: false, rssi: -62, country: 'DE' },
  { ssid: 'picow-open', bssid: '02:50:43:57:01:01', channel: 1, security: 'open', hidden: false, rssi: -66, country: 'DE' },
];

const DEFAULT_FAULTS: z.input<typeof FaultSchema>[] = [
  {
    name: 'pm-during-join',
    kind: 'pm-join',
    factor: 'PM mode bits in effect at connect() (power-saving vs none)',
    source: 'root-causes.md §1 Bug 1 item 1 (pico-sdk#912)',
    missProbability: 0.7,
    eapolMissProbability: 0.15,
  },
  {
    name: 'worldwide-passive-channels',
    kind: 'passive-channels',
    factor: 'country applied when the first interface came up',
    source: 'root-causes.md §1 Bug 1 item 2 (cyw43-driver#149), a hypothesis',
    countries: ['XX'],
    channels: [12, 13],
  },
  {
    name: 'bssid-pinning',
    kind: 'pinning',
    factor: 'connect() with bssid= (and channel=)',
    source: 'root-causes.md §1 Bug 1 item 4, a hypothesis',
    pmLossFactor: 1,
  },
  {
    name: 'busy-ap-auth',
    kind: 'transient-badauth',
    factor: 'the AP refuses the first 802.11 authentication of a join',
    source: 'root-causes.md §1 Bug 1 item 5',
    when: { ssid: 'picow-lab-busy' },
    probability: 0.5,
    recoverAfterMs: { uniform: [800, 2500] },
  },
  {
    name: 'idle-disassociation',
    kind: 'idle-drop',
    factor: 'board ms without traffic while PM_POWERSAVE is in effect',
    source: 'root-causes.md §1 Bug 1 item 1 (micropython#16482, #9455)',
    pmModes: [1],
    idleMs: 300_000,
    deauthReason: 4,
  },
  {
    name: 'hidden-power-save-loss',
    kind: 'air-loss',
    factor: 'hidden SSID joined while power saving is in effect',
    source: 'root-causes.md §1 Bug 1 (micropython#11381: ping loses more than 50 %)',
    when: { hidden: true, powerSave: true },
    lossProbability: 0.55,
  },
];

/** Channels an AP may use in its own regulatory domain (model: the common 2.4 GHz rules). */
function channelsAllowedIn(country: string): number {
  if (country === 'US' || country === 'CA') return 11;
  if (country === 'JP') return 14;
  return 13;
}

function ipv4Number(address: string): number {
  return address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
}

function isContiguousMask(mask: string): boolean {
  const inverted = ~ipv4Number(mask) >>> 0;
  return (inverted & (inverted + 1)) === 0;
}

export const WorldSchema = z
  .strictObject({
    /** The world's default seed for every random draw (joins, losses, scans); `--seed` overrides it. */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    /** Board milliseconds per host millisecond. */
    timeScale: z.number().positive().default(1),
    board: BoardSchema.default({ enumerationDelayMs: 800 }),
    accessPoints: z.array(AccessPointSchema).prefault(DEFAULT_ACCESS_POINTS),
    network: NetworkSchema.prefault({}),
    join: JoinSchema.prefault({}),
    scan: ScanSchema.prefault({}),
    faults: z.array(FaultSchema).prefault(DEFAULT_FAULTS),
  })
  .superRefine((world, ctx) => {
    const bssids = new Map<string, number>();
    world.accessPoints.forEach((ap, index) => {
      const earlier = bssids.get(ap.bssid);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['accessPoints', index, 'bssid'], message: `is also the bssid of accessPoints[${earlier}]` });
      bssids.set(ap.bssid, index);
      if (ap.security === 'open' && ap.password !== undefined) ctx.addIssue({ code: 'custom', path: ['accessPoints', index, 'password'], message: 'must be absent for an open AP' });
      if (ap.security !== 'open' && ap.password === undefined) ctx.addIssue({ code: 'custom', path: ['accessPoints', index, 'password'], message: `is required for security ${ap.security}` });
      const highest = channelsAllowedIn(ap.country);
      if (ap.channel > highest) ctx.addIssue({ code: 'custom', path: ['accessPoints', index, 'channel'], message: `channel ${ap.channel} is not allowed in the AP's country ${ap.country} (1..${highest})` });
    });
    const ssids = new Set(world.accessPoints.map((ap) => ap.ssid));
    const names = new Map<string, number>();
    world.faults.forEach((rule, index) => {
      const earlier = names.get(rule.name);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['faults', index, 'name'], message: `is also the name of faults[${earlier}]` });
      names.set(rule.name, index);
      if (rule.when.ssid !== undefined && !ssids.has(rule.when.ssid)) {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', index, 'when', 'ssid'],
          message: `no access point has SSID ${JSON.stringify(rule.when.ssid)} (the default faults apply when the world has no faults list; give one, even [])`,
        });
      }
    });
    const { lease, harness } = world.network;
    if (!isContiguousMask(lease.netmask)) ctx.addIssue({ code: 'custom', path: ['network', 'lease', 'netmask'], message: 'must be a contiguous netmask like 255.255.255.0' });
    else if ((ipv4Number(lease.address) & ipv4Number(lease.netmask)) !== (ipv4Number(lease.gateway) & ipv4Number(lease.netmask))) {
      ctx.addIssue({ code: 'custom', path: ['network', 'lease', 'gateway'], message: `must be in the lease's subnet (${lease.address}/${lease.netmask})` });
    }
    if (harness.address === lease.address) ctx.addIssue({ code: 'custom', path: ['network', 'harness', 'address'], message: "must differ from the board's lease address" });
    checkServices(world.network, ctx);
  });

/** Each service has an address of its own, and each name means one address. */
function checkServices(network: z.output<typeof NetworkSchema>, ctx: z.core.$RefinementCtx): void {
  const { lease, harness, ntp, names, services } = network;
  const reserved = new Map<string, string>([
    [lease.address, "the board's lease address"],
    [harness.address, "the harness host's address"],
    [ntp.address, "the NTP server's address"],
  ]);
  const taken = new Map<string, string>([[harness.name, 'network.harness.name'], ...ntp.names.map((name, index): [string, string] => [name, `network.ntp.names[${index}]`])]);
  for (const name of Object.keys(names)) taken.set(name, `network.names[${JSON.stringify(name)}]`);
  services.forEach((service, index) => {
    const owner = reserved.get(service.address);
    if (owner !== undefined) ctx.addIssue({ code: 'custom', path: ['network', 'services', index, 'address'], message: `is ${owner}; a service needs an address of its own` });
    reserved.set(service.address, `also the address of network.services[${index}]`);
    service.names.forEach((name, nameIndex) => {
      const earlier = taken.get(name);
      if (earlier !== undefined) ctx.addIssue({ code: 'custom', path: ['network', 'services', index, 'names', nameIndex], message: `${name} is also named by ${earlier}` });
      taken.set(name, `network.services[${index}].names[${nameIndex}]`);
    });
  });
}

export type World = z.output<typeof WorldSchema>;

/** The world used when no `--world` file is given; `worlds/default.yaml` spells out the same values. */
export const DEFAULT_WORLD: World = WorldSchema.parse({});

/** The world's network as the board's lwIP stack reaches it (`src/sim/hw/link.ts`). */
export function netConfigOf(world: World): NetConfig {
  const { harness, names, services, ntp, dnsDelayMs, tcpConnectTimeoutMs } = world.network;
  return {
    harness: { name: harness.name, address: harness.address },
    names: { ...names },
    services: services.map((service) => ({
      names: [...service.names],
      address: service.address,
      ports: new Map(Object.entries(service.ports).map(([virtual, host]) => [Number(virtual), host])),
    })),
    ntp: { names: [...ntp.names], address: ntp.address, offsetMs: ntp.offsetMs, replyDelayMs: ntp.replyDelayMs },
    dnsDelayMs,
    tcpConnectTimeoutMs,
  };
}

/** Access point passwords are secrets: an error says what type a password has, never what it is. */
const WORLD_ISSUES: IssueOptions = { secretKeys: new Set(['password']) };

/**
 * `world` with `services` added to its port map, validated like a world file (`source` names the
 * override in errors). How a test or campaign points a virtual port at a loopback port it chose.
 */
export function withServices(world: World, services: readonly WorldServiceInput[], source = 'services override'): World {
  const document = { ...world, network: { ...world.network, services: [...world.network.services, ...services] } };
  return validateWorld(document, source);
}

/** Validate a world document; every failure is one line: `file:line:col: path: problem` (`file: path: problem` without text). */
function validateWorldSource(source: ConfigSource): World {
  const document = source.value ?? {};
  const result = WorldSchema.safeParse(document);
  if (result.success) return result.data;
  const problem = describeError(WorldSchema, result.error, document, WORLD_ISSUES);
  if (problem === undefined) throw problemAt(source, [], 'is not a valid world');
  throw problemAt(source, problem.path, problem.problem, { key: problem.atKey });
}

/** Validate a parsed world document; `file` names it in errors. */
export function validateWorld(document: unknown, file: string): World {
  return validateWorldSource(documentSource(document, file));
}

/** Parse world text (YAML; JSON is YAML too); errors name the line and column. */
export function parseWorld(text: string, file: string): World {
  return validateWorldSource(parseYamlSource(text, file));
}

/** Read and validate a world file (`--world FILE`). */
export async function loadWorld(file: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new ConfigError(`${file}: cannot read the world file: ${reason}`, { file });
  }
  return parseWorld(text, file);
}
