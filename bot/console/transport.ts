// The local console transport: lines typed on stdin go through the same path as a platform's
// messages (inbox → use-cases → outbox); the outbox is delivered by printing.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { renderText } from '../../cards/text';
import type { Directory } from '../../handlers/domain/directory';
import type { Attachment, Notifier, OutboxRecord } from '../../handlers/ports';
import { attachmentFile, CHART_SKIPPED } from '../charts/attachments';
import type { App } from '../app';

/**
 * Prints delivered messages: replies as they are, then messages for others with who gets them.
 * Printing waits for `flush()` so that your reply comes first, as it would on your own phone.
 */
export class ConsoleNotifier implements Notifier {
  private replies: string[] = [];
  private others: string[] = [];

  constructor(
    private readonly out: Writable,
    private readonly directory: Directory,
    /** Where charts and files are written (shown as paths); without it they are only named. */
    private readonly filesDir?: string,
  ) {}

  async deliver(message: OutboxRecord): Promise<void> {
    const body = [renderText(message.views), ...(message.attachments ?? []).map((a) => this.saveAttachment(message.id, a))].join('\n');
    const to = message.to;
    if (to.kind === 'conversation' && to.platform === 'console') {
      this.replies.push(`${body}\n`);
      return;
    }
    const who =
      to.kind === 'person'
        ? `${this.directory.nameOf(to.personId)}(${to.personId})`
        : to.kind === 'channel'
          ? `群 ${to.channel}`
          : `${to.platform} 会话 ${to.conversationId}`;
    const verb = message.updatesCard ? `更新 ${who} 手中的卡片` : `发给 ${who}`;
    this.others.push(`  ┄┄ ${verb} ┄┄\n${indent(body)}\n`);
  }

  /** Writes a chart (PNG) or file (CSV) and returns the line that shows its path. */
  private saveAttachment(id: number, a: Attachment): string {
    if (!this.filesDir) return `📎 ${a.fileName}`;
    const file = attachmentFile(a);
    if (!file) return CHART_SKIPPED;
    fs.mkdirSync(this.filesDir, { recursive: true });
    const target = path.join(this.filesDir, `${id}-${file.fileName}`);
    fs.writeFileSync(target, file.bytes);
    return `📎 ${a.kind === 'chart' ? '图表' : '文件'}：${target}`;
  }

  flush(): void {
    for (const text of [...this.replies, ...this.others]) this.out.write(text);
    this.replies = [];
    this.others = [];
  }
}

const indent = (s: string) => s.split('\n').map((l) => `  ${l}`).join('\n');

export interface ConsoleOptions {
  app: App;
  notifier: ConsoleNotifier;
  as: string;
  input: Readable;
  output: Writable;
  prompt?: boolean;
}

/**
 * Reads commands line by line until the input ends. `/as <person>` switches who is typing, so one
 * person can play the submitter and the approvers; `/quit` ends.
 */
export async function runConsole(options: ConsoleOptions): Promise<void> {
  const { app, input, output } = options;
  const directory = app.deps.directory;
  let me = directory.findByReference(options.as);
  if (!me) throw new Error(`--as ${options.as}: not in the directory (ids: ${directory.people.map((p) => p.id).join(', ')})`);
  const promptText = () => (options.prompt ? `${me!.name}(${me!.id})> ` : '');
  output.write(`合同助手控制台 · 当前身份 ${me.name}(${me.id}) · 输入「帮助」查看命令，/as <人> 切换身份，/quit 退出\n`);
  const lines = readline.createInterface({ input, terminal: false });
  let seq = 0;
  output.write(promptText());
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '/quit' || line === '/exit') break;
    if (line.startsWith('/as ')) {
      const next = directory.findByReference(line.slice(4));
      if (next) me = next;
      output.write(next ? `当前身份：${me.name}(${me.id})\n` : `通讯录里没有「${line.slice(4).trim()}」\n`);
    } else if (line) {
      output.write(`${me.name}> ${line}\n`);
      await app.dispatcher.handle({
        kind: 'message.text',
        platform: 'console',
        deliveryKey: `console:${process.pid}:${Date.now()}:${++seq}`,
        senderIdentity: `console:${me.id}`,
        conversation: { id: `console:${me.id}`, type: 'direct' },
        text: line,
      });
      await app.outbox.deliverDue();
      options.notifier.flush();
    }
    output.write(promptText());
  }
}
