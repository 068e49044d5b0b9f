// Environment and policy file, parsed with zod. A bad value stops start-up with a message that names
// the key and says what was expected.

import fs from 'node:fs';
import path from 'node:path';
import cron from 'node-cron';
import YAML from 'yaml';
import { z } from 'zod';
import { yuanToFen } from '../handlers/domain/money';
import { charLength, cleanLine } from '../handlers/domain/text';
import {
  CONTRACT_TYPES,
  RISKS,
  ROLES,
  TIERS,
  type CalendarConfig,
  type ChainStepSpec,
  type Person,
  type Role,
  type RoutingRule,
} from '../handlers/domain/types';
import type { NoticePolicy, ReminderPolicy, ServicePolicy, WorkflowPolicy } from '../handlers/ports';
import type { ReportPolicy } from '../handlers/reports';
import type { DownloadLinkSettings } from './download-links';
import { DEFAULT_MILESTONE_TEMPLATES, MAX_MILESTONES, MILESTONE_NAME_LIMIT, type FulfilmentPolicy } from '../handlers/domain/fulfilment';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Environment

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to listen on; default 127.0.0.1 when no platform is configured, else every interface. */
  HOST: z.string().min(1).optional(),
  /** The web console at /console: on by default only when no platform is configured. */
  CONSOLE_ENABLED: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  /** Lets clients other than this machine use /console (it can act as anyone: only on a trusted network). */
  CONSOLE_ALLOW_REMOTE: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  DATABASE_URL: z.string().min(1).default('sqlite:data/contract-bot.sqlite'),
  POLICY_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  OUTBOX_DRY_RUN_FILE: z.string().optional(),
  WECOM_CORP_ID: z.string().optional(),
  WECOM_AGENT_ID: z.coerce.number().int().positive().optional(),
  WECOM_SECRET: z.string().optional(),
  WECOM_TOKEN: z.string().optional(),
  WECOM_ENCODING_AES_KEY: z.string().regex(/^[A-Za-z0-9]{43}$/, 'expected the 43-character EncodingAESKey').optional(),
  WECOM_API_BASE: z.url().default('https://qyapi.weixin.qq.com'),
  // Directory sync: user/list_id answers only to the contacts-sync (通讯录同步) secret; default WECOM_SECRET.
  WECOM_CONTACT_SECRET: z.string().optional(),
  // WeCom documents no window; its retries come within seconds (3 tries, 5 s apart).
  WECOM_CALLBACK_WINDOW_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  DINGTALK_CLIENT_ID: z.string().optional(),
  DINGTALK_CLIENT_SECRET: z.string().optional(),
  DINGTALK_ROBOT_CODE: z.string().optional(),
  DINGTALK_CARD_TEMPLATE_ID: z.string().optional(),
  DINGTALK_MODE: z.enum(['stream', 'http']).default('stream'),
  DINGTALK_GATEWAY_URL: z.url().default('https://api.dingtalk.com/v1.0/gateway/connections/open'),
  DINGTALK_API_BASE: z.url().default('https://api.dingtalk.com'),
  DINGTALK_OAPI_BASE: z.url().default('https://oapi.dingtalk.com'),
  // The bot's public base URL (https://bot.example.com): `npm run doctor` checks it answers; the signed
  // download links (charts and CSV files for DingTalk) point there.
  PUBLIC_URL: z.url().optional(),
  // HTTP mode: DingTalk itself accepts a timestamp within 1 h; the shorter, the shorter a replay lasts.
  DINGTALK_HTTP_WINDOW_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  // Signed download links for charts and CSV files (DingTalk needs a URL): on when this secret is set.
  DOWNLOAD_LINK_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
  DOWNLOAD_LINK_TTL_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(24 * 60),
  // GET /metrics: on the public port only with a Bearer token; on METRICS_PORT (bound to
  // METRICS_HOST, loopback by default) without one unless a token is given.
  METRICS_TOKEN: z.string().min(16, 'expected a token of at least 16 characters (e.g. openssl rand -hex 24)').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Graceful stop: how long SIGTERM may take to finish in-flight events and flush the outbox.
  STOP_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
});

