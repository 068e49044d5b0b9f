// Directory sync in the bot: which platforms to read (from the environment), reading all of them
// before anything is written, the daily job, and keeping each running instance's in-memory
// directory in step with the database.

import { applyDirectorySync, storedPeople, type DirectorySyncResult } from '../../handlers/directory-sync';
import type { PlatformMember } from '../../handlers/domain/directory-merge';
import type { Clock } from '../../handlers/ports';
import type { Job } from '../../schedules/scheduler';
import { createDirectoryStore } from '../../storage/directory-sync';
import type { App } from '../app';
import { dingtalkSettings, wecomSettings, type Env, type Policy } from '../config';
import { DingtalkApi } from '../dingtalk/api';
import type { Logger } from '../logger';
import { WecomApi } from '../wecom/api';
import { readDingtalkMembers } from './dingtalk';
import type { RetryOptions } from './throttle';
import { readWecomMembers } from './wecom';

export interface DirectorySources {
  wecom?: WecomApi;
  dingtalk?: DingtalkApi;
}

/** The platform clients the sync reads through; WeCom with its contacts-sync secret when one is set. */
export function directorySources(env: Env, clock: Clock): DirectorySources {
  const wecom = wecomSettings(env);
  const dingtalk = dingtalkSettings(env);
  return {
    wecom: wecom ? new WecomApi({ ...wecom, secret: env.WECOM_CONTACT_SECRET ?? wecom.secret }, clock) : undefined,
    dingtalk: dingtalk ? new DingtalkApi(dingtalk, clock) : undefined,
  };
}

/** Every configured department's members from every platform; any API failure rejects. */
export async function readAllMembers(sources: DirectorySources, policy: Policy, options: RetryOptions = {}): Promise<PlatformMember[]> {
  const { wecom, dingtalk } = policy.directorySync.departments;
  if (wecom.length && !sources.wecom) throw new Error('directory_sync.departments.wecom is set but WeCom is not configured (WECOM_ variables)');
  if (dingtalk.length && !sources.dingtalk) throw new Error('directory_sync.departments.dingtalk is set but DingTalk is not configured (DINGTALK_ variables)');
  if (!wecom.length && !dingtalk.length) throw new Error('directory_sync.departments names no department to sync');
  return [
    ...(wecom.length ? await readWecomMembers(sources.wecom!, wecom, options) : []),
    ...(dingtalk.length ? await readDingtalkMembers(sources.dingtalk!, dingtalk, options) : []),
  ];
}

/** Reads the platforms, then applies the result in one transaction and refreshes this instance's directory. */
export async function syncDirectoryFromPlatforms(o: {
  app: App;
  policy: Policy;
  sources: DirectorySources;
  clock: Clock;
  dryRun?: boolean;
  retry?: RetryOptions;
}): Promise<DirectorySyncResult> {
  const fetched = await readAllMembers(o.sources, o.policy, o.retry);
  const result = await applyDirectorySync(syncDeps(o.app, o.policy), fetched, o.clock.now(), { dryRun: o.dryRun });
  if (!o.dryRun && result.written) o.app.deps.directory.replace(result.people);
  return result;
}

const syncDeps = (app: App, policy: Policy) => ({
  uow: app.uow,
  store: createDirectoryStore(),
  workflow: app.deps,
  policyPeople: policy.people,
  defaultRole: policy.directorySync.defaultRole,
});

/** The daily sync, when `directory_sync.enabled`; what it queued for the admins is delivered. */
export function directorySyncJob(o: { app: App; policy: Policy; sources: DirectorySources; clock: Clock; log: Logger }): Job {
  return {
    name: 'directory-sync',
    cron: o.policy.directorySync.cron,
    leaseMs: 30 * 60_000,
    async run() {
      const result = await syncDirectoryFromPlatforms(o);
      const d = result.diff;
      o.log.info('directory synced', { added: d.added.length, changed: d.changed.length, moved: d.moved.length, deactivated: d.deactivated.length, reportedSteps: result.reportedSteps });
      await o.app.outbox.deliverDue();
      return result;
    },
  };
}

/**
 * Keeps an instance's directory in step with syncs run elsewhere (another instance's job, the CLI):
 * a cheap revision read every `intervalMs`, a reload only when it changed.
 */
export class DirectoryWatcher {
  private timer: NodeJS.Timeout | null = null;
  private seen: string | null = null;

  constructor(private readonly app: App, private readonly policy: Policy, private readonly log: Logger, private readonly intervalMs = 60_000) {}

  /** Reloads when the stored members changed since the last check; returns whether it did. */
  async check(): Promise<boolean> {
    const d = syncDeps(this.app, this.policy);
    const revision = await this.app.uow.run((tx) => d.store.revision(tx));
    if (revision === this.seen) return false;
    this.seen = revision;
    this.app.deps.directory.replace(await this.app.uow.run((tx) => storedPeople(tx, d)));
    this.log.info('directory reloaded', { people: this.app.deps.directory.people.length });
    return true;
  }

  start(): void {
    void this.check().catch(() => undefined);
    this.timer = setInterval(() => void this.check().catch((error) => this.log.error('directory reload failed', { error: String(error) })), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
