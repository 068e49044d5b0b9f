// The demo company: customers of each tier, contracts in every state the workflow reaches by chat,
// overdue approval steps and follow-ups, written through the same dispatch path as real chat (each
// command as its person, at its own moment in the past), so every row is one the bot could have made.
//
// The seed is a list of steps run in order (DEMO_STEPS); a step only needs the Seeder below. Dates in
// commands are relative to the seed's own day, so the company looks the same whenever it is seeded.

import { addDays, todayIn } from '../../handlers/domain/dates';
import type { IsoDate } from '../../handlers/domain/types';
import type { SimulatedClock } from './clock';
import { fulfilment } from './demo-fulfilment';
import type { App } from '../app';
import type { NormalizedEvent } from '../events';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Seeder {
  app: App;
  /** When the seed started (its "now"). */
  start: Date;
  /** The moment `ago` ms before the seed started; the next commands run then. */
  at(agoMs: number): void;
  /** The seed's local date plus `days` (negative: in the past), for dates written in commands. */
  day(days: number): IsoDate;
  /** Sends a chat command as a person, through the dispatcher, at the current seed moment. */
  say(personId: string, text: string): Promise<void>;
  /**
   * Approves a contract's current step as the person it is assigned to (a delegate when the approver
   * is out of office on the seed's day), so the seed reads the same whenever it runs.
   */
  approve(contractNo: string, note?: string): Promise<void>;
  /** Creates a contract as `owner` with `fields` (chat syntax) and returns its number. */
  newContract(owner: string, fields: string): Promise<string>;
  /** One line for the summary. */
  note(line: string): void;
}

export interface DemoStep {
  name: string;
  run(s: Seeder): Promise<void>;
}

/** The first customer the seed creates: its presence means the demo is already there. */
export const DEMO_MARKER_CUSTOMER = '华东日报社';

const customers: DemoStep = {
  name: '客户',
  async run(s) {
    s.at(30 * DAY);
    await s.say('zhangsan', `新建客户 名称:${DEMO_MARKER_CUSTOMER} 等级:A 别名:华东日报`);
    await s.say('zhangsan', '新建客户 名称:星河传媒集团 等级:A 别名:星河传媒');
    await s.say('zhangsan', '新建客户 名称:蓝海科技有限公司 等级:B 别名:蓝海科技');
    await s.say('zhaoliu', '新建客户 名称:青松教育咨询 等级:B 别名:青松教育');
    await s.say('zhaoliu', '新建客户 名称:小满咖啡馆 等级:C 别名:小满咖啡');
    await s.say('zhaoliu', '新建客户 名称:云杉文具店 等级:C');
    s.note('客户 6 个：A 级 华东日报社、星河传媒集团；B 级 蓝海科技、青松教育；C 级 小满咖啡、云杉文具');
  },
};

const contracts: DemoStep = {
  name: '合同',
  async run(s) {
    s.at(20 * DAY);
    const draft = await s.newContract('zhangsan', '客户:蓝海科技 金额:8万 类型:服务 标题:官网改版与运维 风险:中');
    const cancelled = await s.newContract('zhaoliu', '客户:云杉文具店 金额:3000 类型:销售 标题:开学季传单印刷');
    await s.say('zhaoliu', `取消 ${cancelled}`);

    const signed = await s.newContract('zhangsan', '客户:华东日报 金额:30万 类型:销售 标题:2027年度广告投放 开始:2027-01-01 结束:2027-12-31 付款:签约后30日内付清');
    await s.say('zhangsan', `提交 ${signed}`);
    s.at(19 * DAY);
    await s.approve(signed, '价格合理');
    s.at(18 * DAY);
    await s.approve(signed, '条款无误');
    s.at(17 * DAY);
    await s.say('zhangsan', `签订 ${signed}`);

    s.at(15 * DAY);
    const approved = await s.newContract('zhaoliu', '客户:青松教育 金额:4.5万 类型:销售 标题:暑期招生海报设计 风险:低');
    await s.say('zhaoliu', `提交 ${approved}`);
    s.at(14 * DAY);
    await s.approve(approved);

    const rejected = await s.newContract('zhangsan', '客户:星河传媒 金额:12万 类型:销售 标题:品牌短视频代运营 付款:验收后90日付款');
    await s.say('zhangsan', `提交 ${rejected}`);
    s.at(13 * DAY);
    await s.say('lisi', `驳回 ${rejected} 付款周期太长，请改为验收后30日内付款`);

    const withdrawn = await s.newContract('zhaoliu', '客户:小满咖啡 金额:2万 类型:销售 标题:门店菜单灯箱');
    await s.say('zhaoliu', `提交 ${withdrawn}`);
    await s.say('zhaoliu', `撤回 ${withdrawn}`);

    // Overdue: waiting for the sales manager for a week, and for legal for days.
    s.at(7 * DAY);
    const overdueManager = await s.newContract('zhaoliu', '客户:青松教育 金额:16万 类型:服务 标题:教师培训平台年度服务 风险:中');
    await s.say('zhaoliu', `提交 ${overdueManager}`);
    s.at(6 * DAY);
    const overdueLegal = await s.newContract('zhangsan', '客户:星河传媒 金额:28万 类型:销售 标题:年度户外大屏投放');
    await s.say('zhangsan', `提交 ${overdueLegal}`);
    s.at(5 * DAY);
    await s.approve(overdueLegal);

    // Large: the full chain (manager, legal, finance, general manager); now at finance.
    s.at(3 * DAY);
    const large = await s.newContract('zhangsan', '客户:华东日报 金额:120万 类型:销售 标题:三年战略合作框架协议 风险:高 开始:2027-01-01 结束:2029-12-31');
    await s.say('zhangsan', `提交 ${large}`);
    s.at(2 * DAY);
    await s.approve(large);
    await s.approve(large, '已审阅框架条款');

    // Fresh: submitted an hour ago, within its time limit.
    s.at(HOUR);
    const fresh = await s.newContract('zhaoliu', '客户:蓝海科技 金额:3.8万 类型:采购 标题:办公电脑采购 风险:低');
    await s.say('zhaoliu', `提交 ${fresh}`);

    s.note(
      `合同 10 个：草稿 ${draft}；已取消 ${cancelled}；已签订 ${signed}；已通过 ${approved}；已驳回 ${rejected}；已撤回 ${withdrawn}；` +
        `审批超时 ${overdueManager}（销售经理）和 ${overdueLegal}（法务）；大额审批中 ${large}（财务）；审批中 ${fresh}`,
    );
  },
};

