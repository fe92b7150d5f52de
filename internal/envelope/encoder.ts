/**
 * The publish-path envelope encoder: the same line as {@link encodeEnvelope}, with the JSON of the
 * origin and of recent payload types cached, and channel names (already validated to
 * `[a-zA-Z0-9._-]`, which JSON never escapes) written as they are.
 */

const TYPE_CACHE_LIMIT = 1024;

/** Encodes envelopes published by one instance. */
export class EnvelopeEncoder {
  readonly #originJson: string;
  readonly #typeJson = new Map<string, string>();

  /** @param origin - the publishing instance's identity */
  constructor(origin: string) {
    this.#originJson = JSON.stringify(origin);
  }

  /**
   * One envelope line including its trailing `\n`. `channel` must be a valid channel name;
   * `payloadJson` must be valid JSON.
   */
  line(
    id: string,
    ts: string,
    channel: string,
    payloadType: string,
    payloadJson: string,
    correlationId?: string,
    serviceName?: string,
  ): string {
    let line = `{"v":1,"id":"${id}","ts":"${ts}","channel":"${channel}","origin":${this.#originJson},"payload_type":${this.#typeOf(payloadType)}`;
    if (correlationId) line += `,"correlation_id":${JSON.stringify(correlationId)}`;
    if (serviceName) line += `,"service_name":${JSON.stringify(serviceName)}`;
    return `${line},"payload":${payloadJson}}\n`;
  }

  #typeOf(payloadType: string): string {
    let json = this.#typeJson.get(payloadType);
    if (json === undefined) {
      json = JSON.stringify(payloadType);
      if (this.#typeJson.size >= TYPE_CACHE_LIMIT) this.#typeJson.clear();
      this.#typeJson.set(payloadType, json);
    }
    return json;
  }
}
