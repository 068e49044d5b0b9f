// Plain domain types shared by the use-cases, the policy loader and storage.
// No I/O here: these are the words the rest of the code speaks.

export const ROLES = ['sales', 'sales_manager', 'legal', 'finance', 'gm', 'service', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CONTRACT_TYPES = ['sales', 'service', 'purchase', 'other'] as const;
export type ContractType = (typeof CONTRACT_TYPES)[number];

export const RISKS = ['low', 'medium', 'high'] as const;
export type Risk = (typeof RISKS)[number];

export const TIERS = ['A', 'B', 'C'] as const;
export type Tier = (typeof TIERS)[number];

export const CONTRACT_STATUSES = [
  'draft',
  'in_approval',
  'approved',
  'signed',
  'performing',
  'completed',
  'archived',
  'rejected',
  'withdrawn',
  'terminated',
  'expired',
] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export const FOLLOW_UP_METHODS = ['电话', '拜访', '微信', '邮件', '会议'] as const;
export type FollowUpMethod = (typeof FOLLOW_UP_METHODS)[number];

/** ISO calendar date `YYYY-MM-DD` in the policy timezone. */
export type IsoDate = string;

export interface Delegation {
  to: string;
  from: IsoDate;
  until: IsoDate;
}

/** A member of the directory (loaded from the policy file). */
export interface Person {
  id: string;
  name: string;
  roles: Role[];
  manager?: string;
  delegate?: Delegation;
  /** `dingtalk:<staffId>` / `wecom:<userid>`. */
  identities: string[];
}

/** Working calendar: which instants count as working time. */
export interface CalendarConfig {
  timezone: string;
  /** ISO weekdays that are normally working days (1 = Monday … 7 = Sunday). */
  workdays: number[];
  /** Working periods within a working day, `HH:mm` 24-hour, ascending, non-overlapping. */
  hours: { start: string; end: string }[];
  /** Use the official Chinese holidays / make-up workdays from `chinese-days`. */
  officialHolidays: boolean;
  /** Company days off on top of the official list. */
  extraHolidays: IsoDate[];
  /** Days that are worked although the rules above say otherwise. */
  extraWorkdays: IsoDate[];
}

/** One step of an approval chain as written in the policy. */
export interface ChainStepSpec {
  /** The role the step needs; used for labels and for resolving the assignee. */
  role?: Role;
  /** A specific person id; wins over `role` when set. */
  person?: string;
  /** Time limit in working hours; falls back to the policy's per-role / default limit. */
  hours?: number;
}

export interface RoutingRule {
  name: string;
  match: {
    types?: ContractType[];
    /** Inclusive lower bound in fen. */
    minFen?: number;
    /** Exclusive upper bound in fen. */
    belowFen?: number;
    risks?: Risk[];
  };
  chain: ChainStepSpec[];
}

/** A field-by-field change between two versions. */
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}