const followUps: DemoStep = {
  name: '跟进',
  async run(s) {
    s.at(25 * DAY);
    await s.say('zhangsan', '跟进 华东日报 拜访报社广告部，确认明年投放预算 方式:拜访');
    await s.say('zhaoliu', '跟进 小满咖啡 电话沟通新店开业物料 方式:电话');
    s.at(2 * DAY);
    await s.say('zhangsan', '跟进 星河传媒 微信沟通付款条件修改 方式:微信');
    await s.say('zhaoliu', '跟进 青松教育 会议讨论培训平台需求 方式:会议');
    s.note('跟进 4 条：华东日报社（A 级，7 天一次）和小满咖啡馆的下次跟进已逾期');
  },
};

/** The seed, in order. */
export const DEMO_STEPS: DemoStep[] = [customers, fulfilment, contracts, followUps];

export interface DemoResult {
  seeded: boolean;
  summary: string;
}

/**
 * Seeds the demo company into the app's database unless it is there already. The clock is pinned to
 * each step's moment in the past and released at the end; what the seed queued in the outbox stays
 * there, so the inboxes fill when the bot delivers it.
 */
export async function seedDemo(app: App, clock: SimulatedClock, steps: DemoStep[] = DEMO_STEPS): Promise<DemoResult> {
  const present = await app.uow.run(async (tx) => (await app.deps.repos.customers.findNameCandidates(tx, DEMO_MARKER_CUSTOMER, null, 5)).some((c) => c.name === DEMO_MARKER_CUSTOMER));
  if (present) return { seeded: false, summary: `演示数据已存在（客户「${DEMO_MARKER_CUSTOMER}」），未重复写入。` };
  const start = clock.now().getTime();
  const notes: string[] = [];
  let n = 0;
  const say = async (personId: string, text: string) => {
    const event: NormalizedEvent = {
      kind: 'message.text',
      platform: 'console',
      deliveryKey: `console:demo:${start}:${++n}`,
      senderIdentity: `console:${personId}`,
      conversation: { id: `console:${personId}`, type: 'direct' },
      text,
    };
    await app.dispatcher.handle(event);
  };
  const seeder: Seeder = {
    app,
    start: new Date(start),
    at: (agoMs) => clock.pin(new Date(start - agoMs)),
    day: (days) => addDays(todayIn(new Date(start), app.deps.policy.timezone), days),
    say,
    async approve(contractNo, note) {
      const pending = await app.uow.run(async (tx) => {
        const contract = await app.deps.repos.contracts.findByNumber(tx, contractNo);
        return contract && (await app.deps.repos.steps.listByContract(tx, contract.id)).find((step) => step.status === 'pending');
      });
      if (!pending) throw new Error(`demo seed: ${contractNo} has no step waiting for approval`);
      await say(pending.assigneeId, `同意 ${contractNo}${note ? ` ${note}` : ''}`);
    },
    async newContract(owner, fields) {
      const newest = () => app.uow.run(async (tx) => Math.max(0, ...(await app.deps.repos.contracts.listByOwner(tx, owner)).map((c) => c.id)));
      const before = await newest();
      await say(owner, `新建合同 ${fields}`);
      const created = await app.uow.run(async (tx) => (await app.deps.repos.contracts.listByOwner(tx, owner)).find((c) => c.id > before));
      if (!created) throw new Error(`demo seed: 新建合同 ${fields} created no contract`);
      return created.number;
    },
    note: (line) => notes.push(line),
  };
  try {
    for (const step of steps) await step.run(seeder);
  } finally {
    clock.pin(undefined);
  }
  return { seeded: true, summary: ['已写入演示数据：', ...notes.map((l) => `- ${l}`)].join('\n') };
}
