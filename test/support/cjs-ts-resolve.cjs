// Jest loads globalSetup / globalTeardown through Node's require() (transpiled to CommonJS on the fly), where
// jest.config's moduleNameMapper does not apply: `./tmp.js` must find `./tmp.ts`, as it does in the specs.
// Imported first by global-setup.ts and global-teardown.ts; Node's resolution is tried first, unchanged.
const Module = process.getBuiltinModule('node:module');
const { existsSync } = process.getBuiltinModule('node:fs');
const { dirname, resolve } = process.getBuiltinModule('node:path');

const marker = Symbol.for('nest-redis-platform.test.cjsTsResolve');
if (!Module[marker]) {
  Module[marker] = true;
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolveTsSibling(request, parent, ...rest) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (err) {
      if (!/^\.\.?\/.*\.js$/.test(request) || !parent?.filename) throw err;
      const ts = resolve(dirname(parent.filename), request.replace(/\.js$/, '.ts'));
      if (!existsSync(ts)) throw err;
      return ts;
    }
  };
}
