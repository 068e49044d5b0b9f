// The parser as the edge where chat text enters: limits per field and per message, one normal form
// for text, words like `__proto__` that must not find anything, and dates in sane ranges. Every refusal
// names the field and carries an example that itself parses.

import type { ParseOutcome } from '../../../handlers/commands/command';
import { FIELD_LIMITS, MAX_ALIASES, MESSAGE_LIMIT, SHORT_FIELD_LIMIT } from '../../../handlers/commands/limits';
import { parseCommand } from '../../../handlers/commands/parse';

// Monday 2026-11-23, 10:00 in Shanghai.
const env = { now: new Date('2026-11-23T02:00:00Z'), timezone: 'Asia/Shanghai' };
const parse = (text: string) => parseCommand(text, env);
type Invalid = Extract<ParseOutcome, { kind: 'invalid' }>;
const command = (text: string) => {
  const r = parse(text);
  if (!r.ok) throw new Error(`${text.slice(0, 80)}: ${JSON.stringify(r).slice(0, 300)}`);
  return r.command;
};
const invalid = (text: string): Invalid => {
  const r = parse(text);
  if (r.ok || r.kind !== 'invalid') throw new Error(`${text.slice(0, 80)}: expected invalid, got ${JSON.stringify(r).slice(0, 300)}`);
  // Every refusal: names the field in its message, and its example is a correct command of the same kind.
  expect(r.message).toContain(r.field);
  const again = parse(r.example);
  if (!again.ok) throw new Error(`example ${r.example} does not parse: ${JSON.stringify(again)}`);
  expect(again.command.name).toBe(r.command);
  return r;
};

const NO = 'HT-2026-0001';
const NC = '新建合同 客户:华东日报社 金额:5万 类型:销售';
const chars = (n: number, c = '字') => c.repeat(n);

describe('field limits', () => {
  // [field, a line with the field's value `v`, where the value ends up]
  const LIMITED: [keyof typeof FIELD_LIMITS, (v: string) => string, (c: ReturnType<typeof command>) => unknown][] = [
    ['标题', (v) => `${NC} 标题:${v}`, (c) => c.name === 'new_contract' && c.fields.title],
    ['标题', (v) => `修改 ${NO} 标题:${v}`, (c) => c.name === 'edit' && c.changes.title],
    ['客户', (v) => `${NC} 标题:x 客户:${v}`.replace('客户:华东日报社 ', ''), (c) => c.name === 'new_contract' && c.fields.customer],
    ['客户', (v) => `客户 ${v}`, (c) => c.name === 'customer' && c.query],
    ['客户', (v) => `跟进 ${v} 拜访`, (c) => c.name === 'follow_up' && c.customer],
    ['名称', (v) => `新建客户 名称:${v}`, (c) => c.name === 'new_customer' && c.customerName],
    ['名称', (v) => `新建客户 ${v}`, (c) => c.name === 'new_customer' && c.customerName],
    ['别名', (v) => `新建客户 名称:华东 别名:华东日报,${v}`, (c) => c.name === 'new_customer' && c.aliases[1]],
    ['付款', (v) => `修改 ${NO} 付款:${v}`, (c) => c.name === 'edit' && c.changes.paymentTerms],
    ['意见', (v) => `同意 ${NO} ${v}`, (c) => c.name === 'approve' && c.comment],
    ['原因', (v) => `驳回 ${NO} ${v}`, (c) => c.name === 'reject' && c.reason],
    ['内容', (v) => `跟进 华东日报社 ${v}`, (c) => c.name === 'follow_up' && c.content],
    ['转交人', (v) => `转交 ${NO} ${v}`, (c) => c.name === 'transfer' && c.to],
  ];

  it.each(LIMITED)('%s: at the limit it parses whole; one more is refused naming the field and the limit', (field, line, valueOf) => {
    const limit = FIELD_LIMITS[field];
    // 4-byte characters count as one, as the databases count them.
    const atLimit = Array.from({ length: limit }, (_, i) => (i % 2 ? '😀' : '字')).join('');
    expect(valueOf(command(line(atLimit)))).toBe(atLimit);
    const r = invalid(line(`${atLimit}字`));
    expect(r.field).toBe(field);
    expect(r.message).toContain(`最长 ${limit} 个字，现在有 ${limit + 1} 个字`);
  });

  it('at most 20 aliases', () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `别名${i}`).join(',');
    expect(command(`新建客户 名称:华东 别名:${aliases(MAX_ALIASES)}`)).toMatchObject({ aliases: expect.arrayContaining(['别名19']) });
    expect(invalid(`新建客户 名称:华东 别名:${aliases(MAX_ALIASES + 1)}`)).toMatchObject({ field: '别名' });
  });

  it.each([
    ['金额', `新建合同 客户:华东 类型:销售 标题:x 金额:${'1'.repeat(SHORT_FIELD_LIMIT + 1)}`],
    ['类型', `${NC.replace('类型:销售', `类型:${chars(SHORT_FIELD_LIMIT + 1)}`)} 标题:x`],
    ['开始', `修改 ${NO} 开始:${chars(SHORT_FIELD_LIMIT + 1)}`],
    ['下次', `跟进 华东 拜访 下次:${chars(SHORT_FIELD_LIMIT + 1)}`],
    ['合同', `跟进 华东 拜访 合同:${'H'.repeat(SHORT_FIELD_LIMIT + 1)}`],
    ['日期', `签订 ${NO} ${chars(SHORT_FIELD_LIMIT + 1)}`],
  ])('a fixed-form field (%s) longer than 50 characters is refused by its length', (field, line) => {
    const r = invalid(line);
    expect(r.field).toBe(field);
    expect(r.message).toContain(`最长 ${SHORT_FIELD_LIMIT} 个字`);
  });

  it('refuses a whole message over the limit, whatever its fields, naming the limit', () => {
    const r = invalid(`跟进 华东日报社 ${chars(MESSAGE_LIMIT)}`);
    expect(r.field).toBe('整条消息');
    expect(r.message).toContain(`整条消息最长 ${MESSAGE_LIMIT} 个字`);
    expect(invalid(`客户 ${chars(12_000)}`).field).toBe('整条消息');
    // Text without a command stays unknown, however long.
    expect(parse(chars(100_000))).toEqual({ ok: false, kind: 'unknown' });
  });

  it('echoes at most 30 characters of a bad value', () => {
    const r = invalid(`修改 ${NO} 类型:${'租'.repeat(45)}`);
    expect(r.message).toContain(`「${'租'.repeat(30)}…」`);
    expect(r.message).not.toContain('租'.repeat(31));
  });
});

