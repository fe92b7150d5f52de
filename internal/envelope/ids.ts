/** Envelope ids: UUID v7, time-ordered (as the Go original from v1.3). */
import { v7 } from 'uuid';

/** A fresh UUID v7 string. */
export function newEnvelopeId(): string {
  return v7();
}
