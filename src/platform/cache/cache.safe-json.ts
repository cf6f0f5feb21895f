// A key written with escapes (`"\u005f_proto__"`) decodes to `__proto__`, so any escape takes the slow path.
const SUSPICIOUS = /__proto__|constructor|prototype|\\u/;

function reviver(key: string, value: unknown): unknown {
  if (key === '__proto__') return undefined;
  if (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value) {
    return undefined;
  }
  return value;
}

/**
 * `JSON.parse` for text read back from Redis, which anybody with access to it could have written:
 * `__proto__` keys and `constructor.prototype` objects are dropped, so a poisoned entry cannot reach
 * `Object.prototype` through a later merge (`Object.assign`, spread into a class, lodash.merge).
 * Clean text (the common case) takes plain `JSON.parse`.
 * @throws SyntaxError on malformed JSON.
 */
export function safeJsonParse(text: string): unknown {
  return SUSPICIOUS.test(text) ? JSON.parse(text, reviver) : JSON.parse(text);
}
