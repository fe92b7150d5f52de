/**
 * Seeded frame-level fuzzing of a federation hub: each generated connection is a script of bytes
 * (random bytes instead of the HTTP upgrade; mutated frames right after the upgrade; or a valid
 * handshake, a run of WebSocket-valid frames of federation garbage, then mutated frames), sent over a
 * real socket that is then ended. The same seed gives the same scripts.
 */
import type net from 'node:net';
import {
  Opcode,
  connectRaw,
  encodeRawFrame,
  openRawWebSocket,
  type RawFrame,
  type RawTlsFiles,
} from './raw-websocket.js';

/** Where a script starts. */
export type FuzzStage = 'before-upgrade' | 'after-upgrade' | 'after-handshake';

/** One connection's script. */
export interface FuzzConnection {
  readonly stage: FuzzStage;
  /** The bytes written after connecting (after the upgrade unless `before-upgrade`), in order. */
  readonly chunks: readonly Buffer[];
  /** Fuzz cases in it: frames (or byte runs) that were generated, valid ones included. */
  readonly cases: number;
}

/** Lengths that sit on the encoding's boundaries or beyond any limit. */
const EDGE_LENGTHS = [
  0n,
  125n,
  126n,
  127n,
  65535n,
  65536n,
  2n ** 24n,
  2n ** 32n,
  2n ** 53n,
  2n ** 63n - 1n,
  2n ** 64n - 1n,
];

const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

