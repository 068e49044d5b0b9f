// Fuzzing the command parser and the real dispatcher (in-memory SQLite, real migrations) with random
// and mangled command lines: keywords with random fields, huge values, invisible and bidi characters,
// property-name keys and values, odd unicode, numbers at the edges; and valid commands with one value
// replaced, which reach the use-cases. 10,500 cases per run (8,000 parser, 2,500 dispatcher):
// - the parser never throws; a refusal names its field with an example that parses; what it accepts
//   is normalised (no invisible characters, single-line fields on one line) and within the limits;
// - the dispatcher never throws and never answers with the internal-error reply; whatever it refuses
//   (parser or use-case) leaves the database exactly as it was.
// fast-check prints the seed and the shrunk input of a failure; re-run with it to reproduce.

import fc from 'fast-check';
import type { Command, ParseOutcome } from '../../handlers/commands/command';
import { FIELD_LIMITS } from '../../handlers/commands/limits';
import { parseCommand } from '../../handlers/commands/parse';
import { charLength } from '../../handlers/domain/text';
import type { CardAction } from '../../handlers/ports';
import { anyText, commandLine, fieldValue, KEYWORDS, nearlyValidLine } from '../support/command-lines';
import { databaseFingerprint, startHarness, type Harness } from '../support/harness';

const env = { now: new Date('2026-11-23T02:00:00Z'), timezone: 'Asia/Shanghai' };
const INTERNAL_ERROR = '处理时出错了';
/** Invisible, bidi and control characters other than the newline. */
const INVISIBLE = /(?!\n)[\p{Cf}\p{Cs}\p{Cc}]/u;

/** Every free-text value of a command, with its limit and whether it may hold newlines. */
function texts(c: Command): [value: string | undefined, limit: number, multiline: boolean][] {
  switch (c.name) {
    case 'new_customer':
      return [[c.customerName, FIELD_LIMITS.名称, false], ...c.aliases.map((a) => [a, FIELD_LIMITS.别名, false] as [string, number, boolean])];
    case 'customer':
      return [[c.query, FIELD_LIMITS.客户, false]];
    case 'new_contract':
      return [[c.fields.customer, FIELD_LIMITS.客户, false], [c.fields.title, FIELD_LIMITS.标题, false], [c.fields.paymentTerms, FIELD_LIMITS.付款, false]];
    case 'edit':
      return [[c.changes.customer, FIELD_LIMITS.客户, false], [c.changes.title, FIELD_LIMITS.标题, false], [c.changes.paymentTerms, FIELD_LIMITS.付款, false]];
    case 'approve':
      return [[c.comment, FIELD_LIMITS.意见, true]];
    case 'reject':
      return [[c.reason, FIELD_LIMITS.原因, true]];
    case 'transfer':
      return [[c.to, FIELD_LIMITS.转交人, false]];
    case 'follow_up':
      return [[c.customer, FIELD_LIMITS.客户, false], [c.content, FIELD_LIMITS.内容, true]];
    default:
      return [];
  }
}

/** The parser's contract, checked on one input. */
function checkParse(line: string): ParseOutcome {
  const outcome = parseCommand(line, env); // must not throw
  if (outcome.ok) {
    for (const [value, limit, multiline] of texts(outcome.command)) {
      if (value === undefined) continue;
      expect(value).not.toMatch(INVISIBLE);
      if (!multiline) expect(value).not.toContain('\n');
      expect(charLength(value)).toBeLessThanOrEqual(limit);
      expect(value).toBe(value.trim());
    }
    return outcome;
  }
  if (outcome.kind === 'invalid') {
    expect(outcome.field.length).toBeGreaterThan(0);
    expect(outcome.message).toContain(outcome.field);
    expect(outcome.message.length).toBeLessThan(400); // a huge value is never echoed whole
    const example = parseCommand(outcome.example, env);
    if (!example.ok) throw new Error(`example ${JSON.stringify(outcome.example)} does not parse: ${JSON.stringify(example)}`);
    expect(example.command.name).toBe(outcome.command);
  }
  return outcome;
}

