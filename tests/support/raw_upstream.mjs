// A provider on loopback that writes raw bytes, for faults no HTTP library would produce:
// interim 1xx answers, stray bytes after a body, huge trailers, lines without an end. Each
// request is answered by `answers[model]` (the request body's `model`): a function of
// (socket, request) that writes whatever it likes. Requests on one connection are answered in
// order; `log` records each request's model and the connection it came on.
import net from 'node:net';

export async function startRawUpstream(answers) {
  const log = [];
  const sockets = new Set();
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (d) => {
      buffered = Buffer.concat([buffered, d]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.subarray(0, end).toString();
        const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString();
        buffered = buffered.subarray(end + 4 + length);
        let parsed = {};
        try { parsed = JSON.parse(body); } catch { parsed = {}; }
        const model = parsed.model ?? '';
        log.push({ model, connection, head });
        const answer = answers[model] ?? answers.default;
        answer(socket, { head, body: parsed, text: body });
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    port,
    base: `http://127.0.0.1:${port}/v1`,
    log,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

// A complete OpenAI chat answer whose content is `text`, as a Content-Length response.
export function chatAnswer(text, extraHead = '') {
  const body = JSON.stringify({
    id: 'chatcmpl-raw', object: 'chat.completion', created: 1, model: 'raw',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
  });
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extraHead}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
