// MLflow's self-hosted providers in an MLflow-format config, end to end: a model served by MLflow
// (`mlflow-model-serving`) and Hugging Face TGI, called on MLflow's and OpenAI's paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMlflowScoringServer, startTgiServer, startOllamaServer } from '../support/model_servers.mjs';
import { startSluice } from '../support/sluice.mjs';
import { post, sseData, stopCleanly } from './helpers.mjs';

let scoring, tgi, ollama, gateway;

before(async () => {
  scoring = await startMlflowScoringServer();
  tgi = await startTgiServer();
  ollama = await startOllamaServer();
  gateway = await startSluice(`
endpoints:
  - name: served-chat
    endpoint_type: llm/v1/chat
    model: {provider: mlflow-model-serving, name: my-model, config: {model_server_url: "${scoring.url}"}}
  - name: served-completions
    endpoint_type: llm/v1/completions
    model: {provider: mlflow-model-serving, name: my-model, config: {model_server_url: "${scoring.url}"}}
  - name: served-embeddings
    endpoint_type: llm/v1/embeddings
    model: {provider: mlflow-model-serving, name: my-embedder, config: {model_server_url: "${scoring.url}"}}
  - name: tgi-completions
    endpoint_type: llm/v1/completions
    model: {provider: huggingface-text-generation-inference, name: llama, config: {hf_server_url: "${tgi.url}"}}
  - name: tgi-chat
    endpoint_type: llm/v1/chat
    model: {provider: huggingface-text-generation-inference, name: llama, config: {hf_server_url: "${tgi.url}", hf_api_token: hf_secret_token_01}}
  - name: ollama-chat
    endpoint_type: llm/v1/chat
    model: {provider: ollama, name: llama3.2, config: {api: native, api_base: "${ollama.url}"}}
  - name: ollama-missing
    endpoint_type: llm/v1/chat
    model: {provider: ollama, name: missing, config: {api: native, api_base: "${ollama.url}"}}
  - name: ollama-busy
    endpoint_type: llm/v1/chat
    model: {provider: ollama, name: busy, config: {api: native, api_base: "${ollama.url}"}}
  - name: ollama-cut
    endpoint_type: llm/v1/chat
    model: {provider: ollama, name: cut, config: {api: native, api_base: "${ollama.url}"}}
  - name: ollama-embed
    endpoint_type: llm/v1/embeddings
    model: {provider: ollama, name: nomic-embed-text, config: {api: native, api_base: "${ollama.url}"}}
`);
});

after(async () => {
  try { await stopCleanly(gateway); } finally { await scoring.close(); await tgi.close(); await ollama.close(); }
});

test('mlflow-model-serving on MLflow paths: chat, completions, embeddings, errors', async () => {
  const chat = await post(gateway, '/endpoints/served-chat/invocations', { messages: [{ role: 'user', content: 'hi' }], temperature: 0.1 });
  assert.equal(chat.status, 200);
  assert.equal((await chat.json()).choices[0].message.content, 'served answer to hi');
  assert.deepEqual(scoring.requests.at(-1).body, { inputs: ['hi'], params: { temperature: 0.1 } });

  const comp = await post(gateway, '/endpoints/served-completions/invocations', { prompt: 'once' });
  assert.equal((await comp.json()).choices[0].text, 'served answer to once');

  const emb = await post(gateway, '/v1/embeddings', { model: 'served-embeddings', input: ['embed:ab'] });
  assert.deepEqual((await emb.json()).data[0].embedding, [8, 1]);

  const two = await post(gateway, '/endpoints/served-chat/invocations', { messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] });
  assert.equal(two.status, 422);
  assert.match(JSON.stringify(await two.json()), /single query at a time/);

  const refused = await post(gateway, '/v1/chat/completions', { model: 'served-chat', messages: [{ role: 'user', content: 'fail' }] });
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).error.message, /the model refused the input/);

  const stream = await post(gateway, '/v1/chat/completions', { model: 'served-chat', stream: true, messages: [{ role: 'user', content: 'x' }] });
  assert.equal(stream.status, 400);
  assert.equal((await stream.json()).error.param, 'stream');
});

