/** Every rule, in the order their findings are listed within one strength. */
import type { Rule } from '../draft.js';
import { carriedOver } from './carried-over.js';
import { coldBootClock } from './cold-boot-clock.js';
import { dhcpStuck } from './dhcp-stuck.js';
import { errorForm } from './error-form.js';
import { hiddenSsidChannel } from './hidden-ssid-channel.js';
import { hiddenSsidPm } from './hidden-ssid-pm.js';
import { tlsHeap } from './tls-heap.js';

export const RULES: readonly Rule[] = [coldBootClock, hiddenSsidPm, hiddenSsidChannel, carriedOver, dhcpStuck, tlsHeap, errorForm];
