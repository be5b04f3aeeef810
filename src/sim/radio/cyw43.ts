import { createHash } from 'node:crypto';
import type { BoardContext } from '../hw/context.js';
import type { LinkInfo } from '../hw/link.js';
import { Errno, PyRaise, osError, valueError } from '../hw/py-raise.js';
import type { AccessPoint, World } from '../world.js';
import { AP, Auth, CHANNEL_NONE, DEFAULT_AP_CHANNEL, DEFAULT_AP_PASSWORD, DefaultIp, LinkStatus, RASPBERRY_PI_OUI, Reason, STA, type Itf } from './constants.js';
import { sampleMs } from './distribution.js';
import { StaDriver, downNetif, type Netif } from './driver.js';
import { eitherOf, rulesFor } from './faults.js';
import { joinSettingsFor, radioFirmwareOf, type RadioFirmware } from './firmware.js';
import { planJoin, type DriverEvent, type JoinPlan, type JoinStep } from './join-plan.js';
import { isPowerSave, pmMode, storedPm } from './pm.js';
import { bareValueError, netmaskOfPrefix, pyBytes, pyInt, pyIpv4, pyTruthy } from './py-values.js';
import { runScan, type ScanOptions, type ScanOutcome } from './scan.js';

/** WLAN.connect() arguments after the binding's parsing (ssid and key as str or bytes). */
export interface ConnectRequest {
  readonly ssid: string | Uint8Array;
  readonly key?: string | Uint8Array | null;
  /** connect(security=) or its alias auth=; -1 (the default) lets the binding choose. */
  readonly security?: number;
  readonly bssid?: Uint8Array | null;
  /** Only used with bssid; CYW43_CHANNEL_NONE (0xffffffff) or absent for none. */
  readonly channel?: number;
}

/** One step of a join with the link status the driver reports right after it. */
export interface TimelineStep extends JoinStep {
  readonly status: number;
}

/** The last connect() as the radio planned it (without the key). */
export interface JoinRecord {
  /** Board uptime at connect(). */
  readonly startedAtMs: number;
  readonly ssid: string;
  readonly bssid?: string;
  readonly channel?: number;
  /** The CYW43_AUTH_* value the join used. */
  readonly security: number;
  readonly pm: number;
  readonly powerSave: boolean;
  readonly appliedCountry: string | null;
  readonly pinned: boolean;
  /** The BSS the firmware chose. */
  readonly ap?: { readonly ssid: string; readonly bssid: string; readonly channel: number; readonly hidden: boolean; readonly security: string };
  /** Every step (board ms after connect()) with the status after it; the first is connect() itself. */
  readonly steps: readonly TimelineStep[];
  /** The fault rules that shaped the join. */
  readonly rules: readonly string[];
  /** The status the timeline ends in (3 for a join that gets its lease). */
  readonly finalStatus: number;
}

/** A link event after the join (idle drop), for reports. */
export interface LinkEvent {
  readonly atMs: number;
  readonly what: string;
  readonly rule?: string;
  readonly status: number;
}

export interface RadioSnapshot {
  readonly chipOn: boolean;
  readonly country: { readonly configured: string; readonly applied: string | null };
  readonly pm: { readonly value: number | null; readonly mode: number | null; readonly powerSave: boolean };
  readonly hostname: string;
  readonly sta: { readonly active: boolean; readonly driverUp: boolean; readonly status: number; readonly address: string; readonly dhcp: Netif['dhcp']; readonly associated?: { readonly ssid: string; readonly bssid: string; readonly channel: number } };
  readonly ap: { readonly active: boolean; readonly driverUp: boolean; readonly status: number; readonly ssid: string; readonly channel: number; readonly address: string };
  readonly lastJoin?: JoinRecord;
  readonly linkEvents: readonly LinkEvent[];
  readonly link?: LinkInfo;
}

type Pending = { readonly at: number; readonly seq: number } & ({ readonly kind: 'event'; readonly event: DriverEvent } | { readonly kind: 'dhcp-bound' });

