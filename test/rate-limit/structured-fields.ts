// A strict RFC 8941 (Structured Field Values) List parser, enough to check the RateLimit and
// RateLimit-Policy fields of draft-ietf-httpapi-ratelimit-headers: it throws on anything the RFC rejects.

/** A bare item: Integer or Decimal (number), String, Token ({ token }), Byte Sequence (Buffer), Boolean. */
export type BareItem = number | string | boolean | Buffer | { token: string };

/** A List member that is an Item (inner lists are rejected: these fields do not use them). */
export interface Item {
  value: BareItem;
  params: Map<string, BareItem>;
}

class Parser {
  private i = 0;

  constructor(private readonly s: string) {}

  private fail(what: string): never {
    throw new SyntaxError(`structured field: ${what} at ${this.i} in ${JSON.stringify(this.s)}`);
  }

  private peek(): string {
    return this.s[this.i] ?? '';
  }

  private skip(re: RegExp): void {
    while (this.i < this.s.length && re.test(this.peek())) this.i++;
  }

  list(): Item[] {
    this.skip(/ /);
    const members: Item[] = [];
    while (this.i < this.s.length) {
      if (this.peek() === '(') this.fail('inner list not expected');
      members.push(this.item());
      this.skip(/[ \t]/);
      if (this.i >= this.s.length) break;
      if (this.peek() !== ',') this.fail('expected ","');
      this.i++;
      this.skip(/[ \t]/);
      if (this.i >= this.s.length) this.fail('trailing comma');
    }
    return members;
  }

  private item(): Item {
    const value = this.bare();
    const params = new Map<string, BareItem>();
    while (this.peek() === ';') {
      this.i++;
      this.skip(/ /);
      const key = this.key();
      let v: BareItem = true;
      if (this.peek() === '=') {
        this.i++;
        v = this.bare();
      }
      params.set(key, v);
    }
    return { value, params };
  }

  private key(): string {
    if (!/[a-z*]/.test(this.peek())) this.fail('bad key');
    const start = this.i;
    this.skip(/[a-z0-9_\-.*]/);
    return this.s.slice(start, this.i);
  }

  private bare(): BareItem {
    const c = this.peek();
    if (c === '-' || /[0-9]/.test(c)) return this.number();
    if (c === '"') return this.string();
    if (c === ':') return this.bytes();
    if (c === '?') return this.boolean();
    if (c === '*' || /[A-Za-z]/.test(c)) return this.token();
    return this.fail('bad bare item');
  }

  private number(): number {
    const m = /^-?(\d{1,15})(\.(\d{1,3}))?/.exec(this.s.slice(this.i));
    if (!m || (m[2] && m[1]!.length > 12)) this.fail('bad number');
    this.i += m[0].length;
    if (/[0-9.]/.test(this.peek())) this.fail('number too long');
    return Number(m[0]);
  }

  private string(): string {
    this.i++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === '') this.fail('unterminated string');
      this.i++;
      if (c === '"') return out;
      if (c === '\\') {
        const n = this.peek();
        if (n !== '"' && n !== '\\') this.fail('bad escape');
        out += n;
        this.i++;
      } else if (c < ' ' || c > '~') this.fail('bad string character');
      else out += c;
    }
  }

  private token(): { token: string } {
    const start = this.i;
    this.i++;
    this.skip(/[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/);
    return { token: this.s.slice(start, this.i) };
  }

  private bytes(): Buffer {
    const end = this.s.indexOf(':', this.i + 1);
    if (end < 0) this.fail('unterminated byte sequence');
    const b64 = this.s.slice(this.i + 1, end);
    if (!/^[A-Za-z0-9+/=]*$/.test(b64)) this.fail('bad byte sequence');
    this.i = end + 1;
    return Buffer.from(b64, 'base64');
  }

  private boolean(): boolean {
    const v = this.s[this.i + 1];
    if (v !== '0' && v !== '1') this.fail('bad boolean');
    this.i += 2;
    return v === '1';
  }
}

/** Parses a List field (RFC 8941 §4.2.1); throws SyntaxError when it is not one. */
export function parseList(field: string): Item[] {
  return new Parser(field).list();
}

/** The `RateLimit` / `RateLimit-Policy` items by policy name, params as numbers (throws on other types). */
export function rateLimitItems(field: string): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const item of parseList(field)) {
    if (typeof item.value !== 'string') throw new SyntaxError(`policy name must be a String: ${field}`);
    const params: Record<string, number> = {};
    for (const [k, v] of item.params) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new SyntaxError(`param ${k} must be a non-negative Integer: ${field}`);
      }
      params[k] = v;
    }
    out.set(item.value, params);
  }
  return out;
}
