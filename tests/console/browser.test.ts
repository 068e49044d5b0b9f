// The web console in a real browser (playwright-core driving Debian's chromium): the whole approval
// scenario played through the page, with screenshots of each step kept in test-artifacts/console/.
// Salesperson creates and submits from the preview card; the manager approves from the card; legal
// rejects with a reason; the salesperson edits and resubmits; both approve; a second contract waits
// and, once the clock is moved past its time limit, the group pane shows the alert. User text is
// hostile throughout: it must show literally, never as markup.
//
// Chromium: CHROMIUM_PATH, default /usr/bin/chromium (`apt-get install -y chromium`; .ci/run installs
// it). Without it this test fails and says so; SKIP_BROWSER_TESTS=1 skips it explicitly.

import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startConsoleRig, type ConsoleRig } from '../support/console-rig';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP = process.env.SKIP_BROWSER_TESTS === '1';
const ARTIFACTS = path.join(__dirname, '../../test-artifacts/console');
const HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>**加粗** [点我](http://evil.example/x) @all';

let rig: ConsoleRig;
let browser: Browser | undefined;
let page: Page;
let shot = 0;

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: false });
}

async function say(text: string): Promise<void> {
  await page.fill('#say-text', text);
  await page.press('#say-text', 'Enter');
}

/** Waits until the chat (or a pane) shows `text`. */
const shows = (text: string, where = '#chat-log') => page.locator(where).getByText(text).first().waitFor({ timeout: 15_000 });

async function actAs(personId: string): Promise<void> {
  await page.selectOption('#as', personId);
}

/** The newest card in the chat with a button for `action`, clicked. */
async function clickCard(action: string, contractNo: string): Promise<void> {
  await page.locator(`#chat-log .card:has-text("${contractNo}")`).filter({ has: page.locator(`button[data-action=${action}]`) }).last().locator(`button[data-action=${action}]`).click();
}

beforeAll(async () => {
  if (SKIP) return;
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH; SKIP_BROWSER_TESTS=1 skips the browser test explicitly`);
  }
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  rig = await startConsoleRig();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  page.on('dialog', (d) => void d.dismiss()); // an alert() would mean injected script ran
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

(SKIP ? it.skip : it)('plays the approval scenario through the page', async () => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${rig.base}/console?as=zhangsan`);
  await page.waitForSelector('body[data-ready=true]');
  await screenshot('opened');

  // The salesperson creates a customer and a contract (hostile title), then submits from the preview card.
  await say('新建客户 名称:华东日报社 等级:A 别名:华东日报');
  await shows('已新建客户 KH-000001 华东日报社');
  await say(`新建合同 客户:华东日报 金额:30万 类型:销售 标题:${HOSTILE_TITLE}`);
  await shows('已创建合同草稿 HT-2026-0001');
  await screenshot('draft-preview-card');
  // The hostile title is shown as text, never as markup.
  expect(await page.locator('#chat-log').innerText()).toContain('onerror');
  expect(await page.locator('.log img, .log script, .log a').count()).toBe(0);
  expect(await page.evaluate('window.__pwned')).toBeUndefined();
  await clickCard('submit', 'HT-2026-0001');
  await shows('已提交审批 HT-2026-0001');
  await shows('等待你审批', '[data-feed="person:lisi"]');
  await screenshot('submitted');

  // The manager approves from the card (DingTalk look).
  await actAs('lisi');
  await clickCard('approve', 'HT-2026-0001');
  await shows('已同意 HT-2026-0001');
  await screenshot('manager-approved');

  // Legal rejects with a reason (WeCom look).
  await page.check('#look-wecom');
  await actAs('wangwu');
  await clickCard('reject', 'HT-2026-0001');
  await page.fill('#chat-log input[data-for=reject]', '付款条件不清楚 <b>请写明</b>');
  await page.locator('#chat-log form.extra button').click();
  await shows('已驳回 HT-2026-0001');
  await shows('付款条件不清楚', '[data-feed="person:zhangsan"]');
  await screenshot('legal-rejected');

  // The salesperson edits and resubmits.
  await actAs('zhangsan');
  await say('修改 HT-2026-0001 付款:签约后30日内付清');
  await shows('v2');
  await say('提交 HT-2026-0001');
  await page.locator('#chat-log').getByText('已提交审批 HT-2026-0001').nth(1).waitFor({ timeout: 15_000 });
  await screenshot('resubmitted');

  // Both approve, from their cards.
  await page.check('#look-dingtalk');
  await actAs('lisi');
  await clickCard('approve', 'HT-2026-0001');
  await page.locator('#chat-log').getByText('已同意 HT-2026-0001').nth(1).waitFor({ timeout: 15_000 });
  await actAs('wangwu');
  await clickCard('approve', 'HT-2026-0001');
  await shows('审批全部通过');
  await actAs('zhangsan');
  await shows('审批通过');
  await screenshot('approved');

  // A second contract waits for the manager; the clock moves past its time limit.
  await say('新建合同 客户:华东日报 金额:20万 类型:销售 标题:春节特刊广告');
  await shows('已创建合同草稿 HT-2026-0002');
  await say('提交 HT-2026-0002');
  await shows('已提交审批 HT-2026-0002');
  const channel = page.locator('[data-feed="channel:approvals"]');
  expect(await channel.innerText()).not.toContain('审批超时');
  // Monday 10:00 + 8 working hours is Tuesday 10:30: a day later nothing yet, two days later a reminder.
  await page.click('#clock-controls button[data-minutes="1440"]');
  // the poll that shows the new time also shows what was delivered up to it
  // A locator, not waitForFunction: that one evaluates its predicate with eval, which the page's CSP refuses.
  await page.locator('#now', { hasText: '11/24' }).waitFor();
  expect(await page.locator('[data-feed="person:lisi"]').innerText()).not.toContain('第 1 次提醒');
  await page.click('#clock-controls button[data-minutes="1440"]');
  await shows('第 1 次提醒', '[data-feed="person:lisi"]');
  await screenshot('clock-two-days-reminder');
  await page.click('#clock-controls button[data-minutes="10080"]');
  await shows('审批超时', '[data-feed="channel:approvals"]');
  expect(await channel.innerText()).toContain('HT-2026-0002');
  await channel.scrollIntoViewIfNeeded();
  await screenshot('channel-alert');

  expect(errors).toEqual([]);
  expect(await page.evaluate('window.__pwned')).toBeUndefined();
  expect(fs.readdirSync(ARTIFACTS).filter((f) => f.endsWith('.png')).length).toBe(shot);
}, 180_000);
