import { DefaultIp, JoinState, LinkStatus, Reason, Sup } from './constants.js';
import type { DriverEvent } from './join-plan.js';

/** lwIP's view of one cyw43 interface (struct netif) plus its DHCP client. */
export interface Netif {
  /** NETIF_FLAG_UP: cyw43_cb_tcpip_init has run. */
  up: boolean;
  /** NETIF_FLAG_LINK_UP. */
  linkUp: boolean;
  address: string;
  netmask: string;
  gateway: string;
  /** lwIP's DHCP client: off (stopped / static address), searching, or bound to a lease. */
  dhcp: 'off' | 'searching' | 'bound';
}

export function downNetif(): Netif {
  return { up: false, linkUp: false, address: DefaultIp.ANY, netmask: DefaultIp.ANY, gateway: DefaultIp.ANY, dhcp: 'off' };
}

/** What processing one event asks of the radio around the state machine. */
export interface EventEffects {
  /** The STA netif's link came up (cyw43_cb_tcpip_set_link_up): DHCP starts or re-confirms. */
  readonly linkCameUp: boolean;
  /** DEAUTH_IND reason 2: the driver asks the firmware to disassociate (an EV_DISASSOC follows). */
  readonly disassociate: boolean;
}

/**
 * The STA half of cyw43_ctrl.c's join state machine and cyw43_lwip.c's link status, event for event
 * (cyw43_cb_process_async_event, cyw43_wifi_link_status, cyw43_tcpip_link_status; facts §4).
 */
export class StaDriver {
  joinState = 0;
  netif: Netif = downNetif();

  clone(): StaDriver {
    const copy = new StaDriver();
    copy.joinState = this.joinState;
    copy.netif = { ...this.netif };
    return copy;
  }

  /** connect(): cyw43_wifi_join succeeded; open security needs no EV_PSK_SUP. */
  startJoin(open: boolean): void {
    this.joinState = JoinState.ACTIVE | (open ? JoinState.KEYED : 0);
  }

  /** The link as cyw43_tcpip_link_status reports it. */
  status(): number {
    if (this.netif.up && this.netif.linkUp) return this.netif.address !== DefaultIp.ANY ? LinkStatus.UP : LinkStatus.NOIP;
    switch (this.joinState & JoinState.KIND_MASK) {
      case JoinState.ACTIVE:
        return LinkStatus.JOIN;
      case JoinState.FAIL:
        return LinkStatus.FAIL;
      case JoinState.NONET:
        return LinkStatus.NONET;
      case JoinState.BADAUTH:
        return LinkStatus.BADAUTH;
      default:
        return LinkStatus.DOWN;
    }
  }

  process(event: DriverEvent): EventEffects {
    let disassociate = false;
    let linkCameUp = false;
    switch (event.type) {
      case 'DISASSOC':
        this.netif.linkUp = false;
        this.joinState = 0;
        break;
      case 'SET_SSID':
        if (event.status === 3 && event.reason === 0) this.joinState = JoinState.NONET;
        else if (event.status !== 0) this.joinState = JoinState.FAIL;
        break;
      case 'AUTH':
        if (event.status === 0) {
          if ((this.joinState & JoinState.KIND_MASK) === JoinState.BADAUTH) this.joinState = (this.joinState & ~JoinState.KIND_MASK) | JoinState.ACTIVE;
          this.joinState |= JoinState.AUTH;
        } else if (event.status !== 6) {
          this.joinState = JoinState.BADAUTH;
        }
        break;
      case 'DEAUTH_IND':
        disassociate = event.reason === Reason.PREV_AUTH_INVALID;
        break;
      case 'LINK':
        if (event.up) this.joinState |= JoinState.LINK;
        else this.netif.linkUp = false;
        break;
      case 'PSK_SUP':
        if (event.status === Sup.KEYED) this.joinState |= JoinState.KEYED;
        else if ((event.status === 4 || event.status === 8 || event.status === 10) && event.reason === Sup.REASON_TIMEOUT) {
          // The driver rejoins (cyw43_ll_wifi_rejoin) and sets the state back to ACTIVE.
          this.joinState = JoinState.ACTIVE;
        } else {
          this.joinState = JoinState.BADAUTH;
        }
        break;
    }
    if (this.joinState === JoinState.ALL) {
      this.joinState = JoinState.ACTIVE;
      linkCameUp = !this.netif.linkUp && this.netif.up;
      this.netif.linkUp = true;
    }
    return { linkCameUp, disassociate };
  }
}
