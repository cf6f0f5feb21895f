// What the platform relies on in class-validator beyond its documented API, in one place. Checked by
// class-validator.compat.spec.ts, which fails when an upgrade changes it.
import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
/** One rule of a class (class-validator's ValidationMetadata, not exported from its entry point). */
type ValidationMetadata = Parameters<Storage['addValidationMetadata']>[0];

let installed = false;

/**
 * Remembers, per DTO class, the rules `validate()` looks up on every call. class-validator 0.15 filters
 * its whole metadata store for each validated object (walking every decorated class of the app for
 * inherited rules) and regroups the result by property: 2.7 KB and about 3 µs per request body here.
 * Results are kept only for calls without groups, and dropped whenever a rule is added (a class
 * decorated later, a schema registered). Both methods return values class-validator only reads.
 */
export function memoizeValidationRules(): void {
  if (installed) return;
  installed = true;
  const storage = getMetadataStorage();
  const lookup = storage.getTargetValidationMetadatas;
  const group = storage.groupByPropertyName;
  const add = storage.addValidationMetadata;
  let rules = new WeakMap<object, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  storage.addValidationMetadata = function (metadata) {
    rules = new WeakMap();
    grouped = new WeakMap();
    return add.call(this, metadata);
  };
  storage.getTargetValidationMetadatas = function (target, schema, always, strictGroups, groups) {
    if (groups?.length || schema !== undefined || typeof target !== 'function') {
      return lookup.call(this, target, schema, always, strictGroups, groups);
    }
    // always and strictGroups select different rules: one entry per combination.
    const key = always ? (strictGroups ? 'as' : 'a') : strictGroups ? 's' : '';
    let byOptions = rules.get(target);
    if (!byOptions) rules.set(target, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) byOptions.set(key, (found = lookup.call(this, target, schema, always, strictGroups, groups)));
    return found;
  };
  storage.groupByPropertyName = function (metadata) {
    let found = grouped.get(metadata);
    if (!found) grouped.set(metadata, (found = group.call(this, metadata)));
    return found;
  };
}
