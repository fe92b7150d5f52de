/**
 * A minimal HTTP/1.1 keep-alive connection for the append loops of the `streams` group: one request
 * at a time, answers framed by `Content-Length` (or without a body).
 *
 * node:http's client spends ~190 µs of CPU per request on this machine, more than our server does
 * for an append. With 16 writers sharing two vCPUs with the server, the client, not the server, set
 * the rate. This one costs a fraction of that, and both servers are driven by it alike.
 */
import net from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');

interface Waiting {
  resolve: (status: number) => void;
  reject: (err: Error) => void;
}

/** One keep-alive connection that POSTs and reads each answer's status. */
export class AppendConnection {
  readonly #socket: net.Socket;
  readonly #host: string;
  #received: Buffer = Buffer.alloc(0);
  #waiting: Waiting | undefined;
  #failure: Error | undefined;

  private constructor(socket: net.Socket, host: string) {
    this.#socket = socket;
    this.#host = host;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
      this.#settle();
    });
    socket.on('error', (err) => {
      this.#fail(err);
    });
    socket.on('close', () => {
      this.#fail(new Error(`connection to ${host} closed`));
    });
  }

  /** Connects to the server at `url`. */
  static async open(url: URL): Promise<AppendConnection> {
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new AppendConnection(socket, url.host);
  }

  /** POSTs `body` to `path`; resolves with the answer's status once its body has arrived. */
  post(path: string, contentType: string, body: string): Promise<number> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#waiting !== undefined) return Promise.reject(new Error('a request is already in flight'));
    return new Promise<number>((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nContent-Type: ${contentType}\r\n` +
          `Accept-Encoding: identity\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }

  /** Answers the request in flight once its whole answer has arrived. */
  #settle(): void {
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    const headEnd = this.#received.indexOf(HEAD_END);
    if (headEnd < 0) return;
    const head = this.#received.toString('latin1', 0, headEnd);
    if (/\r\ntransfer-encoding:/i.test(head)) {
      this.#fail(new Error(`answer framed by Transfer-Encoding, which this client does not read: ${head}`));
      return;
    }
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
    const end = headEnd + HEAD_END.length + (length === undefined ? 0 : Number(length));
    if (this.#received.length < end) return;
    this.#received = this.#received.subarray(end);
    this.#waiting = undefined;
    waiting.resolve(Number(head.slice('HTTP/1.1 '.length, 'HTTP/1.1 '.length + 3)));
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(err);
    this.#socket.destroy();
  }
}
