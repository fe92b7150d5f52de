/**
 * A WebSocket client written byte by byte over a real (TLS) socket, for tests that send frames no
 * well-behaved library would: any opcode, RSV bits, mask or declared length, truncated or fragmented
 * in any order. It reads the server's frames just far enough to learn its close code.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/** One frame to send; everything a real client gets right can be got wrong here. */
export interface RawFrame {
  readonly opcode: number;
  readonly payload?: Buffer;
  /** FIN bit; default true. */
  readonly fin?: boolean;
  /** RSV1..3 as a 3-bit number; default 0. */
  readonly rsv?: number;
  /** Whether the frame is masked (clients must mask); default true. */
  readonly masked?: boolean;
  /** The length written in the header when it should lie about the payload; default its size. */
  readonly declaredLength?: bigint;
  /** The 4-byte masking key; default random. */
  readonly mask?: Buffer;
}

/** WebSocket opcodes (RFC 6455 §5.2). */
export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** The bytes of `frame` on the wire. */
export function encodeRawFrame(frame: RawFrame): Buffer {
  const payload = frame.payload ?? Buffer.alloc(0);
  const masked = frame.masked ?? true;
  const length = frame.declaredLength ?? BigInt(payload.length);
  const first = ((frame.fin ?? true) ? 0x80 : 0) | (((frame.rsv ?? 0) & 7) << 4) | (frame.opcode & 0x0f);
  let header: Buffer;
  if (length < 126n) {
    header = Buffer.from([first, Number(length)]);
  } else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  header[1] = header[1]! | 0x80;
  const mask = frame.mask ?? randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ mask[i % 4]!;
  return Buffer.concat([header, mask, body]);
}

/** Certificate, key and CA files of a TLS client. */
export interface RawTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly ca: string;
}

/** A connection past the HTTP upgrade. */
export interface RawWebSocket {
  readonly socket: net.Socket;
  /** Writes bytes as they are. */
  write(bytes: Buffer): void;
  /** The code of the server's close frame (1005 when it had none), or undefined when the socket ended without one. */
  readonly closeCode: Promise<number | undefined>;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
}

/** A TCP connection to `addr` (`host:port`), or TLS with `files`; resolves once connected (TLS: after the handshake). */
export function connectRaw(addr: string, files: RawTlsFiles | undefined): Promise<net.Socket> {
  const [host, port] = splitAddr(addr);
  return new Promise((resolve, reject) => {
    const socket =
      files === undefined
        ? net.connect(port, host, () => {
            resolve(socket);
          })
        : tls.connect(
            {
              host,
              port,
              cert: fs.readFileSync(files.certFile),
              key: fs.readFileSync(files.keyFile),
              ca: fs.readFileSync(files.ca),
              checkServerIdentity: () => undefined,
            },
            () => {
              resolve(socket);
            },
          );
    socket.once('error', reject);
  });
}

/** Connects to `addr` and performs the WebSocket upgrade by hand; `files` selects TLS. */
export async function openRawWebSocket(addr: string, files: RawTlsFiles | undefined): Promise<RawWebSocket> {
  const socket = await connectRaw(addr, files);
  socket.on('error', () => undefined);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const rest = await readUpgradeResponse(socket);
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
  const closeCode = readCloseCode(socket, rest);
  return {
    socket,
    write: (bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    },
    closeCode,
    closed,
  };
}

/** Reads the `101` response; resolves with the bytes after it. */
function readUpgradeResponse(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      const head = got.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
      else resolve(got.subarray(end + 4));
    };
    const onClose = (): void => {
      reject(new Error('connection closed during the upgrade'));
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** Parses the server's (unmasked) frames until a close frame; then closes our side. */
function readCloseCode(socket: net.Socket, first: Buffer): Promise<number | undefined> {
  return new Promise((resolve) => {
    let buf = first;
    const scan = (): void => {
      for (;;) {
        if (buf.length < 2) return;
        const opcode = buf[0]! & 0x0f;
        let length = buf[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buf.length < 4) return;
          length = buf.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buf.length < 10) return;
          length = Number(buf.readBigUInt64BE(2));
          offset = 10;
        }
        if (buf.length < offset + length) return;
        if (opcode === Opcode.close) {
          resolve(length >= 2 ? buf.readUInt16BE(offset) : 1005);
          socket.end();
          return;
        }
        buf = buf.subarray(offset + length);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      scan();
    });
    socket.once('close', () => {
      resolve(undefined);
    });
    scan();
  });
}

function splitAddr(addr: string): [string, number] {
  const at = addr.lastIndexOf(':');
  return [addr.slice(0, at), Number(addr.slice(at + 1))];
}
