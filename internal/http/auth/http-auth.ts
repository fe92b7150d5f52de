/**
 * Who is calling and what they may do: a client is identified by a bearer token (from the tokens
 * file) or by the CN of a client certificate that verified against the instance CA, and holds
 * read / write / admin rights on channel patterns. Without configured clients, everyone may do
 * everything (the endpoint then only listens on loopback, or the operator opted out).
 */
import type http from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ChannelPatternSet } from '../../naming/index.js';
import { peerCommonName } from '../../tlsutil/index.js';
import { clientOfToken, loadTokensFile, type TokenEntry } from './tokens-file.js';

/** What a request does to a channel: read it, append to it, or manage its stream's lifecycle. */
export type HttpRight = 'read' | 'write' | 'admin';

/** One client and its rights, as configured (`http.auth.clients[]`). */
export interface HttpClientRights {
  /** Certificate CN or token name. */
  readonly name: string;
  readonly read: readonly string[];
  readonly write: readonly string[];
  /** `>` here also grants the instance-wide control API. */
  readonly admin: readonly string[];
}

/** The `http.auth` settings. */
export interface HttpAuthSettings {
  /** Path of the tokens file; empty: no tokens. */
  readonly tokensFile: string;
  readonly clients: readonly HttpClientRights[];
}

/** The answer to "may this request do that?". */
export type AccessDecision =
  | { readonly allowed: true; readonly client: string | undefined }
  | {
      readonly allowed: false;
      /** 401: not authenticated (no or a bad credential); 403: authenticated, not allowed. */
      readonly status: 401 | 403;
      /** A credential was presented but is not valid (401 only). */
      readonly badCredential: boolean;
      readonly reason: string;
      /** The authenticated client, for 403. */
      readonly client: string | undefined;
    };

/**
 * What is asked: a right on a channel, on the whole instance (the control API), or reading the
 * instance's metrics (granted by `read: [">"]` or `admin: [">"]`: they name every channel and subscriber).
 */
export type AccessTarget = { readonly right: HttpRight; readonly channel: string } | 'instance' | 'metrics';

type Identity =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'client'; readonly name: string; readonly via: 'token' | 'certificate' };

interface CompiledRights {
  readonly read: ChannelPatternSet;
  readonly write: ChannelPatternSet;
  readonly admin: ChannelPatternSet;
  readonly instanceAdmin: boolean;
  readonly readsEverything: boolean;
}

function grants(rights: CompiledRights, target: AccessTarget): boolean {
  if (target === 'instance') return rights.instanceAdmin;
  if (target === 'metrics') return rights.readsEverything || rights.instanceAdmin;
  return rights[target.right].matches(target.channel);
}

const BEARER = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i;

/** Authentication and authorization of HTTP requests; one instance per endpoint. */
export class HttpAuth {
  readonly #rights: ReadonlyMap<string, CompiledRights> | undefined;
  readonly #tokens: readonly TokenEntry[];

  private constructor(
    rights: ReadonlyMap<string, CompiledRights> | undefined,
    tokens: readonly TokenEntry[],
  ) {
    this.#rights = rights;
    this.#tokens = tokens;
  }

  /** Everyone may do everything: no `http.auth` configured. */
  static anonymous(): HttpAuth {
    return new HttpAuth(undefined, []);
  }

  /**
   * Builds the access rules of `settings`, reading the tokens file when one is set; with no client
   * and no tokens file this is {@link HttpAuth.anonymous}.
   *
   * @throws ConfigError when the tokens file is unreadable, too open or malformed.
   */
  static async load(settings: HttpAuthSettings): Promise<HttpAuth> {
    if (settings.tokensFile === '' && settings.clients.length === 0) return HttpAuth.anonymous();
    const rights = new Map(
      settings.clients.map((client) => [
        client.name,
        {
          read: new ChannelPatternSet(client.read),
          write: new ChannelPatternSet(client.write),
          admin: new ChannelPatternSet(client.admin),
          instanceAdmin: client.admin.includes('>'),
          readsEverything: client.read.includes('>'),
        },
      ]),
    );
    const tokens =
      settings.tokensFile === '' ? [] : await loadTokensFile(settings.tokensFile, new Set(rights.keys()));
    return new HttpAuth(rights, tokens);
  }

  /** True when requests need a credential. */
  get required(): boolean {
    return this.#rights !== undefined;
  }

  /** Decides whether `req` may act on `target`. */
  decide(req: http.IncomingMessage, target: AccessTarget): AccessDecision {
    const rights = this.#rights;
    if (rights === undefined) return { allowed: true, client: undefined };
    const identity = this.#identify(req);
    if (identity.kind === 'anonymous') {
      const reason = 'authentication required: a bearer token or a client certificate';
      return { allowed: false, status: 401, badCredential: false, reason, client: undefined };
    }
    if (identity.kind === 'invalid') {
      return { allowed: false, status: 401, badCredential: true, reason: identity.reason, client: undefined };
    }
    const granted = rights.get(identity.name);
    if (granted !== undefined && grants(granted, target)) return { allowed: true, client: identity.name };
    const what =
      target === 'instance'
        ? 'the control API (admin: [">"])'
        : target === 'metrics'
          ? 'read the metrics (read: [">"] or admin: [">"])'
          : `${target.right} on channel ${target.channel}`;
    const who = identity.via === 'token' ? 'client' : 'certificate CN';
    return {
      allowed: false,
      status: 403,
      badCredential: false,
      reason: `${who} ${JSON.stringify(identity.name)} may not ${what}`,
      client: identity.name,
    };
  }

  #identify(req: http.IncomingMessage): Identity {
    // Node keeps the first of repeated Authorization headers; a proxy in front may use another.
    if ((req.headersDistinct.authorization?.length ?? 0) > 1)
      return { kind: 'invalid', reason: 'several Authorization headers' };
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const token = BEARER.exec(authorization)?.[1];
      if (token === undefined)
        return { kind: 'invalid', reason: 'the Authorization header is not "Bearer <token>"' };
      const name = clientOfToken(this.#tokens, token);
      return name === undefined
        ? { kind: 'invalid', reason: 'unknown bearer token' }
        : { kind: 'client', name, via: 'token' };
    }
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.encrypted === true && typeof socket.getPeerCertificate === 'function') {
      const cn = peerCommonName(socket as TLSSocket);
      if (cn !== undefined) return { kind: 'client', name: cn, via: 'certificate' };
    }
    return { kind: 'anonymous' };
  }
}
