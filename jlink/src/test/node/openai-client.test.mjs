// Runs the official `openai` npm client against a running Atmosphere node (ATMOSPHERE_URL, e.g.
// http://127.0.0.1:11451/v1) whose backends are the protocol-faithful test servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.ATMOSPHERE_URL, apiKey: 'not-needed-on-loopback', maxRetries: 0 });
const REPLY = 'The sky is blue because of Rayleigh scattering.';

test('models lists auto and each model once', async () => {
  const ids = [];
  for await (const m of client.models.list()) ids.push(m.id);
  assert.equal(ids[0], 'auto');
  assert.ok(ids.includes('qwen2.5-coder:7b'), ids.join(','));
  assert.equal(ids.filter((id) => id === 'llama3.2').length, 1);
});

test('non-streaming chat, routed by meaning, with route headers', async () => {
  const { data, response } = await client.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: 'Fix this Python stack trace: KeyError' }] })
    .withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.choices[0].message.content, REPLY);
  assert.ok(data.usage.total_tokens > 0);
  assert.match(response.headers.get('x-atmosphere-route'), /qwen2\.5-coder:7b$/);
});

test('streaming chat arrives chunk by chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'llama3.2', stream: true, messages: [{ role: 'user', content: 'Why is the sky blue?' }],
  });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  assert.equal(text, REPLY);
  assert.ok(chunks > 3, `chunks: ${chunks}`);
});

test('embeddings as float and as base64 (the client default)', async () => {
  const floats = await client.embeddings.create({ model: 'nomic-embed-text', input: ['a', 'b'], encoding_format: 'float' });
  assert.equal(floats.data.length, 2);
  assert.equal(floats.data[1].embedding[4], 1.5);
  const decoded = await client.embeddings.create({ model: 'nomic-embed-text', input: 'a' });
  assert.ok(Math.abs(decoded.data[0].embedding[0] - 0.010071029) < 1e-6, String(decoded.data[0].embedding[0]));
  // the node's own embedder: MiniLM, which the image ships as the default
  const local = await client.embeddings.create({ model: 'minilm-l6-v2-q', input: 'hello' });
  assert.equal(local.data[0].embedding.length, 384);
});

test('errors come back in OpenAI shape', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    (err) => err instanceof OpenAI.NotFoundError && err.status === 404 && err.code === 'model_not_found',
  );
  await assert.rejects(
    client.chat.completions.create({ model: 'auto', messages: [] }),
    (err) => err instanceof OpenAI.BadRequestError && err.status === 400 && err.param === 'messages',
  );
});

test('a stream whose backend dies mid-answer is carried on by another and ends whole', async () => {
  // mistral-nemo:12b is served by two stand-ins that each die after 3 chunks of a fresh answer:
  // whichever serves first dies, and the other continues the answer from what was streamed
  const stream = await client.chat.completions.create({
    model: 'mistral-nemo:12b', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Why is the sky blue?' }],
  });
  let text = '';
  const ids = new Set();
  let usage = null;
  let continued = null;
  for await (const chunk of stream) {
    ids.add(chunk.id);
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
    if (chunk.atmosphere?.continued) continued = chunk.atmosphere.continued;
  }
  assert.equal(text, REPLY);
  assert.equal(ids.size, 1, [...ids].join(','));
  assert.equal(usage.completion_tokens, 9);
  assert.equal(continued.length, 1, JSON.stringify(continued));
  assert.equal(continued[0].afterTokens, 3);
  assert.notEqual(continued[0].from, continued[0].to);
});
