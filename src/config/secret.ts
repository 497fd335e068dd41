import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';

/**
 * The current value of one secret field (`apiKey`, `privateKey`, …): written inline, or read from
 * a file ({@link FileSecret}) that may change while the exporter runs. The value sits in a
 * private field, so that logging or serialising a config can never print it.
 */
export class Secret {
  /** The field of the config it fills, one of SECRET_FIELDS. */
  readonly field: string;
  #value: string;
  #version = 0;

  constructor(field: string, value: string) {
    this.field = field;
    this.#value = value;
  }

  /** The value, for the digest computation or the token request only. */
  value(): string {
    return this.#value;
  }

  /** Counts the changes of value: whatever was built on an older version starts over. */
  get version(): number {
    return this.#version;
  }

  protected replace(value: string): boolean {
    if (value === this.#value) return false;
    this.#value = value;
    this.#version++;
    return true;
  }

  toJSON(): string {
    return '<redacted>';
  }

  [inspect.custom](): string {
    return 'Secret <redacted>';
  }
}

/** How re-reading a secret file went; `code` names the failure (an errno code, or `EMPTY`), never the content. */
export type SecretRead = { readonly ok: true; readonly changed: boolean } | { readonly ok: false; readonly code: string };

/** A secret read from a file; {@link reread} takes a changed content, and keeps the last good one when the file is unreadable or empty. */
export class FileSecret extends Secret {
  /** The file, as resolved from the config file's folder. */
  readonly path: string;

  private constructor(field: string, path: string, value: string) {
    super(field, value);
    this.path = path;
  }

  /** Reads the file once; the failure's code when it is unreadable or empty. */
  static async read(field: string, path: string): Promise<FileSecret | { readonly code: string }> {
    const content = await contentOf(path);
    return typeof content === 'string' ? new FileSecret(field, path, content) : content;
  }

  async reread(): Promise<SecretRead> {
    const content = await contentOf(this.path);
    if (typeof content !== 'string') return { ok: false, ...content };
    return { ok: true, changed: this.replace(content) };
  }

  override toJSON(): string {
    return `<file ${this.path}>`;
  }
}

/** The trimmed content of a secret file, or why there is none. */
async function contentOf(path: string): Promise<string | { readonly code: string }> {
  let content: string;
  try {
    content = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code ?? 'EIO' };
  }
  return content === '' ? { code: 'EMPTY' } : content;
}