export type Env = z.infer<typeof envSchema> & { POLICY_FILE?: string };

/** Reads `.env` from the working directory when present; variables already set win. */
export function loadDotEnv(file = '.env'): void {
  if (fs.existsSync(file)) process.loadEnvFile(file);
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const blankAsMissing = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(blankAsMissing);
  if (!result.success) throw new ConfigError(`Bad environment: ${describeIssues(result.error)}`);
  return result.data;
}

export interface WecomSettings {
  corpId: string;
  agentId: number;
  secret: string;
  token: string;
  encodingAesKey: string;
  apiBase: string;
  /** How far a callback's timestamp may be from now (default 300 s). */
  callbackWindowSeconds?: number;
}

const WECOM_KEYS = ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY'] as const;

/** WeCom's settings when all are given, null when none are; half a configuration is an error. */
export function wecomSettings(env: Env): WecomSettings | null {
  const missing = WECOM_KEYS.filter((k) => env[k] === undefined);
  if (missing.length === WECOM_KEYS.length) return null;
  if (missing.length) throw new ConfigError(`WeCom is partly configured: set ${missing.join(', ')} too (or none of the WECOM_ variables)`);
  return {
    corpId: env.WECOM_CORP_ID!,
    agentId: env.WECOM_AGENT_ID!,
    secret: env.WECOM_SECRET!,
    token: env.WECOM_TOKEN!,
    encodingAesKey: env.WECOM_ENCODING_AES_KEY!,
    apiBase: env.WECOM_API_BASE,
    callbackWindowSeconds: env.WECOM_CALLBACK_WINDOW_SECONDS,
  };
}

/**
 * Signed download links when DOWNLOAD_LINK_SECRET is set (then PUBLIC_URL, where the links point, is
 * required); null otherwise. PUBLIC_URL alone is only the address `npm run doctor` checks.
 */
export function downloadLinkSettings(env: Env): DownloadLinkSettings | null {
  if (!env.DOWNLOAD_LINK_SECRET) return null;
  if (!env.PUBLIC_URL) throw new ConfigError('DOWNLOAD_LINK_SECRET is set: set PUBLIC_URL too (this server\'s public base URL, e.g. https://bot.example.com), where the download links point');
  return { baseUrl: env.PUBLIC_URL, secret: env.DOWNLOAD_LINK_SECRET, ttlMs: env.DOWNLOAD_LINK_TTL_MINUTES * 60_000 };
}

export interface DingtalkSettings {
  clientId: string;
  clientSecret: string;
  robotCode: string;
  cardTemplateId?: string;
  mode: 'stream' | 'http';
  gatewayUrl: string;
  apiBase: string;
  oapiBase: string;
  /** HTTP mode: how far a request's signed timestamp may be from now (default 300 s, at most 3600). */
  httpWindowSeconds?: number;
}

export interface ConsoleSettings {
  /** /console is served. */
  enabled: boolean;
  /** No platform is configured: the console is the only transport, and its clock may move time. */
  consoleMode: boolean;
  /** The interface the server listens on (undefined: every interface). */
  host: string | undefined;
  /** /console answers clients other than this machine. */
  allowRemote: boolean;
}

/**
 * The web console's rules. With no platform configured the bot is a local try-out: /console is on and
 * the server listens on HOST, default 127.0.0.1. With a platform, the server listens on every interface
 * (callbacks must reach it) and /console is off unless CONSOLE_ENABLED=true, and then answers only this
 * machine unless CONSOLE_ALLOW_REMOTE=true.
 */
export function consoleSettings(env: Env): ConsoleSettings {
  const consoleMode = !wecomSettings(env) && !dingtalkSettings(env);
  return {
    enabled: env.CONSOLE_ENABLED ?? consoleMode,
    consoleMode,
    host: env.HOST ?? (consoleMode ? '127.0.0.1' : undefined),
    allowRemote: env.CONSOLE_ALLOW_REMOTE ?? false,
  };
}

