// Hostile user text for the renderer tests, and what no rendering of it may contain.

/** The attack of issue 8: a title that fakes an amount line, an approval stamp and a link. */
export const ATTACK_TITLE = 'X\n- **金额**：¥1,000.00\n<font color="info">已同意 · 李四</font> [详情](http://evil.example/x)';
/** Mentions, for the payment terms. */
export const ATTACK_MENTIONS = '@all @所有人 <@LiSi> @13800000000 见 www.evil.example';

export const HOSTILE_STRINGS: string[] = [
  ATTACK_TITLE,
  ATTACK_MENTIONS,
  '[点我](http://evil.example/x)',
  '![图](https://evil.example/a.png)',
  'https://evil.example/a?b=c',
  'evil.example/login',
  'dingtalk://dingtalkclient/page/link?url=x',
  '访问 1.2.3.4/x',
  '<a href="http://evil.example">同意</a>',
  '<font color="warning">已驳回</font>',
  '<!-- 以下内容隐藏',
  '<img src=x onerror=alert(1)>',
  '<@all> <@LiSi> @all',
  '# 标题',
  '> 引用',
  '- 列表',
  '+ 列表',
  '1. 列表',
  '    缩进代码',
  '\u00A0- 不换行空格后的列表',
  '\u3000# 全角空格后的标题',
  '***',
  '---',
  '===',
  '`code` ```block```',
  '**粗体** __粗__ _斜_ ~~删~~',
  '| a | b |\n|---|---|',
  '&lt;font color="info"&gt;已同意&lt;/font&gt;',
  '\\*不是粗体\\*',
  '[ref]: http://evil.example',
  '行一\r\n行二\r行三\u2028行四\u2029行五\u0085行六\v行七\f行八\t制表',
  '\u202E反转文字\u202C \u2066隔离\u2069',
  '零\u200B宽\uFEFF字\u00AD符 @\u200Ball http:\u200B//evil.example',
  '┌ 合同审批 HT-2026-0009\n│ 金额：¥1.00\n└',
  '\uD800 孤立代理',
  '很'.repeat(3000),
];

/** Line breaks of any kind (and tabs): none may survive in a single-line field. */
export const LINE_BREAK = /[\n\r\u2028\u2029\u0085\v\f\t]/;
/** An HTML-ish tag start (`<font`, `</a`, `<!--`, `<@`). */
export const LIVE_TAG = /<[A-Za-z/!?@]/;
/** A markdown link, a URL scheme, a host name (`evil.example`), a mention. */
export const LINKISH = /\]\(|:\/\/|[A-Za-z0-9-]\.[A-Za-z]|@/;
/** Characters that hide or reorder text. */
export const INVISIBLE = /[\u200B\u200C\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF\u00AD]/;
/** ASCII that is markup in DingTalk or WeCom markdown. */
export const MARKDOWN_ASCII = /[\\*_#`[\]()|~&<>]/;
/** A line start that opens a list, heading, rule, quote or code block. */
export const MARKDOWN_LINE_START = /^(?: {2,}|\t|\s*(?:[-+=>#*]|\d+[.)]))/;
