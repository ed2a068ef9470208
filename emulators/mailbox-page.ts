import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SentMail } from './graph';

export interface MailboxPage {
  readonly origin: string;
  stop(): Promise<void>;
}

/**
 * The mail the Graph emulator accepted, as a web page on loopback (`npm run local`, the
 * screenshots): a list, and each mail with its header and its HTML as a mail client shows it
 * (in a sandboxed frame: no scripts; links open as they would from the mail).
 */
export async function startMailboxPage(mails: readonly SentMail[], port = 0): Promise<MailboxPage> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://mailbox').pathname;
    const one = /^\/mail\/(\d+)$/.exec(path);
    const mail = one === null ? undefined : mails[Number(one[1])];
    let body: string;
    if (path === '/') {
      const rows = mails
        .map((m, i) => `<tr><td>${escape(new Date(m.at).toISOString().slice(11, 19))}</td><td>${escape(m.to.join(', '))}</td><td><a href="/mail/${String(i)}">${escape(m.subject)}</a></td></tr>`)
        .reverse()
        .join('');
      body = `<h1>Local mailbox</h1><p>Mail the bot sent through the Microsoft Graph emulator (nothing leaves this machine). Reload for new mail.</p><table>${rows === '' ? '<tr><td>No mail yet.</td></tr>' : rows}</table>`;
    } else if (mail !== undefined) {
      body =
        `<p><a href="/">← Local mailbox</a></p><dl><dt>From</dt><dd>${escape(mail.from)}</dd><dt>To</dt><dd>${escape(mail.to.join(', '))}</dd><dt>Subject</dt><dd>${escape(mail.subject)}</dd></dl>` +
        `<iframe title="The mail" sandbox="allow-popups allow-top-navigation-by-user-activation" srcdoc="${escape(mail.content)}"></iframe>`;
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('No such mail');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      '<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Local mailbox</title>' +
        '<style>body{font-family:Segoe UI,Helvetica,Arial,sans-serif;margin:16px}td{padding:4px 12px 4px 0}dt{color:#605e5c;font-size:13px}dd{margin:0 0 6px}' +
        'iframe{width:100%;height:80vh;border:1px solid #e1dfdd}</style></head><body>' +
        body +
        '</body></html>',
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}
