import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argumentsOf, fieldErrors, fieldsOf, initialValue, kindOf } from '../../main/resources/META-INF/resources/ui/lib/schema-form.js';

const schema = {
  type: 'object',
  required: ['message', 'count'],
  properties: {
    message: { type: 'string', description: 'what to say' },
    count: { type: 'integer', minimum: 1 },
    ratio: { type: 'number' },
    loud: { type: 'boolean' },
    level: { type: 'string', enum: ['low', 'high'] },
    tags: { type: 'array', items: { type: 'string' } },
    sizes: { type: 'array', items: { type: 'integer' } },
    where: { type: 'object', required: ['city'], properties: { city: { type: 'string' }, zip: { type: 'integer' } } },
  },
};

test('each schema type gets its kind of input, in schema order, with what is required', () => {
  const fields = fieldsOf(schema);
  assert.deepEqual(fields.map((f) => [f.name, f.kind, f.required]), [
    ['message', 'string', true], ['count', 'integer', true], ['ratio', 'number', false], ['loud', 'boolean', false],
    ['level', 'enum', false], ['tags', 'array', false], ['sizes', 'array', false], ['where', 'object', false]]);
  assert.equal(fields[0].description, 'what to say');
  assert.deepEqual(fieldsOf(schema.properties.where, 'where').map((f) => f.path), ['where.city', 'where.zip']);
  assert.equal(kindOf({ type: ['integer', 'null'] }), 'integer');
  assert.equal(kindOf({}), 'string');
  assert.deepEqual(initialValue(schema).where, { city: '', zip: '' });
  assert.equal(initialValue({ type: 'integer', default: 3 }), 3);
});

test('the arguments: numbers parsed, booleans as such, enums as their values, nested objects and arrays, empty optional ones left out', () => {
  const args = argumentsOf(schema, {
    message: 'hi', count: '3', ratio: '', loud: true, level: 'high', tags: ['a', '', 'b'], sizes: ['1', '2'],
    where: { city: 'Oslo', zip: '' },
  });
  assert.deepEqual(args, { message: 'hi', count: 3, loud: true, level: 'high', tags: ['a', 'b'], sizes: [1, 2], where: { city: 'Oslo' } });
  assert.deepEqual(argumentsOf(schema, {}), {}, 'nothing given: the node names what is missing');
});

test('a value that does not fit goes as typed, so the node names the problem', () => {
  assert.deepEqual(argumentsOf(schema, { message: 'x', count: 'many' }), { message: 'x', count: 'many' });
  assert.deepEqual(argumentsOf(schema, { message: 'x', count: '2.5' }), { message: 'x', count: 2.5 });
});

test("the API's field errors by parameter path; an error without fields is about the whole", () => {
  assert.deepEqual(fieldErrors({ message: 'm', fields: [
    { param: 'count', message: "parameter 'count': expected an integer" },
    { param: 'where.city', message: "parameter 'where.city' is required (a string) but missing" },
    { param: 'count', message: 'second' }] }), {
    count: "parameter 'count': expected an integer; second",
    'where.city': "parameter 'where.city' is required (a string) but missing",
  });
  assert.deepEqual(fieldErrors({ message: 'Tool x needs permission y' }), { '': 'Tool x needs permission y' });
});
