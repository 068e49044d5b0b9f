// The single entry point from a transport into the use-cases: a parsed command or a card button.

import { commandUsage, helpText } from './commands/help';
import { FIELD_LIMITS } from './commands/limits';
import { AppError } from './domain/errors';
import { charLength, cleanLine, cleanParagraphs } from './domain/text';
import type { Command, ParseOutcome } from './commands/command';
import { outboxStatus } from './admin';
import { approveStep, rejectStep, todo, transferStep, urgeStep } from './approvals';
import { cancelDraft, contractDetails, editContract, myContracts, newContract, signContract, submitContract, withdrawContract } from './contracts';
import { customerProfile, newCustomer } from './customers';
import type { Ctx, Deps } from './context';
import { logFollowUp } from './follow-ups';
import { exportData, showReport } from './reports';
import { advanceTicket, callbackTicket, objectTicket, openTicket, rateTicket, ticketDetails } from './service';
import { addMilestone, completeMilestone, delayMilestone } from './milestones';
import { addPaymentNode, recordReceipt } from './payments';
import { raiseProblem, resolveProblem } from './problems';
import type { CardAction, View } from './ports';
import { text } from './views';

export async function executeCommand(deps: Deps, ctx: Ctx, command: Command): Promise<View[]> {
  switch (command.name) {
    case 'help':
      return [text(helpText())];
    case 'new_customer':
      return newCustomer(deps, ctx, command);
    case 'customer':
      return customerProfile(deps, ctx, command);
    case 'new_contract':
      return newContract(deps, ctx, command);
    case 'edit':
      return editContract(deps, ctx, command);
    case 'submit':
      return submitContract(deps, ctx, command);
    case 'cancel':
      return cancelDraft(deps, ctx, command);
    case 'approve':
      return approveStep(deps, ctx, command);
    case 'reject':
      return rejectStep(deps, ctx, command);
    case 'transfer':
      return transferStep(deps, ctx, command);
    case 'urge':
      return urgeStep(deps, ctx, command);
    case 'withdraw':
      return withdrawContract(deps, ctx, command);
    case 'todo':
      return todo(deps, ctx);
    case 'contract':
      return contractDetails(deps, ctx, command);
    case 'my_contracts':
      return myContracts(deps, ctx);
    case 'signed':
      return signContract(deps, ctx, command);
    case 'follow_up':
      return logFollowUp(deps, ctx, command);
    case 'outbox_status':
      return outboxStatus(deps, ctx);
    case 'report':
      return showReport(deps, ctx, command);
    case 'export':
      return exportData(deps, ctx, command);
    case 'service':
      return openTicket(deps, ctx, command);
    case 'ack':
    case 'respond':
      return advanceTicket(deps, ctx, { ticketNo: command.ticketNo, step: command.name, note: command.note });
    case 'resolve':
      // One 解决 for everything resolvable: the target's kind (the number's prefix) picks the use-case.
      switch (command.target.kind) {
        case 'ticket':
          return advanceTicket(deps, ctx, { ticketNo: command.target.ticketNo, step: 'resolve', note: command.note });
        case 'problem':
          return resolveProblem(deps, ctx, { number: command.target.problemNo, note: command.note ?? '' });
      }
      break;
    case 'callback':
      return callbackTicket(deps, ctx, command);
    case 'rate':
      return rateTicket(deps, ctx, command);
    case 'objection':
      return objectTicket(deps, ctx, command);
    case 'ticket':
      return ticketDetails(deps, ctx, command);
    case 'milestone':
      return addMilestone(deps, ctx, command);
    case 'milestone_done':
      return completeMilestone(deps, ctx, command);
    case 'milestone_delay':
      return delayMilestone(deps, ctx, command);
    case 'payment_node':
      return addPaymentNode(deps, ctx, command);
    case 'receipt':
      return recordReceipt(deps, ctx, command);
    case 'problem':
      return raiseProblem(deps, ctx, command);
  }
}

/**
 * A card button. Approve/reject/transfer carry the step and version the card was issued for, so an
 * old card can never decide a newer version. Reject and transfer need words the button cannot carry:
 * `extra` is the reason / the person, when the platform collected it; otherwise the reply says what to type.
 */
export async function executeCardAction(deps: Deps, ctx: Ctx, action: CardAction, rawExtra?: string): Promise<View[]> {
  switch (action.type) {
    case 'submit':
      return submitContract(deps, ctx, action);
    case 'cancel':
      return cancelDraft(deps, ctx, action);
    case 'approve': {
      const comment = cardText('意见', rawExtra, `同意 ${action.contractNo} 价格合理`);
      return approveStep(deps, ctx, { contractNo: action.contractNo, comment: comment || undefined, ref: action });
    }
    case 'reject': {
      const reason = cardText('原因', rawExtra, `驳回 ${action.contractNo} 付款条件不清楚`);
      if (!reason) return [text(`请回复驳回原因：驳回 ${action.contractNo} <原因>`)];
      return rejectStep(deps, ctx, { contractNo: action.contractNo, reason, ref: action });
    }
    case 'transfer': {
      const to = cardText('转交人', rawExtra, `转交 ${action.contractNo} 王五`);
      if (!to) return [text(`请回复转交给谁：转交 ${action.contractNo} <姓名>`)];
      return transferStep(deps, ctx, { contractNo: action.contractNo, to, ref: action });
    }
  }
}

/**
 * Text a platform collected with a card button (a reason, a person): it did not pass the command parser,
 * so it gets the same normalisation and limit here.
 */
function cardText(field: '意见' | '原因' | '转交人', raw: string | undefined, example: string): string {
  if (raw === undefined) return '';
  const value = field === '转交人' ? cleanLine(raw) : cleanParagraphs(raw);
  const size = charLength(value);
  if (size > FIELD_LIMITS[field]) {
    throw new AppError('invalid_input', `「${field}」最长 ${FIELD_LIMITS[field]} 个字，现在有 ${size} 个字，请精简。例：${example}`);
  }
  return value;
}

/** The reply to a message that did not parse: what was wrong and an example, or the help summary. */
export function replyToUnparsed(outcome: Exclude<ParseOutcome, { ok: true }>): View[] {
  if (outcome.kind === 'unknown') return [text(`没看懂这条消息。\n${helpText()}`)];
  return [text(`「${outcome.field}」有误：${outcome.message}\n例：${outcome.example}\n${commandUsage(outcome.command)}`)];
}
