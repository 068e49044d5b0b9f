// How much text each field takes, the same on every database. Each limit fits the column it is stored
// in (varchar lengths in storage/entities count characters on PostgreSQL and MySQL utf8mb4; SQLite
// would store anything), and text columns get a limit a person would never need to exceed.

/** Characters (code points) per field, by the field's Chinese label as the replies name it. */
export const FIELD_LIMITS = {
  /** contract.title varchar(200) */
  标题: 200,
  /** customer.name varchar(200); also what 客户:… / 跟进 <客户> look up */
  名称: 200,
  客户: 200,
  /** each alias, compared and shown like a name (customer.aliases is a JSON text column) */
  别名: 200,
  /** contract.payment_terms text */
  付款: 1000,
  /** approval_step.comment text and the audit detail */
  意见: 500,
  原因: 500,
  /** follow_up.content text */
  内容: 2000,
  /** a person's name (person.name varchar(100)), id or identity */
  转交人: 100,
  联系人: 100,
  负责人: 100,
  /** milestone.name varchar(50) */
  里程碑: 50,
  /** payment_node.label varchar(100) */
  节点说明: 100,
  /** service_ticket.description, fulfilment_problem.description text */
  描述: 2000,
  /** fulfilment_problem.impact varchar(200) */
  影响: 200,
  /** service_ticket.resolution / callback_note, fulfilment_problem.resolution text and the audit detail */
  说明: 1000,
  /** service_ticket.objection text */
  异议: 1000,
} as const;

export type LimitedField = keyof typeof FIELD_LIMITS;

/** At most this many aliases per customer. */
export const MAX_ALIASES = 20;

/** Fields with a closed set of values or a fixed form (金额, 日期, 类型, …) are never longer than this. */
export const SHORT_FIELD_LIMIT = 50;

/** A whole message, however many fields it has: the longest command (a follow-up) needs about 2,300. */
export const MESSAGE_LIMIT = 4000;

/** Date ranges, in years relative to today (policy timezone), except the fixed earliest date. */
export const DATE_RANGE = {
  /** No date before this is accepted anywhere: 1900-01-01 is a typo, not a contract. */
  earliest: '2000-01-01',
  /** Contract start and end dates: at most this many years from today. */
  contractYearsAhead: 30,
  /** 下次跟进: at most this many years from today. */
  followUpYearsAhead: 1,
} as const;
