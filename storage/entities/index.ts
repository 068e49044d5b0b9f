import { ApprovalStepEntity } from './approval-step.entity';
import { AuditEventEntity } from './audit-event.entity';
import { CardDeliveryEntity } from './card-delivery.entity';
import { ContractEntity, ContractVersionEntity } from './contract.entity';
import { CustomerEntity } from './customer.entity';
import { CustomerNameEntity } from './customer-name.entity';
import { FollowUpEntity } from './follow-up.entity';
import { MilestoneEntity, PaymentNodeEntity, PaymentReceiptEntity, ProblemEntity } from './fulfilment.entity';
import { InboxEntity, JobLeaseEntity, OutboxEntity, SequenceEntity } from './messaging.entity';
import { PersonEntity, PersonIdentityEntity } from './person.entity';
import { SpentSignatureEntity } from './spent-signature.entity';

export {
  ApprovalStepEntity,
  AuditEventEntity,
  CardDeliveryEntity,
  ContractEntity,
  ContractVersionEntity,
  CustomerEntity,
  CustomerNameEntity,
  FollowUpEntity,
  InboxEntity,
  MilestoneEntity,
  PaymentNodeEntity,
  PaymentReceiptEntity,
  ProblemEntity,
  JobLeaseEntity,
  OutboxEntity,
  PersonEntity,
  PersonIdentityEntity,
  SequenceEntity,
  SpentSignatureEntity,
};

export const ENTITIES = [
  PersonEntity,
  PersonIdentityEntity,
  SequenceEntity,
  CustomerEntity,
  CustomerNameEntity,
  ContractEntity,
  ContractVersionEntity,
  ApprovalStepEntity,
  FollowUpEntity,
  AuditEventEntity,
  InboxEntity,
  OutboxEntity,
  JobLeaseEntity,
  CardDeliveryEntity,
  SpentSignatureEntity,
  MilestoneEntity,
  PaymentNodeEntity,
  PaymentReceiptEntity,
  ProblemEntity,
];
