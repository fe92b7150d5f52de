/**
 * Collects every configuration problem, remembers where each key came from, and renders the
 * issues as `key.path (line L:C) <rest of the sentence>` (file), `key.path (env NAME) …`
 * (environment) or the bare sentence (a config object).
 */
import { ConfigError } from '../../internal/errors/index.js';

/** Where a value came from: a position in the YAML file (1-based) or an environment variable. */
export type Origin = { readonly line: number; readonly column: number } | { readonly env: string };

interface Issue {
  readonly path: string;
  readonly origin: Origin | undefined;
  readonly rest: string;
}

/** Appends `key` to a dotted key path. */
export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Appends a list index to a key path. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

const LAST_SEGMENT = /(?:^|\.)[^.[\]]*$|\[\d+\]$/;

function parentPath(path: string): string {
  return path.replace(LAST_SEGMENT, '');
}

function describeOrigin(origin: Origin): string {
  return 'env' in origin ? `env ${origin.env}` : `line ${origin.line}:${origin.column}`;
}

/** Every problem found while resolving one configuration. */
export class ConfigIssues {
  private readonly issues: Issue[] = [];
  private readonly origins = new Map<string, Origin>();

  /** Remembers where the value at `path` came from, for issues raised about it later. */
  record(path: string, origin: Origin | undefined): void {
    if (origin !== undefined) this.origins.set(path, origin);
  }

  /**
   * Adds a problem about `path`. `rest` continues the sentence after the key path and starts with
   * a space or a colon (` is required`, `: invalid duration "x"`). Without an explicit origin the
   * issue points at the value of `path`, or at its nearest ancestor that was written down.
   */
  add(path: string, rest: string, origin: Origin | undefined = this.originOf(path)): void {
    this.issues.push({ path, origin, rest });
  }

  /** Adds a problem about the configuration as a whole (a syntax error, a top level that is not a mapping). */
  addGeneral(message: string, origin?: Origin): void {
    this.issues.push({ path: '', origin, rest: message });
  }

  /** Number of problems so far. */
  get size(): number {
    return this.issues.length;
  }

  /** The issues as sentences, in file order (issues without a file position last). */
  messages(): string[] {
    return this.issues
      .map((issue, order) => ({ issue, order }))
      .sort((a, b) => compareOrigins(a.issue.origin, b.issue.origin) || a.order - b.order)
      .map(({ issue }) => render(issue));
  }

  /** Throws a {@link ConfigError} carrying every issue, if there is any. */
  throwIfAny(source?: string): void {
    if (this.issues.length > 0) throw new ConfigError(this.messages(), source);
  }

  private originOf(path: string): Origin | undefined {
    for (let current = path; current !== ''; current = parentPath(current)) {
      const origin = this.origins.get(current);
      if (origin !== undefined) return origin;
    }
    return undefined;
  }
}

function compareOrigins(a: Origin | undefined, b: Origin | undefined): number {
  const rank = (o: Origin | undefined): number => (o === undefined ? 2 : 'env' in o ? 1 : 0);
  if (a === undefined || b === undefined || 'env' in a || 'env' in b) return rank(a) - rank(b);
  return a.line - b.line || a.column - b.column;
}

function render({ path, origin, rest }: Issue): string {
  if (path === '') return origin === undefined ? rest : `${describeOrigin(origin)}: ${rest}`;
  return origin === undefined ? `${path}${rest}` : `${path} (${describeOrigin(origin)})${rest}`;
}
