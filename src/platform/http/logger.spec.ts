import { describe, expect, it } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LineBatcher, type LineSink } from './logger.js';

function sink() {
  const writes: string[] = [];
  const calls: string[] = [];
  const s: LineSink = {
    write: (data) => (writes.push(data), true),
    flush: () => void calls.push('flush'),
    flushSync: () => void calls.push('flushSync'),
  };
  return { s, writes, calls };
}

describe('LineBatcher (logger.ts)', () => {
  it("hands one turn's lines to the sink as one write, in order, on the next turn", async () => {
    const { s, writes } = sink();
    const batcher = new LineBatcher(s);
    batcher.write('a\n');
    batcher.write('b\n');
    batcher.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    batcher.write('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('hands lines over at once when they reach the size limit', () => {
    const { s, writes } = sink();
    const batcher = new LineBatcher(s, 10);
    batcher.write('12345\n');
    expect(writes).toEqual([]);
    batcher.write('67890\n');
    expect(writes).toEqual(['12345\n67890\n']);
  });

  it('hands pending lines over before flushing the sink, synchronously or not', () => {
    const { s, writes, calls } = sink();
    const batcher = new LineBatcher(s);
    batcher.write('x\n');
    batcher.flushSync();
    expect(writes).toEqual(['x\n']);
    batcher.write('y\n');
    batcher.flush();
    expect(writes).toEqual(['x\n', 'y\n']);
    expect(calls).toEqual(['flushSync', 'flush']);
  });

  it('hands pending lines over on exit (its handler runs before the sink is flushed)', () => {
    const { s, writes } = sink();
    let exit: (() => void) | undefined;
    const batcher = new LineBatcher(s, 4096, (handler) => (exit = handler));
    batcher.write('last\n');
    exit!();
    expect(writes).toEqual(['last\n']);
  });
});
