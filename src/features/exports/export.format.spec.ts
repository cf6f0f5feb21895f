import { describe, expect, it } from '@jest/globals';
import { csvField, ExportEncoder } from './export.format.js';

describe('csvField', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('defuses spreadsheet formulas in text, not in numbers', () => {
    expect(csvField('=SUM(A1:A2)')).toBe("'=SUM(A1:A2)");
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@cmd')).toBe("'@cmd");
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField(-1)).toBe('-1');
  });

  it('writes dates as ISO 8601, bigints as digits, null as empty, objects as JSON', () => {
    expect(csvField(new Date('2026-11-22T03:30:18.000Z'))).toBe('2026-11-22T03:30:18.000Z');
    expect(csvField(12345678901234567890n)).toBe('12345678901234567890');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
  });
});

describe('ExportEncoder', () => {
  const rows = [
    { id: 1, name: 'a', at: new Date('2026-01-02T00:00:00Z') },
    { id: 2, name: 'b,c', at: null },
  ];

  it('writes CSV: a header from the first row, then CRLF lines, over several batches', () => {
    const e = new ExportEncoder('csv');
    const text = e.encode(rows.slice(0, 1)) + e.encode(rows.slice(1)) + e.end();
    expect(text).toBe('id,name,at\r\n1,a,2026-01-02T00:00:00.000Z\r\n2,"b,c",\r\n');
    expect(e.count).toBe(2);
  });

  it('writes a JSON array over several batches, [] when empty', () => {
    const e = new ExportEncoder('json');
    const text = e.encode(rows.slice(0, 1)) + e.encode(rows.slice(1)) + e.end();
    expect(JSON.parse(text)).toEqual([
      { id: 1, name: 'a', at: '2026-01-02T00:00:00.000Z' },
      { id: 2, name: 'b,c', at: null },
    ]);
    const empty = new ExportEncoder('json');
    expect(JSON.parse(empty.encode([]) + empty.end())).toEqual([]);
    const emptyCsv = new ExportEncoder('csv');
    expect(emptyCsv.encode([]) + emptyCsv.end()).toBe('');
  });
});
