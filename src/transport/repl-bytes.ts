// Byte sequences of MicroPython's REPL protocols (shared/runtime/pyexec.c, see
// ../shared/reference/micropython-facts.md §1). The simulator and the client both import these.

export const CTRL_A = 0x01; // enter / reset raw REPL
export const CTRL_B = 0x02; // leave raw REPL, friendly banner
export const CTRL_C = 0x03; // interrupt; clears the raw REPL line buffer
export const CTRL_D = 0x04; // end of input / soft reboot on an empty line; also the EOF marker in output
export const CTRL_E = 0x05; // paste mode (friendly) / raw-paste prefix (raw)

export const EOF_MARKER = 0x04;

export const RAW_REPL_BANNER = 'raw REPL; CTRL-B to exit\r\n';
export const RAW_REPL_PROMPT = '>';
export const FRIENDLY_PROMPT = '>>> ';
export const CONTINUATION_PROMPT = '... ';
export const SOFT_REBOOT_LINE = 'MPY: soft reboot\r\n';
export const EXEC_ACK = 'OK';
export const PASTE_MODE_BANNER = 'paste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ';
export const HELP_LINE = 'Type "help()" for more information.\r\n';

/** Host → board: request raw-paste mode (Ctrl-E, 'A', Ctrl-A) at the raw prompt. */
export const RAW_PASTE_REQUEST = Uint8Array.of(CTRL_E, 0x41, CTRL_A);
/** Board → host: raw-paste supported. */
export const RAW_PASTE_SUPPORTED = Uint8Array.of(0x52, 0x01); // "R\x01"
/** Board → host: the command byte after Ctrl-E was not understood. */
export const RAW_PASTE_UNSUPPORTED = Uint8Array.of(0x52, 0x00); // "R\x00"
/** Board → host during raw-paste: one more window of data may be sent. */
export const RAW_PASTE_WINDOW_INC = 0x01;
/** MICROPY_REPL_STDIN_BUFFER_MAX on rp2 is the default 256; the window is half of it. */
export const RAW_PASTE_WINDOW_SIZE = 128;
