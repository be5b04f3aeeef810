/**
 * The lwIP numbers the simulated network stack follows, with where each comes from. "rp2" is
 * MicroPython's ports/rp2/lwip_inc/lwipopts.h (v1.19.1–v1.25, unchanged for these), "lwIP" the
 * lib/lwip submodule's src/include/lwip/opt.h defaults and src/core sources, "modlwip" MicroPython's
 * extmod/modlwip.c.
 */

/** rp2: TCP_MSS 800. lwIP hands received data to modlwip one pbuf (≤ one segment) per recv() call. */
export const TCP_MSS = 800;
/** rp2: TCP_WND = 8 * TCP_MSS. The board advertises no more than this: more unread data pauses the sender. */
export const TCP_WND = 8 * TCP_MSS;
/** rp2: TCP_SND_BUF = 8 * TCP_MSS. send() accepts at most what is free of this. */
export const TCP_SND_BUF = 8 * TCP_MSS;
/** rp2 MEM_SIZE: the heap pbufs for outgoing UDP come from; a bigger datagram cannot be allocated (ENOMEM). */
export const LWIP_MEM_SIZE = 8000;

/** lwIP opt.h MEMP_NUM_TCP_PCB (rp2 does not override it): a sixth open TCP socket cannot get a PCB. */
export const MAX_TCP_SOCKETS = 5;
/**
 * Model: rp2 sets MEMP_NUM_UDP_PCB = 4 + 1 (mDNS responder); the DHCP client and the mDNS responder
 * hold one each while Wi-Fi is up, so three are left for the application.
 */
export const MAX_UDP_SOCKETS = 3;

/**
 * lwIP tcp.c: LWIP_TCP_RTO_TIME 3000 ms, no back-off while in SYN_SENT, TCP_SYNMAXRTX 6: a SYN that is
 * never answered is given up after 7 × 3 s, with ERR_ABRT (modlwip: ECONNABORTED).
 */
export const LWIP_SYN_GIVE_UP_MS = 7 * 3000;

/** modlwip MICROPY_PY_LWIP_TCP_CLOSE_TIMEOUT_MS: after close() a connection not closed cleanly is aborted. */
export const TCP_CLOSE_TIMEOUT_MS = 10_000;

/**
 * lwIP dns.c dns_check_entry with DNS_TMR_INTERVAL 1 s and DNS_MAX_RETRIES 4: a query is sent at
 * 0, 1, 2 and 4 s and given up (callback with no address → OSError(-2)) at 7 s.
 */
export const DNS_ATTEMPT_OFFSETS_MS: readonly number[] = [0, 1000, 2000, 4000];
export const DNS_GIVE_UP_MS = 7000;
/** lwIP opt.h DNS_TABLE_SIZE: how many answers the resolver remembers. */
export const DNS_TABLE_SIZE = 4;
/** Model: the world's DNS answers carry this TTL (lwIP caches an answer for its TTL). */
export const DNS_ANSWER_TTL_MS = 300_000;
/** lwIP opt.h DNS_MAX_NAME_LENGTH: a longer name is refused with ERR_ARG. */
export const DNS_MAX_NAME_LENGTH = 256;

/** lwIP err.h (2.x numbering) values modlwip raises as-is from getaddrinfo (`OSError(state.status)`). */
export const LWIP_ERR_VAL = -6;
export const LWIP_ERR_ARG = -16;
/** modlwip lwip_getaddrinfo_cb: a lookup that ended without an address. */
export const DNS_NAME_NOT_FOUND = -2;

/** py/mperrno.h values missing from src/sim/hw/py-raise.ts Errno. */
export const EISCONN = 106;
