/** An in-process console: a Messenger, its admin host and HTTP endpoint, with token clients. */
import fs from 'node:fs';
import path from 'node:path';
import { messengerHost } from '../../cmd/keyop-messenger/admin/hosts.js';
import { silentLogger } from '../../internal/logger/index.js';
import {
  Messenger,
  startHttpEndpoint,
  type HttpEndpoint,
  type HttpEndpointOptions,
  type MessengerConfigInput,
} from '../../src/index.js';
import { tokenFileLine } from '../http/client.js';

/** What a test closes after it (in reverse order). */
export type Closers = { close(): Promise<void> }[];

/** The bearer token of client `name` in {@link tokenClients}. */
export function tokenOf(name: string): string {
  return `${name}-0123456789abcdef`;
}

/** `http.auth` with `clients`, each with the token {@link tokenOf} its name, in a tokens file in `dir`. */
export function tokenClients(
  dir: string,
  clients: { name: string; read?: string[]; write?: string[]; admin?: string[] }[],
): NonNullable<NonNullable<MessengerConfigInput['http']>['auth']> {
  const tokensFile = path.join(dir, 'tokens');
  fs.writeFileSync(tokensFile, `${clients.map((c) => tokenFileLine(c.name, tokenOf(c.name))).join('\n')}\n`, {
    mode: 0o600,
  });
  return { tokensFile, clients };
}

/** A client that may look at the console (read every channel) and one that may also act (admin `>`). */
export const VIEWER_AND_OPERATOR = [
  { name: 'viewer', read: ['>'] },
  { name: 'operator', admin: ['>'] },
];

/**
 * `config` with the console on and the token clients `clients` in `dir`, over the data dir
 * `dir/data`.
 */
export function consoleConfig(
  dir: string,
  clients: Parameters<typeof tokenClients>[1] = VIEWER_AND_OPERATOR,
): MessengerConfigInput {
  return {
    storage: { dataDir: path.join(dir, 'data') },
    http: { console: true, auth: tokenClients(dir, clients) },
  };
}

/** Writes the offset file of subscriber `id` of `channel` (known by its file only, not delivering). */
export function storedSubscriber(dataDir: string, channel: string, id: string, offset = 0): void {
  fs.mkdirSync(path.join(dataDir, 'subscribers', channel), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'subscribers', channel, `${id}.offset`), `${offset}\n`);
}

/**
 * Opens a Messenger of `config` and its HTTP endpoint with the daemon's admin host, and what
 * `host(messenger)` opens as the daemon's hosted stores and request/reply.
 */
export async function openConsole(
  config: MessengerConfigInput,
  closers: Closers,
  host?: (messenger: Messenger) => Promise<HttpEndpointOptions['hosted']>,
): Promise<{ messenger: Messenger; endpoint: HttpEndpoint }> {
  const messenger = await Messenger.open(config);
  closers.push(messenger);
  const hosted = await host?.(messenger);
  const admin = messengerHost(messenger, 'daemon', silentLogger);
  closers.push(admin);
  const endpoint = await startHttpEndpoint(messenger, {
    listenAddr: '127.0.0.1:0',
    admin: admin.host,
    ...(hosted === undefined ? {} : { hosted }),
  });
  closers.push(endpoint);
  return { messenger, endpoint };
}