/** Model: how long after DEAUTH_IND reason 2 the firmware's EV_DISASSOC arrives. */
const DISASSOC_DELAY_MS = 5;
/** Model: the transmit power the firmware reports (dBm) until config(txpower=) changes it. */
const DEFAULT_TXPOWER_DBM = 31;
/** Model: the channel a STA that is not associated reports. */
const IDLE_STA_CHANNEL = 1;

function hexMac(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

/**
 * The CYW43439 radio of one Pico W with MicroPython's network.WLAN binding in front of it
 * (extmod/network_cyw43.c, lib/cyw43-driver cyw43_ctrl.c / cyw43_lwip.c, lwIP's netif and DHCP
 * client). One instance per hard boot: it survives soft resets, as cyw43 does on rp2. Every method
 * is synchronous; time only moves through `ctx.uptimeMs()`, and a connect() decides its whole join
 * at once (see join-plan.ts), so status() is that plan evaluated at the current board time.
 */
export class Cyw43 {
  private readonly firmware: RadioFirmware;
  /** network.country(): the code the next wifi_on will apply. */
  private configuredCountry = 'XX';
  private hostnameValue: string;
  /** cyw43_poll != NULL: the chip is powered and its firmware loaded (cyw43_ensure_up). */
  private chipOn = false;
  /** The OTP MAC, read at the first power-up (zeros before, as cyw43_state.mac is). */
  private macKnown = false;
  private readonly otpMac: Buffer;
  /** The country cyw43_wifi_on applied when the first interface came up; null while the radio is off. */
  private appliedCountry: string | null = null;
  private pm: number | null = null;
  private txpower = DEFAULT_TXPOWER_DBM;
  /** cyw43_t.itf_state: interfaces the driver has brought up (active(False) on STA does not clear it). */
  private itfState = 0;
  /** The binding's static if_active[] (what active(True/False) last asked). */
  private readonly ifActive: [boolean, boolean] = [false, false];
  private sta = new StaDriver();
  private apNetif: Netif = downNetif();
  private apSsid: Buffer;
  private apKey: Buffer = Buffer.from(DEFAULT_AP_PASSWORD);
  private apAuth: number = Auth.WPA2_AES_PSK;
  private apChannel = DEFAULT_AP_CHANNEL;
  /** lwIP's DNS server 0 (global, not per interface). */
  private dns: string = DefaultIp.ANY;
  private queue: Pending[] = [];
  private seq = 0;
  private joinPlan: JoinPlan | undefined;
  private joinTargetSsid: Buffer | undefined;
  private associated: AccessPoint | undefined;
  private lastTrafficMs = 0;
  private lastJoin: JoinRecord | undefined;
  private readonly linkEvents: LinkEvent[] = [];
  private readonly rssiRandom: () => number;

  constructor(
    private readonly ctx: BoardContext,
    private readonly world: World,
  ) {
    this.firmware = radioFirmwareOf(ctx.profile);
    this.hostnameValue = this.firmware.defaultHostname;
    // Model: the OTP MAC of a simulated board comes from its unique id, under Raspberry Pi's OUI.
    const digest = createHash('sha256').update('cyw43-otp-mac').update(ctx.uniqueId).digest();
    this.otpMac = Buffer.from([...RASPBERRY_PI_OUI, digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0]);
    // ports/rp2/main.c: "PICO" + id[7]>>4, id[6]&15, id[5]>>4, id[4]&15 as upper-case hex.
    const id = ctx.uniqueId;
    const hex = (value: number): string => value.toString(16).toUpperCase();
    this.apSsid = Buffer.from(`PICO${hex((id[7] ?? 0) >> 4)}${hex((id[6] ?? 0) & 0xf)}${hex((id[5] ?? 0) >> 4)}${hex((id[4] ?? 0) & 0xf)}`);
    this.rssiRandom = ctx.random('rssi');
  }

  // ---------------------------------------------------------------- module-level (network.*)

  /** network.country() / rp2.country(): read, or set the code the next first-up applies. */
  country(code?: string): string | null {
    if (code === undefined) return this.configuredCountry;
    const bytes = pyBytes(code);
    if (bytes.length !== 2) throw bareValueError();
    this.configuredCountry = bytes.toString('latin1');
    return null;
  }

  /** network.hostname(): read, or set (too long → ValueError() with no message). */
  hostname(name?: string): string | null {
    if (name === undefined) return this.hostnameValue;
    const bytes = pyBytes(name);
    if (bytes.length > this.firmware.hostnameMaxBytes) throw bareValueError();
    this.hostnameValue = bytes.toString('utf8');
    return null;
  }

  // ---------------------------------------------------------------- WLAN methods

  active(itf: Itf, value?: boolean): boolean | null {
    this.sync();
    if (value === undefined) return this.firmware.activeQueryTracksRequest ? this.ifActive[itf] : this.statusOf(itf) !== LinkStatus.DOWN;
    if (value) this.setUp(itf);
    else if (itf === AP) this.apNetif.linkUp = false;
    // cyw43_wifi_set_up(STA, false) is a no-op in the driver: the association and itf_state stay.
    this.ifActive[itf] = value;
    return null;
  }

  connect(_itf: Itf, request: ConnectRequest): null {
    this.sync();
    const ssid = pyBytes(request.ssid);
    const key = request.key === null || request.key === undefined ? Buffer.alloc(0) : pyBytes(request.key);
    const bssid = request.bssid === null || request.bssid === undefined ? undefined : Buffer.from(request.bssid);
    if (bssid !== undefined && bssid.length !== 6) throw bareValueError();
    const security = request.security ?? -1;
    let authType = security;
    if (security === -1 && this.firmware.bindingChoosesSecurity) authType = key.length === 0 ? Auth.OPEN : Auth.WPA2_MIXED_PSK;
    // cyw43_wifi_join: only the driver's STA interface state counts (WLAN(AP_IF).connect joins the STA).
    if ((this.itfState & (1 << STA)) === 0) throw osError(Errno.EPERM);
    // micropython#9016: before v1.20 the driver rejected every join without a key.
    if (!this.firmware.bindingChoosesSecurity && key.length === 0) throw osError(Errno.EPERM);
    const channel = bssid !== undefined && request.channel !== undefined && request.channel !== CHANNEL_NONE && request.channel !== -1 ? request.channel : undefined;
    this.startJoin({ ssid, key, authType, ...(bssid === undefined ? {} : { bssid }), ...(channel === undefined ? {} : { channel }) });
    return null;
  }

  disconnect(itf: Itf): null {
    this.sync();
    this.ensureUp();
    if (itf === STA) {
      this.queue = [];
      this.applyEvent({ type: 'DISASSOC' }, this.ctx.uptimeMs());
      this.joinTargetSsid = undefined;
    }
    return null;
  }

  status(itf: Itf, param?: string): number | [Buffer][] {
    this.sync();
    if (param === undefined) return this.statusOf(itf);
    if (param === 'rssi' && this.firmware.statusRssi) {
      if (itf !== STA) throw valueError('STA required');
      return this.rssi();
    }
    if (param === 'stations') {
      if (itf !== AP) throw valueError('AP required');
      this.ensureUp();
      // Model: no station ever joins the board's own AP.
      return [];
    }
    throw valueError('unknown status param');
  }

  isconnected(itf: Itf): boolean {
    this.sync();
    const up = this.statusOf(itf) === LinkStatus.UP;
    if (up && itf === AP && this.firmware.apIsconnectedNeedsStation) return false;
    return up;
  }

  scan(_itf: Itf, options: ScanOptions = {}): ScanOutcome {
    this.sync();
    if (this.itfState === 0) throw osError(Errno.EPERM);
    return runScan(this.world, options, this.appliedCountry, this.pm !== null && isPowerSave(this.pm), this.ctx.random('scan'));
  }

  config(itf: Itf, key: string): number | string | Buffer {
    this.sync();
    switch (key) {
      case 'antenna':
        this.ensureUp();
        return 0;
      case 'channel':
        this.ensureUp();
        if (itf === AP) return this.apChannel;
        return this.associated?.channel ?? (this.apNetif.linkUp ? this.apChannel : IDLE_STA_CHANNEL);
      case 'ssid':
      case 'essid':
        if (itf === AP) return this.apSsid.toString('utf8');
        this.ensureUp();
        return this.sta.joinState !== 0 || this.sta.netif.linkUp ? (this.joinTargetSsid?.toString('utf8') ?? '') : '';
      case 'security':
        if (!this.firmware.configSecurity) break;
        // cyw43_wifi_ap_get_auth on either interface.
        return this.apAuth;
      case 'mac':
        return this.macKnown ? Buffer.from(this.otpMac) : Buffer.alloc(6);
      case 'pm':
        if (!this.firmware.configPmQuery) break;
        this.ensureUp();
        return this.pm ?? this.firmware.defaultPm;
      case 'txpower':
        this.ensureUp();
        return this.txpower;
      case 'hostname':
        if (!this.firmware.configHostname) break;
        return this.hostnameValue;
    }
    throw valueError('unknown config param');
  }

  /** config(**settings); keys are applied in order, and an unknown one raises after the earlier ones took effect. */
  configure(itf: Itf, settings: Readonly<Record<string, unknown>>): null {
    this.sync();
    let cycle = false;
    for (const [key, value] of Object.entries(settings)) {
      switch (key) {
        case 'antenna':
        case 'monitor':
        case 'trace':
          pyInt(value);
          this.ensureUp();
          continue;
        case 'channel':
          this.apChannel = pyInt(value);
          cycle = true;
          continue;
        case 'ssid':
        case 'essid':
          this.apSsid = pyBytes(value).subarray(0, 32);
          cycle = true;
          continue;
        case 'security':
          if (!this.firmware.configSecurity) break;
          this.apAuth = pyInt(value);
          cycle = true;
          continue;
        case 'key':
        case 'password':
          this.apKey = pyBytes(value).subarray(0, 64);
          cycle = true;
          continue;
        case 'pm':
          this.setPm(pyInt(value));
          continue;
        case 'txpower':
          this.ensureUp();
          this.txpower = pyInt(value);
          continue;
        case 'hostname':
          if (!this.firmware.configHostname) break;
          this.hostname(pyBytes(value).toString('utf8'));
          continue;
      }
      throw valueError('unknown config param');
    }
    if (cycle && this.firmware.configCyclesActiveInterface && this.ifActive[itf] && itf === AP) {
      this.apNetif.linkUp = false;
      this.setUp(AP);
    }
    return null;
  }

  /**
   * ifconfig(): (ip, mask, gw, dns); ifconfig((ip, mask, gw, dns)) stops DHCP and sets a static
   * address; ifconfig('dhcp') renews a lease or (re)starts the DHCP client — the CPU side then polls
   * dhcpSuppliedAddress() for up to 10 s (mod_network_nic_ifconfig). A value that is neither
   * arrives as `{type}` (its Python type name): DHCP is stopped, then TypeError, as
   * mp_obj_get_array_fixed_n raises after dhcp_release/dhcp_stop.
   */
  ifconfig(itf: Itf, value?: 'dhcp' | readonly unknown[] | { readonly type: string }): [string, string, string, string] | null {
    this.sync();
    const netif = this.netifOf(itf);
    if (value === undefined) return [netif.address, netif.netmask, netif.gateway, this.dns];
    if (value === 'dhcp') {
      // Model: only the STA netif has a DHCP server to answer it; on the AP netif nothing binds.
      if (itf === STA) this.startDhcp();
      return null;
    }
    // dhcp_release: a leased address is given back (the interface has none until the static one is set).
    if (netif.dhcp === 'bound') Object.assign(netif, { address: DefaultIp.ANY, netmask: DefaultIp.ANY, gateway: DefaultIp.ANY });
    this.stopDhcp(itf);
    if (!Array.isArray(value)) throw new PyRaise('TypeError', [`object '${'type' in value ? value.type : 'str'}' isn't a tuple or list`]);
    if (value.length !== 4) throw valueError(`requested length 4 but object has length ${value.length}`);
    const [address, netmask, gateway, dns] = value.map(pyIpv4) as [string, string, string, string];
    Object.assign(netif, { address, netmask, gateway });
    this.dns = dns;
    return null;
  }

  /** lwIP dhcp_supplied_address(): the interface's DHCP client holds a lease. */
  dhcpSuppliedAddress(itf: Itf): boolean {
    this.sync();
    return this.netifOf(itf).dhcp === 'bound';
  }

  /** WLAN.ipconfig(key) reads one setting; ipconfig(**settings) changes them (v1.23+; the prelude decides presence). */
  ipconfig(itf: Itf, key?: string, settings?: Readonly<Record<string, unknown>>): unknown {
    this.sync();
    const netif = this.netifOf(itf);
    if (key !== undefined) {
      switch (key) {
        case 'dhcp4':
          return netif.dhcp !== 'off';
        case 'has_dhcp4':
          return netif.dhcp === 'bound';
        case 'addr4':
          return [netif.address, netif.netmask];
        case 'gw4':
          return netif.gateway;
        // Model: IPv6 is not simulated; the board has no IPv6 address and no autoconfiguration.
        case 'addr6':
          return [];
        case 'dhcp6':
        case 'autoconf6':
        case 'has_autoconf6':
          return false;
      }
      throw valueError('unexpected key');
    }
    for (const [name, value] of Object.entries(settings ?? {})) {
      switch (name) {
        case 'dhcp4':
          if (pyTruthy(value)) {
            if (itf === STA) this.startDhcp();
          } else {
            this.stopDhcp(itf);
            Object.assign(netif, { address: DefaultIp.ANY, netmask: DefaultIp.ANY });
          }
          continue;
        case 'addr4':
          this.setAddr4(netif, value);
          continue;
        case 'gw4':
          netif.gateway = pyIpv4(value);
          continue;
        case 'addr6':
        case 'dhcp6':
        case 'autoconf6':
          continue;
      }
      throw valueError('unexpected key');
    }
    return null;
  }

  /** WLAN.deinit() on either interface: cyw43_deinit powers the chip off and resets the driver. */
  deinit(_itf: Itf): null {
    this.sync();
    if (!this.chipOn) return null;
    this.queue = [];
    this.sta = new StaDriver();
    this.apNetif = downNetif();
    this.chipOn = false;
    this.appliedCountry = null;
    this.pm = null;
    this.itfState = 0;
    // cyw43_init(): the AP SSID and key are cleared (main() set them only at boot); if_active[] is the binding's and stays.
    this.apSsid = Buffer.alloc(0);
    this.apKey = Buffer.alloc(0);
    this.apChannel = DEFAULT_AP_CHANNEL;
    this.associated = undefined;
    this.joinTargetSsid = undefined;
    return null;
  }

  /** repr(WLAN): `<CYW43 STA up 192.168.4.23>` (NOIP prints as "join"). */
  describe(itf: Itf): string {
    this.sync();
    const status = this.statusOf(itf);
    const state =
      status === LinkStatus.DOWN
        ? 'down'
        : status === LinkStatus.JOIN || status === LinkStatus.NOIP
          ? 'join'
          : status === LinkStatus.UP
            ? 'up'
            : status === LinkStatus.NONET
              ? 'nonet'
              : status === LinkStatus.BADAUTH
                ? 'badauth'
                : 'fail';
    return `<CYW43 ${itf === STA ? 'STA' : 'AP'} ${state} ${this.netifOf(itf).address}>`;
  }

  // ---------------------------------------------------------------- for the network stack and reports

  /** The STA's IP link while status is 3: the lease as configured now, and the loss on the air. */
  link(): LinkInfo | undefined {
    this.sync();
    if (this.sta.status() !== LinkStatus.UP) return undefined;
    const { address, netmask, gateway } = this.sta.netif;
    return { address, netmask, gateway, dns: this.dns, lossProbability: this.lossProbability() };
  }

  /** The network stack saw a datagram or segment on the STA link (the idle-drop rule's clock). */
  noteTraffic(): void {
    this.sync();
    if (this.sta.netif.linkUp) this.lastTrafficMs = this.ctx.uptimeMs();
  }

  /** lwIP's DNS server 0 (network.ipconfig('dns')). */
  dnsServer(): string {
    this.sync();
    return this.dns;
  }

  /** The radio's observable state, without the key. */
  snapshot(): RadioSnapshot {
    this.sync();
    const link = this.link();
    const associated = this.associated;
    return {
      chipOn: this.chipOn,
      country: { configured: this.configuredCountry, applied: this.appliedCountry },
      pm: { value: this.pm, mode: this.pm === null ? null : pmMode(this.pm), powerSave: this.pm !== null && isPowerSave(this.pm) },
      hostname: this.hostnameValue,
      sta: {
        active: this.ifActive[STA],
        driverUp: (this.itfState & (1 << STA)) !== 0,
        status: this.statusOf(STA),
        address: this.sta.netif.address,
        dhcp: this.sta.netif.dhcp,
        ...(associated === undefined ? {} : { associated: { ssid: associated.ssid, bssid: associated.bssid, channel: associated.channel } }),
      },
      ap: {
        active: this.ifActive[AP],
        driverUp: (this.itfState & (1 << AP)) !== 0,
        status: this.statusOf(AP),
        ssid: this.apSsid.toString('utf8'),
        channel: this.apChannel,
        address: this.apNetif.address,
      },
      ...(this.lastJoin === undefined ? {} : { lastJoin: this.lastJoin }),
      linkEvents: [...this.linkEvents],
      ...(link === undefined ? {} : { link }),
    };
  }

  // ---------------------------------------------------------------- internals

  private netifOf(itf: Itf): Netif {
    return itf === STA ? this.sta.netif : this.apNetif;
  }

  private statusOf(itf: Itf): number {
    if (itf === STA) return this.sta.status();
    return this.apNetif.up && this.apNetif.linkUp ? LinkStatus.UP : LinkStatus.DOWN;
  }

  /** cyw43_ensure_up: power the chip and load its firmware if it is off (reads the OTP MAC). */
  private ensureUp(): void {
    if (this.chipOn) return;
    this.chipOn = true;
    this.macKnown = true;
    this.itfState = 0;
    // Model: the firmware's own PM setting before anything sets one.
    this.pm = this.firmware.defaultPm;
  }

  /** cyw43_wifi_pm: takes effect at once (and is overwritten by the next first-up). */
  private setPm(value: number): void {
    this.ensureUp();
    this.pm = storedPm(value);
  }

  /** cyw43_wifi_set_up(itf, true, country). */
  private setUp(itf: Itf): void {
    if (this.itfState === 0) {
      this.ensureUp();
      // facts §10: country and the default PM are applied only when the first interface comes up.
      this.appliedCountry = this.configuredCountry;
      this.pm = this.firmware.defaultPm;
    }
    if (itf === AP) this.apNetif.linkUp = true;
    if ((this.itfState & (1 << itf)) === 0) {
      if (itf === STA) {
        this.sta.netif = { up: true, linkUp: false, address: DefaultIp.ANY, netmask: DefaultIp.MASK, gateway: DefaultIp.STA_GATEWAY, dhcp: 'searching' };
        this.dns = DefaultIp.DNS;
      } else {
        this.apNetif = { up: true, linkUp: true, address: DefaultIp.AP_ADDRESS, netmask: DefaultIp.MASK, gateway: DefaultIp.AP_GATEWAY, dhcp: 'off' };
      }
      this.itfState |= 1 << itf;
    }
  }

  private startJoin(request: Parameters<typeof planJoin>[0]): void {
    const now = this.ctx.uptimeMs();
    // Model: a new join abandons the previous one and the firmware leaves the old BSS at once; the
    // netif keeps its address (lwIP does not clear it on link down).
    this.queue = [];
    this.sta.netif.linkUp = false;
    this.associated = undefined;
    const pm = this.pm ?? this.firmware.defaultPm;
    const open = request.authType === Auth.OPEN;
    this.sta.startJoin(open);
    this.joinTargetSsid = Buffer.from(request.ssid);
    const world = { ...this.world, join: joinSettingsFor(this.firmware, this.world.join) };
    const plan = planJoin(request, { world, pm, appliedCountry: this.appliedCountry, random: this.ctx.random('join') });
    this.joinPlan = plan;
    const steps = [...plan.steps].sort((a, b) => a.atMs - b.atMs);
    for (const step of steps) if (step.event !== undefined) this.schedule(now + step.atMs, { kind: 'event', event: step.event });
    this.lastJoin = this.recordJoin(request, plan, steps, now, pm);
  }

  /** Replay the plan on a copy of the driver to get the status after every step (and the DHCP lease). */
  private recordJoin(request: Parameters<typeof planJoin>[0], plan: JoinPlan, steps: readonly JoinStep[], now: number, pm: number): JoinRecord {
    const driver = this.sta.clone();
    const timeline: TimelineStep[] = [{ atMs: 0, what: 'connect()', status: driver.status() }];
    for (const step of steps) {
      const effects = step.event === undefined ? undefined : driver.process(step.event);
      timeline.push({ ...step, status: driver.status() });
      if (effects?.linkCameUp && driver.netif.dhcp === 'searching' && plan.dhcpMs !== undefined) {
        driver.netif.address = this.world.network.lease.address;
        timeline.push({ atMs: step.atMs + plan.dhcpMs, what: `DHCP lease ${this.world.network.lease.address}`, status: driver.status() });
      }
    }
    const { ap } = plan;
    return {
      startedAtMs: now,
      ssid: text(request.ssid),
      ...(request.bssid === undefined ? {} : { bssid: hexMac(request.bssid) }),
      ...(request.channel === undefined ? {} : { channel: request.channel }),
      security: request.authType,
      pm,
      powerSave: plan.powerSave,
      appliedCountry: this.appliedCountry,
      pinned: plan.pinned,
      ...(ap === undefined ? {} : { ap: { ssid: ap.ssid, bssid: ap.bssid, channel: ap.channel, hidden: ap.hidden, security: ap.security } }),
      steps: timeline,
      rules: plan.rules,
      finalStatus: timeline[timeline.length - 1]?.status ?? LinkStatus.JOIN,
    };
  }

  private schedule(at: number, entry: { kind: 'event'; event: DriverEvent } | { kind: 'dhcp-bound' }): void {
    this.queue.push({ at, seq: this.seq++, ...entry });
    this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Apply everything due by now, in board-time order: planned driver events, DHCP, idle drops. */
  private sync(): void {
    const now = this.ctx.uptimeMs();
    for (;;) {
      const next = this.queue[0];
      const dropAt = this.idleDropAt();
      const nextAt = Math.min(next?.at ?? Infinity, dropAt);
      if (nextAt > now) return;
      if (next === undefined || dropAt < next.at) {
        this.idleDrop(dropAt);
        continue;
      }
      this.queue.shift();
      if (next.kind === 'dhcp-bound') this.bindLease();
      else this.applyEvent(next.event, next.at);
    }
  }

  private applyEvent(event: DriverEvent, at: number): void {
    const effects = this.sta.process(event);
    if (effects.disassociate) this.schedule(at + DISASSOC_DELAY_MS, { kind: 'event', event: { type: 'DISASSOC' } });
    if (!this.sta.netif.linkUp) this.associated = undefined;
    if (effects.linkCameUp) {
      // Model: with a lease kept from an earlier link, lwIP's DHCP re-confirms it (REBOOTING) while
      // the address stays, so status() goes straight to 3; without one it searches (status 2).
      this.associated = this.joinPlan?.ap;
      this.lastTrafficMs = at;
      if (this.sta.netif.dhcp === 'searching') this.schedule(at + (this.joinPlan?.dhcpMs ?? sampleMs(this.world.join.dhcpMs, this.ctx.random('dhcp'))), { kind: 'dhcp-bound' });
    }
  }

  private bindLease(): void {
    const netif = this.sta.netif;
    if (netif.dhcp !== 'searching' || !netif.linkUp) return;
    const lease = this.world.network.lease;
    Object.assign(netif, { address: lease.address, netmask: lease.netmask, gateway: lease.gateway, dhcp: 'bound' });
    this.dns = lease.dns;
  }

  /** dhcp_start / dhcp_renew: a bound lease stays; otherwise search again (and bind once the link is up). */
  private startDhcp(): void {
    const netif = this.sta.netif;
    if (!netif.up || netif.dhcp === 'bound') return;
    netif.dhcp = 'searching';
    this.queue = this.queue.filter((entry) => entry.kind !== 'dhcp-bound');
    if (netif.linkUp) this.schedule(this.ctx.uptimeMs() + sampleMs(this.world.join.dhcpMs, this.ctx.random('dhcp')), { kind: 'dhcp-bound' });
  }

  private stopDhcp(itf: Itf): void {
    const netif = this.netifOf(itf);
    netif.dhcp = 'off';
    if (itf === STA) this.queue = this.queue.filter((entry) => entry.kind !== 'dhcp-bound');
  }

  private setAddr4(netif: Netif, value: unknown): void {
    if (value === null || value === undefined) {
      Object.assign(netif, { address: DefaultIp.ANY, netmask: DefaultIp.ANY });
      return;
    }
    if (typeof value === 'string') {
      const [address = '', prefix] = value.split('/', 2);
      const ip = pyIpv4(address);
      if (prefix !== undefined) {
        const bits = Number(prefix);
        if (!/^\d+$/.test(prefix) || bits > 32) throw valueError('invalid arguments');
        Object.assign(netif, { address: ip, netmask: netmaskOfPrefix(bits) });
      } else netif.address = ip;
      return;
    }
    if (!Array.isArray(value) || value.length !== 2) throw valueError(`requested length 2 but object has length ${Array.isArray(value) ? value.length : 0}`);
    Object.assign(netif, { address: pyIpv4(value[0]), netmask: pyIpv4(value[1]) });
  }

  private rssi(): number {
    // Model: GET_RSSI while not associated reads 0.
    const ap = this.associated;
    if (ap === undefined || !this.sta.netif.linkUp) return 0;
    return ap.rssi + Math.round((this.rssiRandom() - 0.5) * 6);
  }

  /** Model: the air-loss rules see the PM mode in effect now (a script may turn power saving off after joining). */
  private lossProbability(): number {
    const ap = this.associated;
    if (ap === undefined) return 0;
    const powerSave = this.pm !== null && isPowerSave(this.pm);
    return eitherOf(rulesFor(this.world, 'air-loss', { ap, powerSave }).map((rule) => rule.lossProbability));
  }

  /** When the idle-drop rule (under the PM mode in effect now) disassociates the board, or Infinity. */
  private idleDropAt(): number {
    const ap = this.associated;
    if (ap === undefined || !this.sta.netif.linkUp || this.pm === null) return Infinity;
    const mode = pmMode(this.pm);
    const rule = rulesFor(this.world, 'idle-drop', { ap, powerSave: isPowerSave(this.pm) }).find((candidate) => candidate.pmModes.includes(mode));
    return rule === undefined ? Infinity : this.lastTrafficMs + rule.idleMs;
  }

  /**
   * The AP deauthenticates an idle power-saving board. Model: the firmware reports DEAUTH_IND and a
   * link-down; with a reason other than 2 the driver keeps its join state ACTIVE, so status() reads 1
   * (not 0) until the script calls connect() or disconnect(); the firmware does not rejoin by itself.
   */
  private idleDrop(at: number): void {
    const ap = this.associated;
    const mode = this.pm === null ? 0 : pmMode(this.pm);
    const rule = ap === undefined ? undefined : rulesFor(this.world, 'idle-drop', { ap, powerSave: true }).find((candidate) => candidate.pmModes.includes(mode));
    const reason = rule?.deauthReason ?? Reason.INACTIVITY;
    this.applyEvent({ type: 'DEAUTH_IND', reason }, at);
    this.applyEvent({ type: 'LINK', up: false }, at);
    this.linkEvents.push({
      atMs: at,
      what: `the AP deauthenticated the board (reason ${reason}) after ${rule?.idleMs ?? 0} ms without traffic`,
      ...(rule === undefined ? {} : { rule: rule.name }),
      status: this.sta.status(),
    });
  }
}
