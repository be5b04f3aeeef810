import type { SimBoard } from './board.js';
import { BoardSocketServer } from './host/board-socket-server.js';

export interface ServeTcpOptions {
  /** Loopback by default: the simulated board has no authentication. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
}

export interface ServedBoard {
  readonly host: string;
  readonly port: number;
  /** Stop listening, close the client, release the board's USB. */
  close(): Promise<void>;
  /** Connection events (attach, detach, refused) for whoever wants to log them. */
  readonly server: BoardSocketServer;
}

/**
 * Serve a simulated board as a raw TCP byte stream (like ser2net's raw mode) for `tcp://host:port`.
 * The connected client is the board's USB host; see `BoardSocketServer` for the one-client rule.
 */
export async function serveBoardOverTcp(board: SimBoard, options: ServeTcpOptions = {}): Promise<ServedBoard> {
  const host = options.host ?? '127.0.0.1';
  const server = await BoardSocketServer.listen(board, { host, port: options.port ?? 0 });
  const bound = server.tcpAddress;
  if (bound === undefined) throw new Error('a TCP listener reported no TCP address');
  return { host: bound.host, port: bound.port, close: () => server.close(), server };
}
