// Policy keys milestones / payments / problems: defaults, the shipped example, and errors naming the key.

import YAML from 'yaml';
import { ConfigError, parsePolicy } from '../../bot/config';
import { DEFAULT_FULFILMENT_POLICY, DEFAULT_MILESTONE_TEMPLATES } from '../../handlers/domain/fulfilment';
import { EXAMPLE_POLICY } from '../support/harness';

const example = YAML.parse(EXAMPLE_POLICY);
const withKeys = (patch: Record<string, unknown>) => YAML.stringify({ ...example, ...patch });

it('reads the shipped example: templates as fractions of the term, escalation counts, channels', () => {
  const f = parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml').workflow.fulfilment!;
  expect(f.milestones.templates.sales).toEqual([
    { name: '原材料采购完成', term: 0.25 },
    { name: '生产进度50%', term: 0.5 },
    { name: '出厂检验合格', term: 0.8 },
    { name: '客户现场验收', term: 1 },
  ]);
  expect(f.milestones.templates.service![0]).toEqual({ name: '项目启动', days: 7 });
  expect(f.milestones).toMatchObject({ dueSoonDays: 3, defaultTermDays: 90, overdue: { interval: 1, copyAfter: 2, channelAfter: 4 } });
  expect(f.payments).toEqual({ overdueIntervalDays: 7, channelAfter: 2 });
  expect(f.problems).toEqual({ resolveHours: 24, workingHours: false, overdue: { interval: 4, copyAfter: 1, channelAfter: 2 } });
  expect(f.channels).toEqual({ milestone: 'sales', payment: 'sales', problem: 'sales' });
});

it('defaults every key when the sections are absent', () => {
  const { milestones, payments, problems, ...rest } = example;
  void milestones; void payments; void problems;
  const f = parsePolicy(YAML.stringify({ ...rest, alerts: { approval_overdue: 'approvals' } }), 'policy.yaml').workflow.fulfilment!;
  expect(f).toEqual({ ...DEFAULT_FULFILMENT_POLICY, milestones: { ...DEFAULT_FULFILMENT_POLICY.milestones, templates: DEFAULT_MILESTONE_TEMPLATES } });
});

it.each([
  [{ milestones: { templates: { sales: [{ name: '验收' }] } } }, /milestones\.templates\.sales\[0\]: expected \{ name, days \}/],
  [{ milestones: { templates: { sales: [{ name: '验收', term: 1.5 }] } } }, /milestones\.templates\.sales\[0\]/],
  [{ milestones: { templates: { sales: [{ name: '现场 验收', days: 3 }] } } }, /milestones\.templates\.sales\[0\]/],
  [{ milestones: { templates: { sales: [{ name: '验收', days: 3 }, { name: '验收', days: 5 }] } } }, /milestones\.templates\.sales: expected each milestone name once/],
  [{ milestones: { templates: { rental: [{ name: '验收', days: 3 }] } } }, /milestones\.templates: unknown key\(s\) rental/],
  [{ milestones: { due_soon: 3 } }, /milestones: unknown key\(s\) due_soon/],
  [{ payments: { overdue_interval_days: 0 } }, /payments\.overdue_interval_days/],
  [{ problems: { resolve_hours: -1 } }, /problems\.resolve_hours: expected a positive number of hours/],
  [{ alerts: { ...example.alerts, problem_overdue: 'nowhere' } }, /alerts\.problem_overdue: expected a channel named in channels/],
])('%j → an error naming the key', (patch, message) => {
  expect(() => parsePolicy(withKeys(patch), 'policy.yaml')).toThrow(ConfigError);
  expect(() => parsePolicy(withKeys(patch), 'policy.yaml')).toThrow(message);
});
