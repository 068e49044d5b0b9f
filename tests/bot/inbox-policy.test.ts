// The policy's inbox keys: defaults when absent, the shipped example, bad values named.

import { ConfigError, parsePolicy } from '../../bot/config';
import { EXAMPLE_POLICY } from '../support/harness';

const withoutInbox = EXAMPLE_POLICY.replace(/\ninbox:\n(  .*\n)+/, '\n');

it('defaults to 3 attempts, 60 s claims and 30 days of retention; the example says the same', () => {
  expect(withoutInbox).not.toContain('inbox:');
  expect(parsePolicy(withoutInbox, 'policy.yaml').inbox).toEqual({ maxAttempts: 3, claimSeconds: 60, retentionDays: 30 });
  expect(parsePolicy(EXAMPLE_POLICY, 'policy.example.yaml').inbox).toEqual({ maxAttempts: 3, claimSeconds: 60, retentionDays: 30 });
  expect(parsePolicy(`${withoutInbox}\ninbox: { max_attempts: 5, retention_days: 7 }\n`, 'policy.yaml').inbox).toEqual({ maxAttempts: 5, claimSeconds: 60, retentionDays: 7 });
});

it.each([
  ['max_attempts: 0', 'inbox.max_attempts'],
  ['claim_seconds: 1.5', 'inbox.claim_seconds'],
  ['retention_days: -1', 'inbox.retention_days'],
  ['keep_forever: true', 'inbox'],
])('refuses inbox { %s }, naming the key', (entry, key) => {
  const text = `${withoutInbox}\ninbox: { ${entry} }\n`;
  expect(() => parsePolicy(text, 'policy.yaml')).toThrow(ConfigError);
  expect(() => parsePolicy(text, 'policy.yaml')).toThrow(new RegExp(`policy\\.yaml: .*${key.replace('.', '\\.')}`));
});
