// OpenAI-compatible providers from the preset table, end to end against a loopback OpenAI-dialect
// server: each sends its own key name's value the OpenAI way and is named in logs and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice, runSluice, writeConfig } from '../support/sluice.mjs';
import { post, chatBody, logFor, stopCleanly } from './helpers.mjs';

test('mistral, groq and ollama presets reach an OpenAI-dialect server with their keys', async () => {
  const upstream = await startMockUpstream();
  const gateway = await startSluice(`
endpoints:
  - name: mistral
    endpoint_type: llm/v1/chat
    model: {provider: mistral, name: ok, config: {mistral_api_key: sk-mistral-test-0001, mistral_api_base: "${upstream.base}"}}
  - name: groq
    endpoint_type: llm/v1/chat
    model: {provider: groq, name: ok, config: {api_key: gsk-groq-test-0002, api_base: "${upstream.base}"}}
  - name: ollama
    endpoint_type: llm/v1/embeddings
    model: {provider: ollama, name: nomic-embed-text, config: {api_base: "${upstream.base}"}}
  - name: groq-failing
    endpoint_type: llm/v1/chat
    model: {provider: groq, name: fail-500, config: {api_key: gsk-groq-test-0002, api_base: "${upstream.base}"}}
`);
  try {
    for (const [name, key] of [['mistral', 'sk-mistral-test-0001'], ['groq', 'gsk-groq-test-0002']]) {
      const res = await post(gateway, '/v1/chat/completions', chatBody(name));
      assert.equal(res.status, 200, name);
      assert.equal((await res.json()).choices[0].message.content, 'upstream answer');
      assert.equal(upstream.requests.at(-1).headers.authorization, `Bearer ${key}`);
      assert.equal((await logFor(gateway, res)).provider, name);
    }
    const emb = await post(gateway, '/v1/embeddings', { model: 'ollama', input: 'hello' });
    assert.equal(emb.status, 200);
    assert.equal(upstream.requests.at(-1).headers.authorization, undefined);
    const failing = await post(gateway, '/v1/chat/completions', chatBody('groq-failing'));
    assert.equal(failing.status, 500);
    assert.doesNotMatch(await failing.text(), /gsk-groq-test-0002/);
  } finally {
    try { await stopCleanly(gateway); } finally { await upstream.close(); }
  }
});

test('a preset refuses what its provider does not serve, at load time', async () => {
  const path = writeConfig(`
endpoints:
  - name: e
    endpoint_type: llm/v1/embeddings
    model: {provider: groq, name: m, config: {api_key: k}}
`);
  const r = await runSluice(['check-config', path]);
  assert.equal(r.code, 1);
  assert.match(r.stderr + r.stdout, /provider 'groq' cannot serve llm\/v1\/embeddings/);
});

test('Azure OpenAI: deployment URL with api-version, api-key header (azure) or bearer (azuread), no model in the body', async () => {
  const upstream = await startMockUpstream();
  const base = upstream.base.replace(/\/v1$/, '');
  const gateway = await startSluice(`
endpoints:
  - name: azure-chat
    endpoint_type: llm/v1/chat
    model:
      provider: openai
      name: gpt-4o
      config: {openai_api_type: azure, openai_api_key: az-key-0123456789, openai_api_base: "${base}", openai_deployment_name: gpt4o-prod, openai_api_version: "2024-10-21"}
  - name: azuread-embed
    endpoint_type: llm/v1/embeddings
    model:
      provider: openai
      name: text-embedding-3-small
      config: {openai_api_type: azuread, openai_api_key: entra-token-0123, openai_api_base: "${base}", openai_deployment_name: emb, openai_api_version: "2024-10-21"}
`);
  try {
    const res = await post(gateway, '/v1/chat/completions', chatBody('azure-chat', { stream: true }));
    assert.equal(res.status, 200);
    await res.text();
    const sent = upstream.requests.at(-1);
    assert.equal(sent.path, '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
    assert.equal(sent.headers['api-key'], 'az-key-0123456789');
    assert.equal(sent.headers.authorization, undefined);
    assert.equal(sent.body.model, undefined);
    assert.equal((await logFor(gateway, res)).provider, 'azure');

    const emb = await post(gateway, '/v1/embeddings', { model: 'azuread-embed', input: 'x' });
    assert.equal(emb.status, 200);
    const e = upstream.requests.at(-1);
    assert.equal(e.path, '/openai/deployments/emb/embeddings?api-version=2024-10-21');
    assert.equal(e.headers.authorization, 'Bearer entra-token-0123');
  } finally {
    try { await stopCleanly(gateway); } finally { await upstream.close(); }
  }
});

test('Databricks: the serving endpoint through the workspace OpenAI-compatible API', async () => {
  const upstream = await startMockUpstream();
  const workspace = upstream.base.replace(/\/v1$/, '');
  const gateway = await startSluice(`
endpoints:
  - name: dbx
    endpoint_type: llm/v1/chat
    model: {provider: databricks, name: ok, config: {databricks_workspace_url: "${workspace}", databricks_token: dapi-test-0123}}
`);
  try {
    const res = await post(gateway, '/v1/chat/completions', chatBody('dbx'));
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, 'upstream answer');
    const sent = upstream.requests.at(-1);
    assert.equal(sent.path, '/serving-endpoints/chat/completions');
    assert.equal(sent.headers.authorization, 'Bearer dapi-test-0123');
    assert.equal(sent.body.model, 'ok');
  } finally {
    try { await stopCleanly(gateway); } finally { await upstream.close(); }
  }
});
