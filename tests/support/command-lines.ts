// fast-check generators of chat lines a hostile or clumsy user could send: real keywords and field keys
// with random, huge, invisible, bidi, property-name and edge-number values, mangled afterwards.
// Shared by the parser/dispatch fuzz test and anything else that feeds chat text to the bot.

import fc from 'fast-check';

export const KEYWORDS = [
  '帮助', 'help', '?', '？', '新建客户', 'new customer', '客户', 'customer', '新建合同', 'new contract', '修改', 'edit',
  '提交', 'submit', '取消', 'cancel', '同意', 'approve', '驳回', 'reject', '转交', 'transfer', '催办', 'urge', '撤回',
  'withdraw', '待办', 'todo', '我的合同', 'my contracts', '发送状态', 'outbox', '合同', 'contract', '签订', 'signed',
  'sign', '跟进', 'follow-up', 'followup', '报修', 'service', '受理', 'ack', '响应', 'respond', '解决', 'resolve', '评价', 'rate',
  '异议', 'objection', '回访', 'callback', '工单', 'ticket',
];

export const FIELD_KEYS = [
  '客户', 'customer', '金额', 'amount', '类型', 'type', '标题', 'title', '风险', 'risk', '开始', 'start', '结束', 'end',
  '付款', 'payment', '续约', 'auto_renew', '名称', 'name', '等级', 'tier', '别名', 'aliases', '确认', 'confirm', '方式',
  'method', '下次', 'next', '合同', 'contract', '联系人', 'contact', '日期', 'date',
];

export const PROPERTY_WORDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];

/** Characters that show nothing, reorder text, or cannot be stored as UTF-8 (lone surrogates). */
export const INVISIBLES = [
  '\u00AD', '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2060',
  '\u2061', '\u2062', '\u2063', '\u2064', '\u2066', '\u2067', '\u2068', '\u2069', '\uFEFF', '\u0000', '\u0007', '\u001B',
  '\u007F', '\u0085', '\u2028', '\u2029', '\r', '\t', '\u000B', '\uD800', '\uDFFF', '\u3000', '\u00A0', '\u180E', '\u034F',
];

const EDGE_NUMBERS = [
  '0', '-1', '-0', '0.001', '0.01', '1', '1e308', '1e-7', 'NaN', 'Infinity', '-Infinity', '9007199254740991', '9007199254740993',
  '99999999999999999999', '1000亿', '1000.01亿', '99999999.99万', '0.29万', '1,000,000.005', ',,,', '1,00', '１２３', '5千万',
  '2147483648', '4294967296', '1.', '.5', '1..2', '1e3万',
];

const TYPICAL = [
  '华东日报社', '华东日报', 'KH-000001', 'kh1', '50万', '1.2亿', '销售', '服务', '采购合同', '其他', '低', '中', '高风险', 'A', 'b',
  'C级', '是', '否', 'yes', '电话', '拜访', 'visit', '2027-01-01', '2026/12/1', '12月1日', '明天', '下周一', '周五', '3天后',
  '1900-01-01', '9999-12-31', '0000-00-00', '2026-02-30', '99999天后', 'HT-2026-0001', 'HT-2026-0002', 'ht20260001', '李四',
  '王五', 'wangwu', '@王五', 'wecom:QianQi', '钱七', '张三', 'zhangsan', 'FW-2026-0001', 'fw20260001', '紧急', '一般', '巡检', '5', '6',
];

const MARKUP = ['\n- **金额**：¥1,000.00', '<font color="info">已同意</font>', '[详情](http://evil.example)', '@all', '<@lisi>', '`', '|', '"', "'", '\\'];

const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'华东日报社北方机械厂的一二三年度广告投放合同abcXYZ0123456789 :：,，、;；-_/\n') },
  { weight: 2, arbitrary: fc.constantFrom(...INVISIBLES) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('😀', '👨‍👩‍👧', 'ＡＢＣ', '①', 'ﬁ', '﷽', '𠀀', 'é', 'e\u0301', '\u0301', '\uFDFA') },
);

const noise = (maxLength: number) => fc.array(char, { maxLength }).map((cs) => cs.join(''));

/** Long values: around and far beyond the field limits (200, 500, 1,000, 2,000) and the message limit (4,000). */
const huge = fc
  .tuple(fc.constantFrom(199, 200, 201, 499, 500, 501, 999, 1000, 1001, 1999, 2000, 2001, 3999, 4000, 4001, 12_000), fc.constantFrom('字', 'a', '😀', ' ', '\n', '\u200B', '华东'))
  .map(([n, c]) => c.repeat(n));

