// The benchmark's paced stream: 24 OpenAI chat-completion chunks, one every 4 ms, on any POST.
// (nginx's limit_rate cannot pace below one second, so this one piece is a small node server.)
import http from 'node:http';

const port = Number(process.argv[2]);
const chunk = (delta, finish = null, extra = '') =>
  `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${finish ? `"${finish}"` : 'null'}}]${extra}}\n\n`;
const events = [chunk({ role: 'assistant', content: '' })];
for (let i = 1; i <= 21; i++) events.push(chunk({ content: ` word${String(i).padStart(2, '0')}` }));
events.push(chunk({}, 'stop', ',"usage":{"prompt_tokens":5,"completion_tokens":21,"total_tokens":26}'));
events.push('data: [DONE]\n\n');

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let i = 0;
    const next = () => {
      res.write(events[i++]);
      if (i === events.length) res.end();
      else setTimeout(next, 4);
    };
    next();
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1');