/** DingTalk's settings when the app credentials are given, null when neither is. */
export function dingtalkSettings(env: Env): DingtalkSettings | null {
  const id = env.DINGTALK_CLIENT_ID;
  const secret = env.DINGTALK_CLIENT_SECRET;
  if (!id && !secret) return null;
  if (!id || !secret) throw new ConfigError(`DingTalk is partly configured: set ${id ? 'DINGTALK_CLIENT_SECRET' : 'DINGTALK_CLIENT_ID'} too`);
  return {
    clientId: id,
    clientSecret: secret,
    robotCode: env.DINGTALK_ROBOT_CODE ?? id, // for an internal app's robot the robotCode is the AppKey
    cardTemplateId: env.DINGTALK_CARD_TEMPLATE_ID,
    mode: env.DINGTALK_MODE,
    gatewayUrl: env.DINGTALK_GATEWAY_URL,
    apiBase: env.DINGTALK_API_BASE,
    oapiBase: env.DINGTALK_OAPI_BASE,
    httpWindowSeconds: env.DINGTALK_HTTP_WINDOW_SECONDS,
  };
}

// ---------------------------------------------------------------------------------------------
// Policy file

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
// YAML reads an unquoted 2026-12-01 as a date object; accept both spellings.
const dateString = z.preprocess((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v), isoDate);
const hours = z.number().positive('expected a positive number of hours');
const yuan = z.number().nonnegative('expected an amount in yuan (a number ≥ 0)');
const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;

/** One priority's service clocks: hours to confirm, respond and resolve, counted in natural or working hours. */
const slaClockSchema = (clock: 'natural' | 'working') =>
  z.strictObject({ confirm: hours, respond: hours, resolve: hours, clock: z.enum(['natural', 'working']).default(clock) });

// Lengths fit the person table (id varchar(64), name varchar(100), identity varchar(200)).
const personSchema = z.strictObject({
  id: z.string().max(64, 'expected an id of at most 64 characters').regex(/^[A-Za-z0-9_.-]+$/, 'expected an id of letters, digits, _ . -'),
  name: z
    .string()
    .refine((n) => cleanLine(n).length > 0, 'expected a display name')
    .refine((n) => charLength(cleanLine(n)) <= 100, 'expected a display name of at most 100 characters'),
  roles: z.array(z.enum(ROLES)).min(1, 'expected at least one role'),
  manager: z.string().optional(),
  identities: z
    .array(z.string().max(200, 'expected an identity of at most 200 characters').regex(/^(dingtalk|wecom):.+$/, 'expected dingtalk:<staffId> or wecom:<userid>'))
    .default([]),
  delegate: z.strictObject({ to: z.string(), from: dateString, until: dateString }).optional(),
});

const chainStepSchema = z.union([
  z.enum(ROLES),
  z.strictObject({ role: z.enum(ROLES), hours: hours.optional() }),
  z.strictObject({ person: z.string(), hours: hours.optional() }),
]);

const routingRuleSchema = z.strictObject({
  name: z.string().min(1),
  match: z
    .strictObject({
      types: z.array(z.enum(CONTRACT_TYPES)).min(1).optional(),
      amount_min: yuan.optional(),
      amount_below: yuan.optional(),
      risks: z.array(z.enum(RISKS)).min(1).optional(),
    })
    .default({}),
  chain: z.array(chainStepSchema).min(1, 'expected at least one approval step'),
});

const channelSchema = z.strictObject({
  wecom_webhook: z.url().optional(),
  dingtalk_webhook: z.url().optional(),
  dingtalk_secret: z.string().optional(),
});

