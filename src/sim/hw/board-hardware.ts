import type { World } from '../world.js';
import { netConfigOf } from '../world.js';
import { Cyw43 } from '../radio/cyw43.js';
import { NetStack } from '../net/stack.js';
import { BoardTls } from '../tls/board-tls.js';
import type { BoardContext } from './context.js';
import { MachineModel, type MachineHooks } from './machine.js';
import { PyRaise, osError, valueError } from './py-raise.js';
import { bytesFrom, toWire, type Wire } from './wire.js';

type Args = readonly unknown[];

function num(value: unknown): number {
  return Number(value);
}

function text(value: unknown): string {
  return String(value);
}

function itf(value: unknown): 0 | 1 {
  return Number(value) === 0 ? 0 : 1;
}

/** An error a Python program sees, or a simulator failure (reported as EIO with the message). */
export type HardwareReply = { readonly value: Wire } | { readonly raise: { readonly type: string; readonly args: readonly (number | string)[] } } | { readonly error: string };

/**
 * The board's hardware behind the firmware's Python modules: the CYW43 radio, lwIP, mbedTLS and
 * the machine peripherals. The radio keeps its state across soft resets, as cyw43 does on rp2;
 * a hard reset or power cut starts everything afresh.
 */
export class BoardHardware {
  radio: Cyw43;
  net: NetStack;
  tls: BoardTls;
  readonly machine: MachineModel;

  constructor(
    private readonly ctx: BoardContext,
    private readonly world: World,
    private readonly hooks: MachineHooks & { resetCause(): 1 | 3 },
  ) {
    this.machine = new MachineModel(hooks);
    this.radio = new Cyw43(ctx, world);
    this.net = this.newNet();
    this.tls = new BoardTls(ctx, this.net);
  }

  private newNet(): NetStack {
    return new NetStack(this.ctx, netConfigOf(this.world), {
      link: () => this.radio.link(),
      noteTraffic: () => this.radio.noteTraffic(),
      dnsServerSet: () => this.radio.dnsServer() !== '0.0.0.0',
    });
  }

  /** Power-on, machine.reset(), watchdog: main() runs again and initialises everything. */
  hardReset(): void {
    this.tls.closeAll('power-loss');
    this.net.closeAll('power-loss');
    this.machine.stop();
    this.radio = new Cyw43(this.ctx, this.world);
    this.net = this.newNet();
    this.tls = new BoardTls(this.ctx, this.net);
  }

  /** A fresh interpreter (soft reset): the old heap's sockets are finalised; cyw43 stays up. */
  interpreterStart(): void {
    this.tls.closeAll('soft-reset');
    this.net.closeAll('soft-reset');
  }

  dispose(): void {
    this.tls.closeAll('power-loss');
    this.net.dispose();
    this.machine.stop();
  }

  call(method: string, args: Args): HardwareReply {
    try {
      return { value: toWire(this.dispatch(method, args)) };
    } catch (error) {
      if (error instanceof PyRaise) return { raise: { type: error.type, args: error.args } };
      return { error: error instanceof Error ? `${method}: ${error.message}` : `${method}: ${String(error)}` };
    }
  }

  private dispatch(method: string, a: Args): unknown {
    const [domain] = method.split('.', 1);
    switch (domain) {
      case 'wlan':
        return this.wlan(method.slice(5), a);
      case 'net':
        return this.network(method.slice(4), a);
      case 'tls':
        return this.mbedtls(method.slice(4), a);
      case 'machine':
        return this.machineCall(method.slice(8), a);
      case 'board':
        if (method === 'board.interpreter-start') return this.interpreterStart();
        break;
      default:
        break;
    }
    throw new Error(`unknown board call ${method}`);
  }

  private wlan(name: string, a: Args): unknown {
    const r = this.radio;
    switch (name) {
      case 'active':
        if (a[1] === null || a[1] === undefined) return r.active(itf(a[0]));
        if (a[1] === false && itf(a[0]) === 0) this.net.interfaceDown();
        return r.active(itf(a[0]), Boolean(a[1]));
      case 'connect': {
        const o = (a[1] ?? {}) as { ssid: string; key: string | null; security: number; bssid: string | null; channel: number };
        return r.connect(itf(a[0]), { ssid: o.ssid, key: o.key, security: o.security, bssid: o.bssid === null ? null : bytesFrom(o.bssid), channel: o.channel });
      }
      case 'disconnect':
        return r.disconnect(itf(a[0]));
      case 'status':
        return a[1] === null || a[1] === undefined ? r.status(itf(a[0])) : r.status(itf(a[0]), text(a[1]));
      case 'isconnected':
        return r.isconnected(itf(a[0]));
      case 'scan': {
        const o = (a[1] ?? {}) as { passive: boolean; ssid: string | null; bssid: string | null };
        const scan = r.scan(itf(a[0]), { passive: o.passive, ...(o.ssid === null ? {} : { ssid: o.ssid }), ...(o.bssid === null ? {} : { bssid: bytesFrom(o.bssid) }) });
        return { durationMs: scan.durationMs, results: scan.results.map((e) => [e.ssid, e.bssid, e.channel, e.rssi, e.security, e.count]) };
      }
      case 'config':
        return r.config(itf(a[0]), text(a[1]));
      case 'configure': {
        const settings: Record<string, unknown> = {};
        for (const [key, value] of Object.entries((a[1] ?? {}) as Record<string, unknown>)) {
          settings[key] = typeof value === 'object' && value !== null && '__b' in value ? bytesFrom(value) : value;
        }
        return r.configure(itf(a[0]), settings);
      }
      case 'ifconfig':
        return a[1] === null || a[1] === undefined ? r.ifconfig(itf(a[0])) : r.ifconfig(itf(a[0]), a[1] as 'dhcp' | [string, string, string, string] | { type: string });
      case 'dhcp_supplied_address':
        return r.dhcpSuppliedAddress(itf(a[0]));
      case 'ipconfig':
        return r.ipconfig(itf(a[0]), a[1] === null ? undefined : text(a[1]), (a[2] ?? undefined) as Record<string, unknown> | undefined);
      case 'deinit':
        this.net.interfaceDown();
        return r.deinit(itf(a[0]));
      case 'describe':
        return r.describe(itf(a[0]));
      case 'country':
        return a[0] === null || a[0] === undefined ? r.country() : r.country(text(a[0]));
      case 'hostname':
        return a[0] === null || a[0] === undefined ? r.hostname() : r.hostname(text(a[0]));
    }
    throw new Error(`unknown radio call ${name}`);
  }

