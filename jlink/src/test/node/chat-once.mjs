// One chat with the official openai npm client, as an application makes it; prints what came back as
// JSON: {requestId, route, failover, text, usage}. Environment: ATMOSPHERE_URL (…/v1), MODEL, MESSAGE,
// STREAM (true or false), ATMOSPHERE_KEY (an API key; none is needed from this machine's loopback).
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.env.ATMOSPHERE_URL, apiKey: process.env.ATMOSPHERE_KEY || 'not-needed-on-loopback', maxRetries: 0 });
const request = { model: process.env.MODEL || 'auto', messages: [{ role: 'user', content: process.env.MESSAGE || 'hello' }] };
let text = '';
let usage = null;
let response;
if (process.env.STREAM === 'true') {
  const { data: stream, response: r } = await client.chat.completions.create({ ...request, stream: true }).withResponse();
  response = r;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
} else {
  const { data, response: r } = await client.chat.completions.create(request).withResponse();
  response = r;
  text = data.choices[0].message.content;
  usage = data.usage;
}
console.log(JSON.stringify({
  requestId: response.headers.get('x-atmosphere-request'),
  route: response.headers.get('x-atmosphere-route'),
  failover: response.headers.get('x-atmosphere-failover'),
  text,
  usage,
}));