/** Generates connection scripts from `random`. */
export class FrameFuzzer {
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  /** The script of connection number `index`. */
  connection(index: number): FuzzConnection {
    const roll = this.#random();
    if (roll < 0.1) {
      const chunks = [this.#beforeUpgrade()];
      return { stage: 'before-upgrade', chunks, cases: 1 };
    }
    const chunks: Buffer[] = [];
    let stage: FuzzStage = 'after-upgrade';
    if (roll >= 0.45) {
      stage = 'after-handshake';
      const handshake = `{"instance_name":"fuzz-${index}","role":"client","version":"1"}`;
      chunks.push(this.#encode({ opcode: Opcode.text, payload: Buffer.from(handshake) }));
      const valid = 4 + this.#int(16);
      for (let i = 0; i < valid; i++) chunks.push(this.#encode(this.#federationGarbage()));
    }
    const bad = 1 + this.#int(3);
    for (let i = 0; i < bad; i++) chunks.push(...this.#mutatedFrame());
    return { stage, chunks, cases: chunks.length };
  }

  #int(n: number): number {
    return Math.floor(this.#random() * n);
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)]!;
  }

  #bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.#int(256);
    return out;
  }

  #encode(frame: RawFrame): Buffer {
    return encodeRawFrame({ ...frame, mask: this.#bytes(4) });
  }

  /** Random bytes, or an upgrade request cut short or with garbage spliced in. */
  #beforeUpgrade(): Buffer {
    const request = Buffer.from(
      'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    switch (this.#int(3)) {
      case 0:
        return this.#bytes(1 + this.#int(400));
      case 1:
        return request.subarray(0, this.#int(request.length));
      default: {
        const at = this.#int(request.length);
        return Buffer.concat([request.subarray(0, at), this.#bytes(1 + this.#int(64)), request.subarray(at)]);
      }
    }
  }

  /** A frame that is valid WebSocket but nonsense to federation (most as length-prefixed records). */
  #federationGarbage(): RawFrame {
    if (this.#random() < 0.15) return { opcode: Opcode.binary, payload: this.#bytes(this.#int(300)) };
    if (this.#random() < 0.1)
      return { opcode: Opcode.text, payload: Buffer.from(`{"last_id":${this.#int(9)}`) };
    const parts: Buffer[] = [];
    const records = 1 + this.#int(5);
    for (let i = 0; i < records; i++) {
      const record =
        this.#random() < 0.5 ? this.#bytes(this.#int(120)) : Buffer.from(`{"v":1,"id":"${this.#int(1e9)}"`);
      const head = Buffer.alloc(4);
      head.writeUInt32BE(record.length);
      parts.push(head, record);
    }
    return { opcode: Opcode.binary, payload: Buffer.concat(parts) };
  }

  /** A valid data frame with one to three things made wrong, as bytes (possibly cut or spliced). */
  #mutatedFrame(): Buffer[] {
    const size = this.#random() < 0.8 ? this.#int(200) : 126 + this.#int(70_000);
    let frame: RawFrame = {
      opcode: this.#random() < 0.5 ? Opcode.text : Opcode.binary,
      payload: this.#bytes(size),
    };
    const extra: RawFrame[] = [];
    const mutations = 1 + this.#int(3);
    for (let i = 0; i < mutations; i++) {
      switch (this.#int(9)) {
        case 0:
          frame = { ...frame, opcode: this.#int(16) };
          break;
        case 1:
          frame = { ...frame, rsv: 1 + this.#int(7) };
          break;
        case 2:
          frame = { ...frame, masked: false };
          break;
        case 3:
          frame = { ...frame, declaredLength: this.#lengthFor(frame.payload!.length) };
          break;
        case 4:
          frame = {
            ...frame,
            opcode: Opcode.text,
            payload: Buffer.concat([Buffer.from('{"a":"'), this.#pick(INVALID_UTF8)]),
          };
          break;
        case 5:
          // Fragmentation out of order: a continuation first, or a new message inside a fragmented one.
          if (this.#random() < 0.5) frame = { ...frame, opcode: Opcode.continuation };
          else {
            frame = { ...frame, fin: false };
            extra.push({
              opcode: this.#pick([Opcode.text, Opcode.binary, Opcode.continuation]),
              payload: this.#bytes(this.#int(50)),
              fin: this.#random() < 0.5,
            });
          }
          break;
        case 6:
          frame = {
            opcode: this.#pick([Opcode.ping, Opcode.pong, Opcode.close]),
            payload: this.#bytes(this.#random() < 0.5 ? this.#int(126) : 126 + this.#int(200)),
            fin: this.#random() < 0.7,
          };
          break;
        case 7:
          frame = {
            opcode: Opcode.close,
            payload: Buffer.concat([Buffer.from([this.#int(256), this.#int(256)]), this.#pick(INVALID_UTF8)]),
          };
          break;
        default:
          extra.push({
            opcode: this.#int(16),
            payload: this.#bytes(this.#int(40)),
            rsv: this.#int(8),
            fin: this.#random() < 0.5,
          });
      }
    }
    let bytes = Buffer.concat([frame, ...extra].map((f) => this.#encode(f)));
    const damage = this.#random();
    if (damage < 0.15) bytes = bytes.subarray(0, this.#int(bytes.length));
    else if (damage < 0.25) {
      bytes = Buffer.from(bytes);
      const flips = 1 + this.#int(4);
      for (let i = 0; i < flips; i++) bytes[this.#int(Math.min(bytes.length, 14))] = this.#int(256);
    } else if (damage < 0.35) bytes = Buffer.concat([bytes, this.#bytes(1 + this.#int(100))]);
    return [bytes];
  }

  #lengthFor(actual: number): bigint {
    if (this.#random() < 0.6) return this.#pick(EDGE_LENGTHS);
    return BigInt(Math.max(0, actual + this.#int(21) - 10));
  }
}

/**
 * Runs one script against `addr` (TLS with `files`): connects, upgrades unless `before-upgrade`,
 * writes the chunks, ends the socket, and resolves once it has closed. Never rejects for what the hub
 * does to the connection; rejects only when the hub cannot be reached at all.
 */
export async function runFuzzConnection(
  addr: string,
  files: RawTlsFiles | undefined,
  script: FuzzConnection,
): Promise<void> {
  let socket: net.Socket;
  if (script.stage === 'before-upgrade') {
    socket = await connectRaw(addr, files);
    socket.on('error', () => undefined);
  } else {
    try {
      socket = (await openRawWebSocket(addr, files)).socket;
    } catch (err) {
      throw new Error(`upgrade failed: ${(err as Error).message}`);
    }
  }
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
  socket.resume();
  for (const chunk of script.chunks) if (!socket.destroyed) socket.write(chunk);
  if (!socket.destroyed) socket.end();
  await closed;
}
