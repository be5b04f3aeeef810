import type { ListenOptions, AddressInfo, Socket } from 'node:net';
import type { SimBoard } from '../board.js';
import { CdcSocketHost, OneClientBoardServer, type OneClientServerEvents } from './one-client-server.js';

export type BoardSocketServerEvents = OneClientServerEvents;

/** A client whose socket bytes are the board's USB CDC bytes, unchanged both ways. */
class SocketHost extends CdcSocketHost {
  deliver(data: Uint8Array): void {
    this.forward(data);
  }

  protected received(bytes: Uint8Array): void {
    this.toBoard(bytes);
  }
}

/**
 * Serves a simulated board's USB CDC on a listening socket (TCP or unix), one client at a time like
 * ser2net's default: a second client gets a one-line reason and is closed, and so is every client
 * while the board's USB is absent (off, resetting). When the USB goes away the client is dropped.
 */
export class BoardSocketServer extends OneClientBoardServer<SocketHost, BoardSocketServerEvents> {
  static async listen(board: SimBoard, where: ListenOptions): Promise<BoardSocketServer> {
    const served = new BoardSocketServer(board);
    await served.bind(where);
    return served;
  }

  /** The bound TCP address, or undefined for a unix socket. */
  get tcpAddress(): { host: string; port: number } | undefined {
    const address = this.server.address();
    if (address === null || typeof address === 'string') return undefined;
    const info = address as AddressInfo;
    return { host: info.address, port: info.port };
  }

  protected createHost(socket: Socket, remote: string, onGone: (host: CdcSocketHost, reason: string) => void): SocketHost {
    return new SocketHost(this.board, socket, remote, onGone);
  }
}
