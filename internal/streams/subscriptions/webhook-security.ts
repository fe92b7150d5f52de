/**
 * Webhook security: which URLs may receive webhooks, the Ed25519 key that signs them (published as
 * a JWKS), and the HMAC-signed callback tokens that fence stale wakes.
 */
import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import fsp from 'node:fs/promises';
import { isIP } from 'node:net';
import { replaceFileDurably } from '../../storage/index.js';

/** Why a webhook URL is refused, or undefined when it is acceptable. */
export function webhookUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'webhook.url must be a valid URL';
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const loopback = host === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
  if (url.protocol === 'http:') {
    return loopback ? undefined : 'http webhook URLs are only allowed for localhost; use https';
  }
  if (url.protocol !== 'https:') return 'webhook.url must use https';
  if (loopback) return 'loopback webhook URLs must use http';
  if (isIP(host) === 4 && isPrivateIpv4(host))
    return 'webhook.url must not target private or link-local addresses';
  if (isIP(host) === 6) return 'webhook.url must not be an IPv6 literal';
  return undefined;
}

function isPrivateIpv4(host: string): boolean {
  const [a = 0, b = 0] = host.split('.').map(Number);
  return (
    a === 10 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254)
  );
}

/** A public key in JWK form. */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  use: 'sig';
  alg: 'EdDSA';
}

/** The webhook signing key: loaded from `file`, or created there (mode 0600) on first use. */
export class WebhookSigner {
  readonly #key: KeyObject;
  /** The public key, as published in the JWKS. */
  readonly jwk: PublicJwk;

  private constructor(key: KeyObject) {
    this.#key = key;
    const exported = createPublicKey(key).export({ format: 'jwk' });
    const x = exported.x ?? '';
    const thumbprint = createHash('sha256')
      .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
      .digest('base64url');
    this.jwk = { kty: 'OKP', crv: 'Ed25519', x, kid: `ds_${thumbprint}`, use: 'sig', alg: 'EdDSA' };
  }

  /** Loads the key from `file`, creating it when missing. */
  static async load(file: string): Promise<WebhookSigner> {
    try {
      return new WebhookSigner(createPrivateKey(await fsp.readFile(file, 'utf8')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    await replaceFileDurably(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    return new WebhookSigner(privateKey);
  }

  /** The `webhook-signature` header of `body`: `t=<unix>,kid=<kid>,ed25519=<base64url>`. */
  signatureHeader(body: string, nowMs: number): string {
    const t = Math.floor(nowMs / 1000);
    const signature = sign(null, Buffer.from(`${t}.${body}`), this.#key).toString('base64url');
    return `t=${t},kid=${this.jwk.kid},ed25519=${signature}`;
  }
}

/** What a valid token says. */
export interface TokenClaims {
  subject: string;
  generation: number;
}

/** A token check that failed, with its error code. */
export type TokenFailure = 'TOKEN_INVALID' | 'TOKEN_EXPIRED';

/** HMAC-signed bearer tokens binding a subscription and a wake generation (valid one hour). */
export class CallbackTokens {
  readonly #key = randomBytes(32);

  /** A fresh token for `subject` at `generation`. */
  issue(subject: string, generation: number, nowMs: number): string {
    const payload = Buffer.from(
      JSON.stringify({
        sub: subject,
        gen: generation,
        exp: Math.floor(nowMs / 1000) + 3600,
        jti: randomBytes(8).toString('hex'),
      }),
    ).toString('base64url');
    return `${payload}.${this.#mac(payload)}`;
  }

  /** The claims of `token` when it is genuine, unexpired and for `subject`; else the failure. */
  verify(token: string, subject: string, nowMs: number): TokenClaims | TokenFailure {
    const [payload, mac, extra] = token.split('.');
    if (payload === undefined || mac === undefined || extra !== undefined) return 'TOKEN_INVALID';
    const expected = Buffer.from(this.#mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'TOKEN_INVALID';
    let claims: { sub?: unknown; gen?: unknown; exp?: unknown };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return 'TOKEN_INVALID';
    }
    if (claims.sub !== subject || typeof claims.gen !== 'number' || typeof claims.exp !== 'number')
      return 'TOKEN_INVALID';
    if (Math.floor(nowMs / 1000) > claims.exp) return 'TOKEN_EXPIRED';
    return { subject, generation: claims.gen };
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}
