/** Telnet (RFC 854/855) command bytes that RFC 2217 uses. */
export const IAC = 255;
export const DONT = 254;
export const DO = 253;
export const WONT = 252;
export const WILL = 251;
export const SB = 250;
export const SE = 240;

export type NegotiationVerb = typeof WILL | typeof WONT | typeof DO | typeof DONT;

/** Telnet options the serial-port servers negotiate. */
export const TelnetOption = {
  BINARY: 0,
  ECHO: 1,
  SGA: 3,
  COM_PORT: 44,
} as const;

/** COM-PORT-OPTION commands, client to server; the server answers with the same command + 100. */
export const ComPortCommand = {
  SIGNATURE: 0,
  SET_BAUDRATE: 1,
  SET_DATASIZE: 2,
  SET_PARITY: 3,
  SET_STOPSIZE: 4,
  SET_CONTROL: 5,
  NOTIFY_LINESTATE: 6,
  NOTIFY_MODEMSTATE: 7,
  FLOWCONTROL_SUSPEND: 8,
  FLOWCONTROL_RESUME: 9,
  SET_LINESTATE_MASK: 10,
  SET_MODEMSTATE_MASK: 11,
  PURGE_DATA: 12,
} as const;

export type ComPortCommandCode = (typeof ComPortCommand)[keyof typeof ComPortCommand];

/** The server's answer to (or notification for) a client command. */
export const SERVER_OFFSET = 100;

/** SET-CONTROL values. */
export const Control = {
  REQUEST_FLOW: 0,
  FLOW_NONE: 1,
  FLOW_XONXOFF: 2,
  FLOW_HARDWARE: 3,
  REQUEST_BREAK: 4,
  BREAK_ON: 5,
  BREAK_OFF: 6,
  REQUEST_DTR: 7,
  DTR_ON: 8,
  DTR_OFF: 9,
  REQUEST_RTS: 10,
  RTS_ON: 11,
  RTS_OFF: 12,
} as const;

export const Parity = { NONE: 1, ODD: 2, EVEN: 3, MARK: 4, SPACE: 5 } as const;
export const StopSize = { ONE: 1, TWO: 2, ONE_AND_HALF: 3 } as const;
/** PURGE-DATA values: the server's buffer of data from the device, to the device, or both. */
export const Purge = { RECEIVE: 1, TRANSMIT: 2, BOTH: 3 } as const;

/** NOTIFY-MODEMSTATE bits. */
export const ModemState = { CTS: 0x10, DSR: 0x20, RI: 0x40, CD: 0x80 } as const;
/** NOTIFY-LINESTATE bits an idle port shows: transmit holding register and shift register empty. */
export const IDLE_LINESTATE = 0x60;

const COMMAND_NAMES: Record<number, string> = {
  0: 'SIGNATURE',
  1: 'SET-BAUDRATE',
  2: 'SET-DATASIZE',
  3: 'SET-PARITY',
  4: 'SET-STOPSIZE',
  5: 'SET-CONTROL',
  6: 'NOTIFY-LINESTATE',
  7: 'NOTIFY-MODEMSTATE',
  8: 'FLOWCONTROL-SUSPEND',
  9: 'FLOWCONTROL-RESUME',
  10: 'SET-LINESTATE-MASK',
  11: 'SET-MODEMSTATE-MASK',
  12: 'PURGE-DATA',
};

/** `SET-BAUDRATE` for 1, `SET-BAUDRATE ack` for 101. */
export function commandName(code: number): string {
  if (code >= SERVER_OFFSET) return `${COMMAND_NAMES[code - SERVER_OFFSET] ?? `command ${code - SERVER_OFFSET}`} ack`;
  return COMMAND_NAMES[code] ?? `command ${code}`;
}

const OPTION_NAMES: Record<number, string> = { 0: 'BINARY', 1: 'ECHO', 3: 'SUPPRESS-GO-AHEAD', 44: 'COM-PORT-OPTION' };

export function optionName(option: number): string {
  return OPTION_NAMES[option] ?? `option ${option}`;
}

export function verbName(verb: number): string {
  return verb === WILL ? 'WILL' : verb === WONT ? 'WONT' : verb === DO ? 'DO' : verb === DONT ? 'DONT' : `command ${verb}`;
}

export function uint32(value: number): Uint8Array {
  return Uint8Array.of((value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

export function readUint32(bytes: Uint8Array): number | undefined {
  if (bytes.length < 4) return undefined;
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}
