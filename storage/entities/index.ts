import { ApprovalStepEntity } from './approval-step.entity';
import { AuditEventEntity } from './audit-event.entity';
import { CardDeliveryEntity } from './card-delivery.entity';
import { ContractEntity, ContractVersionEntity } from './contract.entity';
import { CustomerEntity } from './customer.entity';
import { CustomerNameEntity } from './customer-name.entity';
import { DirectoryMemberEntity } from './directory-member.entity';
import { FollowUpEntity } from './follow-up.entity';
import { MilestoneEntity, PaymentNodeEntity, PaymentReceiptEntity, ProblemEntity } from './fulfilment.entity';
import { InboxEntity, JobLeaseEntity, OutboxEntity, SequenceEntity } from './messaging.entity';
import { PersonEntity, PersonIdentityEntity } from './person.entity';
import { ServiceTicketEntity } from './service-ticket.entity';
import { SpentSignatureEntity } from './spent-signature.entity';

export {
  ApprovalStepEntity,
  AuditEventEntity,
  CardDeliveryEntity,
  ContractEntity,
  ContractVersionEntity,
  CustomerEntity,
  CustomerNameEntity,
  DirectoryMemberEntity,
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
  ServiceTicketEntity,
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
  DirectoryMemberEntity,
  ServiceTicketEntity,
  MilestoneEntity,
  PaymentNodeEntity,
  PaymentReceiptEntity,
  ProblemEntity,
];
