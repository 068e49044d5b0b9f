// A WeCom card sent again (the process stopped between sending and recording it, or a restored
// backup): WeCom refuses its task_id (40058 "task_id exists"); the notifier takes that as delivered
// instead of retrying a message that can never go out, which would hold back everything after it.

import { silentLogger } from '../../../bot/logger';
import { WecomApi } from '../../../bot/wecom/api';
import { WecomNotifier } from '../../../bot/wecom/notifier';
import { createCardDeliveryStore } from '../../../storage/repositories';
import { FakeWecom } from '../../fakes/wecom';
import { startHarness } from '../../support/harness';

it('a card whose task_id WeCom already knows counts as sent; other errors still fail', async () => {
  const h = await startHarness();
  const wecom = await new FakeWecom({ corpId: 'ww1', agentId: 1000002, secret: 's', token: 't', encodingAesKey: 'a'.repeat(43), now: () => h.clock.now().getTime() }).start();
  try {
    await h.say('zhangsan', '新建客户 名称:华东日报社 等级:A 确认:是');
    await h.say('zhangsan', '新建合同 客户:华东日报社 金额:1万 类型:销售 标题:年度框架');
    const reply = h.notifier.delivered.find((m) => m.views.some((v) => v.type === 'card'))!;
    const message = { ...reply, to: { kind: 'person' as const, personId: 'zhangsan' } };
    const api = new WecomApi({ apiBase: wecom.baseUrl, corpId: 'ww1', secret: 's', agentId: 1000002 }, h.clock);
    const notifier = new WecomNotifier({ api, directory: h.app.deps.directory, webhooks: {}, uow: h.app.uow, cards: createCardDeliveryStore(), clock: h.clock, log: silentLogger });

    await notifier.deliver(message);
    const cards = () => wecom.sent.filter((m) => m.msgtype === 'template_card').length;
    expect(cards()).toBe(1);
    const texts = wecom.sent.length - cards();
    await expect(notifier.deliver(message)).resolves.toBeUndefined(); // the same message again
    expect(cards()).toBe(1);
    expect(wecom.sent.length - cards()).toBe(texts * 2); // its text parts went again: WeCom has no key for them

    wecom.failures.set('/cgi-bin/message/send', [40058]); // another invalid parameter: still a failure
    await expect(notifier.deliver({ ...message, id: message.id + 1000 })).rejects.toThrow(/40058/);
  } finally {
    await wecom.stop();
    await h.close();
  }
});