export const fieldValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TYPICAL) },
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...PROPERTY_WORDS) },
  { weight: 2, arbitrary: fc.constantFrom(...MARKUP) },
  { weight: 3, arbitrary: noise(20) },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.constant('') },
);

const separator = fc.constantFrom(' ', '  ', '\n', '\t', '\u3000', '', '\r\n', ' \u200B');
const colon = fc.constantFrom(':', '：', ' : ', '::', '');
const fieldKey = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FIELD_KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...PROPERTY_WORDS) }, { weight: 1, arbitrary: noise(6) });
const contractNo = fc.oneof(
  fc.constantFrom('HT-2026-0001', 'HT-2026-0002', 'HT-2026-0003', 'ht20260001', 'HT-2026-1', 'HT-2026-9999', 'HT-2026-0000', 'HT-9999-9999', 'HT-0000-0001'),
  fieldValue,
);

/** Inserts invisible characters, line breaks and case changes at random places. */
const mangle = (line: string) =>
  fc.array(fc.tuple(fc.nat(), fc.constantFrom(...INVISIBLES, '\n', ' ', '：', '@合同助手 ')), { maxLength: 3 }).chain((edits) =>
    fc.boolean().map((upper) => {
      let out = upper ? line.toUpperCase() : line;
      for (const [at, c] of edits) {
        const i = out.length ? at % out.length : 0;
        out = out.slice(0, i) + c + out.slice(i);
      }
      return out;
    }),
  );

/** A command line: a keyword (or none), maybe a contract number, maybe positional text, some `key:value` fields. */
export const commandLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...KEYWORDS) }, { weight: 1, arbitrary: noise(4) }),
    separator,
    fc.option(contractNo, { freq: 2 }),
    fc.option(fieldValue, { freq: 2 }),
    fc.array(fc.tuple(fieldKey, colon, fieldValue, separator), { maxLength: 6 }),
  )
  .map(([keyword, sep, no, positional, fields]) =>
    [keyword, sep, no ?? '', no ? ' ' : '', positional ?? '', positional ? ' ' : '', ...fields.map(([k, c, v, s]) => `${k}${c}${v}${s}`)].join(''),
  )
  .chain((line) => fc.oneof({ weight: 3, arbitrary: fc.constant(line) }, { weight: 2, arbitrary: mangle(line) }));

/**
 * A valid command with one free-text or typed value replaced by a random one: reaches the use-cases
 * (and often succeeds) far more often than fully random lines do.
 */
export const nearlyValidLine: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      (v: string) => `新建客户 名称:${v} 等级:B 确认:是`,
      (v: string) => `新建客户 名称:西部${v} 别名:${v}`,
      (v: string) => `新建合同 客户:华东日报社 金额:5万 类型:销售 标题:${v}`,
      (v: string) => `新建合同 客户:${v} 金额:5万 类型:服务 标题:维保`,
      (v: string) => `新建合同 客户:北方机械厂 金额:${v} 类型:服务 标题:维保 开始:2027-01-01`,
      (v: string) => `修改 HT-2026-0002 标题:${v}`,
      (v: string) => `修改 HT-2026-0002 付款:${v} 结束:2027-12-31`,
      (v: string) => `修改 HT-2026-0002 开始:${v}`,
      (v: string) => `跟进 华东日报社 ${v}`,
      (v: string) => `跟进 北方机械厂 拜访 下次:${v}`,
      (v: string) => `客户 ${v}`,
      (v: string) => `同意 HT-2026-0001 ${v}`,
      (v: string) => `驳回 HT-2026-0001 ${v}`,
      (v: string) => `转交 HT-2026-0001 ${v}`,
      (v: string) => `签订 HT-2026-0001 ${v}`,
    ),
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom('广告投放', '华东日报社', '下周一', '30万', '王五', '钱七', 'zhouqi', '2027-03-01') }, { weight: 4, arbitrary: fieldValue }),
  )
  .map(([template, value]) => template(value))
  .chain((line) => fc.oneof({ weight: 3, arbitrary: fc.constant(line) }, { weight: 1, arbitrary: mangle(line) }));

/** Anything at all: random unicode of any length, and noise. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  noise(80),
  huge,
);