describe('text normalisation', () => {
  it.each([
    ['soft hyphen', '华东\u00AD日报社'],
    ['right-to-left override', '华东日报社\u202E'],
    ['left-to-right mark', '\u200E华东日报社'],
    ['zero-width space and joiner', '华\u200B东\u200D日报社'],
    ['word joiner, invisible times', '华东\u2060日\u2062报社'],
    ['isolates', '\u2066华东日报社\u2069'],
    ['byte order mark', '\uFEFF华东日报社'],
    ['control characters', '华东\u0000日报\u0007社\u007F'],
    ['a lone surrogate', '华东\uD800日报社'],
    ['full-width letters stay CJK', '华东日报社'],
  ])('%s: the stored form is 华东日报社', (_what, typed) => {
    expect(command(`新建客户 名称:${typed}`)).toMatchObject({ customerName: '华东日报社' });
    expect(command(`客户 ${typed}`)).toEqual({ name: 'customer', query: '华东日报社' });
    expect(command(`跟进 ${typed} 拜访`)).toMatchObject({ customer: '华东日报社' });
  });

  it('NFKC: full-width letters and digits, compatibility characters and odd spaces fold; Chinese punctuation stays', () => {
    expect(command(`${NC} 标题:ＡＢＣ　２０２７年度\u00A0广告 ﬁne`)).toMatchObject({ fields: { title: 'ABC 2027年度 广告 fine' } });
    expect(command(`修改 ${NO} 付款:首付３０％，验收后（７日内）付清！余款……再议；可以？～`)).toMatchObject({
      changes: { paymentTerms: '首付30%，验收后（7日内）付清！余款……再议；可以？～' },
    });
  });

  it('keeps single-line fields on one line and multi-line ones as lines', () => {
    expect(command(`修改 ${NO} 标题:第一行\r\n- **金额**：¥1\u2028第三行\t尾`)).toMatchObject({ changes: { title: '第一行 - **金额**：¥1 第三行 尾' } });
    expect(command(`新建客户 名称:华东\n日报社`)).toMatchObject({ customerName: '华东 日报社' });
    expect(command(`驳回 ${NO} 第一条\r\n第二条   \n\n\n\n第三条`)).toMatchObject({ reason: '第一条\n第二条\n\n第三条' });
    expect(command(`跟进 华东 拜访\u2029聊了续约`)).toMatchObject({ content: '拜访\n聊了续约' });
  });

  it('refuses a value that is nothing but invisible characters as missing', () => {
    expect(invalid(`驳回 ${NO} \u200B\u202E\u00AD`).field).toBe('原因');
    expect(invalid(`新建客户 名称:\u200B`).field).toBe('名称');
  });
});

