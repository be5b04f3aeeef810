/**
 * An exception the simulated firmware raises in Python, carried from a main-thread hardware model
 * to the CPU. Hardware models throw it; the board turns it into `{ raise: { type, args } }` and the
 * prelude raises `type(*args)` — so `OSError(110)` prints `OSError: [Errno 110] ETIMEDOUT` and
 * `OSError(-30592, 'MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE')` prints its tuple, as on the board.
 */
export type PyExceptionType = 'OSError' | 'ValueError' | 'TypeError' | 'MemoryError' | 'RuntimeError' | 'NotImplementedError';

export class PyRaise extends Error {
  constructor(
    readonly type: PyExceptionType,
    readonly args: readonly (number | string)[],
  ) {
    super(`${type}${JSON.stringify(args)}`);
    this.name = 'PyRaise';
  }
}

/** errno values as MicroPython's `errno` module has them (py/mperrno.h). */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EINVAL: 22,
  EOPNOTSUPP: 95,
  EADDRINUSE: 98,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

export function osError(errno: number, text?: string): PyRaise {
  return new PyRaise('OSError', text === undefined ? [errno] : [errno, text]);
}

export function valueError(message: string): PyRaise {
  return new PyRaise('ValueError', [message]);
}
