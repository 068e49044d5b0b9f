// The interfaces the use-cases need from the outside world. storage/ implements the repositories and
// the unit of work; bot/ implements the notifier; main.ts wires them. Nothing here does I/O.

import type {
  ChainStepSpec,
  ContractStatus,
  ContractType,
  FieldChange,
  FollowUpMethod,
  IsoDate,
  Person,
  Risk,
  Role,
  RoutingRule,
  Tier,
} from './domain/types';
import type { FulfilmentPolicy } from './domain/fulfilment';

// ---------------------------------------------------------------------------------------------
// Time and transactions

export interface Clock {
  now(): Date;
}

/** An open transaction. Opaque to the use-cases: they only pass it on to the repositories. */
export interface Tx {
  readonly __tx: unique symbol;
}

export interface UnitOfWork {
  /** Runs `work` in one transaction: all its writes commit together or none do. */
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

// ---------------------------------------------------------------------------------------------
// Records as the use-cases see them

export interface CustomerRecord {
  id: number;
  code: string;
  name: string;
  aliases: string[];
  tier: Tier;
  ownerId: string;
  nextFollowUpDue: IsoDate | null;
  createdAt: Date;
}

/** The contract fields that versions track. */
export interface ContractFieldsSnapshot {
  title: string;
  customerId: number;
  type: ContractType;
  amountFen: number;
  risk: Risk;
  startDate: IsoDate | null;
  endDate: IsoDate | null;
  autoRenew: boolean;
  paymentTerms: string | null;
}

export interface ContractRecord extends ContractFieldsSnapshot {
  id: number;
  number: string;
  currency: 'CNY';
  ownerId: string;
  status: ContractStatus;
  /** Current version number; approval steps are bound to one version. */
  version: number;
  /** Approval round; each submit or restart opens a new round. */
  round: number;
  routeRule: string | null;
  routeExplanation: string | null;
  submittedAt: Date | null;
  signedDate: IsoDate | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ContractVersionRecord {
  id: number;
  contractId: number;
  version: number;
  authorId: string;
  createdAt: Date;
  snapshot: ContractFieldsSnapshot;
  changes: FieldChange[];
}

export type StepStatus = 'waiting' | 'pending' | 'approved' | 'rejected' | 'cancelled';

export interface ApprovalStepRecord {
  id: number;
  contractId: number;
  version: number;
  round: number;
  seq: number;
  /** What the step is for (a role, or 'person' when the policy names someone). */
  role: Role | 'person';
  assigneeId: string;
  /** When the step went to a delegate: the person the delegate acts for. */
  actingFor: string | null;
  status: StepStatus;
  hours: number;
  activatedAt: Date | null;
  dueAt: Date | null;
  reminderCount: number;
  lastRemindedAt: Date | null;
  /**
   * While pending with a due time: when its next reminder is due (the due time, then advanced by each
   * reminder); null otherwise. The reminder tick reads only the steps whose next reminder has come.
   */
  nextReminderAt: Date | null;
  lastUrgedAt: Date | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  decidedActingFor: string | null;
  comment: string | null;
}

export interface FollowUpRecord {
  id: number;
  customerId: number;
  authorId: string;
  contractId: number | null;
  method: FollowUpMethod | null;
  content: string;
  at: Date;
  nextDue: IsoDate;
}

export type MilestoneStatus = 'open' | 'done';

/** A 延期: from which planned date to which, why, by whom. */
export interface MilestoneDelay {
  from: IsoDate;
  to: IsoDate;
  reason: string;
  by: string;
  at: string;
}

export interface MilestoneRecord {
  id: number;
  contractId: number;
  /** Position in the contract's plan (1, 2, …); a milestone can be named by it. */
  seq: number;
  name: string;
  responsibleId: string;
  /** The current plan; `originalDate` is the first plan, which delays are measured against. */
  plannedDate: IsoDate;
  originalDate: IsoDate;
  status: MilestoneStatus;
  doneDate: IsoDate | null;
  delays: MilestoneDelay[];
  createdBy: string;
  createdAt: Date;
}

export interface PaymentNodeRecord {
  id: number;
  contractId: number;
  seq: number;
  plannedDate: IsoDate;
  amountFen: number;
  /** What of the contract's receipts is allocated to this node (oldest node first). */
  receivedFen: number;
  label: string;
  /** 'terms': from the contract's 付款 at signing; 'manual': added by 付款节点. */
  source: 'terms' | 'manual';
  createdBy: string;
  createdAt: Date;
}

export interface PaymentReceiptRecord {
  id: number;
  contractId: number;
  amountFen: number;
  receivedDate: IsoDate;
  recordedBy: string;
  recordedAt: Date;
}

export type ProblemStatus = 'open' | 'resolved';

export interface ProblemRecord {
  id: number;
  /** WT-<year>-<4-digit sequence>. */
  number: string;
  contractId: number;
  description: string;
  impact: string | null;
  raisedBy: string;
  responsibleId: string;
  raisedAt: Date;
  deadlineAt: Date;
  status: ProblemStatus;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolution: string | null;
}

/** Something of a contract with the contract fields an alert needs. */
export type WithContract<T> = T & { contract: Pick<ContractRecord, 'id' | 'number' | 'title' | 'ownerId' | 'status'> };

export interface AuditEventRecord {
  id: number;
  at: Date;
  actorId: string | null;
  actingFor: string | null;
  action: string;
  contractId: number | null;
  customerId: number | null;
  detail: Record<string, unknown>;
  platform: string;
  automatic: boolean;
}

// ---------------------------------------------------------------------------------------------
// Messages: platform-neutral view models that the renderers in cards/ turn into platform JSON

export type CardAction =
  | { type: 'submit' | 'cancel'; contractNo: string }
  | { type: 'approve' | 'reject' | 'transfer'; contractNo: string; stepId: number; version: number };

export interface CardButton {
  label: string;
  style: 'primary' | 'danger' | 'default';
  action: CardAction;
  /** The equivalent chat command, for transports without buttons (console, markdown fallback). */
  command: string;
}

export interface CardView {
  kind: 'approval' | 'preview' | 'contract' | 'customer' | 'result' | 'follow_up' | 'list' | 'ticket' | 'satisfaction';
  /** Stable id of the card, so a platform can update it in place (e.g. `approval:12`). */
  cardKey?: string;
  title: string;
  subtitle?: string;
  fields: { label: string; value: string }[];
  /** Extra lines under the fields (timeline, notes). */
  lines?: string[];
  buttons: CardButton[];
  /** Set once the card is final, e.g. `已同意 · 张三 · 11-22 14:05`; buttons are then inert. */
  status?: string;
}

/** Text from users, customer records or the directory inside {@link Markup}: always shown literally. */
export interface UserText {
  readonly user: string;
}

declare const trustedMarkup: unique symbol;

/**
 * Markdown the bot itself wrote (`**bold**` and line breaks, the subset DingTalk and WeCom share), with
 * user text kept apart so that each renderer escapes it for its target. Only the `md` tag of
 * handlers/views.ts makes one: every value interpolated there becomes {@link UserText}, so a use-case
 * cannot put user text into the trusted parts by mistake.
 */
export interface Markup {
  readonly [trustedMarkup]: true;
  readonly parts: readonly (string | UserText)[];
}

/**
 * What a use-case replies or notifies with. Every string in a `text` view and in a `CardView` is plain
 * text (it may hold user text anywhere): renderers show it literally, never as markup. Only the trusted
 * parts of a `markdown` view's `text` are markup.
 */
export type View =
  | { type: 'text'; text: string }
  | { type: 'markdown'; title: string; text: Markup }
  | { type: 'card'; card: CardView };

export type Recipient =
  | { kind: 'person'; personId: string }
  | { kind: 'channel'; channel: string }
  /** The chat a command came from (a 1:1 chat or a group where the bot was @-mentioned). */
  | {
      kind: 'conversation';
      platform: string;
      conversationId: string;
      conversationType?: 'direct' | 'group';
      personId: string | null;
      /** A platform's short-lived reply URL for this chat (DingTalk sessionWebhook), while valid. */
      replyWebhook?: { url: string; expiresAt: number };
    };

export interface OutgoingMessage {
  /** Unique: a second enqueue with the same key is ignored (exactly-once notifications). */
  dedupeKey: string;
  to: Recipient;
  views: View[];
  /** Urgent messages pass quiet hours (used by the schedules). */
  urgent?: boolean;
  /**
   * Set when the message updates cards already sent (by their `cardKey`) instead of sending a new
   * one: a platform that can edit cards in place does so; the views say what the card shows now.
   */
  updatesCard?: string;
  /** Charts and files sent after the views (as image/file messages, or signed download links). */
  attachments?: Attachment[];
}

/** A bar chart the transports draw as a PNG: one value per label for each series. */
export interface ChartSpec {
  title: string;
  labels: string[];
  /** null: nothing to measure there (no bar, rather than a bar at zero). */
  series: { name: string; values: (number | null)[] }[];
  /** Axis title, e.g. 小时. */
  unit: string;
  width: number;
  height: number;
}

/**
 * What a message carries besides its views. Kept as what makes the bytes (chart data, CSV text), so
 * the outbox row alone can make them again after a restart or for a download link.
 */
export type Attachment =
  | { kind: 'chart'; fileName: string; chart: ChartSpec }
  | { kind: 'csv'; fileName: string; content: string };

export interface OutboxRecord extends OutgoingMessage {
  id: number;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  nextAttemptAt: Date;
  createdAt: Date;
  sentAt: Date | null;
  lastError: string | null;
}

/** Cards a platform delivered, with the handle needed to update each one later (e.g. a WeCom response_code). */
export interface CardDeliveryRecord {
  id: number;
  platform: string;
  cardKey: string;
  recipient: string;
  handle: string;
  sentAt: Date;
  usedAt: Date | null;
}

export interface CardDeliveryStore {
  record(tx: Tx, card: Omit<CardDeliveryRecord, 'id' | 'usedAt'>): Promise<void>;
  /** Deliveries of a card to a recipient whose handle has not been used yet, oldest first. */
  listUnused(tx: Tx, platform: string, cardKey: string, recipient: string): Promise<CardDeliveryRecord[]>;
  markUsed(tx: Tx, id: number, at: Date): Promise<void>;
  /**
   * Deletes up to `limit` records (id > `afterId`, oldest first) sent before `before` that no card
   * update can need any more: used, or not the card of an approval step still pending. Returns how
   * many were looked at (a full batch means more may follow) and the last id looked at.
   */
  prune(tx: Tx, before: Date, afterId: number, limit: number): Promise<{ looked: number; deleted: number; lastId: number }>;
}

export interface Notifier {
  /** Delivers one message; throws on failure so the outbox retries it. */
  deliver(message: OutboxRecord): Promise<void>;
  /**
   * The per-minute limit this message counts against on the platform that will carry it; null when
   * it counts against none (a DingTalk sessionWebhook reply, a card update); absent or undefined:
   * the outbox decides by the kind of recipient (defaultRateTarget).
   */
  rateTarget?(message: OutboxRecord): RateTarget | null | undefined;
}

/** What a platform limits per minute: a WeCom member (30 app messages), a group robot (20). */
export interface RateTarget {
  /** The limited thing, e.g. `wecom:zhangsan` (a member) or `channel:approvals` (a robot). */
  key: string;
  /** Which configured limit applies. */
  limit: 'person' | 'channel';
  /** The outbox recipient keys whose sends reach it (a WeCom member's direct chat and the person). */
  recipientKeys: string[];
}

// ---------------------------------------------------------------------------------------------
// Repositories: each method takes the transaction first

export type NewCustomer = Omit<CustomerRecord, 'id' | 'code'>;
export type NewContract = Omit<ContractRecord, 'id' | 'number' | 'updatedAt'>;
export type NewStep = Omit<ApprovalStepRecord, 'id'>;

/** What a reminder needs of a due step: listReminderDue reads these columns only. */
export type ReminderStep = Pick<ApprovalStepRecord, 'id' | 'contractId' | 'seq' | 'role' | 'assigneeId' | 'dueAt' | 'reminderCount'>;

/** A step whose reminder is due, and what a reminder says about its contract. */
export interface ReminderDue {
  step: ReminderStep;
  contract: Pick<ContractRecord, 'id' | 'number' | 'title'>;
}

/** A reminder sent (count and time), or only the step's next reminder time moved. */
export interface ReminderUpdate {
  id: number;
  nextReminderAt: Date;
  sent?: { reminderCount: number; at: Date };
}

export interface Repositories {
  sequences: {
    /** Next value of a named counter (1, 2, …); never hands out a value twice. */
    next(tx: Tx, name: string): Promise<number>;
  };
  customers: {
    insert(tx: Tx, code: string, c: NewCustomer): Promise<CustomerRecord>;
    findById(tx: Tx, id: number): Promise<CustomerRecord | null>;
    findByCode(tx: Tx, code: string): Promise<CustomerRecord | null>;
    findByIds(tx: Tx, ids: readonly number[]): Promise<CustomerRecord[]>;
    /** Every customer (tests and tools only: commands and jobs read bounded sets). */
    listAll(tx: Tx): Promise<CustomerRecord[]>;
    /** The customers owned by any of these people, by id (empty list → none). */
    listByOwners(tx: Tx, ownerIds: readonly string[]): Promise<CustomerRecord[]>;
    /**
     * Customers with a name or alias whose normalised form (normalizeCustomerName) is one of `keys`,
     * owned by one of `owners` (null: anyone's).
     */
    findByNameKeys(tx: Tx, keys: readonly string[], owners: readonly string[] | null): Promise<CustomerRecord[]>;
    /**
     * At most about `limit` customers whose normalised names may be close to `key`: those containing
     * it or contained in it, then those sharing its first or last characters. The caller decides closeness.
     */
    findNameCandidates(tx: Tx, key: string, owners: readonly string[] | null, limit: number): Promise<CustomerRecord[]>;
    /** Customers whose next follow-up is due on or before `today`, by id after `afterId`, `limit` at most. */
    listFollowUpDue(tx: Tx, today: IsoDate, afterId: number, limit: number): Promise<CustomerRecord[]>;
    countFollowUpDue(tx: Tx, today: IsoDate): Promise<number>;
    setNextFollowUpDue(tx: Tx, id: number, due: IsoDate): Promise<void>;
  };
  contracts: {
    insert(tx: Tx, number: string, c: NewContract): Promise<ContractRecord>;
    findById(tx: Tx, id: number): Promise<ContractRecord | null>;
    findByNumber(tx: Tx, number: string): Promise<ContractRecord | null>;
    findByIds(tx: Tx, ids: readonly number[]): Promise<ContractRecord[]>;
    listByOwner(tx: Tx, ownerId: string): Promise<ContractRecord[]>;
    /** An owner's contracts in these states, newest first, `limit` at most. */
    listByOwnerInStates(tx: Tx, ownerId: string, statuses: readonly ContractStatus[], limit: number): Promise<ContractRecord[]>;
    /** How many contracts an owner has in each state. */
    countByOwnerPerStatus(tx: Tx, ownerId: string): Promise<Partial<Record<ContractStatus, number>>>;
    listByCustomer(tx: Tx, customerId: number): Promise<ContractRecord[]>;
    /** A customer's contracts not in these states, oldest first, `limit` at most, and how many there are. */
    listByCustomerExcept(
      tx: Tx,
      customerId: number,
      except: readonly ContractStatus[],
      limit: number,
    ): Promise<{ contracts: ContractRecord[]; total: number }>;
    /** Contracts in any of these states. */
    listByStatus(tx: Tx, statuses: ContractStatus[]): Promise<ContractRecord[]>;
    /** Contracts in these states with an end date on or before `until`, by id after `afterId`, `limit` at most. */
    listEndingBy(tx: Tx, statuses: readonly ContractStatus[], until: IsoDate, afterId: number, limit: number): Promise<ContractRecord[]>;
    /** Conditional update: applies only while the contract still has `expected` values. */
    update(
      tx: Tx,
      id: number,
      expected: { version: number; status?: ContractStatus },
      patch: Partial<Omit<ContractRecord, 'id' | 'number' | 'createdAt'>>,
    ): Promise<boolean>;
  };
  versions: {
    insert(tx: Tx, v: Omit<ContractVersionRecord, 'id'>): Promise<ContractVersionRecord>;
    listByContract(tx: Tx, contractId: number): Promise<ContractVersionRecord[]>;
  };
  steps: {
    insertMany(tx: Tx, steps: NewStep[]): Promise<ApprovalStepRecord[]>;
    findById(tx: Tx, id: number): Promise<ApprovalStepRecord | null>;
    /**
     * The step as last committed, for telling who won after a conditional update matched nothing
     * (MySQL's repeatable-read snapshot would still show the step as it was when the transaction began).
     */
    findCommitted(tx: Tx, id: number): Promise<ApprovalStepRecord | null>;
    listByContract(tx: Tx, contractId: number): Promise<ApprovalStepRecord[]>;
    /** The steps of these contracts, by contract, round and seq. */
    listByContracts(tx: Tx, contractIds: readonly number[]): Promise<ApprovalStepRecord[]>;
    /** Pending steps of these assignees, oldest first (`limit` at most when given). */
    listPendingForAssignees(tx: Tx, assigneeIds: string[], limit?: number): Promise<ApprovalStepRecord[]>;
    /** Steps still to be decided by these people: pending now, or waiting for earlier steps; oldest first. */
    listOpenForAssignees(tx: Tx, assigneeIds: string[], limit: number): Promise<ApprovalStepRecord[]>;
    countPendingForAssignees(tx: Tx, assigneeIds: string[]): Promise<number>;
    /** How many pending steps are past their due time. */
    countOverdue(tx: Tx, now: Date): Promise<number>;
    /** Pending steps whose due time has passed, oldest due first. */
    listOverdue(tx: Tx, now: Date, limit: number): Promise<ApprovalStepRecord[]>;
    /**
     * Pending steps whose next reminder is due by `now` (nextReminderAt), the longest-waiting first, with
     * their contracts; reads only those (an index), and holds them until the transaction ends: a step
     * another transaction is changing is skipped, to be read by a later tick.
     */
    listReminderDue(tx: Tx, now: Date, limit: number): Promise<ReminderDue[]>;
    /** For steps listReminderDue returned (still pending): their reminder count and times; returns how many changed. */
    recordReminders(tx: Tx, updates: ReminderUpdate[]): Promise<number>;
    /** Conditional update: applies only while the step still has status `from`; false otherwise. */
    transition(
      tx: Tx,
      id: number,
      from: StepStatus,
      patch: Partial<Omit<ApprovalStepRecord, 'id' | 'contractId' | 'version' | 'round' | 'seq'>>,
    ): Promise<boolean>;
  };
  followUps: {
    insert(tx: Tx, f: Omit<FollowUpRecord, 'id'>): Promise<FollowUpRecord>;
    listByCustomer(tx: Tx, customerId: number, limit: number): Promise<FollowUpRecord[]>;
  };
  milestones: {
    insertMany(tx: Tx, ms: Omit<MilestoneRecord, 'id'>[]): Promise<void>;
    listByContract(tx: Tx, contractId: number): Promise<MilestoneRecord[]>;
    /** Conditional update: applies only while the milestone is `from` with this planned date; false otherwise. */
    update(tx: Tx, id: number, expected: { status: MilestoneStatus; plannedDate: IsoDate }, patch: Partial<Pick<MilestoneRecord, 'status' | 'doneDate' | 'plannedDate' | 'delays'>>): Promise<boolean>;
    /** Open milestones of signed/performing contracts planned on or before `until`, by id after `afterId`. */
    listOpenDueBy(tx: Tx, until: IsoDate, afterId: number, limit: number): Promise<WithContract<MilestoneRecord>[]>;
    /**
     * Milestones whose original plan falls in [from, to], with their contracts, by original date;
     * `owners`: only of contracts these people own (null or absent: everyone's).
     */
    listOriginallyDueIn(tx: Tx, from: IsoDate, to: IsoDate, limit: number, owners?: readonly string[] | null): Promise<WithContract<MilestoneRecord>[]>;
  };
  payments: {
    insertNodes(tx: Tx, nodes: Omit<PaymentNodeRecord, 'id'>[]): Promise<void>;
    listNodes(tx: Tx, contractId: number): Promise<PaymentNodeRecord[]>;
    setNodeReceived(tx: Tx, updates: { id: number; receivedFen: number }[]): Promise<void>;
    /**
     * Adds `amountFen` to the contract's received total only if the total stays within the contract
     * amount (one conditional statement, so concurrent receipts cannot both pass); the new total, or
     * null when it would exceed the amount.
     */
    addReceived(tx: Tx, contractId: number, amountFen: number): Promise<number | null>;
    /** The contract's received total; `latest`: as last committed (a locking read), not the transaction's snapshot. */
    receivedOf(tx: Tx, contractId: number, options?: { latest?: boolean }): Promise<number>;
    insertReceipt(tx: Tx, r: Omit<PaymentReceiptRecord, 'id'>): Promise<PaymentReceiptRecord>;
    listReceipts(tx: Tx, contractId: number): Promise<PaymentReceiptRecord[]>;
    /** Nodes planned before `today` not fully received, of contracts in these states, by id after `afterId`. */
    listOverdueNodes(tx: Tx, today: IsoDate, afterId: number, limit: number): Promise<WithContract<PaymentNodeRecord>[]>;
    listNodesPlannedIn(tx: Tx, from: IsoDate, to: IsoDate, limit: number): Promise<WithContract<PaymentNodeRecord>[]>;
    listReceiptsIn(tx: Tx, from: IsoDate, to: IsoDate, limit: number): Promise<WithContract<PaymentReceiptRecord>[]>;
  };
  problems: {
    insert(tx: Tx, p: Omit<ProblemRecord, 'id'>): Promise<ProblemRecord>;
    findByNumber(tx: Tx, number: string): Promise<ProblemRecord | null>;
    listByContract(tx: Tx, contractId: number): Promise<ProblemRecord[]>;
    /** Conditional: resolves only an open problem; false when it was resolved already. */
    resolve(tx: Tx, id: number, patch: { resolvedAt: Date; resolvedBy: string; resolution: string }): Promise<boolean>;
    /** Open problems past their deadline at `now`, by id after `afterId`. */
    listOpenOverdue(tx: Tx, now: Date, afterId: number, limit: number): Promise<WithContract<ProblemRecord>[]>;
    /** Problems raised in [from, to), with their contracts, oldest first; `owners` as for milestones. */
    listRaisedIn(tx: Tx, from: Date, to: Date, limit: number, owners?: readonly string[] | null): Promise<WithContract<ProblemRecord>[]>;
  };
  audit: {
    append(tx: Tx, e: Omit<AuditEventRecord, 'id'>): Promise<void>;
    /** Many events in few statements (a scheduled job's), in order. */
    appendMany(tx: Tx, events: Omit<AuditEventRecord, 'id'>[]): Promise<void>;
    listByContract(tx: Tx, contractId: number): Promise<AuditEventRecord[]>;
    /** A contract's events of one kind, oldest first. */
    listByContractAndAction(tx: Tx, contractId: number, action: string): Promise<AuditEventRecord[]>;
  };
  reports: ReportRepository;
  outbox: {
    /** False when a message with the same dedupe key was already enqueued. */
    enqueue(tx: Tx, message: OutgoingMessage, now: Date): Promise<boolean>;
    /** Many messages in few statements, in order; a key already enqueued is skipped, as by enqueue. */
    enqueueMany(tx: Tx, messages: OutgoingMessage[], now: Date): Promise<void>;
    /** Which of `keys` were enqueued already (as a message, or carried by a digest). */
    existingKeys(tx: Tx, keys: string[]): Promise<Set<string>>;
    /**
     * Records messages a digest carries instead of sending them (channel-digest.ts): their keys are
     * taken, so they are never sent on their own, and nothing else of them is kept.
     */
    markCarried(tx: Tx, messages: Pick<OutgoingMessage, 'dedupeKey' | 'to'>[], now: Date): Promise<void>;
    status(tx: Tx, now: Date): Promise<OutboxStatus>;
  };
  serviceTickets: ServiceTicketRepository;
}

/**
 * Reads for the reports (product.md §7). `owners`: only contracts owned by / follow-ups written by
 * these people; null for everyone's. Ranges are half-open [from, to).
 */
export interface ReportRepository {
  countCreated(tx: Tx, from: Date, to: Date, owners: readonly string[] | null): Promise<number>;
  /** Contracts whose signed date is in [fromDate, toDate): how many and their total amount in fen. */
  sumSigned(tx: Tx, fromDate: IsoDate, toDate: IsoDate, owners: readonly string[] | null): Promise<{ count: number; amountFen: number }>;
  /** Steps approved or rejected in the range. */
  listDecidedSteps(tx: Tx, from: Date, to: Date, owners: readonly string[] | null): Promise<ApprovalStepRecord[]>;
  /** Steps due in the range that were decided after their due time or are still undecided. */
  countStepsOverdue(tx: Tx, from: Date, to: Date, owners: readonly string[] | null): Promise<number>;
  /** Follow-ups logged in the range, per author. */
  countFollowUpsByAuthor(tx: Tx, from: Date, to: Date, owners: readonly string[] | null): Promise<{ personId: string; count: number }[]>;
  /** Customers whose next follow-up was due before `today`, per owner. */
  countOverdueFollowUpsByOwner(tx: Tx, today: IsoDate, owners: readonly string[] | null): Promise<{ personId: string; count: number }[]>;
  /** The contract ledger: contracts by number, `limit` at most. */
  listLedger(tx: Tx, owners: readonly string[] | null, limit: number): Promise<ContractRecord[]>;
}

// ---------------------------------------------------------------------------------------------
// The slice of the policy file the workflow needs (config.ts builds it from the YAML)

export interface WorkflowPolicy {
  timezone: string;
  routing: RoutingRule[];
  defaultRisk: Risk;
  /** Working-hour limit of a step without its own `hours`, by role, with a default. */
  stepHours: Partial<Record<Role | 'person', number>> & { default: number };
  /** Minimum working hours between two urges of one step. */
  urgeThrottleHours: number;
  tiers: Record<Tier, { followUpDays: number }>;
  defaultTier: Tier;
  /** Milestones, payment nodes and problems; defaults (DEFAULT_FULFILMENT_POLICY) when absent. */
  fulfilment?: FulfilmentPolicy;
}

export interface NoticePolicy {
  /** Days before a contract's end date to tell its owner (e.g. [30, 7]). */
  expiryNoticeDays: number[];
  /** For auto-renew contracts: objections are due this many days before the end date. */
  renewalObjectionDays: number;
  /** Channels by alert kind (`follow_up_overdue`, `digest`, …). */
  channels: Record<string, string | undefined>;
}

export interface ReminderPolicy {
  intervalHours: number;
  copyManagerAfter: number;
  alertChannelAfter: number;
  /** The channel overdue approvals are posted to (policy `alerts.approval_overdue`), if any. */
  channel?: string;
}

// ---------------------------------------------------------------------------------------------
// Directory synced from the platforms

export type DirectoryPlatform = 'wecom' | 'dingtalk';

/** A member of a platform's directory as the last sync saw it (kept, inactive, after they left). */
export interface DirectoryMemberRecord {
  platform: DirectoryPlatform;
  /** WeCom userid / DingTalk userid (staffId). */
  userId: string;
  /** The person this account belongs to (one person may have an account on each platform). */
  personId: string;
  name: string;
  /** The platform user id of their manager (WeCom direct_leader, DingTalk manager_userid). */
  managerUserId: string | null;
  /** The synced departments they are in, as department ids, sorted. */
  departments: string[];
  active: boolean;
  updatedAt: Date;
}

export interface DirectoryStore {
  listMembers(tx: Tx): Promise<DirectoryMemberRecord[]>;
  /** Inserts or updates members by (platform, userId); never deletes. */
  saveMembers(tx: Tx, members: readonly DirectoryMemberRecord[]): Promise<void>;
  /**
   * Makes the person tables hold exactly these people as active (inserted or updated, identities
   * replaced); anyone else is marked inactive, never deleted: their history points at them.
   */
  mirrorPeople(tx: Tx, people: readonly Person[]): Promise<void>;
  /** Changes whenever a sync changed a member: other instances poll it to reload their directory. */
  revision(tx: Tx): Promise<string>;
}

/** One instance at a time runs a job: the holder of its unexpired lease. */
export interface LeaseStore {
  acquire(tx: Tx, name: string, holder: string, until: Date, now: Date): Promise<boolean>;
  release(tx: Tx, name: string, holder: string): Promise<void>;
}

export type { ChainStepSpec };

// ---------------------------------------------------------------------------------------------
// Inbox and outbox delivery: used by the dispatch path and the outbox dispatcher

/** received → done (answered, refusals included) | dead (given up after its attempts); `failed` is historic. */
export type InboxStatus = 'received' | 'done' | 'failed' | 'dead';

export interface InboxRecord {
  id: number;
  deliveryKey: string;
  platform: string;
  kind: string;
  /** The normalized event; `{ pruned: true }` once the retention period has passed. */
  payload: Record<string, unknown>;
  status: InboxStatus;
  /** Processing attempts started, counted before each one (so an attempt the process died in counts). */
  attempts: number;
  /** The instance holding the row, until `claimUntil` (nobody takes the row before that instant). */
  claimedBy: string | null;
  claimUntil: Date | null;
  receivedAt: Date;
  error: string | null;
}

/** An inbound event as it is recorded. */
export interface InboxArrival {
  deliveryKey: string;
  platform: string;
  kind: string;
  payload: Record<string, unknown>;
  /**
   * The receiving instance makes the first attempt at once (it must hold a claim): the attempt is
   * counted as the row is recorded, so that attempt needs no claim of its own.
   */
  attempted?: boolean;
}

/** Who takes an inbox row, until when, and the time of taking it. */
export interface InboxClaim {
  holder: string;
  until: Date;
  now: Date;
}

/**
 * Inbound events. Several instances share one inbox: a row is claimed (holder + expiry) before it
 * is processed, and only the holder of the claim can finish it, so no event is processed twice; a
 * claim that runs out (its holder died) lets another instance take the row over.
 */
export interface InboxStore {
  /**
   * Records an inbound event, already claimed by `claim.holder` when given (it is processed at once
   * by the instance that received it); null when its delivery key was seen before (a redelivery).
   */
  accept(
    tx: Tx,
    event: InboxArrival,
    now: Date,
    claim?: { holder: string; until: Date },
  ): Promise<InboxRecord | null>;
  /**
   * `accept` for many events in one transaction (group commit): one result per event, in order; null
   * for a redelivery, including a second event with the same key in `events`.
   */
  acceptMany(tx: Tx, events: InboxArrival[], now: Date, claim?: { holder: string; until: Date }): Promise<(InboxRecord | null)[]>;
  /**
   * Takes the next unfinished rows for one processing attempt each, oldest first, and counts the
   * attempt: rows this holder holds, nobody holds, or whose claim ran out, except `exclude` (rows the
   * holder is working on). At most `limit`, of rows never attempted; a row attempted before (it failed,
   * or its process died) is taken alone, so a row that kills the process costs its batch-mates at most
   * one counted attempt.
   */
  claimNext(tx: Tx, claim: InboxClaim, limit: number, exclude: number[]): Promise<InboxRecord[]>;
  /**
   * Takes an unfinished row for one processing attempt and counts the attempt: the row as it is now,
   * or null when another instance holds it, it waits for a retry, or it is finished.
   */
  claim(tx: Tx, id: number, claim: InboxClaim): Promise<InboxRecord | null>;
  /** Unfinished rows nobody holds (never claimed, claim run out, retry due), oldest first. */
  listClaimable(tx: Tx, now: Date, limit: number): Promise<InboxRecord[]>;
  /** Finishes a row this holder has claimed; false, changing nothing, when the claim was lost or the row is finished. */
  finish(tx: Tx, id: number, holder: string, status: 'done' | 'dead', now: Date, error?: string): Promise<boolean>;
  /** Hands a row back after a failed attempt; nobody takes it before `retryAt`. False when the claim was lost. */
  release(tx: Tx, id: number, holder: string, retryAt: Date, error: string): Promise<boolean>;
  /**
   * Replaces the payload of up to `limit` finished rows received before `before` with a small stub,
   * keeping the delivery key (redeliveries are still recognised), status and timestamps; returns how many.
   */
  prune(tx: Tx, before: Date, now: Date, limit: number): Promise<number>;
  /**
   * Gives up this instance's claims on events it accepted and has not processed (graceful stop), so
   * that the next instance takes them at once instead of after the claim time; returns how many.
   */
  releaseHeld(tx: Tx, holder: string): Promise<number>;
}

/** `person:lisi`, `channel:approvals`, `conversation:wecom:ZhangSan`: messages to one key keep their order. */
export function recipientKey(to: Recipient): string {
  if (to.kind === 'person') return `person:${to.personId}`;
  if (to.kind === 'channel') return `channel:${to.channel}`;
  return `conversation:${to.platform}:${to.conversationId}`;
}

export interface OutboxStatus {
  pending: number;
  /** Pending messages that have failed at least once. */
  failing: number;
  sent: number;
  dead: number;
  recentDead: { id: number; dedupeKey: string; lastError: string | null; createdAt: Date }[];
  nextRetry: Date | null;
}

/**
 * The limit a message counts against when its notifier does not say: a channel's robot; a person;
 * a reply in a WeCom chat (an app message to that member, counted with the person's notifications).
 * Other chat replies and card updates count against nothing.
 */
export function defaultRateTarget(message: OutgoingMessage): RateTarget | null {
  const to = message.to;
  if (message.updatesCard) return null;
  if (to.kind === 'channel') return { key: recipientKey(to), limit: 'channel', recipientKeys: [recipientKey(to)] };
  if (to.kind === 'person') return { key: recipientKey(to), limit: 'person', recipientKeys: [recipientKey(to)] };
  if (to.platform !== 'wecom' || to.conversationType === 'group') return null;
  const person = to.personId ? [recipientKey({ kind: 'person', personId: to.personId })] : [];
  return { key: to.personId ? person[0]! : recipientKey(to), limit: 'person', recipientKeys: [recipientKey(to), ...person] };
}

/** One batch of messages taken for delivery by one instance. */
export interface OutboxClaim {
  now: Date;
  limit: number;
  /** The instance taking them. */
  holder: string;
  /** Nobody else takes them before this instant. */
  until: Date;
}

export interface OutboxStore {
  /**
   * Claims up to `limit` pending messages due now, oldest first, in one transaction. Left out: any
   * message whose recipient has an earlier one waiting (retry, throttle, quiet hours) or claimed by
   * anyone, including one another instance claimed a moment ago (order per recipient); urgent
   * messages may overtake. In id order. `contended`: another instance took some of the messages
   * listed for this claim while it ran (a new claim may find others).
   */
  claimDue(tx: Tx, claim: OutboxClaim): Promise<{ messages: OutboxRecord[]; contended: boolean }>;
  /**
   * Extends this holder's claim on those of `ids` it still holds (pending, claimed by it) to `until`;
   * returns them. A message not returned may be another instance's by now: not to be sent.
   */
  renew(tx: Tx, ids: readonly number[], holder: string, until: Date): Promise<number[]>;
  /** Gives claimed messages back untouched (held behind an earlier message to the same recipient). */
  release(tx: Tx, ids: readonly number[], holder: string): Promise<void>;
  /**
   * Per recipient key (of those given that have any): how many messages were sent after `since`
   * by any instance, and the earliest of those sends.
   */
  sentSince(tx: Tx, recipientKeys: readonly string[], since: Date): Promise<Map<string, { count: number; earliest: Date }>>;
  markSent(tx: Tx, ids: readonly number[], now: Date): Promise<void>;
  markFailed(tx: Tx, id: number, error: string, nextAttemptAt: Date | null): Promise<void>;
  /** Moves the next attempt to `at` without counting an attempt (the target was throttled, quiet hours). */
  defer(tx: Tx, ids: readonly number[], at: Date, reason: string): Promise<void>;
  status(tx: Tx, now: Date): Promise<OutboxStatus>;
  /** A message's attachments (for a download link), or null when there is no such message. */
  findAttachments(tx: Tx, id: number): Promise<Attachment[] | null>;
  /**
   * Empties the content (views, last error) of up to `limit` messages sent before `before`, keeping
   * the dedupe key, recipient, status and times (a message is still never sent twice); returns how many.
   */
  prune(tx: Tx, before: Date, now: Date, limit: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Service tickets (product.md §4, §8): after-sales requests with SLA clocks, satisfaction, objections

export type TicketPriority = 'urgent' | 'general' | 'periodic';
/** How a clock counts: every hour (natural) or only the policy calendar's working hours. */
export type ClockKind = 'natural' | 'working';
export type TicketStatus = 'open' | 'acknowledged' | 'responded' | 'resolved' | 'objection';

/** The four satisfaction dimensions, 1–5 each: 速度, 能力, 态度, 专业. */
export interface TicketRatings {
  speed: number;
  ability: number;
  attitude: number;
  professional: number;
}

export interface ServiceTicketRecord {
  id: number;
  number: string;
  contractId: number;
  priority: TicketPriority;
  description: string;
  status: TicketStatus;
  openedBy: string;
  handlerId: string;
  /** The customer's contact in the directory, when named at 报修: gets the satisfaction card. */
  contactId: string | null;
  clock: ClockKind;
  openedAt: Date;
  confirmDue: Date | null;
  respondDue: Date | null;
  resolveDue: Date | null;
  /** Periodic (巡检) tickets: the agreed visit date. */
  scheduledDate: IsoDate | null;
  acknowledgedAt: Date | null;
  respondedAt: Date | null;
  resolvedAt: Date | null;
  resolution: string | null;
  callbackDue: Date | null;
  callbackAt: Date | null;
  callbackNote: string | null;
  objection: string | null;
  objectionAt: Date | null;
  objectionDue: Date | null;
  objectionClosedAt: Date | null;
  ratings: TicketRatings | null;
  ratedAt: Date | null;
  ratedBy: string | null;
  /** When the SLA job should next look at the ticket (a warning or alert falls due); null: nothing left. */
  nextCheckAt: Date | null;
  /** Bumped by every change: updates are conditional on it. */
  version: number;
}

export type NewServiceTicket = Omit<ServiceTicketRecord, 'id' | 'number' | 'version'>;

export interface ServiceTicketRepository {
  insert(tx: Tx, number: string, t: NewServiceTicket): Promise<ServiceTicketRecord>;
  findByNumber(tx: Tx, number: string): Promise<ServiceTicketRecord | null>;
  /** Conditional update: applies only while the ticket still has `version`; bumps it. */
  update(tx: Tx, id: number, version: number, patch: Partial<Omit<ServiceTicketRecord, 'id' | 'number' | 'version'>>): Promise<boolean>;
  /** Tickets whose next check is due by `now`, by id after `afterId`, `limit` at most. */
  listCheckDue(tx: Tx, now: Date, afterId: number, limit: number): Promise<ServiceTicketRecord[]>;
  /**
   * Tickets opened in [from, to), by id after `afterId`, `limit` at most (reports); `owners`: only of
   * contracts these people own (null or absent: everyone's).
   */
  listOpenedBetween(tx: Tx, from: Date, to: Date, afterId: number, limit: number, owners?: readonly string[] | null): Promise<ServiceTicketRecord[]>;
  /** Tickets rated in [from, to), by id after `afterId`, `limit` at most (reports); `owners` as above. */
  listRatedBetween(tx: Tx, from: Date, to: Date, afterId: number, limit: number, owners?: readonly string[] | null): Promise<ServiceTicketRecord[]>;
}

/** One priority's clocks in hours, and how they count. */
export interface SlaClocks {
  confirm: number;
  respond: number;
  resolve: number;
  clock: ClockKind;
}

export interface ServicePolicy {
  urgent: SlaClocks;
  general: SlaClocks;
  periodic: { agreeDaysAhead: number };
  /** The share of a clock after which the handler is warned (0.8). */
  warnAt: number;
  /** Hours after a breach (same kind as the clock) when the service channel is alerted. */
  escalateAfterHours: number;
  /** Natural hours for the call-back after a resolution, and to settle an objection. */
  callbackHours: number;
  objectionHours: number;
  /** The group channel of SLA alerts (policy `alerts.service_breach`), if any. */
  channel?: string;
}

export const DEFAULT_SERVICE_POLICY: ServicePolicy = {
  urgent: { confirm: 1, respond: 2, resolve: 4, clock: 'natural' },
  general: { confirm: 1, respond: 4, resolve: 24, clock: 'working' },
  periodic: { agreeDaysAhead: 3 },
  warnAt: 0.8,
  escalateAfterHours: 1,
  callbackHours: 24,
  objectionHours: 48,
};