// A milestone of a template: `days` after signing, or at a fraction of the term (`term: 0.5` or "50%").
const termFraction = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+(\.\d+)?%$/.test(v.trim()) ? Number(v.trim().slice(0, -1)) / 100 : v),
  z.number().gt(0, 'expected a fraction of the term above 0 (e.g. 0.5 or "50%")').max(1, 'expected a fraction of the term up to 1 (100%)'),
);
const milestoneName = z
  .string()
  .refine((n) => cleanLine(n).length > 0 && !/\s/.test(cleanLine(n)), 'expected a milestone name without spaces')
  .refine((n) => charLength(cleanLine(n)) <= MILESTONE_NAME_LIMIT, `expected a milestone name of at most ${MILESTONE_NAME_LIMIT} characters`)
  .refine((n) => !/^\d+$/.test(cleanLine(n)), 'expected a name that is not only digits (a number names a milestone by position)');
const milestoneItemSchema = z.union([
  z.strictObject({ name: milestoneName, days: z.number().int().min(0, 'expected days ≥ 0 after signing').max(3650) }),
  z.strictObject({ name: milestoneName, term: termFraction }),
], { error: 'expected { name, days } (days after signing) or { name, term } (fraction of the contract term, e.g. 0.5 or "50%")' });
const milestoneTemplate = z
  .array(milestoneItemSchema)
  .max(MAX_MILESTONES, `expected at most ${MAX_MILESTONES} milestones`)
  .refine((items) => new Set(items.map((i) => cleanLine(i.name))).size === items.length, 'expected each milestone name once');

