// Copy-ready calls for one endpoint or route of the gateway at `origin`, for the developer view:
// curl, the OpenAI SDK, the Anthropic SDK (chat only) and MLflow's deployments client. The key is
// read from $SLUICE_API_KEY, never written into the snippet.
export function snippets(origin, { name, endpoint_type: type }) {
  const model = JSON.stringify(name);
  const out = [];
  const openaiPath = { 'llm/v1/chat': 'chat/completions', 'llm/v1/completions': 'completions', 'llm/v1/embeddings': 'embeddings' }[type];
  const openaiBody = {
    'llm/v1/chat': `{"model": ${model}, "messages": [{"role": "user", "content": "Hello"}]}`,
    'llm/v1/completions': `{"model": ${model}, "prompt": "Hello"}`,
    'llm/v1/embeddings': `{"model": ${model}, "input": "Hello"}`,
  }[type];
  if (openaiPath) {
    out.push(['curl', `curl ${origin}/v1/${openaiPath} \\
  -H "Authorization: Bearer $SLUICE_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '${openaiBody.replaceAll("'", "'\\''")}'`]);
    const call = {
      'llm/v1/chat': `client.chat.completions.create(model=${model}, messages=[{"role": "user", "content": "Hello"}])`,
      'llm/v1/completions': `client.completions.create(model=${model}, prompt="Hello")`,
      'llm/v1/embeddings': `client.embeddings.create(model=${model}, input="Hello")`,
    }[type];
    out.push(['OpenAI SDK (Python)', `import os
from openai import OpenAI

client = OpenAI(base_url="${origin}/v1", api_key=os.environ["SLUICE_API_KEY"])
print(${call})`]);
  }
  if (type === 'llm/v1/chat') {
    out.push(['Anthropic SDK (Python)', `import os
from anthropic import Anthropic

client = Anthropic(base_url="${origin}", api_key=os.environ["SLUICE_API_KEY"])
print(client.messages.create(model=${model}, max_tokens=1024, messages=[{"role": "user", "content": "Hello"}]))`]);
  }
  const inputs = {
    'llm/v1/chat': '{"messages": [{"role": "user", "content": "Hello"}]}',
    'llm/v1/completions': '{"prompt": "Hello"}',
    'llm/v1/embeddings': '{"input": "Hello"}',
  }[type];
  if (inputs) {
    out.push(['MLflow deployments client', `# export MLFLOW_TRACKING_TOKEN=$SLUICE_API_KEY  (sent as the bearer key)
from mlflow.deployments import get_deploy_client

client = get_deploy_client("${origin}")
print(client.predict(endpoint=${model}, inputs=${inputs}))`]);
  }
  return out;
}
