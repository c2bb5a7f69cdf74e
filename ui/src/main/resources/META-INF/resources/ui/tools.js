// Tools: each tool of this node with a form generated from its JSON schema (lib/schema-form.js),
// run here or on a member (POST /api/v1/tools/NAME/run[?node=ID]); the result as the tool returned
// it, or each problem the node found beside the field it names.
import { h } from './vendor/preact.js';
import { useEffect, useState } from './vendor/preact-hooks.js';
import htm from './vendor/htm.js';
import { argumentsOf, fieldErrors, fieldsOf, initialValue, kindOf } from './lib/schema-form.js';
import { request, refusal } from './lib/api.js';

const html = htm.bind(h);

function Problem({ path, errors }) {
  const e = errors[path];
  return e ? html`<span class="field-error" role="alert" data-field-error=${path}>${e}</span>` : null;
}

/** One field of the form, by the kind of its schema; nested objects and arrays recurse. */
function Input({ field, value, onChange, errors }) {
  const id = `tool-field-${field.path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const label = html`<label for=${id}>${field.label}${field.required ? html`<span aria-hidden="true"> *</span>` : ''}</label>`;
  const help = field.description ? html`<span class="muted">${field.description}</span>` : '';
  switch (field.kind) {
    case 'boolean':
      return html`<div class="field"><label><input type="checkbox" id=${id} data-param=${field.path} checked=${Boolean(value)}
        onChange=${(e) => onChange(e.target.checked)} /> ${field.label}</label> ${help}<${Problem} path=${field.path} errors=${errors} /></div>`;
    case 'enum':
      return html`<div class="field">${label}<select id=${id} data-param=${field.path} value=${value ?? ''} onChange=${(e) => onChange(e.target.value)}>
        <option value="">${field.required ? 'choose…' : '(default)'}</option>
        ${field.schema.enum.map((v) => html`<option key=${String(v)} value=${String(v)}>${String(v)}</option>`)}
      </select> ${help}<${Problem} path=${field.path} errors=${errors} /></div>`;
    case 'object':
      return html`<fieldset class="field" data-param=${field.path}><legend>${field.label}</legend>${help}
        ${fieldsOf(field.schema, field.path).map((f) => html`<${Input} key=${f.path} field=${f} value=${(value || {})[f.name]} errors=${errors}
          onChange=${(v) => onChange({ ...(value || {}), [f.name]: v })} />`)}
        <${Problem} path=${field.path} errors=${errors} /></fieldset>`;
    case 'array': {
      const items = Array.isArray(value) ? value : [];
      const itemSchema = field.schema.items || { type: 'string' };
      return html`<fieldset class="field" data-param=${field.path}><legend>${field.label}</legend>${help}
        ${items.map((item, i) => html`<div key=${i} class="item">
          <${Input} field=${{ name: String(i), path: `${field.path}[${i}]`, schema: itemSchema, kind: kindOf(itemSchema),
            required: false, label: `${field.label} ${i + 1}`, description: '' }} value=${item} errors=${errors}
            onChange=${(v) => onChange(items.map((x, j) => (j === i ? v : x)))} />
          <button type="button" onClick=${() => onChange(items.filter((_, j) => j !== i))} aria-label=${`Remove ${field.label} ${i + 1}`}>Remove</button>
        </div>`)}
        <button type="button" data-add=${field.path} onClick=${() => onChange([...items, initialValue(itemSchema)])}>Add ${field.label}</button>
        <${Problem} path=${field.path} errors=${errors} /></fieldset>`;
    }
    default: {
      const numeric = field.kind === 'number' || field.kind === 'integer';
      return html`<div class="field">${label}<input id=${id} data-param=${field.path} inputmode=${numeric ? 'decimal' : undefined}
        value=${value ?? ''} onInput=${(e) => onChange(e.target.value)} /> ${help}<${Problem} path=${field.path} errors=${errors} /></div>`;
    }
  }
}

export function Tools({ state, signedIn }) {
  const [tools, setTools] = useState(null);
  const [loadError, setLoadError] = useState('');
  const [name, setName] = useState('');
  const [values, setValues] = useState({});
  const [target, setTarget] = useState('');
  const [result, setResult] = useState(null);
  const [errors, setErrors] = useState({});
  const [running, setRunning] = useState(false);
  useEffect(() => {
    request('/api/v1/tools').then((r) => (r.ok ? setTools(r.json.tools) : setLoadError(refusal(r, signedIn))));
  }, []);
  const tool = (tools || []).find((t) => t.name === name);
  const schema = tool ? (tool.parameters || { type: 'object', properties: {} }) : null;
  const members = ((state.data.members || {}).members || []).filter((m) => m.state === 'alive' && !m.self);
  const choose = (n) => {
    setName(n);
    const t = (tools || []).find((x) => x.name === n);
    setValues(t ? initialValue(t.parameters || { type: 'object', properties: {} }) : {});
    setResult(null);
    setErrors({});
  };
  const run = (ev) => {
    ev.preventDefault();
    setRunning(true);
    setResult(null);
    setErrors({});
    const path = `/api/v1/tools/${encodeURIComponent(name)}/run${target ? `?node=${encodeURIComponent(target)}` : ''}`;
    request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(argumentsOf(schema, values)) })
      .then((r) => {
        if (r.ok) setResult(r.json.result);
        else setErrors(r.status === 400 ? fieldErrors(r.json.error) : { '': refusal(r, signedIn) });
      })
      .finally(() => setRunning(false));
  };
  return html`
    <section aria-labelledby="tools-h">
      <h2 id="tools-h">Tools</h2>
      ${loadError && html`<p class="error" role="alert">${loadError}</p>`}
      ${tools && html`
      <label for="tool-name">Tool</label>
      <select id="tool-name" value=${name} onChange=${(e) => choose(e.target.value)}>
        <option value="">choose a tool…</option>
        ${tools.map((t) => html`<option key=${t.name} value=${t.name} disabled=${!t.enabled}>${t.name}${t.enabled ? '' : ' (off)'}</option>`)}
      </select>`}
      ${tool && html`
      <form class="tool-form" onSubmit=${run} data-tool=${tool.name}>
        <p>${tool.description} <span class="muted">${tool.category}, from ${tool.provider}${tool.permissions.length ? `; needs ${tool.permissions.join(', ')}` : ''}</span></p>
        ${fieldsOf(schema).length === 0 ? html`<p class="muted">No parameters.</p>` : fieldsOf(schema).map((f) => html`<${Input} key=${f.path} field=${f}
          value=${values[f.name]} errors=${errors} onChange=${(v) => setValues({ ...values, [f.name]: v })} />`)}
        <label for="tool-target">Run on</label>
        <select id="tool-target" value=${target} onChange=${(e) => setTarget(e.target.value)}>
          <option value="">this node</option>
          ${members.map((m) => html`<option key=${m.nodeId} value=${m.nodeId}>${m.name}</option>`)}
        </select>
        <button type="submit" id="tool-run" disabled=${running}>${running ? 'Running…' : 'Run'}</button>
        <${Problem} path="" errors=${errors} />
      </form>`}
      ${result !== null && html`<h3>Result</h3><pre class="tool-result" data-tool-result=${name}>${JSON.stringify(result, null, 2)}</pre>`}
    </section>`;
}