const policySchema = z.strictObject({
  timezone: z.string().default('Asia/Shanghai'),
  people: z.array(personSchema).min(1, 'expected at least one person'),
  routing: z.array(routingRuleSchema).min(1, 'expected at least one routing rule'),
  approval: z
    .strictObject({
      default_risk: z.enum(RISKS).default('low'),
      step_hours: z.partialRecord(z.enum([...ROLES, 'default', 'person']), hours).default({ default: 8 }),
      urge_throttle_hours: hours.default(4),
      reminders: z
        .strictObject({
          interval_hours: hours.default(4),
          copy_manager_after: z.number().int().min(0).default(2),
          alert_channel_after: z.number().int().min(0).default(3),
        })
        .default({ interval_hours: 4, copy_manager_after: 2, alert_channel_after: 3 }),
    })
    .prefault({}),
  calendar: z
    .strictObject({
      workdays: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
      hours: z
        .array(z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'expected "HH:mm-HH:mm"'))
        .min(1)
        .default(['09:00-12:00', '13:30-18:00']),
      official_holidays: z.boolean().default(true),
      extra_holidays: z.array(dateString).default([]),
      extra_workdays: z.array(dateString).default([]),
    })
    .prefault({}),
  customers: z
    .strictObject({
      default_tier: z.enum(TIERS).default('B'),
      tiers: z
        .strictObject({
          A: z.strictObject({ follow_up_days: z.number().int().positive() }),
          B: z.strictObject({ follow_up_days: z.number().int().positive() }),
          C: z.strictObject({ follow_up_days: z.number().int().positive() }),
        })
        .default({ A: { follow_up_days: 7 }, B: { follow_up_days: 14 }, C: { follow_up_days: 30 } }),
    })
    .prefault({}),
  service_sla: z
    .strictObject({
      urgent: slaClockSchema('natural'),
      general: slaClockSchema('working'),
      periodic: z.strictObject({ agree_days_ahead: z.number().int().positive() }),
      // Warn the handler when this share of a clock has run (0.8 = 80 %).
      warn_at: z.number().gt(0).lt(1).default(0.8),
      // After a breach: the service channel is alerted once this many hours (the clock's kind) have passed too.
      escalate_after_hours: hours.default(1),
      // Natural hours: the call-back after a resolution, and the settling of an objection.
      callback_hours: hours.default(24),
      objection_hours: hours.default(48),
    })
    .prefault({
      urgent: { confirm: 1, respond: 2, resolve: 4 },
      general: { confirm: 1, respond: 4, resolve: 24 },
      periodic: { agree_days_ahead: 3 },
    }),
  contracts: z
    .strictObject({
      expiry_notice_days: z.array(z.number().int().positive()).default([30, 7]),
      renewal_objection_days: z.number().int().min(0).default(30),
    })
    .prefault({}),
  milestones: z
    .strictObject({
      templates: z.partialRecord(z.enum(CONTRACT_TYPES), milestoneTemplate).default(DEFAULT_MILESTONE_TEMPLATES),
      default_term_days: z.number().int().positive().max(3650).default(90),
      due_soon_days: z.number().int().min(0).max(90).default(3),
      overdue: z
        .strictObject({
          interval_days: z.number().int().positive().default(1),
          copy_owner_after: z.number().int().min(0).default(2),
          alert_channel_after: z.number().int().min(0).default(4),
        })
        .prefault({}),
    })
    .prefault({}),
  payments: z
    .strictObject({
      overdue_interval_days: z.number().int().positive().default(7),
      alert_channel_after: z.number().int().min(0).default(2),
    })
    .prefault({}),
  problems: z
    .strictObject({
      resolve_hours: hours.default(24),
      working_hours: z.boolean().default(false),
      overdue: z
        .strictObject({
          interval_hours: hours.default(4),
          copy_manager_after: z.number().int().min(0).default(1),
          alert_channel_after: z.number().int().min(0).default(2),
        })
        .prefault({}),
    })
    .prefault({}),
  outbox: z
    .strictObject({
      max_attempts: z.number().int().min(1).max(100).default(10),
      quiet_hours: z.boolean().default(true),
      // How long an instance's claim on a message it is sending lasts; after a crash another
      // instance takes the message over once the claim has run out.
      claim_seconds: z.number().int().min(1).max(3600).default(120),
      // The platforms' limits: a group robot takes 20 messages a minute, a WeCom member 30.
      per_minute: z
        .strictObject({ channel: z.number().int().positive().default(20), person: z.number().int().positive().default(30) })
        .prefault({}),
      // Days the content of a sent message (and the card handles of decided steps) is kept; its
      // key, recipient, status and times stay, so it is still never sent twice.
      retention_days: z.number().int().min(1).max(3650).default(90),
    })
    .prefault({}),
  inbox: z
    .strictObject({
      // Processing attempts of one inbound event before it is given up (marked dead, admins told).
      max_attempts: z.number().int().min(1).max(100).default(3),
      // How long an instance's claim on an event it is processing lasts; after a crash another
      // instance takes the event over once the claim has run out.
      claim_seconds: z.number().int().min(1).max(3600).default(60),
      // Days an event's payload is kept; after that only its key, status and times remain.
      retention_days: z.number().int().min(1).max(3650).default(30),
    })
    .prefault({}),
  channels: z.record(z.string(), channelSchema.nullable().transform((c) => c ?? {})).default({}),
  alerts: z.record(z.string(), z.string()).default({}),
  directory_sync: z
    .strictObject({
      enabled: z.boolean().default(false),
      cron: z.string().refine((c) => cron.validate(c), 'expected a cron expression such as "30 6 * * *"').default('30 6 * * *'),
      // The role of people the platforms add and the policy does not list, so they can use the bot.
      default_role: z.enum(ROLES).default('sales'),
      departments: z
        .strictObject({
          wecom: z.array(z.number().int().positive('expected a WeCom department id (1 = the whole company)')).default([]),
          dingtalk: z.array(z.number().int().positive('expected a DingTalk dept_id (1 = the whole company)')).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
});

type RawPolicy = z.infer<typeof policySchema>;

export interface Policy {
  file: string;
  workflow: WorkflowPolicy;
  people: Person[];
  calendar: CalendarConfig;
  reminders: ReminderPolicy;
  serviceSla: RawPolicy['service_sla'];
  /** The service-ticket clocks and alerts, as the use-cases take them. */
  service: ServicePolicy;
  outbox: { maxAttempts: number; quietHours: boolean; claimSeconds: number; perMinute: { channel: number; person: number }; retentionDays: number };
  inbox: { maxAttempts: number; claimSeconds: number; retentionDays: number };
  notices: NoticePolicy;
  /** The quarterly report's channel (policy `alerts.report`). */
  report: ReportPolicy;
  channels: RawPolicy['channels'];
  alerts: RawPolicy['alerts'];
  directorySync: DirectorySyncPolicy;
}

export interface DirectorySyncPolicy {
  /** Run daily (on `cron`) inside the bot; `npm run sync-directory` works either way. */
  enabled: boolean;
  cron: string;
  defaultRole: Role;
  /** Department ids whose members (with their sub-departments) are synced, per platform. */
  departments: { wecom: number[]; dingtalk: number[] };
}

/** Parses and cross-checks a policy document (YAML text). `file` is used in error messages. */
export function parsePolicy(yamlText: string, file: string): Policy {
  let doc: unknown;
  try {
    doc = YAML.parse(yamlText);
  } catch (e) {
    throw new ConfigError(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  const result = policySchema.safeParse(doc ?? {});
  if (!result.success) throw new ConfigError(`${file}: ${describeIssues(result.error)}`);
  const raw = result.data;
  crossCheck(raw, file);

  const calendar: CalendarConfig = {
    timezone: raw.timezone,
    workdays: raw.calendar.workdays,
    hours: raw.calendar.hours.map((h) => {
      const [start, end] = h.split('-') as [string, string];
      return { start, end };
    }),
    officialHolidays: raw.calendar.official_holidays,
    extraHolidays: raw.calendar.extra_holidays,
    extraWorkdays: raw.calendar.extra_workdays,
  };
  return {
    file,
    people: raw.people.map((p) => ({ ...p, name: cleanLine(p.name) })),
    calendar,
    workflow: {
      timezone: raw.timezone,
      routing: raw.routing.map(toRoutingRule),
      defaultRisk: raw.approval.default_risk,
      stepHours: { ...raw.approval.step_hours, default: raw.approval.step_hours.default ?? 8 },
      urgeThrottleHours: raw.approval.urge_throttle_hours,
      tiers: {
        A: { followUpDays: raw.customers.tiers.A.follow_up_days },
        B: { followUpDays: raw.customers.tiers.B.follow_up_days },
        C: { followUpDays: raw.customers.tiers.C.follow_up_days },
      },
      defaultTier: raw.customers.default_tier,
      fulfilment: toFulfilmentPolicy(raw),
    },
    reminders: {
      intervalHours: raw.approval.reminders.interval_hours,
      copyManagerAfter: raw.approval.reminders.copy_manager_after,
      alertChannelAfter: raw.approval.reminders.alert_channel_after,
      channel: raw.alerts.approval_overdue,
    },
    serviceSla: raw.service_sla,
    service: toServicePolicy(raw),
    outbox: {
      maxAttempts: raw.outbox.max_attempts,
      quietHours: raw.outbox.quiet_hours,
      claimSeconds: raw.outbox.claim_seconds,
      perMinute: raw.outbox.per_minute,
      retentionDays: raw.outbox.retention_days,
    },
    inbox: {
      maxAttempts: raw.inbox.max_attempts,
      claimSeconds: raw.inbox.claim_seconds,
      retentionDays: raw.inbox.retention_days,
    },
    notices: {
      expiryNoticeDays: raw.contracts.expiry_notice_days,
      renewalObjectionDays: raw.contracts.renewal_objection_days,
      channels: raw.alerts,
    },
    report: { channel: raw.alerts.report },
    channels: raw.channels,
    alerts: raw.alerts,
    directorySync: {
      enabled: raw.directory_sync.enabled,
      cron: raw.directory_sync.cron,
      defaultRole: raw.directory_sync.default_role,
      departments: raw.directory_sync.departments,
    },
  };
}

function toServicePolicy(raw: RawPolicy): ServicePolicy {
  const s = raw.service_sla;
  const clocks = (c: typeof s.urgent) => ({ confirm: c.confirm, respond: c.respond, resolve: c.resolve, clock: c.clock });
  return {
    urgent: clocks(s.urgent),
    general: clocks(s.general),
    periodic: { agreeDaysAhead: s.periodic.agree_days_ahead },
    warnAt: s.warn_at,
    escalateAfterHours: s.escalate_after_hours,
    callbackHours: s.callback_hours,
    objectionHours: s.objection_hours,
    channel: raw.alerts.service_breach,
  };
}

function toFulfilmentPolicy(raw: RawPolicy): FulfilmentPolicy {
  const templates = Object.fromEntries(
    Object.entries(raw.milestones.templates).map(([type, items]) => [type, items!.map((i) => ({ ...i, name: cleanLine(i.name) }))]),
  ) as FulfilmentPolicy['milestones']['templates'];
  return {
    milestones: {
      templates,
      defaultTermDays: raw.milestones.default_term_days,
      dueSoonDays: raw.milestones.due_soon_days,
      overdue: {
        interval: raw.milestones.overdue.interval_days,
        copyAfter: raw.milestones.overdue.copy_owner_after,
        channelAfter: raw.milestones.overdue.alert_channel_after,
      },
    },
    payments: { overdueIntervalDays: raw.payments.overdue_interval_days, channelAfter: raw.payments.alert_channel_after },
    problems: {
      resolveHours: raw.problems.resolve_hours,
      workingHours: raw.problems.working_hours,
      overdue: {
        interval: raw.problems.overdue.interval_hours,
        copyAfter: raw.problems.overdue.copy_manager_after,
        channelAfter: raw.problems.overdue.alert_channel_after,
      },
    },
    channels: { milestone: raw.alerts.milestone_overdue, payment: raw.alerts.payment_overdue, problem: raw.alerts.problem_overdue },
  };
}

function toRoutingRule(r: RawPolicy['routing'][number]): RoutingRule {
  const chain: ChainStepSpec[] = r.chain.map((s) => (typeof s === 'string' ? { role: s } : { ...s }));
  return {
    name: r.name,
    match: {
      types: r.match.types,
      risks: r.match.risks,
      minFen: r.match.amount_min === undefined ? undefined : yuanToFen(r.match.amount_min),
      belowFen: r.match.amount_below === undefined ? undefined : yuanToFen(r.match.amount_below),
    },
    chain,
  };
}

/** Checks that need the whole document: references between people, unique identities, times. */
function crossCheck(raw: RawPolicy, file: string): void {
  const fail = (key: string, message: string): never => {
    throw new ConfigError(`${file}: ${key}: ${message}`);
  };
  const ids = new Set<string>();
  const identities = new Map<string, string>();
  // Display names are how people name each other in commands (转交 … 李四): two 李四 would make
  // that a guess. Compared as commands compare them: normalised, case-insensitively.
  const names = new Map<string, { id: string; index: number }>();
  raw.people.forEach((p, i) => {
    if (ids.has(p.id)) fail(`people[${i}].id`, `duplicate person id "${p.id}"`);
    ids.add(p.id);
    const nameKey = cleanLine(p.name).toLowerCase();
    const same = names.get(nameKey);
    if (same) {
      fail(
        `people[${i}].name`,
        `"${p.name}" is also the name of people[${same.index}] ("${same.id}"); display names must be unique: ` +
          `rename "${same.id}" or "${p.id}" (e.g. 李四(销售))`,
      );
    }
    names.set(nameKey, { id: p.id, index: i });
    p.identities.forEach((identity, j) => {
      const owner = identities.get(identity);
      if (owner) fail(`people[${i}].identities[${j}]`, `"${identity}" already belongs to "${owner}"`);
      identities.set(identity, p.id);
    });
  });
  raw.people.forEach((p, i) => {
    if (p.manager !== undefined && !ids.has(p.manager)) fail(`people[${i}].manager`, `expected a person id, got "${p.manager}"`);
    if (p.manager === p.id) fail(`people[${i}].manager`, 'a person cannot be their own manager');
    if (p.delegate) {
      if (!ids.has(p.delegate.to)) fail(`people[${i}].delegate.to`, `expected a person id, got "${p.delegate.to}"`);
      if (p.delegate.to === p.id) fail(`people[${i}].delegate.to`, 'a person cannot delegate to themselves');
      if (p.delegate.from > p.delegate.until) fail(`people[${i}].delegate`, '"from" must not be after "until"');
    }
  });
  raw.routing.forEach((r, i) => {
    const { amount_min: min, amount_below: below } = r.match;
    if (min !== undefined && below !== undefined && min >= below) fail(`routing[${i}].match`, 'amount_min must be below amount_below');
    r.chain.forEach((s, j) => {
      if (typeof s === 'object' && 'person' in s && !ids.has(s.person)) {
        fail(`routing[${i}].chain[${j}].person`, `expected a person id, got "${s.person}"`);
      }
      const role = typeof s === 'string' ? s : 'role' in s ? s.role : undefined;
      if (role && !raw.people.some((p) => p.roles.includes(role))) {
        fail(`routing[${i}].chain[${j}]`, `nobody in people holds the role "${role}"`);
      }
    });
  });
  raw.calendar.hours.forEach((h, i) => {
    const [start, end] = h.split('-') as [string, string];
    // 24:00 may end a period (round-the-clock service desks).
    if (!hhmm.test(start) || !(hhmm.test(end) || end === '24:00') || start >= end) {
      fail(`calendar.hours[${i}]`, `expected "HH:mm-HH:mm" with start before end, got "${h}"`);
    }
    const previous = raw.calendar.hours[i - 1];
    if (previous && previous.split('-')[1]! > start) fail(`calendar.hours[${i}]`, 'periods must be in order and not overlap');
  });
  const sync = raw.directory_sync;
  if (sync.enabled && sync.departments.wecom.length + sync.departments.dingtalk.length === 0) {
    fail('directory_sync.departments', 'name at least one department to sync (wecom: [1] or dingtalk: [1] is the whole company)');
  }
  for (const [kind, channel] of Object.entries(raw.alerts)) {
    if (!(channel in raw.channels)) fail(`alerts.${kind}`, `expected a channel named in channels, got "${channel}"`);
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const key = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      const what = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
      return `${key || '(top level)'}: ${what}`;
    })
    .join('; ');
}

/**
 * Finds and loads the policy: `POLICY_FILE` if set (must exist), else `policy.yaml`, else the shipped
 * `policy.example.yaml` (logged, so nobody runs on the example by accident).
 */
export function loadPolicy(env: Env, log: (message: string) => void, cwd = process.cwd()): Policy {
  let file: string;
  if (env.POLICY_FILE) {
    file = path.resolve(cwd, env.POLICY_FILE);
    if (!fs.existsSync(file)) throw new ConfigError(`POLICY_FILE: no such file ${file}`);
  } else if (fs.existsSync(path.resolve(cwd, 'policy.yaml'))) {
    file = path.resolve(cwd, 'policy.yaml');
  } else {
    file = path.resolve(cwd, 'policy.example.yaml');
    log(`policy.yaml not found: using ${path.basename(file)} (copy it to policy.yaml to make it yours)`);
  }
  return parsePolicy(readPolicyText(file, env.POLICY_FILE ? 'POLICY_FILE' : 'the policy file'), path.relative(cwd, file) || file);
}

/** The file's text; a folder or an unreadable file is a ConfigError naming what to fix. */
function readPolicyText(file: string, name: string): string {
  try {
    if (fs.statSync(file).isDirectory()) throw new ConfigError(`${name}: ${file} is a folder; set POLICY_FILE to a YAML file such as policy.yaml`);
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`${name}: cannot read ${file} (${code}); check that it exists and is readable, or set POLICY_FILE to another file`);
  }
}
