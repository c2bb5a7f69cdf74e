// A form generated from a tool's JSON schema, as plain data: the fields it has and the arguments
// the form's values make. Pure: node --test checks it. The form sends what was typed; where a value
// does not fit (text in a number field) it goes as typed, so the node's own validation names the
// problem, and the page shows it beside the field the API names (error.fields[].param).

/** @returns the schema's types as a list ('string' for a schema that names none) */
export function typesOf(schema) {
  const t = (schema || {}).type;
  if (Array.isArray(t)) return t.filter((x) => x !== 'null');
  return t ? [t] : ['string'];
}

/** @returns the kind of input a schema gets: enum | boolean | number | integer | array | object | string */
export function kindOf(schema) {
  const s = schema || {};
  if (Array.isArray(s.enum)) return 'enum';
  const t = typesOf(s)[0];
  return ['boolean', 'number', 'integer', 'array', 'object'].includes(t) ? t : 'string';
}

/**
 * @param schema an object schema (a tool's parameters)
 * @param path the path of the object ('' for the parameters themselves)
 * @returns its fields in schema order: {name, path, schema, kind, required, label, description}
 */
export function fieldsOf(schema, path = '') {
  const props = (schema || {}).properties || {};
  const required = new Set((schema || {}).required || []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    path: path ? `${path}.${name}` : name,
    schema: s || {},
    kind: kindOf(s),
    required: required.has(name),
    label: (s && s.title) || name,
    description: (s && s.description) || '',
  }));
}

/** @returns the form's starting value for a schema: its default, else empty */
export function initialValue(schema) {
  const s = schema || {};
  if (s.default !== undefined) return kindOf(s) === 'object' || kindOf(s) === 'array' ? structuredClone(s.default) : s.default;
  switch (kindOf(s)) {
    case 'boolean': return false;
    case 'array': return [];
    case 'object': return Object.fromEntries(fieldsOf(s).map((f) => [f.name, initialValue(f.schema)]));
    default: return '';
  }
}

function number(kind, raw) {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'number') return raw;
  const text = String(raw).trim();
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return text; // sent as typed: the node says what it expected
  return n;
}

function empty(v) {
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0)
    || (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
}

/**
 * @param schema the schema of the value
 * @param raw the form's value for it
 * @returns the JSON value to send, or undefined to leave an empty optional value out
 */
export function valueOf(schema, raw) {
  const s = schema || {};
  switch (kindOf(s)) {
    case 'boolean': return raw ? true : undefined; // unticked: the tool's default (false when required)
    case 'number':
    case 'integer': return number(kindOf(s), raw);
    case 'enum': {
      if (raw === '' || raw === undefined) return undefined;
      const match = s.enum.find((e) => String(e) === String(raw));
      return match === undefined ? raw : match;
    }
    case 'array': {
      const items = (Array.isArray(raw) ? raw : []).map((x) => valueOf(s.items || {}, x)).filter((x) => x !== undefined);
      return items.length ? items : undefined;
    }
    case 'object': return argumentsOf(s, raw || {});
    default: return raw === undefined || raw === '' ? undefined : String(raw);
  }
}

/**
 * @param schema an object schema (a tool's parameters)
 * @param values the form's values, by field name (nested objects as objects, arrays as arrays)
 * @returns the arguments to send: required fields always (empty ones as typed, so the node names
 *          them), optional ones only when given
 */
export function argumentsOf(schema, values) {
  const out = {};
  for (const f of fieldsOf(schema)) {
    const v = valueOf(f.schema, (values || {})[f.name]);
    if (!empty(v)) out[f.name] = v;
    else if (f.required && f.kind === 'boolean') out[f.name] = false;
  }
  return out;
}

/**
 * @param error the API's error object ({message, param, fields?})
 * @returns the problems by parameter path ('' for one about the whole), as the API reported them
 */
export function fieldErrors(error) {
  const out = {};
  const list = (error && Array.isArray(error.fields)) ? error.fields : [];
  for (const f of list) {
    const key = f.param || '';
    out[key] = out[key] ? `${out[key]}; ${f.message}` : f.message;
  }
  if (list.length === 0 && error && error.message) out[''] = error.message;
  return out;
}