describe('parser', () => {
  it('command lines: never throws; refusals name the field with a parsable example; accepted text is normalised and within limits', () => {
    fc.assert(fc.property(commandLine, (line) => void checkParse(line)), { numRuns: 5000 });
  });

  it('any text, alone or after a keyword; nearly valid lines', () => {
    fc.assert(fc.property(anyText, (text) => void checkParse(text)), { numRuns: 1000 });
    fc.assert(fc.property(nearlyValidLine, (line) => void checkParse(line)), { numRuns: 1000 });
    fc.assert(fc.property(fc.constantFrom(...KEYWORDS), fc.constantFrom(' ', '', '\n', ':'), anyText, (k, s, text) => void checkParse(`${k}${s}${text}`)), { numRuns: 1000 });
  });
});

describe('dispatcher on SQLite', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A 别名:华东日报');
    await h.say('zhaoliu', '新建客户 名称:北方机械厂 等级:C');
    await h.say('zhangsan', '新建合同 客户:华东日报社 金额:30万 类型:销售 标题:广告投放');
    await h.say('zhangsan', '提交 HT-2026-0001');
    await h.say('zhaoliu', '新建合同 客户:北方机械厂 金额:3万 类型:服务 标题:维保');
  });
  afterAll(() => h.close());

  const PEOPLE = ['zhangsan', 'zhaoliu', 'lisi', 'wangwu', 'sunba', 'zhouqi', 'qianqi', 'wujiu', 'admin', 'stranger'];
  const cardAction: fc.Arbitrary<CardAction> = fc.oneof(
    fc.record({ type: fc.constantFrom('submit' as const, 'cancel' as const), contractNo: fc.constantFrom('HT-2026-0001', 'HT-2026-0002', 'HT-2026-0099', '__proto__') }),
    fc.record({
      type: fc.constantFrom('approve' as const, 'reject' as const, 'transfer' as const),
      contractNo: fc.constantFrom('HT-2026-0001', 'HT-2026-0002', 'HT-2026-0099', 'constructor'),
      stepId: fc.oneof(fc.integer({ min: -1, max: 12 }), fc.constantFrom(2 ** 31, Number.MAX_SAFE_INTEGER)),
      version: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(2 ** 31)),
    }),
  );
  const input = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        text: fc.oneof({ weight: 4, arbitrary: commandLine }, { weight: 4, arbitrary: nearlyValidLine }, { weight: 1, arbitrary: anyText }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('click' as const), action: cardAction, extra: fc.option(fieldValue) }) },
  );

  it('never throws, never answers with the internal error, and writes nothing for what it refuses', async () => {
    let refusals = 0;
    let writes = 0;
    await fc.assert(
      // The owners and the first approver more often, so that commands also go through.
      fc.asyncProperty(fc.oneof(fc.constantFrom('zhangsan', 'zhaoliu', 'lisi'), fc.constantFrom(...PEOPLE)), input, async (who, event) => {
        const before = await databaseFingerprint(h.app);
        const { reply } =
          event.kind === 'text' ? await h.say(who, event.text) : await h.click(who, event.action, event.extra ?? undefined);
        expect(reply).not.toContain(INTERNAL_ERROR);
        expect(reply.length).toBeGreaterThan(0);
        const [row] = await h.app.dataSource.query('SELECT status, error FROM inbox ORDER BY id DESC LIMIT 1');
        expect(row.status).toBe('done');
        const parsedOk = event.kind === 'click' || parseCommand(event.text, env).ok;
        const refused = who === 'stranger' || !parsedOk || row.error !== null;
        const after = await databaseFingerprint(h.app);
        if (refused) {
          refusals++;
          expect(after).toBe(before);
        } else if (after !== before) writes++;
      }),
      { numRuns: 2500 },
    );
    // The run reached both sides: refusals, and commands that went through and wrote.
    expect(refusals).toBeGreaterThan(500);
    expect(writes).toBeGreaterThan(100);
  }, 120_000);
});