test('TGI: completions through /generate and /generate_stream, chat through its OpenAI route', async () => {
  const comp = await post(gateway, '/v1/completions', { model: 'tgi-completions', prompt: 'start', max_tokens: 4 });
  const body = await comp.json();
  assert.equal(body.choices[0].text, ' and more after start');
  assert.equal(body.choices[0].finish_reason, 'length');
  assert.deepEqual(body.usage, { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
  assert.equal(tgi.requests.at(-1).body.parameters.max_new_tokens, 4);

  const s = await post(gateway, '/v1/completions', { model: 'tgi-completions', prompt: 'count', stream: true });
  const chunks = sseData(await s.text());
  assert.equal(chunks.at(-1), '[DONE]');
  assert.equal(chunks.slice(0, -1).map((d) => JSON.parse(d).choices[0]?.text ?? '').join(''), ' one two three');

  const chat = await post(gateway, '/v1/chat/completions', { model: 'tgi-chat', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal((await chat.json()).choices[0].message.content, 'TGI chat answer');
  assert.equal(tgi.requests.at(-1).path, '/v1/chat/completions');
  assert.equal(tgi.requests.at(-1).headers.authorization, 'Bearer hf_secret_token_01');
});

test('Ollama native API: NDJSON streams, one-object answers, embeddings, errors', async () => {
  const res = await post(gateway, '/v1/chat/completions', { model: 'ollama-chat', messages: [{ role: 'user', content: 'hi' }] });
  const body = await res.json();
  assert.equal(body.choices[0].message.content, 'Ollama heard: hi');
  assert.deepEqual(body.usage, { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
  assert.equal(ollama.requests.at(-1).body.stream, false);

  const s = await post(gateway, '/v1/chat/completions', { model: 'ollama-chat', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count to three' }] });
  const chunks = sseData(await s.text());
  assert.equal(chunks.at(-1), '[DONE]');
  const parsed = chunks.slice(0, -1).map((d) => JSON.parse(d));
  assert.equal(parsed.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Ollama heard: count to three');
  assert.equal(parsed.at(-1).usage.total_tokens, 10);

  const e = await post(gateway, '/v1/embeddings', { model: 'ollama-embed', input: 'abc' });
  assert.deepEqual((await e.json()).data[0].embedding, [3, 0.25]);

  const missing = await post(gateway, '/v1/chat/completions', { model: 'ollama-missing', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error.message, /try pulling it first/);
});

test('self-hosted servers: 429 keeps Retry-After, streams cut mid-way end with an error event', async () => {
  const served = await post(gateway, '/v1/chat/completions', { model: 'served-chat', messages: [{ role: 'user', content: 'busy' }] });
  assert.equal(served.status, 429);
  assert.equal(served.headers.get('retry-after'), '2');

  const tgiBusy = await post(gateway, '/v1/completions', { model: 'tgi-completions', prompt: 'busy' });
  assert.equal(tgiBusy.status, 429);
  assert.equal(tgiBusy.headers.get('retry-after'), '3');
  assert.match((await tgiBusy.json()).error.message, /overloaded/);
  const tgiCut = await post(gateway, '/v1/completions', { model: 'tgi-completions', prompt: 'cut', stream: true });
  const tgiData = sseData(await tgiCut.text());
  assert.notEqual(tgiData.at(-1), '[DONE]');
  assert.ok(JSON.parse(tgiData.at(-1)).error);

  const ollamaBusy = await post(gateway, '/v1/chat/completions', { model: 'ollama-busy', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(ollamaBusy.status, 429);
  assert.equal(ollamaBusy.headers.get('retry-after'), '5');
  const ollamaCut = await post(gateway, '/v1/chat/completions', { model: 'ollama-cut', stream: true, messages: [{ role: 'user', content: 'a long story' }] });
  const ollamaData = sseData(await ollamaCut.text());
  assert.notEqual(ollamaData.at(-1), '[DONE]');
  assert.ok(JSON.parse(ollamaData.at(-1)).error);
});
