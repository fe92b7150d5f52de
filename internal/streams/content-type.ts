/** Content types of streams: normalisation, comparison and the encodings they imply. */

/** The content type of a stream created without one. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/;

/** The media type of a `Content-Type` value: lower case, parameters dropped. */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** Whether `contentType` names a media type (`type/subtype`, optional parameters). */
export function isWellFormedContentType(contentType: string): boolean {
  return MEDIA_TYPE.test(mediaType(contentType));
}

/** Whether two content types name the same media type (case and parameters ignored). */
export function sameMediaType(a: string, b: string): boolean {
  return mediaType(a) === mediaType(b);
}

/** How a stream's messages are stored and served. */
export type StreamMode = 'json' | 'text' | 'bytes';

/** The mode of a content type: JSON for `application/json`, text for `text/*`, bytes otherwise. */
export function streamModeOf(contentType: string): StreamMode {
  const type = mediaType(contentType);
  if (type === 'application/json') return 'json';
  if (type.startsWith('text/')) return 'text';
  return 'bytes';
}
