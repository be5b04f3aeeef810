/**
 * cyw43 numbers as the driver and MicroPython's binding have them (lib/cyw43-driver/src/cyw43.h,
 * cyw43_ll.h, cyw43_ctrl.c; extmod/network_cyw43.c; facts §4).
 */

/** WLAN interface ids: STA_IF / WLAN.IF_STA = 0, AP_IF / WLAN.IF_AP = 1. */
export type Itf = 0 | 1;
export const STA: Itf = 0;
export const AP: Itf = 1;

/** cyw43_tcpip_link_status() values and the network.STAT_* names that alias them (2 has none). */
export const LinkStatus = {
  DOWN: 0,
  JOIN: 1,
  NOIP: 2,
  UP: 3,
  FAIL: -1,
  NONET: -2,
  BADAUTH: -3,
} as const;

export const STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'STAT_IDLE',
  1: 'STAT_CONNECTING',
  2: 'NOIP (no named constant)',
  3: 'STAT_GOT_IP',
  [-1]: 'STAT_CONNECT_FAIL',
  [-2]: 'STAT_NO_AP_FOUND',
  [-3]: 'STAT_WRONG_PASSWORD',
};

/** CYW43_AUTH_* (the values connect(security=) takes; SEC_OPEN = 0, SEC_WPA_WPA2 = WPA2_MIXED_PSK). */
export const Auth = {
  OPEN: 0,
  WPA_TKIP_PSK: 0x00200002,
  WPA2_AES_PSK: 0x00400004,
  WPA2_MIXED_PSK: 0x00400006,
  WPA3_SAE_AES_PSK: 0x01000004,
  WPA3_WPA2_AES_PSK: 0x01400004,
} as const;

/** connect(channel=) default: no channel. */
export const CHANNEL_NONE = 0xffffffff;

/** cyw43_ctrl.c wifi_join_state: bits 0-3 an enumeration, bits 8-11 flags. */
export const JoinState = {
  KIND_MASK: 0x000f,
  ACTIVE: 0x0001,
  FAIL: 0x0002,
  NONET: 0x0003,
  BADAUTH: 0x0004,
  AUTH: 0x0200,
  LINK: 0x0400,
  KEYED: 0x0800,
  ALL: 0x0e01,
} as const;

/** WLC_SUP_* supplicant status values carried by EV_PSK_SUP. */
export const Sup = {
  KEYXCHANGE: 5,
  KEYED: 6,
  KEYXCHANGE_WAIT_M1: 8,
  /** Reason 15: timeout waiting for M1/M3/G1 (the driver rejoins). */
  REASON_TIMEOUT: 15,
  /** Model: the reason the firmware's supplicant gives when the AP deauthenticates it mid-handshake. */
  REASON_DEAUTH: 14,
} as const;

/** 802.11 reason codes the model uses. */
export const Reason = {
  /** The driver disassociates on DEAUTH_IND with reason 2 ("previous authentication no longer valid"). */
  PREV_AUTH_INVALID: 2,
  INACTIVITY: 4,
  FOURWAY_HANDSHAKE_TIMEOUT: 15,
} as const;

/** Default lwIP netif addresses (cyw43.h CYW43_DEFAULT_IP_*). */
export const DefaultIp = {
  STA_GATEWAY: '192.168.0.1',
  AP_ADDRESS: '192.168.4.1',
  AP_GATEWAY: '192.168.4.1',
  MASK: '255.255.255.0',
  DNS: '8.8.8.8',
  ANY: '0.0.0.0',
} as const;

/** cyw43_init(): the AP channel before anything configures it. */
export const DEFAULT_AP_CHANNEL = 3;
/** ports/rp2/main.c: the AP password set at boot. */
export const DEFAULT_AP_PASSWORD = 'picoW123';
/** Raspberry Pi Trading's OUI, which Pico W MAC addresses (from the CYW43439 OTP) carry. */
export const RASPBERRY_PI_OUI = [0x28, 0xcd, 0xc1] as const;
/** WLAN.scan() gives up waiting after 10 s (network_cyw43.c). */
export const SCAN_TIMEOUT_MS = 10_000;
