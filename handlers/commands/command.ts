// Typed chat commands: what the parser produces and the use-cases take.

import type { Period } from '../domain/period';
import type { ContractType, FollowUpMethod, IsoDate, Risk, Tier } from '../domain/types';
import type { TicketPriority, TicketRatings } from '../ports';

/** The fields of a contract a user can set; `amountFen` is integer fen (分). */

export interface ContractFields {
  title: string;
  amountFen: number;
  type: ContractType;
  risk?: Risk;
  startDate?: IsoDate;
  endDate?: IsoDate;
  paymentTerms?: string;
  autoRenew?: boolean;
}

export type Command =
  | { name: 'help' }
  /** `confirm` (确认:是) confirms a name close to an existing customer or alias. */
  | { name: 'new_customer'; customerName: string; tier?: Tier; aliases: string[]; confirm: boolean }
  | { name: 'customer'; query: string }
  | { name: 'new_contract'; fields: ContractFields & { customer: string; amountFen: number; type: ContractType; title: string } }
  /** `changes` holds at least one field. */
  | { name: 'edit'; contractNo: string; changes: Partial<ContractFields & { customer: string }> }
  | { name: 'submit'; contractNo: string }
  /** 取消 a draft (the preview card's second button). */
  | { name: 'cancel'; contractNo: string }
  | { name: 'approve'; contractNo: string; comment?: string }
  | { name: 'reject'; contractNo: string; reason: string }
  /** `to` is a person's name or id as typed; resolved against the directory later. */
  | { name: 'transfer'; contractNo: string; to: string }
  | { name: 'urge'; contractNo: string }
  | { name: 'withdraw'; contractNo: string }
  | { name: 'todo' }
  | { name: 'contract'; contractNo: string }
  | { name: 'my_contracts' }
  | { name: 'outbox_status' }
  | { name: 'signed'; contractNo: string; date?: IsoDate }
  /** `报表 [时间段]`: the period is parsed (default: this month). */
  | { name: 'report'; period: Period }
  /** `导出 台账` / `导出 报表 [时间段]`. */
  | { name: 'export'; what: 'ledger' }
  | { name: 'export'; what: 'report'; period: Period }
  | { name: 'follow_up'; customer: string; content: string; method?: FollowUpMethod; next?: IsoDate; contractNo?: string }
  /** `milestone` is a name or the milestone's position in the plan (`2`). */
  | { name: 'milestone'; contractNo: string; milestone: string; planned: IsoDate; responsible?: string }
  | { name: 'milestone_done'; contractNo: string; milestone: string; date?: IsoDate }
  | { name: 'milestone_delay'; contractNo: string; milestone: string; newDate: IsoDate; reason: string }
  | { name: 'payment_node'; contractNo: string; date: IsoDate; amountFen: number; label?: string }
  | { name: 'receipt'; contractNo: string; amountFen: number; date?: IsoDate }
  | { name: 'problem'; contractNo: string; description: string; impact?: string; responsible?: string }
  /** 报修: `contact` is a person's name or id as typed; `date` the agreed visit date of a periodic ticket. */
  | { name: 'service'; contractNo: string; priority: TicketPriority; description: string; contact?: string; date?: IsoDate }
  | { name: 'ack' | 'respond' | 'callback'; ticketNo: string; note?: string }
  /**
   * 解决: one command for everything that can be resolved; the number's prefix picks the use-case
   * (FW- a service ticket, WT- a fulfilment problem).
   */
  | { name: 'resolve'; target: ResolveTarget; note?: string }
  | { name: 'rate'; ticketNo: string; ratings: TicketRatings }
  | { name: 'objection'; ticketNo: string; content: string }
  | { name: 'ticket'; ticketNo: string };

/** What 解决 resolves, by the prefix of its number. */
export type ResolveTarget = { kind: 'ticket'; ticketNo: string } | { kind: 'problem'; problemNo: string };

export type CommandName = Command['name'];

export type ParseOutcome =
  | { ok: true; command: Command }
  | { ok: false; kind: 'unknown' }
  | {
      ok: false;
      kind: 'invalid';
      command: CommandName;
      /** The field in Chinese, e.g. 金额. */
      field: string;
      /** What is wrong, in Chinese. */
      message: string;
      /** A complete, correct command line. */
      example: string;
    };
