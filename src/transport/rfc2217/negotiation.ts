import { DO, DONT, WILL, WONT, type NegotiationVerb } from './protocol.js';

/** One side of one option: RFC 1143's states without the queue bit (we never change our mind mid-request). */
export type OptionState = 'no' | 'yes' | 'want-yes';

export interface OptionChange {
  /** `local`: whether WE perform the option (WILL/WONT); `remote`: whether the PEER does (DO/DONT). */
  readonly side: 'local' | 'remote';
  readonly option: number;
  readonly state: OptionState;
  /** True when the peer refused a request of ours. */
  readonly refused: boolean;
}

/**
 * Telnet option negotiation for a byte-pipe endpoint: it accepts the options it supports, refuses
 * the rest, and only answers when a state changes, so two endpoints never loop.
 */
export class OptionNegotiator {
  private readonly local = new Map<number, OptionState>();
  private readonly remote = new Map<number, OptionState>();

  constructor(
    private readonly supportsLocal: ReadonlySet<number>,
    private readonly supportsRemote: ReadonlySet<number>,
    private readonly send: (verb: NegotiationVerb, option: number) => void,
    private readonly changed: (change: OptionChange) => void = () => {},
  ) {}

  localState(option: number): OptionState {
    return this.local.get(option) ?? 'no';
  }

  remoteState(option: number): OptionState {
    return this.remote.get(option) ?? 'no';
  }

  /** Offer to perform an option ourselves (IAC WILL). */
  offer(option: number): void {
    if (this.localState(option) !== 'no') return;
    this.local.set(option, 'want-yes');
    this.send(WILL, option);
  }

  /** Ask the peer to perform an option (IAC DO). */
  request(option: number): void {
    if (this.remoteState(option) !== 'no') return;
    this.remote.set(option, 'want-yes');
    this.send(DO, option);
  }

  receive(verb: NegotiationVerb, option: number): void {
    if (verb === WILL || verb === WONT) this.update('remote', option, verb === WILL, this.remote, this.supportsRemote, DO, DONT);
    else this.update('local', option, verb === DO, this.local, this.supportsLocal, WILL, WONT);
  }

  private update(
    side: 'local' | 'remote',
    option: number,
    enable: boolean,
    states: Map<number, OptionState>,
    supported: ReadonlySet<number>,
    yes: NegotiationVerb,
    no: NegotiationVerb,
  ): void {
    const before = states.get(option) ?? 'no';
    if (enable) {
      if (before === 'yes') return;
      if (!supported.has(option)) {
        this.send(no, option);
        return;
      }
      if (before === 'no') this.send(yes, option);
      states.set(option, 'yes');
      this.changed({ side, option, state: 'yes', refused: false });
      return;
    }
    if (before === 'no') {
      // An unsolicited "no" for an option that is already off needs no answer.
      return;
    }
    if (before === 'yes') this.send(no, option);
    states.set(option, 'no');
    this.changed({ side, option, state: 'no', refused: before === 'want-yes' });
  }
}