  private network(name: string, a: Args): unknown {
    const n = this.net;
    switch (name) {
      case 'resolve':
        return n.resolve(text(a[0]));
      case 'ipconfig': {
        if (text(a[0]) !== 'dns') throw valueError('unexpected key');
        return this.radio.dnsServer();
      }
      case 'socket':
        return n.socket(a[0] === 'udp' ? 'udp' : 'tcp');
      case 'bind':
        return n.bind(num(a[0]), text(a[1]), num(a[2]));
      case 'connect':
        return n.connect(num(a[0]), text(a[1]), num(a[2]));
      case 'connected': {
        const state = n.poll(num(a[0]));
        if (state.error !== undefined) throw osError(state.error);
        return state.connected ? true : null;
      }
      case 'recv': {
        const state = n.poll(num(a[0]));
        if (state.error !== undefined) throw osError(state.error);
        return n.recv(num(a[0]), num(a[1]));
      }
      case 'send': {
        const state = n.poll(num(a[0]));
        if (state.error !== undefined) throw osError(state.error);
        return n.send(num(a[0]), bytesFrom(a[1]));
      }
      case 'sendto':
        return n.sendto(num(a[0]), bytesFrom(a[1]), text(a[2]), num(a[3]));
      case 'recvfrom': {
        const datagram = n.recvfrom(num(a[0]), num(a[1]));
        return datagram === null ? null : [datagram.data, datagram.address, datagram.port];
      }
      case 'close':
        return n.close(num(a[0]));
    }
    throw new Error(`unknown network call ${name}`);
  }

  private mbedtls(name: string, a: Args): unknown {
    const t = this.tls;
    switch (name) {
      case 'check_cadata':
        t.checkCadata(bytesFrom(a[0]));
        return null;
      case 'check_chain':
        t.checkClientCert(bytesFrom(a[0]), bytesFrom(a[1]));
        return null;
      case 'ciphers':
        return t.cipherNames();
      case 'wrap': {
        const o = (a[1] ?? {}) as { serverHostname: string | null; verifyMode: 0 | 1 | 2; cadata: string[]; chain: [string, string] | null };
        const trusted = o.cadata.flatMap((blob) => t.checkCadata(bytesFrom(blob)));
        return t.wrap(num(a[0]), {
          ...(o.serverHostname === null ? {} : { serverHostname: o.serverHostname }),
          verifyMode: o.verifyMode,
          trusted,
          ...(o.chain === null ? {} : { clientCert: { cert: bytesFrom(o.chain[0]), key: bytesFrom(o.chain[1]) } }),
        });
      }
      case 'handshake': {
        const state = t.poll(num(a[0]));
        if (state.error !== undefined) throw state.error;
        return state.state === 'handshaking' ? null : true;
      }
      case 'handshake_timed_out':
        throw t.handshakeTimedOut(num(a[0]));
      case 'read': {
        const state = t.poll(num(a[0]));
        if (state.error !== undefined) throw state.error;
        return t.read(num(a[0]), num(a[1]));
      }
      case 'write': {
        const state = t.poll(num(a[0]));
        if (state.error !== undefined) throw state.error;
        return t.write(num(a[0]), bytesFrom(a[1]));
      }
      case 'cipher':
        return t.poll(num(a[0])).cipher ?? null;
      case 'peer_certificate':
        return t.peerCertificate(num(a[0])) ?? null;
      case 'close':
        return t.close(num(a[0]));
    }
    throw new Error(`unknown TLS call ${name}`);
  }

  private machineCall(name: string, a: Args): unknown {
    const m = this.machine;
    switch (name) {
      case 'reset':
        setImmediate(() => this.hooks.reboot('watchdog'));
        return null;
      case 'bootloader':
        setImmediate(() => this.hooks.bootloader());
        return null;
      case 'reset_cause':
        return this.hooks.resetCause();
      case 'rtc_set':
        return m.rtcSet(a.map(num));
      case 'wdt_start':
        return m.wdtStart(num(a[0]));
      case 'wdt_feed':
        return m.wdtFeed();
      case 'led':
        return m.setLed(num(a[0]));
    }
    throw new Error(`unknown machine call ${name}`);
  }
}