describe('words that are names of object properties find nothing', () => {
  const WORDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype'];
  // Fields with a fixed form or a closed list: such a word is a mistake, named by its field.
  const TYPED: [string, (w: string) => string][] = [
    ['金额', (w) => `新建合同 客户:华东 类型:销售 标题:x 金额:${w}`],
    ['类型', (w) => `新建合同 客户:华东 金额:5万 标题:x 类型:${w}`],
    ['风险', (w) => `${NC} 标题:x 风险:${w}`],
    ['开始', (w) => `${NC} 标题:x 开始:${w}`],
    ['结束', (w) => `修改 ${NO} 结束:${w}`],
    ['续约', (w) => `修改 ${NO} 续约:${w}`],
    ['等级', (w) => `新建客户 名称:华东 等级:${w}`],
    ['确认', (w) => `新建客户 名称:华东 确认:${w}`],
    ['方式', (w) => `跟进 华东 拜访 方式:${w}`],
    ['下次', (w) => `跟进 华东 拜访 下次:${w}`],
    ['合同', (w) => `跟进 华东 拜访 合同:${w}`],
    ['日期', (w) => `签订 ${NO} ${w}`],
    ['合同号', (w) => `提交 ${w}`],
  ];
  const cases = TYPED.flatMap(([field, line]) => WORDS.map((w) => [field, w, line(w)] as const));

  it.each(cases)('%s:%s is refused naming the field', (field, _word, line) => {
    expect(invalid(line).field).toBe(field);
  });

  it.each(WORDS)('free text may be %s, kept as typed', (word) => {
    expect(command(`${NC} 标题:${word}`)).toMatchObject({ fields: { title: word } });
    expect(command(`新建客户 名称:${word} 别名:${word}x`)).toMatchObject({ customerName: word, aliases: [`${word}x`] });
    expect(command(`转交 ${NO} ${word}`)).toMatchObject({ to: word });
    expect(parse(word)).toEqual({ ok: false, kind: 'unknown' });
    // A property name as a field key is not a key.
    expect(command(`驳回 ${NO} ${word}:1`)).toMatchObject({ reason: `${word}:1` });
  });
});

describe('date ranges', () => {
  it.each([
    ['开始', `${NC} 标题:x 开始:1900-01-01`, '2000-01-01 至 2056-11-23'],
    ['结束', `${NC} 标题:x 结束:2057-01-01`, '2000-01-01 至 2056-11-23'],
    ['开始', `修改 ${NO} 开始:1999/12/31`, '2000-01-01 至 2056-11-23'],
    ['下次', '跟进 华东 拜访 下次:2028-01-01', '2000-01-01 至 2027-11-23'],
    ['下次', '跟进 华东 拜访 下次:9999天后', '2000-01-01 至 2027-11-23'],
    ['日期', `签订 ${NO} 1900-01-01`, '2000-01-01 至'],
    ['日期', `签订 ${NO} 0001-01-01`, '2000-01-01 至'],
    ['日期', `签订 ${NO} 9999-12-31`, '2000-01-01 至'],
  ])('%s out of range is refused naming the field and the range: %s', (field, line, range) => {
    const r = invalid(line);
    expect(r.field).toBe(field);
    expect(r.message).toContain('超出范围');
    expect(r.message).toContain(range);
  });

  it('accepts the edges of each range', () => {
    expect(command(`${NC} 标题:x 开始:2000-01-01 结束:2056-11-23`)).toMatchObject({ fields: { startDate: '2000-01-01', endDate: '2056-11-23' } });
    expect(command('跟进 华东 拜访 下次:2027-11-23')).toMatchObject({ next: '2027-11-23' });
    expect(command(`签订 ${NO} 2000-01-01`)).toMatchObject({ date: '2000-01-01' });
  });

  it('refuses an end before the start when both are given', () => {
    expect(invalid(`${NC} 标题:x 开始:2027-06-01 结束:2027-01-01`).field).toBe('结束');
  });
});
