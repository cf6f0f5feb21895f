// A Server-Sent Events client for the specs: parses events and comments, awaits the ones a test wants.
/** One Server-Sent Event as received. */
export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  /** `performance.now()` when it arrived. */
  at: number;
}

/** An SSE client over fetch: parses events and comments, awaits the ones a test wants. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  private buffer = '';
  private ended = false;

  private constructor(readonly url: string) {}

  /** Connects and resolves once the stream's first comment (`: connected`) has arrived. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const client = new SseClient(url);
    const res = await fetch(url, {
      signal: client.abort.signal,
      headers: { accept: 'text/event-stream', ...headers },
    });
    client.status = res.status;
    if (res.status !== 200 || !res.body) return client;
    void client.read(res.body);
    await client.until(() => client.comments.length > 0, 5_000, 'the stream did not open');
    return client;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          this.parse(this.buffer.slice(0, end));
          this.buffer = this.buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private parse(block: string): void {
    const event: SseEvent = { at: performance.now() };
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(': ');
      const field = line.slice(0, colon);
      if (colon < 0 || !['id', 'event', 'data'].includes(field)) continue;
      event[field as 'id' | 'event' | 'data'] = line.slice(colon + 2);
      isEvent = true;
    }
    if (isEvent) this.events.push(event);
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `check` holds (re-checked on every block received), rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs: number, message: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
      const test = () => {
        if (check()) {
          clearTimeout(timer);
          resolve();
        } else if (this.ended) {
          clearTimeout(timer);
          reject(new Error(`${message}: the stream ended`));
        } else this.waiters.push(test);
      };
      test();
    });
  }

  /** The first event of `type` whose data satisfies `match`, awaited up to `timeoutMs`. */
  async next(
    type: string,
    match: (data: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<SseEvent> {
    const find = () =>
      this.events.find((e) => e.event === type && e.data !== undefined && match(JSON.parse(e.data)));
    await this.until(() => find() !== undefined, timeoutMs, `no ${type} event`);
    return find()!;
  }

  close(): void {
    this.abort.abort();
  }
}
