import { charLength, cleanLine, cleanMultiline, cleanParagraphs } from '../../../handlers/domain/text';

describe('cleanMultiline', () => {
  it('removes every invisible and bidi control character named in the issue', () => {
    const invisible = [
      '\u00AD', '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E',
      '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\u2066', '\u2067', '\u2068', '\u2069', '\uFEFF',
      '\u0000', '\u0001', '\u001B', '\u007F', '\u0080', '\u009F', '\u180E', '\u061C', '\uDC00',
    ];
    for (const c of invisible) expect(cleanMultiline(`华东${c}日报社`)).toBe('华东日报社');
  });

  it('turns every line break into \\n and other whitespace into a space', () => {
    expect(cleanMultiline('a\r\nb\rc\u0085d\u2028e\u2029f\u000Bg\u000Ch')).toBe('a\nb\nc\nd\ne\nf\ng\nh');
    expect(cleanMultiline('a\tb\u3000c\u00A0d\u2003e')).toBe('a b c d e');
  });

  it('is NFKC except for the punctuation of Chinese prose', () => {
    expect(cleanMultiline('ＡＢＣ１２３ ﬁ ㈱ ①')).toBe('ABC123 fi (株) 1');
    expect(cleanMultiline('好，是：对；行！吗？（注）～……')).toBe('好，是：对；行！吗？（注）～……');
    expect(cleanMultiline('１００％＆＃')).toBe('100%&#');
  });

  it('is idempotent', () => {
    for (const s of ['华东\u00AD日报社\u202E', 'ＡＢＣ，１２３\r\n\u2028x', '（\u0301）', 'a\u0000\uD800b']) {
      expect(cleanMultiline(cleanMultiline(s))).toBe(cleanMultiline(s));
    }
  });
});

describe('cleanLine / cleanParagraphs', () => {
  it('keeps a single-line field on one line', () => {
    expect(cleanLine('  标题\n- **金额**：¥1\r\n<font>x</font>\t ')).toBe('标题 - **金额**：¥1 <font>x</font>');
  });
  it('keeps lines in free text, without trailing spaces or runs of blank lines', () => {
    expect(cleanParagraphs(' 第一行  \n第二行\n\n\n\n第三行\n ')).toBe('第一行\n第二行\n\n第三行');
  });
});

describe('charLength', () => {
  it('counts code points, as PostgreSQL and MySQL utf8mb4 count characters', () => {
    expect(charLength('😀字a')).toBe(3);
    expect('😀字a'.length).toBe(4);
  });
});
