// The demo company after signing: two contracts in 履行中 with their milestone plans (one milestone done,
// one delayed with a reason, one overdue), payment nodes with receipts and an overdue node, fulfilment
// problems (one resolved, one open past its deadline) and service tickets of each priority (urgent,
// resolved and rated; general, in progress close to its SLA; a periodic 巡检 agreed for the coming days).
// Like the rest of the seed, every row comes from a chat command run as its person at its moment.

import type { DemoStep, Seeder } from './demo';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Runs the next commands at `instant` (a moment before the seed's start). */
const atInstant = (s: Seeder, instant: Date) => s.at(s.start.getTime() - instant.getTime());

async function contractOf(s: Seeder, number: string) {
  const contract = await s.app.uow.run((tx) => s.app.deps.repos.contracts.findByNumber(tx, number));
  if (!contract) throw new Error(`demo seed: no contract ${number}`);
  return contract;
}

/** Approves every step of a submitted contract (s.approve: as whoever each step is assigned to). */
async function approveAll(s: Seeder, number: string, note?: string): Promise<void> {
  for (let round = 0; round < 10; round++) {
    if ((await contractOf(s, number)).status !== 'in_approval') return;
    await s.approve(number, note);
  }
  throw new Error(`demo seed: ${number} did not get through approval`);
}

/** The number of the contract's newest fulfilment problem. */
async function newestProblem(s: Seeder, contractNo: string): Promise<string> {
  const contract = await contractOf(s, contractNo);
  const problems = await s.app.uow.run((tx) => s.app.deps.repos.problems.listByContract(tx, contract.id));
  const newest = problems.sort((a, b) => b.id - a.id)[0];
  if (!newest) throw new Error(`demo seed: 问题 on ${contractNo} raised nothing`);
  return newest.number;
}

/** The number of the contract's newest service ticket (from its audit trail: tickets are not listed by contract). */
async function newestTicket(s: Seeder, contractNo: string): Promise<string> {
  const contract = await contractOf(s, contractNo);
  const opened = await s.app.uow.run((tx) => s.app.deps.repos.audit.listByContractAndAction(tx, contract.id, 'ticket.opened'));
  const newest = opened.sort((a, b) => b.id - a.id)[0]?.detail.ticket;
  if (typeof newest !== 'string') throw new Error(`demo seed: 报修 on ${contractNo} opened nothing`);
  return newest;
}

/**
 * The latest moment before the seed's start from which `hours` working hours have run by the start
 * (binary search to the minute: working hours elapsed only grow as the moment moves back).
 */
function workingHoursBefore(s: Seeder, hours: number): Date {
  const calendar = s.app.deps.calendar;
  let late = s.start.getTime();
  let early = late - 60 * DAY;
  while (late - early > MINUTE) {
    const mid = Math.floor((early + late) / 2);
    if (calendar.workingHoursBetween(new Date(mid), s.start) >= hours) early = mid;
    else late = mid;
  }
  return new Date(early);
}

export const fulfilment: DemoStep = {
  name: '履约',
  async run(s) {
    // A sales contract signed 27 days ago: term from day -25 to day +15, so the sales template's
    // milestones fall on days -15 (25%), -5 (50%), +7 (80%) and +15 (100%); 付款 is a plan, its
    // nodes on days -17, -5 and +45.
    s.at(29 * DAY);
    const led = await s.newContract(
      'zhangsan',
      `客户:星河传媒 金额:45万 类型:销售 标题:演播厅LED大屏供货与安装 风险:中 开始:${s.day(-25)} 结束:${s.day(15)} 付款:30%签约后10日,40%开始后20日,30%验收后30日`,
    );
    await s.say('zhangsan', `提交 ${led}`);
    s.at(28 * DAY);
    await approveAll(s, led, '条款已核');
    s.at(27 * DAY);
    await s.say('zhangsan', `签订 ${led}`);
    s.at(16 * DAY);
    await s.say('zhouqi', `回款 ${led} 13.5万`); // the first node, a day late
    await s.say('zhangsan', `完成 ${led} 原材料采购完成`); // a day early; the contract is now 履行中
    s.at(12 * DAY);
    await s.say('zhangsan', `问题 ${led} 首批LED模组到货抽检有坏点 影响:需返厂更换，可能影响生产进度 负责人:吴九`);
    const faulty = await newestProblem(s, led);
    s.at(12 * DAY - 6 * HOUR);
    await s.say('wujiu', `解决 ${faulty} 供应商已整批更换模组，复检合格`);
    s.at(4 * DAY);
    await s.say('zhangsan', `延期 ${led} 出厂检验合格 ${s.day(12)} 客户要求改用更高刷新率的模组，需重新打样`);
    s.at(3 * DAY);
    await s.say('zhouqi', `回款 ${led} 5万`); // part of the second node (day -5), which stays overdue
    s.at(2 * DAY);
    await s.say('wujiu', `问题 ${led} 演播厅现场供电不稳，屏体无法通电调试 影响:安装调试停滞`); // past its 24 h deadline
    // 生产进度50% (day -5) is left open: overdue.

    // A service contract signed 21 days ago: 项目启动 (7 days after signing) done, so it is 履行中 too.
    s.at(22 * DAY);
    const upkeep = await s.newContract('zhaoliu', `客户:青松教育 金额:4.8万 类型:服务 标题:校区多媒体设备年度维保 风险:低 开始:${s.day(-21)} 结束:${s.day(344)}`);
    await s.say('zhaoliu', `提交 ${upkeep}`);
    await approveAll(s, upkeep);
    s.at(21 * DAY);
    await s.say('zhaoliu', `签订 ${upkeep}`);
    s.at(14 * DAY);
    await s.say('zhaoliu', `完成 ${upkeep} 项目启动`);

    s.note(
      `履约：${led}（履行中）里程碑 1 个已完成、1 个逾期、1 个延期，回款 ¥185,000，第二个付款节点逾期，履约问题 ${faulty} 已解决、另 1 个超过期限未解决；` +
        `${upkeep}（履行中，服务合同）`,
    );
    await serviceTickets(s, upkeep);
  },
};

/** Tickets on the service contract: urgent (resolved, rated, called back), general (close to its SLA), 巡检. */
async function serviceTickets(s: Seeder, contractNo: string): Promise<void> {
  // Urgent, natural hours: confirmed in 15 minutes, answered in 50, resolved in 3 hours.
  const urgentAt = s.start.getTime() - 6 * DAY;
  s.at(6 * DAY);
  await s.say('zhaoliu', `报修 ${contractNo} 紧急 报告厅投影仪无法开机，下午有公开课`);
  const urgent = await newestTicket(s, contractNo);
  s.at(s.start.getTime() - (urgentAt + 15 * MINUTE));
  await s.say('wujiu', `受理 ${urgent}`);
  s.at(s.start.getTime() - (urgentAt + 50 * MINUTE));
  await s.say('wujiu', `响应 ${urgent} 已电话指导重启，仍无法开机，马上到现场`);
  s.at(s.start.getTime() - (urgentAt + 3 * HOUR));
  await s.say('wujiu', `解决 ${urgent} 更换投影仪电源板后恢复正常，公开课未受影响`);
  s.at(s.start.getTime() - (urgentAt + 20 * HOUR));
  await s.say('zhaoliu', `评价 ${urgent} 5 4 5 5`);
  s.at(s.start.getTime() - (urgentAt + 22 * HOUR));
  await s.say('wujiu', `回访 ${urgent} 老师反馈投影仪运行正常`);

  // General, working hours: opened so that 20.5 of its 24 working hours have run by now (past the
  // 80 % warning), confirmed and answered in time, still being worked on.
  const generalAt = workingHoursBefore(s, 20.5);
  const calendar = s.app.deps.calendar;
  atInstant(s, generalAt);
  await s.say('zhaoliu', `报修 ${contractNo} 一般 三楼教室交互白板触控失灵`);
  const general = await newestTicket(s, contractNo);
  atInstant(s, calendar.addWorkingHours(generalAt, 0.5));
  await s.say('wujiu', `受理 ${general}`);
  atInstant(s, calendar.addWorkingHours(generalAt, 2));
  await s.say('wujiu', `响应 ${general} 已远程排查，需更换触控模块，备件在途`);

  // Periodic: the sales manager agreed it yesterday for the earliest day the policy allows.
  s.at(DAY);
  await s.say('lisi', `报修 ${contractNo} 巡检 季度设备巡检（投影、音响、网络）`);
  const periodic = await newestTicket(s, contractNo);

  s.note(`服务工单（${contractNo}）：紧急 ${urgent} 已解决并评价；一般 ${general} 处理中，接近解决时限；巡检 ${periodic} 已约定上门日期`);
}
