// MLflow-format config files (tests/fixtures/mlflow-configs) load and serve unchanged, pointed
// at a local mock upstream instead of OpenAI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { startMockUpstream } from '../support/mock_upstream.mjs';
import { startSluice, runSluice } from '../support/sluice.mjs';
import { post, stopCleanly } from './helpers.mjs';

const dir = new URL('../fixtures/mlflow-configs/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
const env = { OPENAI_API_KEY: 'sk-mlflow-config-test-0001' };
let upstream;
before(async () => { upstream = await startMockUpstream(); });
after(async () => { await upstream.close(); });

const bodies = {
  'llm/v1/chat': { messages: [{ role: 'user', content: 'hi' }] },
  'llm/v1/completions': { prompt: 'hi' },
  'llm/v1/embeddings': { input: 'hi' },
};

for (const file of files) {
  test(`${file}: check-config accepts it as written`, async () => {
    const r = await runSluice(['check-config', new URL(file, dir).pathname], env);
    assert.equal(r.code, 0, r.stderr);
  });

  test(`${file}: every endpoint answers through MLflow's path`, async () => {
    const yaml = readFileSync(new URL(file, dir), 'utf8')
      .replaceAll('openai_api_key: $OPENAI_API_KEY', `openai_api_key: $OPENAI_API_KEY\n        openai_api_base: ${upstream.base}`);
    const gw = await startSluice(yaml, { env });
    try {
      const listed = (await (await fetch(gw.url + '/api/2.0/endpoints/')).json()).endpoints;
      assert.ok(listed.length > 0);
      for (const e of listed) {
        const res = await post(gw, `/endpoints/${e.name}/invocations`, bodies[e.endpoint_type]);
        assert.equal(res.status, 200, `${e.name}: ${await res.clone().text()}`);
        await res.arrayBuffer();
      }
      const chat = await post(gw, '/endpoints/chat/invocations', bodies['llm/v1/chat']);
      assert.equal(chat.status, 200);
      assert.equal((await chat.json()).object, 'chat.completion');
    } finally {
      await stopCleanly(gw);
    }
  });
}
