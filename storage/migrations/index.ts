import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { CardDelivery1764100000000 } from './1764100000000-card-delivery';
import { OutboxClaims1764200000000 } from './1764200000000-outbox-claims';
import { InboxClaims1764300000000 } from './1764300000000-inbox-claims';
import { SpentSignatures1764400000000 } from './1764400000000-spent-signatures';
import { StepNextReminder1764500000000 } from './1764500000000-step-next-reminder';
import { OutboxRateIndex1764510000000 } from './1764510000000-outbox-rate-index';
import { BoundedLookups1764520000000 } from './1764520000000-bounded-lookups';
import { Fulfilment17645300000000 } from './17645300000000-fulfilment';
import { ServiceTickets17645400000000 } from './17645400000000-service-tickets';
import { OutboxAttachments17645500000000 } from './17645500000000-outbox-attachments';
import { DirectoryMembers17645600000000 } from './17645600000000-directory-members';
import { OutboxRetention17645650000000 } from './17645650000000-outbox-retention';
import { OutboxPartialIndexes17645660000000 } from './17645660000000-outbox-partial-indexes';

/** Every migration, oldest first. Run at start-up; never edit one that has shipped: add a new one. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  CardDelivery1764100000000,
  OutboxClaims1764200000000,
  InboxClaims1764300000000,
  SpentSignatures1764400000000,
  StepNextReminder1764500000000,
  OutboxRateIndex1764510000000,
  BoundedLookups1764520000000,
  Fulfilment17645300000000,
  ServiceTickets17645400000000,
  OutboxAttachments17645500000000,
  DirectoryMembers17645600000000,
  OutboxRetention17645650000000,
  OutboxPartialIndexes17645660000000,
];
